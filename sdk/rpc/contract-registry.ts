/**
 * Known contracts (from the project's compilation artifacts), so the network can speak about
 * them the way Hardhat's EDR network does: decode custom errors in revert messages, tell that a
 * call hit an unknown selector, and name the contract at an address (reports).
 *
 * Code is matched against an artifact's `deployedBytecode` with its immutable positions masked
 * (solc's `immutableReferences`); a deployment is matched by its init code starting with the
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

type AbiError = Extract<Abi[number], { type: "error" }>;

/** The fields of a Hardhat artifact the registry uses. */
export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
  immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
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
  readonly #byLength = new Map<number, KnownContract[]>();
  readonly #errors = new Map<Hex, AbiError>();
  readonly #byCodeCache = new Map<string, KnownContract | null>();

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
      const length = (artifact.deployedBytecode.length - 2) / 2;
      if (length > 0) {
        const list = this.#byLength.get(length) ?? [];
        list.push(known);
        this.#byLength.set(length, list);
      }
      for (const item of artifact.abi) {
        if (item.type === "error") {
          // An error's selector is derived like a function's: keccak-256 of `Name(types)`.
          this.#errors.set(toFunctionSelector(toFunctionSignature({ ...item, type: "function", outputs: [], stateMutability: "nonpayable" } as AbiFunction)), item);
        }
      }
    }
    this.#byCodeCache.clear();
  }

  get size(): number {
    return this.#contracts.length;
  }

  /** The artifacts added so far. */
  artifacts(): ContractArtifact[] {
    return this.#contracts.map((c) => c.artifact);
  }

  /** The contract whose runtime code this is, if any artifact matches. */
  byRuntimeCode(code: Hex): KnownContract | undefined {
    const cached = this.#byCodeCache.get(code);
    if (cached !== undefined) return cached ?? undefined;
    const length = (code.length - 2) / 2;
    const found = this.#byLength.get(length)?.find((c) => sameCode(code, c.artifact)) ?? null;
    this.#byCodeCache.set(code, found);
    return found ?? undefined;
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

function sameCode(code: Hex, artifact: ContractArtifact): boolean {
  const expected = artifact.deployedBytecode.toLowerCase();
  const actual = code.toLowerCase();
  if (expected === actual) return true;
  const refs = Object.values(artifact.immutableReferences ?? {}).flat();
  if (refs.length === 0) return false;
  // Compare with the immutable ranges (bytes) masked out.
  const mask = new Array<boolean>(expected.length).fill(false);
  for (const { start, length } of refs) for (let i = 2 + 2 * start; i < 2 + 2 * (start + length); i++) mask[i] = true;
  for (let i = 2; i < expected.length; i++) if (!mask[i] && expected[i] !== actual[i]) return false;
  return true;
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
