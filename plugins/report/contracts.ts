/**
 * Naming contracts and functions from Hardhat artifacts, so that reports say
 * `SharedCounter.bump` and `SharedCounter.count` rather than `0x5fbd…:0xabcd1234` and
 * `storage(0x5fbd…)[0x0]`.
 *
 * - A contract is identified by comparing the runtime code at its address (from the engine's
 *   state, or `eth_getCode`) with every artifact's `deployedBytecode`, ignoring the CBOR
 *   metadata that solc appends (its length is in the last two bytes), the bytes of immutable
 *   variables (`immutableReferences`) and of linked libraries (`deployedLinkReferences`).
 *   Source of the metadata layout: Solidity docs, "Contract Metadata — Encoding of the
 *   Metadata Hash in the Bytecode".
 * - A function is named from the identified contract's ABI by selector; for code no artifact
 *   matches, from any artifact that has the selector (first by fully qualified name).
 * - Storage layouts (for `Contract.variable[key]` labels) come from the contract's access
 *   manifest next to its artifact (`<Contract>.access.json`, written by the build hook of
 *   `sdk/access`), else from the build-info output when the project compiles with
 *   `storageLayout` in solc's `outputSelection`.
 */
import { readFile } from "node:fs/promises";
import { toFunctionSelector, toFunctionSignature, type AbiFunction, type Hex } from "viem";
import type { ArtifactManager } from "hardhat/types/artifacts";
import type { StorageLayout } from "../../sdk/access/layout.ts";
import { manifestPathForArtifact, readManifest } from "../../sdk/access/manifest.ts";

/** The fields of a Hardhat artifact the index reads. */
export interface IndexedArtifact {
  contractName: string;
  sourceName: string;
  abi: readonly unknown[];
  /** 0x-prefixed hex; may contain `__$<hash>$__` library placeholders. */
  deployedBytecode: string;
  deployedLinkReferences?: Record<string, Record<string, Array<{ start: number; length: number }>>>;
  immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
  /** solc input source name (`project/contracts/X.sol`); Hardhat ≥ 3 writes it. */
  inputSourceName?: string;
  buildInfoId?: string;
}

/** A contract the index knows. */
export interface ContractInfo {
  /** Contract name, e.g. `SharedCounter`. */
  name: string;
  /** Fully qualified name, e.g. `contracts/Counter.sol:SharedCounter`. */
  fqn: string;
  /** Function name by lowercase 4-byte selector (signature when the name is overloaded). */
  functions: ReadonlyMap<Hex, string>;
  artifact: IndexedArtifact;
}

/** Loads the storage layout of a contract; `undefined` when none is available. */
export type LayoutLoader = (contract: ContractInfo) => Promise<StorageLayout | undefined>;

interface CodeEntry {
  contract: ContractInfo;
  /** Runtime code without metadata, placeholders zeroed. */
  code: Uint8Array;
  /** Byte ranges to ignore (immutables, library addresses). */
  masks: Array<{ start: number; length: number }>;
}

/** Artifacts indexed by runtime code and selectors. */
export class ArtifactIndex {
  readonly contracts: readonly ContractInfo[];
  readonly #byLength = new Map<number, CodeEntry[]>();
  readonly #bySelector = new Map<Hex, string>();
  readonly #identified = new Map<string, ContractInfo | null>();
  readonly #layouts = new Map<string, Promise<StorageLayout | undefined>>();
  readonly #loadLayout: LayoutLoader | undefined;

  /**
   * @param artifacts artifacts with their fully qualified names; the index is deterministic
   *   (entries are sorted by fully qualified name, the first match wins). Entries that are not
   *   contract artifacts (no `abi` or `deployedBytecode`) are skipped.
   * @param loadLayout how to find a contract's storage layout (see {@link layoutLoaderFor}).
   */
  constructor(artifacts: ReadonlyArray<{ fqn: string; artifact: IndexedArtifact }>, loadLayout?: LayoutLoader) {
    this.#loadLayout = loadLayout;
    const sorted = [...artifacts].sort((a, b) => (a.fqn < b.fqn ? -1 : a.fqn > b.fqn ? 1 : 0));
    const contracts: ContractInfo[] = [];
    for (const { fqn, artifact } of sorted) {
      // Other JSON files next to the artifacts (e.g. `<Contract>.access.json` manifests) are
      // listed by Hardhat's artifact manager too: only contract artifacts are indexed.
      if (!Array.isArray(artifact.abi) || typeof artifact.deployedBytecode !== "string" || typeof artifact.contractName !== "string") {
        continue;
      }
      const contract: ContractInfo = { name: artifact.contractName, fqn, functions: abiFunctions(artifact.abi), artifact };
      contracts.push(contract);
      for (const [selector, name] of contract.functions) {
        if (!this.#bySelector.has(selector)) this.#bySelector.set(selector, name);
      }
      const bytecode = artifact.deployedBytecode.replace(/__\$[0-9a-fA-F]{34}\$__/g, "0".repeat(40));
      if (!/^0x([0-9a-fA-F]{2})+$/.test(bytecode)) continue; // abstract contracts, interfaces
      const code = hexToBytes(bytecode);
      const stripped = code.subarray(0, code.length - metadataLength(code));
      const masks = [
        ...Object.values(artifact.immutableReferences ?? {}).flat(),
        ...Object.values(artifact.deployedLinkReferences ?? {}).flatMap((libs) => Object.values(libs).flat()),
      ];
      const entries = this.#byLength.get(stripped.length) ?? [];
      entries.push({ contract, code: stripped, masks });
      this.#byLength.set(stripped.length, entries);
    }
    this.contracts = contracts;
  }

  /**
   * Indexes every artifact of a Hardhat project.
   * @throws what Hardhat's artifact manager throws for unreadable artifacts.
   */
  static async fromArtifactManager(artifacts: ArtifactManager): Promise<ArtifactIndex> {
    const names = [...(await artifacts.getAllFullyQualifiedNames())];
    const entries = await Promise.all(
      names.map(async (fqn) => {
        try {
          return { fqn, artifact: (await artifacts.readArtifact(fqn)) as unknown as IndexedArtifact };
        } catch {
          return undefined; // removed since it was listed (a concurrent build)
        }
      }),
    );
    return new ArtifactIndex(
      entries.filter((e): e is { fqn: string; artifact: IndexedArtifact } => e !== undefined),
      layoutLoaderFor(artifacts),
    );
  }

  /**
   * The contract whose runtime code is `code` (0x hex, as at the address), or `undefined`.
   * Results are cached per code.
   */
  identify(code: Hex): ContractInfo | undefined {
    const cached = this.#identified.get(code);
    if (cached !== undefined) return cached ?? undefined;
    let found: ContractInfo | undefined;
    if (/^0x([0-9a-fA-F]{2})+$/.test(code)) {
      const bytes = hexToBytes(code);
      const stripped = bytes.subarray(0, bytes.length - metadataLength(bytes));
      for (const entry of this.#byLength.get(stripped.length) ?? []) {
        if (sameCode(stripped, entry.code, entry.masks)) {
          found = entry.contract;
          break;
        }
      }
    }
    this.#identified.set(code, found ?? null);
    return found;
  }

  /**
   * The function a selector calls: from `contract`'s ABI when given and it has it, else from
   * the first artifact (by fully qualified name) that has it.
   */
  functionName(selector: Hex, contract?: ContractInfo): string | undefined {
    const key = selector.toLowerCase() as Hex;
    return contract?.functions.get(key) ?? this.#bySelector.get(key);
  }

  /** The storage layout of a contract (cached), or `undefined` when none can be found. */
  layout(contract: ContractInfo): Promise<StorageLayout | undefined> {
    let layout = this.#layouts.get(contract.fqn);
    if (layout === undefined) {
      layout = this.#loadLayout === undefined ? Promise.resolve(undefined) : this.#loadLayout(contract).catch(() => undefined);
      this.#layouts.set(contract.fqn, layout);
    }
    return layout;
  }
}

/**
 * The layout loader of a Hardhat project: the access manifest next to the artifact
 * (`X.access.json`), else the `storageLayout` output in the contract's build-info output file
 * (present when `solidity.settings.outputSelection` asks for it). Build-info outputs are read
 * once per build.
 */
export function layoutLoaderFor(artifacts: ArtifactManager): LayoutLoader {
  const outputs = new Map<string, Promise<unknown>>();
  return async (contract) => {
    try {
      const manifest = await readManifest(manifestPathForArtifact(await artifacts.getArtifactPath(contract.fqn)));
      if (manifest.storageLayout !== undefined) return manifest.storageLayout;
    } catch {
      // no manifest (the access build hook did not run, or an older build): try the build info
    }
    const buildInfoId = contract.artifact.buildInfoId ?? (await artifacts.getBuildInfoId(contract.fqn));
    if (buildInfoId === undefined) return undefined;
    let output = outputs.get(buildInfoId);
    if (output === undefined) {
      output = artifacts
        .getBuildInfoOutputPath(buildInfoId)
        .then((path) => (path === undefined ? undefined : readFile(path, "utf8").then((text) => JSON.parse(text) as unknown)));
      outputs.set(buildInfoId, output);
    }
    const json = (await output) as
      | { output?: { contracts?: Record<string, Record<string, { storageLayout?: StorageLayout }>> } }
      | undefined;
    const source = contract.artifact.inputSourceName ?? `project/${contract.artifact.sourceName}`;
    return json?.output?.contracts?.[source]?.[contract.name]?.storageLayout;
  };
}

/**
 * Length in bytes of the CBOR metadata solc appends to runtime code (including the two length
 * bytes), or 0 when the code does not end with it.
 */
export function metadataLength(code: Uint8Array): number {
  if (code.length < 2) return 0;
  const length = (code[code.length - 2] << 8) | code[code.length - 1];
  const start = code.length - 2 - length;
  if (length === 0 || start < 0) return 0;
  // A CBOR map (major type 5) with a small number of entries: 0xa1..0xa7.
  return code[start] >= 0xa1 && code[start] <= 0xa7 ? length + 2 : 0;
}

function sameCode(a: Uint8Array, b: Uint8Array, masks: ReadonlyArray<{ start: number; length: number }>): boolean {
  if (a.length !== b.length) return false;
  if (masks.length === 0) return Buffer.compare(a, b) === 0;
  const skip = new Uint8Array(a.length);
  for (const { start, length } of masks) skip.fill(1, start, Math.min(start + length, a.length));
  for (let i = 0; i < a.length; i++) {
    if (skip[i] === 0 && a[i] !== b[i]) return false;
  }
  return true;
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

function abiFunctions(abi: readonly unknown[]): Map<Hex, string> {
  const functions = (abi as Array<{ type?: string; name?: string }>).filter(
    (item): item is AbiFunction => item.type === "function" && typeof item.name === "string",
  );
  const counts = new Map<string, number>();
  for (const fn of functions) counts.set(fn.name, (counts.get(fn.name) ?? 0) + 1);
  const result = new Map<Hex, string>();
  for (const fn of functions) {
    const signature = toFunctionSignature(fn);
    result.set(toFunctionSelector(signature).toLowerCase() as Hex, (counts.get(fn.name) ?? 0) > 1 ? signature : fn.name);
  }
  return result;
}
