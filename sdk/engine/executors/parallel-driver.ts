/**
 * What the parallel executors (`block-stm`, `declared`) share around their schedulers: the
 * lanes and fallback settings, the size rule for running a block sequentially, the sequential
 * fallback (on a fault too), the commit in block order, and the plumbing of one block on the
 * lanes (filling batches, code a lane lacks, results and the records pushed to lanes).
 * Each executor keeps its own scheduler; the run loop is the same: dispatch → results → dispatch.
 */
import type { Block } from "@ethereumjs/block";
import type { Chain } from "../chain.ts";
import type { ExecutionResult } from "../execute-transaction.ts";
import type { BlockExecution, ExecutionRecord } from "../executor.ts";
import { balanceKey } from "../location.ts";
import { type ExecutorName, type FallbackOptions, resolveFallbackOptions } from "../options.ts";
import type { ForkSource } from "../fork/fork-source.ts";
import type { WorldState } from "../state/world-state.ts";
import type { EngineTransaction } from "../transactions.ts";
import {
  type BlockRun,
  type Lane,
  LaneFault,
  type LanePool,
  lanePoolFor,
  type ParallelExecutorOptions,
} from "./lanes/pool.ts";
import type { MVMemory } from "./lanes/mv-memory.ts";
import type { PushRecord, TaskResult } from "./lanes/protocol.ts";
import { applyOutcome, SequentialExecutor } from "./sequential.ts";

/** Largest batch sent to a lane when the options do not say (transactions). */
const DEFAULT_MAX_BATCH = 32;

/** Options of a {@link ParallelDriver}: the executor's own, plus lanes shared with another executor. */
export interface ParallelDriverOptions extends ParallelExecutorOptions {
  /** Lanes shared with another executor; built from the options above when absent. */
  pool?: LanePool;
}

/** How a run on the lanes ended: its value, or a {@link LaneFault} as the record's `faults` entry. */
export type LaneOutcome<T> = { ok: true; value: T } | { ok: false; fault: string };

/**
 * The part of a parallel executor that is not its scheduler.
 * @example
 * const driver = new ParallelDriver("declared", chain, options);
 * const small = driver.sizeFallbackReason(txs);
 * if (small !== undefined) return driver.sequentially(block, txs, state, started, { fallbackReason: small, faults: [] });
 */
export class ParallelDriver {
  readonly pool: LanePool;
  /** The executor's own `fallback` with defaults applied, else the chain's (resolved) one. */
  readonly fallback: Required<FallbackOptions>;
  /** Largest batch of transactions (incarnations) sent to a lane in one message. */
  readonly maxBatch: number;
  readonly sequential: SequentialExecutor;
  /** Forked chains: the remote reads lanes ask for go through it. */
  readonly fork: ForkSource | undefined;
  readonly #executor: ExecutorName;

  constructor(executor: ExecutorName, chain: Chain, options: ParallelDriverOptions) {
    this.#executor = executor;
    this.fork = chain.fork;
    this.pool = options.pool ?? lanePoolFor(chain, options);
    this.fallback =
      options.fallback === undefined
        ? chain.options.fallback
        : resolveFallbackOptions(options.fallback, options.lanes ?? chain.options.lanes);
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.sequential = new SequentialExecutor(chain.lane);
  }

  /** Why `txs` are too few or too small to run on the lanes ({@link sizeFallbackReason}), if they are. */
  sizeFallbackReason(txs: EngineTransaction[]): string | undefined {
    return sizeFallbackReason(txs, this.fallback);
  }

  /**
   * Runs the block with the sequential executor and records it as this executor's, executed by
   * `sequential`; `record` says why (`fallbackReason`, `faults`, ...). `learn` sees each result
   * before the record is written.
   */
  async sequentially(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    started: number,
    record: Partial<ExecutionRecord>,
    learn?: (results: ExecutionResult[]) => void,
  ): Promise<BlockExecution> {
    const execution = await this.sequential.execute(block, txs, state);
    learn?.(execution.results);
    execution.record = {
      ...execution.record,
      executor: this.#executor,
      executedBy: "sequential",
      lanes: this.pool.count,
      ...record,
      wallTimeMs: performance.now() - started,
    };
    return execution;
  }

  /**
   * Starts the lanes on `state` if needed and runs `run` on them. A {@link LaneFault} (crashed,
   * hung or failing lane) stops the lanes (they restart with the next block) and comes back as
   * the fault's text; any other error is thrown.
   */
  async onLanes<T>(state: WorldState, run: () => Promise<T>): Promise<LaneOutcome<T>> {
    try {
      await this.pool.ensure(state);
      return { ok: true, value: await run() };
    } catch (error) {
      if (!(error instanceof LaneFault)) throw error;
      await this.pool.stop();
      return {
        ok: false,
        fault: `${error.message}; block re-executed sequentially, lanes restarted for the next block`,
      };
    }
  }

  /** Applies `results` to `state` in block order, exactly as the sequential executor does; returns their gas (gas). */
  commit(block: Block, state: WorldState, results: ExecutionResult[]): bigint {
    const coinbase = balanceKey(block.header.coinbase.toString());
    let gasUsed = 0n;
    for (const result of results) {
      if (result.kind !== "executed") continue;
      applyOutcome(state, result, coinbase);
      gasUsed += result.blockGasUsed;
    }
    return gasUsed;
  }
}

/**
 * Why a block is too small to run on the lanes, if it is: fewer transactions than
 * `minTransactions` or a summed gas limit below `minGas` (gas), of resolved fallback options
 * (`resolveFallbackOptions`). Shared by the parallel executors.
 */
export function sizeFallbackReason(
  txs: EngineTransaction[],
  fallback: Pick<Required<FallbackOptions>, "minTransactions" | "minGas">,
): string | undefined {
  const { minTransactions, minGas } = fallback;
  if (txs.length < minTransactions)
    return `${txs.length} transactions, fewer than minTransactions (${minTransactions})`;
  let gas = 0n;
  for (const etx of txs) gas += etx.tx.gasLimit;
  if (gas < minGas) return `summed gas limit ${gas} below minGas (${minGas})`;
  return undefined;
}

/**
 * Runs one block on the lanes: `onResults` gets each batch's results, `begin` sends the first
 * batches (not called for an empty block, which ends at once). Settles when the run is
 * finished; rejects with a {@link LaneFault}.
 */
export async function driveBlockRun(
  run: BlockRun,
  transactions: number,
  onResults: (items: TaskResult[], lane: Lane) => void,
  begin: () => void,
): Promise<void> {
  run.onResults = onResults;
  run.start();
  if (transactions === 0) run.finish();
  else if (!run.finished) begin();
  await run.done;
}

/**
 * Fills every lane with batches of at most `batchSize` tasks from `next` (`[tx, incarnation]`
 * pairs; empty = nothing to send to that lane now), while the lane has room.
 */
export function fillLanes(
  run: BlockRun,
  batchSize: number,
  next: (lane: Lane, batchSize: number) => Array<[number, number]>,
  record: (tx: number) => PushRecord | undefined,
): void {
  for (const lane of run.lanes) {
    while (run.hasRoom(lane)) {
      const tasks = next(lane, batchSize);
      if (tasks.length === 0) break;
      run.send(lane, tasks, record);
    }
  }
}

/** Batch size for `remaining` transactions on `lanes` lanes, aiming at `perLane` batches per lane: 1..`maxBatch`. */
export function batchSizeFor(
  remaining: number,
  lanes: number,
  perLane: number,
  maxBatch: number,
): number {
  return Math.max(1, Math.min(maxBatch, Math.ceil(remaining / (lanes * perLane))));
}

/**
 * What a block on the lanes produced that both schedulers keep: each transaction's latest
 * result and the code created in the block (for lanes that ask for it).
 */
export class LaneResults {
  readonly results: Array<ExecutionResult | undefined>;
  readonly #state: WorldState;
  readonly #blockCodes = new Map<bigint, Uint8Array>();

  constructor(transactions: number, state: WorldState) {
    this.results = new Array(transactions);
    this.#state = state;
  }

  /** A lane lacks code: it gets it (created in this block, else committed) with its next batch. */
  supplyCode(item: Extract<TaskResult, { kind: "missing-code" }>, lane: Lane): void {
    for (const hash of item.hashes)
      lane.codes.set(hash, this.#blockCodes.get(hash) ?? this.#state.code(hash));
  }

  /**
   * Forked: a lane lacked locations not loaded from the remote yet. Like a dependency: they are
   * loaded (the run waits, other lanes go on), every lane's replica gets them, then `retry`
   * re-dispatches the transaction. A remote failure ends the run with its error.
   */
  supplyState(
    item: Extract<TaskResult, { kind: "missing-state" }>,
    run: BlockRun,
    fork: ForkSource | undefined,
    retry: () => void,
  ): void {
    if (fork === undefined)
      throw new Error("a lane reported missing state on a chain that is not forked");
    run.afterLoad(fork.load(item.keys), () => {
      for (const lane of run.lanes)
        for (const key of item.keys) lane.fixes.set(key, this.#state.read(key));
      retry();
    });
  }

  /** Keeps the result of a finished incarnation (its reads as a map, its new code remembered) and returns it. */
  accept(item: Extract<TaskResult, { kind: "done" }>): ExecutionResult {
    let result = item.result;
    if (result.kind === "executed") {
      result = { ...result, reads: new Map(item.reads.map((r) => [r[0], r[1]])) };
      for (const [hash, code] of result.codes) this.#blockCodes.set(hash, code);
    }
    this.results[item.tx] = result;
    return result;
  }

  /** The record of `tx`'s result at `incarnation` for a lane's MV-memory copy (undefined = no result yet). */
  pushRecord(tx: number, incarnation: number, mv: MVMemory): PushRecord | undefined {
    const result = this.results[tx];
    if (result === undefined) return undefined;
    return {
      tx,
      estimate: false,
      incarnation,
      writes: mv.writesOf(tx) ?? new Map(),
      feeCredit: mv.feeCredits[tx] ?? 0n,
      codes: result.kind === "executed" ? result.codes : new Map(),
    };
  }
}
