/**
 * Known contracts (from the project's compilation artifacts), so the network can speak about
 * them the way Hardhat's EDR network does: decode custom errors in revert messages, tell that a
 * call hit an unknown selector, and find the contract running in a call frame (declared-access
 * checks, `./declarations.ts`).
 *
 * Runtime code is matched to artifacts by {@link RuntimeCodeMatcher} (metadata, immutables and
 * library addresses ignored); a deployment is matched by its init code starting with the
 * artifact's `bytecode`.
 */
import {
  type Abi,
  type AbiFunction,
  decodeErrorResult,
  getAddress,
  type Hex,
  toFunctionSelector,
  toFunctionSignature,
} from "viem";
import { type RuntimeCodeArtifact, RuntimeCodeMatcher } from "../contracts/code-matcher.ts";

type AbiError = Extract<Abi[number], { type: "error" }>;

/** The fields of a Hardhat artifact the registry uses. */
export interface ContractArtifact extends RuntimeCodeArtifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

export interface KnownContract {
  artifact: ContractArtifact;
  /** Function selectors of the ABI. */
  selectors: Set<Hex>;
  hasFallback: boolean;
  hasReceive: boolean;
}

export class ContractRegistry {
  readonly #contracts: KnownContract[] = [];
  readonly #byCode = new RuntimeCodeMatcher<KnownContract>();
  readonly #errors = new Map<Hex, AbiError>();

  /** Adds artifacts (duplicates by fully qualified name are ignored). */
  add(artifacts: Iterable<ContractArtifact>): void {
    const seen = new Set(this.#contracts.map((c) => `${c.artifact.sourceName}:${c.artifact.contractName}`));
    for (const artifact of artifacts) {
      // Other JSON files under artifacts/ (e.g. access manifests) are not contracts.
      if (!Array.isArray(artifact?.abi) || typeof artifact.deployedBytecode !== "string") continue;
      const fqn = `${artifact.sourceName}:${artifact.contractName}`;
      if (seen.has(fqn)) continue;
      seen.add(fqn);
      const functions = artifact.abi.filter((i): i is AbiFunction => i.type === "function");
      const known: KnownContract = {
        artifact,
        selectors: new Set(functions.map((f) => toFunctionSelector(toFunctionSignature(f)))),
        hasFallback: artifact.abi.some((i) => i.type === "fallback"),
        hasReceive: artifact.abi.some((i) => i.type === "receive"),
      };
      this.#contracts.push(known);
      this.#byCode.add(artifact, known);
      for (const item of artifact.abi) {
        if (item.type === "error") {
          // An error's selector is derived like a function's: keccak-256 of `Name(types)`.
          this.#errors.set(toFunctionSelector(toFunctionSignature({ ...item, type: "function", outputs: [], stateMutability: "nonpayable" } as AbiFunction)), item);
        }
      }
    }
  }

  get size(): number {
    return this.#contracts.length;
  }

  /** The artifacts added so far. */
  artifacts(): ContractArtifact[] {
    return this.#contracts.map((c) => c.artifact);
  }

  /**
   * The contract whose runtime code this is (0x hex), if any artifact matches; see
   * {@link RuntimeCodeMatcher.match} for what is ignored and which artifact wins. Cached per code.
   */
  byRuntimeCode(code: Hex): KnownContract | undefined {
    return this.#byCode.match(code);
  }

  /** The contract a deployment's init code creates, if any artifact matches. */
  byInitCode(initCode: Hex): KnownContract | undefined {
    return this.#contracts.find((c) => c.artifact.bytecode.length > 2 && initCode.startsWith(c.artifact.bytecode));
  }

  /** Formats revert data of a known custom error as EDR does: `Name(arg, ...)`. */
  describeCustomError(data: Hex): string | undefined {
    const abiError = this.#errors.get(data.slice(0, 10) as Hex);
    if (abiError === undefined) return undefined;
    try {
      const { errorName, args } = decodeErrorResult({ abi: [abiError], data });
      return `${errorName}(${(args ?? []).map(formatValue).join(", ")})`;
    } catch {
      return undefined;
    }
  }
}

/** Argument formatting of EDR's messages: checksummed quoted addresses, decimal integers. */
function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") {
    if (/^0x[0-9a-fA-F]{40}$/.test(value)) return `"${getAddress(value)}"`;
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "object" && value !== null) return `[${Object.values(value).map(formatValue).join(", ")}]`;
  return String(value);
}
