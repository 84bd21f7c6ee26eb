/**
 * Declared access of the project's contracts, for the engine's run-time conformance check: the
 * access manifests written by the build (`<Contract>.access`), matched to running code
 * through the project's {@link ContractIndex} (so a frame's contract is the one revert messages
 * and the report name).
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Abi, Hex } from "viem";
import { decodeSlot } from "../access/decode.ts";
import type { AccessManifest } from "../access/manifest.ts";
import { type CallEnvironment, type CalleeDeclarations, composeCalls } from "../access/calls.ts";
import { compileManifestForRuntime, type RuntimeDeclarations } from "../access/runtime.ts";
import type {
  DeclarationSource,
  DeclarationSourceSpec,
  FrameCheck,
} from "../engine/conformance.ts";
import { type ContractArtifact, ContractIndex } from "../contracts/contract-index.ts";

interface Entry {
  manifest: AccessManifest;
  runtime: RuntimeDeclarations;
}

export class ManifestDeclarations implements DeclarationSource {
  readonly #contracts: ContractIndex;
  readonly #byContract = new Map<string, Entry>();
  /** Code bytes → fully qualified name (or null): code arrays are shared, so identity works. */
  readonly #byCode = new WeakMap<Uint8Array, string | null>();

  constructor(contracts: ContractIndex) {
    this.#contracts = contracts;
  }

  /** Number of contracts with a manifest. */
  get size(): number {
    return this.#byContract.size;
  }

  /** Rebuilds a source in a worker thread from {@link workerSpec}'s data. */
  static fromData(data: {
    artifacts: ContractArtifact[];
    manifests: AccessManifest[];
  }): ManifestDeclarations {
    const declarations = new ManifestDeclarations(new ContractIndex(data.artifacts));
    for (const manifest of data.manifests) declarations.add(manifest);
    return declarations;
  }

  workerSpec(): DeclarationSourceSpec {
    return {
      module: import.meta.url,
      factory: "declarationsFromData",
      data: {
        artifacts: this.#contracts.artifacts(),
        manifests: [...this.#byContract.values()].map((e) => e.manifest),
      },
    };
  }

  /** Adds a contract's manifest (its artifact must be in the index to be recognised). */
  add(manifest: AccessManifest, abi?: Abi): void {
    this.#byContract.set(`${manifest.sourceName}:${manifest.contractName}`, {
      manifest,
      runtime: compileManifestForRuntime(manifest, abi),
    });
  }

  /** The manifest of the contract running `code`, if any. */
  #entry(code: Uint8Array): Entry | undefined {
    let fqn = this.#byCode.get(code);
    if (fqn === undefined) {
      fqn = this.#contracts.byRuntimeCode(bytesToHex(code) as Hex)?.fqn ?? null;
      this.#byCode.set(code, fqn);
    }
    return fqn === null ? undefined : this.#byContract.get(fqn);
  }

  frame(
    code: Uint8Array,
    calldata: Hex,
    sender: Hex,
    origin: Hex,
    self: Hex,
    env?: CallEnvironment,
  ): FrameCheck | undefined {
    const entry = this.#entry(code);
    if (entry === undefined) return undefined;
    const address = self.toLowerCase() as Hex;
    const state =
      env === undefined ? undefined : { code, storage: (slot: Hex) => env.storage(address, slot) };
    const declaration = entry.runtime(calldata, sender, origin, self, undefined, state);
    const { manifest } = entry;
    const lookup = (callee: Uint8Array): CalleeDeclarations | undefined => this.#entry(callee);
    const calls = declaration.calls;
    return {
      ...(calls === undefined
        ? {}
        : {
            calls: (env) =>
              composeCalls(calls, { code, self: self.toLowerCase() as Hex, origin }, env, lookup),
            calleeLabel: (composed, address, slot) => {
              const callee = composed.storage.get(address);
              return callee === undefined
                ? undefined
                : decodeSlot(callee.manifest.storageLayout, callee.contract, slot, [
                    self,
                    sender,
                    origin,
                    address,
                    ...addressWords(calldata),
                  ])?.label;
            },
          }),
      contract: manifest.contractName,
      function: declaration.signature ?? declaration.selector ?? "(fallback)",
      declared: declaration.declared,
      mayRead: (slot, preimages) => declaration.mayRead(slot, preimages),
      mayWrite: (slot, preimages) => declaration.mayWrite(slot, preimages),
      label: (slot) =>
        decodeSlot(manifest.storageLayout, manifest.contractName, slot, [sender, origin, self])
          ?.label,
      slots:
        declaration.declared && declaration.decodeError === undefined
          ? {
              reads: declaration.reads,
              writes: declaration.writes,
              anyRead: declaration.readMatchers.length > 0 || declaration.writeMatchers.length > 0,
              anyWrite: declaration.writeMatchers.length > 0,
            }
          : undefined,
    };
  }
}

/** The address-shaped words of a call's arguments: candidate mapping keys for labels. */
function addressWords(calldata: Hex): Hex[] {
  const out: Hex[] = [];
  for (let i = 10; i + 64 <= calldata.length; i += 64) {
    const word = calldata.slice(i, i + 64);
    if (word.startsWith("000000000000000000000000") && word !== "0".repeat(64))
      out.push(`0x${word.slice(24)}` as Hex);
  }
  return out;
}

/** The factory {@link ManifestDeclarations.workerSpec} names (module-level, for dynamic import). */
export const declarationsFromData = (data: {
  artifacts: ContractArtifact[];
  manifests: AccessManifest[];
}): ManifestDeclarations => ManifestDeclarations.fromData(data);
