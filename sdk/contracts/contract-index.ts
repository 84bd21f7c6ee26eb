/**
 * The known contracts of a project, from its compilation artifacts: one index that every place
 * naming or decoding a contract uses, so a contract gets the same name everywhere — revert
 * messages and declared-access checks in `sdk/rpc`, contract, function and storage names in the
 * parallelism analysis (`sdk/analysis/naming.ts`).
 *
 * - A contract is recognised by its runtime code with {@link RuntimeCodeMatcher} (solc's CBOR
 *   metadata, immutables and linked library addresses ignored), a deployment by its init code
 *   starting with the artifact's `bytecode`.
 * - Contracts are kept sorted by fully qualified name, whatever order artifacts are added in:
 *   when several artifacts have the same code (two copies of one contract under different
 *   names), the one whose metadata also matches wins, else the first by fully qualified name.
 * - A function is named from the recognised contract's ABI by selector; for code no artifact
 *   matches, from any artifact that has the selector (first by fully qualified name).
 * - Storage layouts (for `Contract.variable[key]` labels) come from a {@link LayoutLoader} the
 *   creator gives (a Hardhat project's: `plugins/internal/project-contracts.ts`).
 *
 * @example
 * ```ts
 * const index = new ContractIndex(artifacts);
 * index.byRuntimeCode(await client.getCode({ address }))?.name; // "Vault"
 * index.describeCustomError("0x…"); // "TooLarge(101)"
 * ```
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
import type { StorageLayout } from "../access/layout.ts";
import { type RuntimeCodeArtifact, RuntimeCodeMatcher } from "./code-matcher.ts";

type AbiError = Extract<Abi[number], { type: "error" }>;

/** The fields of a Hardhat (or solc-shaped) artifact the index reads. */
export interface ContractArtifact extends RuntimeCodeArtifact {
  contractName: string;
  /** Source name, e.g. `contracts/Counter.sol`; with `contractName` the fully qualified name. */
  sourceName: string;
  /** The ABI (JSON as compiled; items are read by `type` and `name`). */
  abi: readonly unknown[];
  /** Init code, 0x hex: recognises deployments (revert messages of a failed creation). */
  bytecode?: string;
  /** solc input source name (`project/contracts/X.sol`); Hardhat ≥ 3 writes it. */
  inputSourceName?: string;
  buildInfoId?: string;
}

/** A contract the index knows. */
export interface IndexedContract {
  /** Contract name, e.g. `SharedCounter`. */
  name: string;
  /** Fully qualified name, `<sourceName>:<contractName>`, e.g. `contracts/Counter.sol:SharedCounter`. */
  fqn: string;
  /** Function name by lowercase 4-byte selector (signature when the name is overloaded). */
  functions: ReadonlyMap<Hex, string>;
  hasFallback: boolean;
  hasReceive: boolean;
  artifact: ContractArtifact;
}

/** Loads the storage layout of a contract; `undefined` when none is available. */
export type LayoutLoader = (contract: IndexedContract) => Promise<StorageLayout | undefined>;

export interface ContractIndexOptions {
  /** How to find a contract's storage layout; without it {@link ContractIndex.layout} finds none. */
  loadLayout?: LayoutLoader;
}

export class ContractIndex {
  readonly #byFqn = new Map<string, IndexedContract>();
  /** Everything below is derived from `#byFqn` in fully-qualified-name order by `#rebuild`. */
  #contracts: IndexedContract[] = [];
  #byCode = new RuntimeCodeMatcher<IndexedContract>();
  #bySelector = new Map<Hex, string>();
  #errors = new Map<Hex, AbiError>();
  readonly #layouts = new Map<string, Promise<StorageLayout | undefined>>();
  readonly #loadLayout: LayoutLoader | undefined;

  /** @param artifacts added as by {@link add}. */
  constructor(artifacts: Iterable<ContractArtifact> = [], options: ContractIndexOptions = {}) {
    this.#loadLayout = options.loadLayout;
    this.add(artifacts);
  }

  /**
   * Adds artifacts. Entries that are not contract artifacts (no `abi` array, `deployedBytecode`
   * or `contractName` string — e.g. the access manifests Hardhat lists next to the artifacts)
   * are skipped; an artifact whose fully qualified name is already known is ignored.
   */
  add(artifacts: Iterable<ContractArtifact>): void {
    let added = false;
    for (const artifact of artifacts) {
      if (
        !Array.isArray(artifact?.abi) ||
        typeof artifact.deployedBytecode !== "string" ||
        typeof artifact.contractName !== "string"
      ) {
        continue;
      }
      const fqn = `${artifact.sourceName}:${artifact.contractName}`;
      if (this.#byFqn.has(fqn)) continue;
      const abi = artifact.abi as ReadonlyArray<{ type?: unknown }>;
      this.#byFqn.set(fqn, {
        name: artifact.contractName,
        fqn,
        functions: abiFunctions(abi),
        hasFallback: abi.some((item) => item?.type === "fallback"),
        hasReceive: abi.some((item) => item?.type === "receive"),
        artifact,
      });
      added = true;
    }
    if (added) this.#rebuild();
  }

  /** Number of contracts known. */
  get size(): number {
    return this.#contracts.length;
  }

  /** The contracts known, by fully qualified name. */
  get contracts(): readonly IndexedContract[] {
    return this.#contracts;
  }

  /** The artifacts added so far (e.g. to rebuild the index in a worker thread). */
  artifacts(): ContractArtifact[] {
    return this.#contracts.map((c) => c.artifact);
  }

  /**
   * The contract whose runtime code this is (0x hex, as at the address), or `undefined`; see
   * the module doc and {@link RuntimeCodeMatcher.match} for what is ignored and which artifact
   * wins. Cached per code.
   */
  byRuntimeCode(code: Hex): IndexedContract | undefined {
    return this.#byCode.match(code);
  }

  /** The contract a deployment's init code creates (its code starts with the artifact's `bytecode`), if any. */
  byInitCode(initCode: Hex): IndexedContract | undefined {
    return this.#contracts.find(
      (c) =>
        typeof c.artifact.bytecode === "string" &&
        c.artifact.bytecode.length > 2 &&
        initCode.startsWith(c.artifact.bytecode),
    );
  }

  /**
   * The function a selector calls: from `contract`'s ABI when given and it has it, else from
   * the first artifact (by fully qualified name) that has it.
   */
  functionName(selector: Hex, contract?: IndexedContract): string | undefined {
    const key = selector.toLowerCase() as Hex;
    return contract?.functions.get(key) ?? this.#bySelector.get(key);
  }

  /**
   * Formats revert data of a known custom error as Hardhat's EDR network does: `Name(arg, ...)`
   * (checksummed quoted addresses, decimal integers); `undefined` when no ABI has the error or
   * the data does not decode.
   */
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

  /** The storage layout of a contract (loaded once), or `undefined` when none can be found. */
  layout(contract: IndexedContract): Promise<StorageLayout | undefined> {
    let layout = this.#layouts.get(contract.fqn);
    if (layout === undefined) {
      layout =
        this.#loadLayout === undefined
          ? Promise.resolve(undefined)
          : this.#loadLayout(contract).catch(() => undefined);
      this.#layouts.set(contract.fqn, layout);
    }
    return layout;
  }

  /** Sorts the contracts and rebuilds the lookups, so results do not depend on the order of `add`s. */
  #rebuild(): void {
    this.#contracts = [...this.#byFqn.values()].sort((a, b) =>
      a.fqn < b.fqn ? -1 : a.fqn > b.fqn ? 1 : 0,
    );
    this.#byCode = new RuntimeCodeMatcher<IndexedContract>();
    this.#bySelector = new Map();
    this.#errors = new Map();
    for (const contract of this.#contracts) {
      for (const [selector, name] of contract.functions) {
        if (!this.#bySelector.has(selector)) this.#bySelector.set(selector, name);
      }
      for (const item of contract.artifact.abi as ReadonlyArray<{ type?: unknown }>) {
        if (item?.type !== "error") continue;
        // An error's selector is derived like a function's: keccak-256 of `Name(types)`. Errors
        // with one selector have one signature, so which ABI provides it does not change the text.
        const selector = toFunctionSelector(
          toFunctionSignature({
            ...(item as AbiError),
            type: "function",
            outputs: [],
            stateMutability: "nonpayable",
          } as AbiFunction),
        );
        if (!this.#errors.has(selector)) this.#errors.set(selector, item as AbiError);
      }
      this.#byCode.add(contract.artifact, contract); // skips abstract contracts and interfaces (no code)
    }
  }
}

function abiFunctions(abi: readonly unknown[]): Map<Hex, string> {
  const functions = (abi as Array<{ type?: string; name?: string }>).filter(
    (item): item is AbiFunction => item?.type === "function" && typeof item.name === "string",
  );
  const counts = new Map<string, number>();
  for (const fn of functions) counts.set(fn.name, (counts.get(fn.name) ?? 0) + 1);
  const result = new Map<Hex, string>();
  for (const fn of functions) {
    const signature = toFunctionSignature(fn);
    result.set(
      toFunctionSelector(signature).toLowerCase() as Hex,
      (counts.get(fn.name) ?? 0) > 1 ? signature : fn.name,
    );
  }
  return result;
}

/** Argument formatting of EDR's messages: checksummed quoted addresses, decimal integers. */
function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") {
    if (/^0x[0-9a-fA-F]{40}$/.test(value)) return `"${getAddress(value)}"`;
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "object" && value !== null)
    return `[${Object.values(value).map(formatValue).join(", ")}]`;
  return String(value);
}
