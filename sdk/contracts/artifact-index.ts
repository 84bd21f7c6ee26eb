/**
 * Naming contracts and functions from Hardhat artifacts, so that reports say
 * `SharedCounter.bump` and `SharedCounter.count` rather than `0x5fbd…:0xabcd1234` and
 * `storage(0x5fbd…)[0x0]`.
 *
 * - A contract is identified by its runtime code (from the engine's state, or `eth_getCode`)
 *   with the SDK's {@link RuntimeCodeMatcher}: the CBOR metadata solc appends, the bytes of
 *   immutable variables and of linked library addresses are ignored.
 * - A function is named from the identified contract's ABI by selector; for code no artifact
 *   matches, from any artifact that has the selector (first by fully qualified name).
 * - Storage layouts (for `Contract.variable[key]` labels) come from a {@link LayoutLoader} the
 *   caller gives (a Hardhat project's: `plugins/report/contracts.ts`).
 */
import { toFunctionSelector, toFunctionSignature, type AbiFunction, type Hex } from "viem";
import type { StorageLayout } from "../access/layout.ts";
import { type RuntimeCodeArtifact, RuntimeCodeMatcher } from "./code-matcher.ts";

/** The fields of a Hardhat artifact the index reads. */
export interface IndexedArtifact extends RuntimeCodeArtifact {
  contractName: string;
  sourceName: string;
  abi: readonly unknown[];
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

/** Artifacts indexed by runtime code and selectors. */
export class ArtifactIndex {
  readonly contracts: readonly ContractInfo[];
  readonly #byCode = new RuntimeCodeMatcher<ContractInfo>();
  readonly #bySelector = new Map<Hex, string>();
  readonly #layouts = new Map<string, Promise<StorageLayout | undefined>>();
  readonly #loadLayout: LayoutLoader | undefined;

  /**
   * @param artifacts artifacts with their fully qualified names; the index is deterministic
   *   (entries are added to the matcher sorted by fully qualified name). Entries that are not
   *   contract artifacts (no `abi` or `deployedBytecode`) are skipped.
   * @param loadLayout how to find a contract's storage layout; without it there is none.
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
      this.#byCode.add(artifact, contract); // skips abstract contracts and interfaces (no code)
    }
    this.contracts = contracts;
  }

  /**
   * The contract whose runtime code is `code` (0x hex, as at the address), or `undefined`;
   * see {@link RuntimeCodeMatcher.match} for what is ignored and which artifact wins. Results
   * are cached per code.
   */
  identify(code: Hex): ContractInfo | undefined {
    return this.#byCode.match(code);
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
