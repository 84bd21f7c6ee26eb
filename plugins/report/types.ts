/**
 * Data shapes of the per-test parallelism report (docs/design.md §1.3, §3).
 *
 * Two layers:
 * - **Recorded** data: the blocks mined on a parallel network while tests run
 *   ({@link RecordedBlock}, `sdk/analysis/recorded-block.ts`), attributed to the test that was
 *   running ({@link RecordedBucket}). It is plain JSON (gas as decimal strings) because mocha's
 *   parallel workers send it to the main process as files ({@link RecordedRun}).
 * - The **report** ({@link ParallelReport}): the analysed figures of every test, written as
 *   `reports/parallel-report.json` and the source of the table, the Markdown summary, the
 *   `parallel-report` task and the snapshot budgets (`.parallel-snapshot.json`).
 *
 * Words (contention, sender order, creation order, critical path, parallelism, speedup(P),
 * potential vs achieved): docs/design.md §3.
 */
import type { LocationKey } from "../../sdk/engine/location.ts";
import type { Address } from "viem";
import type { AnalysisKind, DependencyKind, FunctionCount } from "../../sdk/analysis/types.ts";
import type { Remedy } from "../../sdk/analysis/remedies.ts";
import type { CodeTable, RecordedBlock } from "../../sdk/analysis/recorded-block.ts";

/** Where a bucket of blocks came from. */
export type BucketKind = "test" | "hooks";

/** The blocks attributed to one mocha test (or to hooks / top-level code of a file or suite). */
export interface RecordedBucket {
  /** Unique key: `<file>\u0000<title>`. */
  key: string;
  /** The test's full title (`describe` titles and the `it` title), or e.g. `(before hooks) Vault`. */
  title: string;
  /** Test file, relative to the working directory, when known. */
  file?: string;
  kind: BucketKind;
  blocks: RecordedBlock[];
}

/** Everything recorded in one process (or one mocha worker), as written to a worker file. */
export interface RecordedRun {
  _format: "hardhat-parallel-recording";
  version: 1;
  buckets: RecordedBucket[];
  codes: CodeTable;
}

// ---- the report ------------------------------------------------------------------------

/** A hot location in the report (docs/design.md §3 "hot location"). */
export interface ReportHotLocation {
  /** Decoded label (`Counter.count`, `Token.balanceOf[0x…]`) or the default label. */
  label: string;
  /** Whether `label` came from the storage layout / artifacts. */
  decoded: boolean;
  /**
   * For an undecoded storage slot: the mapping it most likely belongs to (`Contract.variable`),
   * from the slots the same transactions touched; `label` is then `Contract.variable[?] (slot 0x…)`.
   */
  likely?: string;
  location: LocationKey;
  /** Name of the contract at the location's address, when known. */
  contract?: string;
  /** Dependency edges it caused (state edges; all edges in `includingOrder`). */
  dependencies: number;
  /** Functions of the writers of those edges, most frequent first. */
  writers: FunctionCount[];
  /** Functions of the readers of those edges, most frequent first. */
  readers: FunctionCount[];
  /** A hint by the location's pattern (`sdk/analysis/remedies.ts`), when one matches. */
  remedy?: Remedy;
}

/** One transaction of a drawn dependency graph ({@link ReportBlockGraph}). */
export interface ReportGraphTransaction {
  /** Index in its block (in a potential pseudo-block: in its automined block). */
  index: number;
  /** Number of its block (decimal string). */
  block: string;
  from: Address;
  /** `Contract.function` (`labels.ts` `functionRef`). */
  call: string;
  /** Gas used (decimal string): its duration in the list schedule. */
  gasUsed: string;
}

/** One edge of a drawn dependency graph: `to` depends on `from` (positions, `from < to`). */
export interface ReportGraphDependency {
  from: number;
  to: number;
  /** `state`: contention; `sender` / `creation`: order (docs/design.md §3). */
  kind: DependencyKind;
  /** Labels of the carrying locations, the first {@link GRAPH_LOCATION_LABELS} of them. */
  locations: string[];
  /** Carrying locations beyond those labelled. */
  moreLocations: number;
}

/**
 * The dependency graph of one analysed block (or of a potential test's pseudo-block), kept so
 * the HTML report can draw it and its list schedule (`plugins/report/html.ts`). Positions are
 * indexes into `transactions`.
 */
export interface ReportBlockGraph {
  /** Block number (decimal string); `null` for a potential pseudo-block. */
  block: string | null;
  transactions: ReportGraphTransaction[];
  /** Every edge (state, sender and creation), sorted by `to`, then `from`. */
  dependencies: ReportGraphDependency[];
}

/** The figures of one test. Ratios are plain numbers; gas is a decimal string (gas). */
export interface TestReport {
  /** Full title (or the hooks bucket name, e.g. `(before hooks) Vault`). */
  title: string;
  file?: string;
  bucket: BucketKind;
  /**
   * `achieved`: the figures are those of the blocks that held at least two transactions (they
   * ran in parallel); single-transaction blocks of the same test are counted in `blocks` and
   * `transactions` but not analysed. `potential`: every block held one transaction (automine);
   * all of them are analysed as one pseudo-block.
   */
  kind: AnalysisKind;
  /** Blocks the test mined (all of them). */
  blocks: number;
  /** Blocks with at least two transactions. */
  achievedBlocks: number;
  /** Transactions the test mined (all of them). */
  transactions: number;
  /** Transactions behind the figures (see `kind`). */
  analysedTransactions: number;
  dependentTransactions: number;
  /** Edges of the dependency graph(s). */
  dependencies: number;
  /** Share of analysed transactions with at least one dependency (0..1). */
  contention: number;
  criticalPath: { gas: string; length: number };
  /** Total gas of the analysed transactions (gas, decimal string). */
  totalGas: string;
  /** total gas / critical-path gas. */
  parallelism: number;
  /** Lanes P of `speedup` (the network's configured lanes). */
  lanes: number;
  /** speedup(P) at `lanes`. */
  speedup: number;
  /** speedup(16). */
  speedup16: number;
  /** Block-STM re-executions of the achieved blocks; `null` for a potential analysis. */
  reExecutions: number | null;
  /** Declared-access violations; `null` when the run did not check declared access. */
  violations: number | null;
  /** Top hot locations of the test (state dependencies), most dependencies first. */
  hotLocations: ReportHotLocation[];
  /**
   * Dependency graphs of the analysed blocks, in block order: at most
   * `GRAPH_BLOCKS_PER_TEST` blocks, each of at most `GRAPH_MAX_TRANSACTIONS` transactions and
   * `GRAPH_MAX_DEPENDENCIES` edges (`plugins/report/graphs.ts`); the others are counted in
   * `graphsOmitted`.
   */
  graphs: ReportBlockGraph[];
  /** Analysed blocks whose graph is not in `graphs` (beyond the caps). */
  graphsOmitted: number;
  /** Dependencies that are sender or creation order, not counted above (docs/design.md §3). */
  order: {
    /** Edges carried only by one sender's nonce and balance. */
    sender: number;
    /** Edges carried only by a contract's creation in the same block. */
    creation: number;
    /** Analysed transactions with an order dependency but no state dependency. */
    orderOnlyTransactions: number;
    /** Distinct senders of the analysed transactions. */
    senders: number;
  };
  /** The figures with sender and creation order counted as dependencies (as in version 1). */
  includingOrder: {
    dependentTransactions: number;
    dependencies: number;
    contention: number;
    criticalPath: { gas: string; length: number };
    parallelism: number;
    speedup: number;
    speedup16: number;
    hotLocations: ReportHotLocation[];
  };
}

/**
 * The report of one `hardhat test` run (`reports/parallel-report.json`), or the merge of the
 * reports of several runs (`hardhat parallel-report --merge`). Version 2: the figures count
 * state dependencies; sender and creation order are in each test's `order`, the version-1
 * figures in `includingOrder`. Version 3 adds each test's dependency `graphs` (for the HTML
 * report) and the run's complete hot-location lists (`allHotLocations`, so that merged shard
 * reports rank the run's hot locations as one run would).
 */
export interface ParallelReport {
  _format: "hardhat-parallel-report";
  version: 3;
  /** ISO 8601 time the report was written. */
  generatedAt: string;
  /** The configured lanes most tests ran with (headline speedup). */
  lanes: number;
  /** Tests that mined at least one transaction, worst first (see `sortTests`). */
  tests: TestReport[];
  /** Hot locations of the whole run (all tests merged, state dependencies), most first. */
  hotLocations: ReportHotLocation[];
  /** Every hot location of the run (`hotLocations` is its head), for merging reports. */
  allHotLocations: ReportHotLocation[];
  /** The run's hot locations with sender- and creation-order dependencies counted too. */
  includingOrder: { hotLocations: ReportHotLocation[]; allHotLocations: ReportHotLocation[] };
  totals: { tests: number; blocks: number; transactions: number; achievedBlocks: number };
}

/** Columns of the report table and the Markdown summary (the test title is always shown). */
export const REPORT_COLUMNS = [
  "kind",
  "blocks",
  "transactions",
  "contention",
  "order",
  "criticalPath",
  "parallelism",
  "speedup",
  "speedup16",
  "reExecutions",
  "violations",
  "hotLocation",
] as const;
export type ReportColumn = (typeof REPORT_COLUMNS)[number];
