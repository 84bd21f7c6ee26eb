/**
 * The executor interface: how a block's transactions are executed. Every executor must give
 * byte-identical state, receipts, logs and gas to the `sequential` one (docs/design.md §4).
 */
import type { Block } from "@ethereumjs/block";
import type { ExecutorName } from "./options.ts";
import type { ExecutionResult } from "./execute-transaction.ts";
import type { WorldState } from "./state/world-state.ts";
import type { EngineTransaction } from "./transactions.ts";

/** How a block was executed: the per-block execution record (JSON-RPC `parallel_getBlockRecord`). */
export interface ExecutionRecord {
  /** The executor configured for the block. */
  executor: ExecutorName;
  /** The executor that produced the result (differs after a fallback). */
  executedBy: ExecutorName;
  lanes: number;
  transactions: number;
  /** Gas used by the block (gas). */
  gasUsed: bigint;
  /** Execution attempts beyond the first, over all transactions (Block-STM re-executions). */
  reExecutions: number;
  /** Total incarnations executed (transactions + re-executions). */
  incarnations: number;
  validations: number;
  /** Validations that failed and aborted an incarnation. */
  aborts: number;
  /** Why the block (or its rest, see {@link sequentialFrom}) fell back to sequential execution, if it did. */
  fallbackReason?: string;
  /**
   * Block-STM stopped parallel work mid-block (too many aborts, a rest predicted to be one
   * chain, a stalled scheduler): transactions from this index on ran sequentially on top of the
   * committed prefix. Absent when the whole block ran one way.
   */
  sequentialFrom?: number;
  /** Faults met while executing (crashed or hung worker, ...), each with what was done. */
  faults: string[];
  /** The `declared` executor's schedule of the block (absent for other executors and for blocks too small to schedule). */
  schedule?: DeclaredScheduleSummary;
  /** Wall-clock time of execution (milliseconds). Informational only. */
  wallTimeMs: number;
}

/** How the `declared` executor scheduled a block (see `executors/declared/schedule.ts`). */
export interface DeclaredScheduleSummary {
  /** Transactions scheduled from their declared access. */
  declared: number;
  /** Transactions that ran alone (contract creation, no annotations, no manifest, ...). */
  undeclared: number;
  /** The longest chain of transactions waiting for one another (transactions). */
  longestChain: number;
  /** Why transactions ran alone (the first 8 of them, by block index); absent when none did. */
  alone?: Array<{ transaction: number; reason: string }>;
}

export interface BlockExecution {
  /** One result per input transaction, in block order. */
  results: ExecutionResult[];
  /** How many of the input transactions were considered (the rest did not fit the block). */
  considered: number;
  record: ExecutionRecord;
}

export interface BlockExecutor {
  readonly name: ExecutorName;
  /**
   * Executes `txs` in order on top of `state` and applies the block's writes and coinbase fees
   * to `state`. Transactions that do not fit the block's remaining gas are left out (counted by
   * `considered`); invalid ones come back as `kind: "invalid"` and change nothing.
   */
  execute(block: Block, txs: EngineTransaction[], state: WorldState): Promise<BlockExecution>;
  /** Releases threads and other resources; the executor is unusable afterwards. */
  dispose(): Promise<void>;
}
