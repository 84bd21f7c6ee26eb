/**
 * Types of the per-test parallelism analysis (docs/design.md §1.3, §3).
 *
 * The analysis is pure: it takes the transactions of one block (or of a test's pseudo-block, see
 * {@link AnalysisKind}) with their read and write sets and computes the dependency graph,
 * contention, critical path, parallelism, speedup(P) and hot locations. Gas figures are `bigint`
 * (unit: gas); ratios are plain `number`s.
 *
 * Positions: everywhere in the analysis a transaction is identified by its **position**, its
 * 0-based place in the analysed sequence. In a real block the position equals the transaction
 * index; in a potential pseudo-block (transactions of several automined blocks concatenated) it
 * does not, and {@link AnalysedTransaction.index} keeps the index within the original block.
 */
import type { Address, Hex } from "viem";
import type { LocationKey } from "../engine/location.ts";
import type { Remedy } from "./remedies.ts";

/**
 * One executed transaction as the analysis sees it. The engine records `reads` and `writes` for
 * every executed transaction (docs/design.md §3 "read set / write set"); only the location keys are
 * needed here (see {@link ReadWriteSet} in `sdk/engine/location.ts` for the valued form).
 */
export interface AnalysedTransaction {
  /** Index of the transaction in its block (0-based). */
  index: number;
  hash: Hex;
  from: Address;
  /** Called address; `null` for a contract creation. */
  to: Address | null;
  /** First four bytes of the calldata, when it had at least four. */
  selector?: Hex;
  /** Name of the called contract, when its artifact is known. */
  contractName?: string;
  /** Name of the called function, when the selector matched the contract's ABI. */
  functionName?: string;
  /** Gas used by the transaction (gas). Used as its duration in the list schedule. */
  gasUsed: bigint;
  /** Locations read (first read of each; reads of the transaction's own writes excluded). */
  reads: LocationKey[];
  /** Locations written (value changed by the transaction). */
  writes: LocationKey[];
}

/**
 * `achieved`: the analysed transactions really were one block, executed in parallel.
 * `potential`: transactions of a test that mined one transaction per block (automine), analysed
 * as if they had been one block (docs/design.md §3 "potential vs achieved"). The caller builds the
 * pseudo-block by concatenating the transactions in mining order.
 */
export type AnalysisKind = "achieved" | "potential";

/**
 * Turns a location into a human label such as `Vault.totalSupply` or `Vault.balanceOf[0xab…]`
 * (normally with the solc storage layout, `sdk/access/`). Returns `undefined` for locations it
 * cannot decode; the analysis then uses the default label (see `labels.ts`).
 * A decoded storage label has the form `Contract.variable...`: the contract name, a dot, then
 * the variable path; `noDependencyOn` relies on that form.
 */
export type LocationDecoder = ((key: LocationKey) => string | undefined) & {
  /**
   * For a storage slot the decoder cannot name (no candidate key hashes to it): the mapping
   * it most likely belongs to, as `Contract.variable`, judged from `neighbours` (other slots
   * of the same contract touched by the same transactions) — or `undefined`. A guess, never a
   * decoded label.
   */
  likelyMapping?: (key: LocationKey, neighbours: readonly LocationKey[]) => string | undefined;
};

/**
 * One edge of the dependency graph: the transaction at position `to` read at least one location
 * whose latest earlier writer is the transaction at position `from` (`from < to`).
 */
export interface Dependency {
  from: number;
  to: number;
  /** The locations that cause the dependency, sorted, at least one. */
  locations: LocationKey[];
}

/**
 * What carries a dependency edge (docs/design.md §3, rule in `order.ts`): `state` when at least
 * one carrying location is state (contention a contract change can remove), else `creation`
 * (the writer created the contract whose code, nonce, balance or initial storage the reader
 * read), else `sender` (only the shared sender's nonce and balance).
 */
export type DependencyKind = "state" | "sender" | "creation";

/** A {@link Dependency} with its kind and the carrying locations that are order, not state. */
export interface ClassifiedDependency extends Dependency {
  kind: DependencyKind;
  /** Carrying locations that are sender order (`nonce`/`balance` of the shared sender). */
  senderOrder?: LocationKey[];
  /** Carrying locations that are creation order (of a contract the writer created). */
  creationOrder?: LocationKey[];
}

/** A (contract, function) pair that names what a transaction called. */
export interface FunctionRef {
  /** Contract name, else the called address, else `(create)` for a deployment. */
  contract: string;
  /** Function name, else the selector, else `constructor` (deployment) or `(transfer)` (no calldata). */
  function: string;
}

/** A {@link FunctionRef} with the number of dependencies it took part in. */
export interface FunctionCount extends FunctionRef {
  dependencies: number;
}

/** A location that causes dependencies (docs/design.md §3 "hot location"). */
export interface HotLocation {
  location: LocationKey;
  /** Address the location belongs to. */
  address: Address;
  /** Decoded label, else the default label (`balance(0x…)`, `storage(0x…)[0x…]`, …). */
  label: string;
  /** Whether `label` came from the decoder. */
  decoded: boolean;
  /**
   * For an undecoded storage slot of a contract with a layout: the mapping it most likely
   * belongs to (`Contract.variable`), from the slots the same transactions touched; the label
   * then reads `Contract.variable[?] (slot 0x…)`.
   */
  likely?: string;
  /** Name of the contract at `address`, when a transaction of the block called it by name. */
  contract?: string;
  /**
   * Number of dependency edges this location causes. An edge caused by several locations counts
   * once for each of them.
   */
  dependencies: number;
  /** Functions of the earlier transactions (the writers) of those edges, most frequent first. */
  writers: FunctionCount[];
  /** Functions of the dependent transactions (the readers) of those edges, most frequent first. */
  readers: FunctionCount[];
  /** A hint by the location's pattern (`remedies.ts`), when one matches. */
  remedy?: Remedy;
}

/** A location touched but not declared (docs/design.md §3 "violation", §5). */
export interface AccessViolation {
  /** Index of the offending transaction in its block. */
  txIndex: number;
  /** Block number, when known (useful once analyses of several blocks are merged). */
  blockNumber?: bigint;
  contract: string;
  function: string;
  location: LocationKey;
  label: string;
  access: "read" | "write";
}

/** Heaviest chain of the dependency graph (docs/design.md §3 "critical path"). */
export interface CriticalPathSummary {
  /** Sum of the gas used by the chain's transactions (gas). */
  gas: bigint;
  /** Number of transactions on the chain. */
  length: number;
}

/** {@link CriticalPathSummary} of one block, with the chain itself. */
export interface CriticalPath extends CriticalPathSummary {
  /** Positions of the chain's transactions, in block order. */
  transactions: number[];
}

/** Placement of one transaction in a list schedule. */
export interface ScheduledTransaction {
  position: number;
  /** Lane (0-based) that runs it. */
  lane: number;
  /** Start and end time in gas units; `end - start` is the transaction's gas used. */
  start: bigint;
  end: bigint;
}

/** Deterministic greedy list schedule of a block on `lanes` lanes (docs/design.md §3 "speedup(P)"). */
export interface ListSchedule {
  lanes: number;
  /** End of the last transaction (gas); 0 for an empty block. */
  makespan: bigint;
  /** One entry per transaction, by position. */
  transactions: ScheduledTransaction[];
}

/** speedup(P) and its makespan. */
export interface SpeedupFigure {
  lanes: number;
  /** Makespan of the list schedule (gas). */
  makespan: bigint;
  /** Total gas / makespan; 1 when the total gas is 0. */
  speedup: number;
}

/** What the analysis keeps of each transaction. */
export interface TransactionSummary extends FunctionRef {
  position: number;
  index: number;
  hash: Hex;
  from: Address;
  to: Address | null;
  gasUsed: bigint;
  /** Positions of the transactions it depends on through state (`state` edges), ascending. */
  dependsOn: number[];
  /** Positions it depends on only through sender or creation order, ascending. */
  orderDependsOn: number[];
}

/**
 * The dependencies that are order, not state contention (docs/design.md §3 "sender order",
 * "creation order"): counted apart so a test sent from one account is not reported as contended.
 */
export interface OrderSummary {
  /** Edges carried only by the shared sender's nonce and balance. */
  senderDependencies: number;
  /** Edges carried only by a contract's creation (and possibly sender order). */
  creationDependencies: number;
  /** Transactions with an order edge but no state edge. */
  orderOnlyTransactions: number;
  /** Distinct senders of the analysed transactions. */
  senders: number;
}

/**
 * The figures counting every dependency, sender and creation order included (the figures of
 * earlier versions). Same meanings as in {@link ParallelismFigures}.
 */
export interface IncludingOrderFigures {
  dependentTransactions: number;
  dependencyCount: number;
  contention: number;
  criticalPath: CriticalPathSummary;
  parallelism: number;
  makespan: bigint;
  speedup: number;
  speedups: SpeedupFigure[];
  /** Ranked as `hotLocations`, order locations included. */
  hotLocations: HotLocation[];
}

/**
 * The figures shared by the analysis of one block and a merge of several. Dependencies,
 * contention, critical path, parallelism, speedups and hot locations count **state**
 * dependencies only; sender and creation order are in `order`, the figures counting them too in
 * `includingOrder` (docs/design.md §3).
 */
export interface ParallelismFigures {
  kind: AnalysisKind;
  transactionCount: number;
  /** Sum of gas used (gas). */
  totalGas: bigint;
  /** Transactions with at least one state dependency. */
  dependentTransactions: number;
  /** State edges of the dependency graph(s). */
  dependencyCount: number;
  /** dependentTransactions / transactionCount, 0..1; 0 when there are no transactions. */
  contention: number;
  criticalPath: CriticalPathSummary;
  /** totalGas / critical-path gas (the ideal speedup with unlimited lanes); 1 when totalGas is 0. */
  parallelism: number;
  /** Lane count of the headline `speedup` and `makespan`. */
  lanes: number;
  /** Makespan at `lanes` (gas). */
  makespan: bigint;
  /** speedup(`lanes`). */
  speedup: number;
  /** speedup at `lanes` and at the reference 16 lanes (deduplicated, ascending lanes). */
  speedups: SpeedupFigure[];
  /** Ranked by dependencies caused, most first (ties: label, then location key). */
  hotLocations: HotLocation[];
  /** Access violations, when the run checked declared access; absent otherwise. */
  violations?: AccessViolation[];
  /** Dependencies that are sender or creation order (not counted above). */
  order: OrderSummary;
  /** The figures with sender and creation order counted as dependencies. */
  includingOrder: IncludingOrderFigures;
}

/** Analysis of one block or pseudo-block (see {@link AnalysisKind}). */
export interface BlockAnalysis extends ParallelismFigures {
  blockNumber?: bigint;
  criticalPath: CriticalPath;
  transactions: TransactionSummary[];
  /** Every edge (state, sender and creation), classified. */
  dependencies: ClassifiedDependency[];
  /** The list schedule of the state dependencies at `lanes`. */
  schedule: ListSchedule;
}

/**
 * Analyses of the blocks of one test, merged. Blocks run one after the other, so critical-path
 * gas, critical-path length and makespans add up across blocks; contention, parallelism and
 * speedups are recomputed from the sums.
 */
export interface MergedAnalysis extends ParallelismFigures {
  blocks: BlockAnalysis[];
}

/** Anything the assertions and the chai plugin accept. */
export type AnalysisLike = BlockAnalysis | MergedAnalysis;
