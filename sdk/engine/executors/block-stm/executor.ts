/**
 * The Block-STM executor (Gelashvili et al., "Block-STM: Scaling Blockchain Execution by Turning
 * Ordering Curse to a Performance Blessing", PPoPP 2023), adapted to a coordinator + lanes split:
 * lanes (worker threads) execute incarnations against their replica of committed state and
 * their copy of multi-version memory; the coordinator (main thread) owns the authoritative
 * multi-version memory, validates read sets, places ESTIMATE markers on abort, schedules
 * (execution index with decrease-on-abort) and commits in block order. Writes reach the
 * {@link WorldState} only after the whole block committed, so a fault can fall back to the
 * sequential executor on a clean base. Design and deviations: `docs/block-stm.md`.
 */
import type { Block } from "@ethereumjs/block";
import type { Chain } from "../../chain.ts";
import type { ExecutionResult } from "../../execute-transaction.ts";
import type { BlockExecution, BlockExecutor, ExecutionRecord } from "../../executor.ts";
import { balanceKey, type LocationKey } from "../../location.ts";
import type { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import { MVMemory } from "../lanes/mv-memory.ts";
import type { BlockRun, Lane } from "../lanes/pool.ts";
import type { PushRecord, ReadRecord, TaskResult } from "../lanes/protocol.ts";
import {
  batchSizeFor,
  driveBlockRun,
  fillLanes,
  LaneResults,
  ParallelDriver,
  type ParallelDriverOptions,
} from "../parallel-driver.ts";
import { AccessHints, type PredictedAccess } from "./access-hints.ts";
import { predictSchedule } from "./predicted-schedule.ts";
import { Scheduler } from "./scheduler.ts";

export type { BlockStmTestHooks } from "../lanes/protocol.ts";
export { workerExecArgv } from "../lanes/pool.ts";
export { sizeFallbackReason } from "../parallel-driver.ts";

/**
 * Options of {@link BlockStmExecutor}; defaults come from the chain's options. `pool`: lanes
 * shared with another executor (the `declared` executor falls back to this one); built from the
 * other options when absent.
 */
export type BlockStmOptions = ParallelDriverOptions;

interface ParallelRun {
  /** The committed results: every considered transaction, or the prefix before {@link rest}. */
  results: ExecutionResult[];
  considered: number;
  incarnations: number;
  validations: number;
  aborts: number;
  /** Set when the run stopped early: transactions from `from` on run sequentially. */
  rest?: { from: number; reason: string; fault?: string };
}

export class BlockStmExecutor implements BlockExecutor {
  readonly name = "block-stm" as const;
  readonly #driver: ParallelDriver;
  /** What recent executions of each function touched (shared with the `declared` executor's fallback). */
  readonly hints = new AccessHints();
  readonly #neverDispatch: number | undefined;
  #disposed = false;

  constructor(chain: Chain, options: BlockStmOptions = {}) {
    this.#driver = new ParallelDriver("block-stm", chain, options);
    this.#neverDispatch = options.hooks?.neverDispatch;
  }

  /** Number of lanes (worker threads). */
  get lanes(): number {
    return this.#driver.pool.count;
  }

  /** Threads currently running (0 after {@link dispose} or before the first parallel block). */
  get runningLanes(): number {
    return this.#driver.pool.running;
  }

  /** Starts the lanes now instead of at the first parallel block. */
  async start(state: WorldState): Promise<void> {
    await this.#driver.pool.ensure(state);
  }

  async execute(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
  ): Promise<BlockExecution> {
    const size = this.#driver.sizeFallbackReason(txs);
    if (size !== undefined) return this.executeWith(block, txs, state, size);
    // Decided from this block's own transactions, never from the blocks before it: a disjoint
    // block after a hot one runs on the lanes, a hot one after a disjoint one does not.
    const predictions = this.hints.predictAll(txs);
    const lanes = Math.max(2, this.#driver.pool.count);
    const predicted = predictSchedule(txs, predictions, lanes);
    const min = this.#driver.fallback.minPredictedSpeedup;
    if (predicted.speedup < min) {
      const reason =
        `predicted speedup ${predicted.speedup.toFixed(2)} on ${lanes} lanes below minPredictedSpeedup (${min}): ` +
        `longest predicted chain ${predicted.longestChain} of ${txs.length} transactions`;
      return this.executeWith(block, txs, state, reason);
    }
    return this.executeWith(block, txs, state, undefined, predictions);
  }

  /**
   * {@link execute} with the sequential-fallback decision made by the caller (`reason`
   * undefined = run on the lanes): the `declared` executor falls back to this one.
   */
  async executeWith(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    reason: string | undefined,
    predictions: PredictedAccess[] = this.hints.predictAll(txs),
  ): Promise<BlockExecution> {
    if (this.#disposed) throw new Error("the block-stm executor was disposed");
    const started = performance.now();
    if (reason !== undefined) return this.#sequentially(block, txs, state, started, reason, []);
    const driver = this.#driver;
    const outcome = await driver.onLanes(state, () =>
      new Coordinator(
        driver,
        this.hints,
        block,
        txs,
        state,
        predictions,
        this.#neverDispatch,
      ).run(),
    );
    if (!outcome.ok)
      return this.#sequentially(block, txs, state, started, undefined, [outcome.fault]);
    const run = outcome.value;
    // Commit: apply in block order, exactly as the sequential executor does.
    let gasUsed = driver.commit(block, state, run.results);
    let results = run.results;
    let considered = run.considered;
    let incarnations = run.incarnations;
    const rest = run.rest;
    if (rest !== undefined) {
      // The rest of the block on top of the committed prefix, as the sequential executor runs it.
      const coinbase = balanceKey(block.header.coinbase.toString());
      const tail = await driver.sequential.executeRest(
        block,
        txs.slice(rest.from),
        state,
        block.header.gasLimit - gasUsed,
      );
      for (const [k, result] of tail.results.entries())
        this.hints.learn(txs[rest.from + k], result, coinbase);
      results = [...results, ...tail.results];
      considered = rest.from + tail.considered;
      incarnations += tail.considered;
      gasUsed += tail.record.gasUsed;
    }
    const record: ExecutionRecord = {
      executor: "block-stm",
      executedBy: rest?.from === 0 ? "sequential" : "block-stm",
      lanes: driver.pool.count,
      transactions: results.filter((r) => r.kind === "executed").length,
      gasUsed,
      reExecutions: incarnations - Math.min(incarnations, considered),
      incarnations,
      validations: run.validations,
      aborts: run.aborts,
      ...(rest === undefined ? {} : { fallbackReason: rest.reason, sequentialFrom: rest.from }),
      faults: rest?.fault === undefined ? [] : [rest.fault],
      wallTimeMs: performance.now() - started,
    };
    return { results, considered, record };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#driver.pool.stop();
  }

  /** The whole block sequentially; the access hints learn from it as from a parallel run. */
  #sequentially(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    started: number,
    fallbackReason: string | undefined,
    faults: string[],
  ): Promise<BlockExecution> {
    return this.#driver.sequentially(
      block,
      txs,
      state,
      started,
      { fallbackReason, faults },
      (results) => {
        const coinbase = balanceKey(block.header.coinbase.toString());
        for (const [i, result] of results.entries()) this.hints.learn(txs[i], result, coinbase);
      },
    );
  }
}

/**
 * One block on the lanes, coordinated: the authoritative MV memory, the read sets and their
 * validation, the commit in block order and the decision to stop parallel work; the
 * {@link Scheduler} says what runs next. The loop: dispatch → results (record, validate,
 * abort) → commit → dispatch, until every considered transaction committed.
 */
class Coordinator {
  readonly #driver: ParallelDriver;
  readonly #hints: AccessHints;
  readonly #block: Block;
  readonly #txs: EngineTransaction[];
  readonly #state: WorldState;
  readonly #n: number;
  readonly #coinbaseKey: LocationKey;
  readonly #mv: MVMemory;
  readonly #results: LaneResults;
  /** Read set of each transaction's last recorded incarnation. */
  readonly #reads: Array<ReadRecord[] | undefined>;
  readonly #enumerations: Array<Array<[string, Array<[LocationKey, bigint]>]> | undefined>;
  /** Location → transactions whose last read set holds it. */
  readonly #readers = new Map<LocationKey, Set<number>>();
  readonly #scheduler: Scheduler;
  readonly #minSpeedup: number;
  readonly #abortLimit: number;
  #run!: BlockRun;
  #commitIdx = 0;
  #gasLeft: bigint;
  /** Transactions the block holds, once known (-1 = not yet). */
  #considered = -1;
  #validations = 0;
  #rest: ParallelRun["rest"];

  constructor(
    driver: ParallelDriver,
    hints: AccessHints,
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    predictions: PredictedAccess[],
    neverDispatch: number | undefined,
  ) {
    const n = txs.length;
    this.#driver = driver;
    this.#hints = hints;
    this.#block = block;
    this.#txs = txs;
    this.#state = state;
    this.#n = n;
    this.#coinbaseKey = balanceKey(block.header.coinbase.toString());
    this.#mv = new MVMemory(n);
    this.#results = new LaneResults(n, state);
    this.#reads = new Array(n);
    this.#enumerations = new Array(n);
    this.#scheduler = new Scheduler(predictions, this.#reads, this.#coinbaseKey, neverDispatch);
    const fallback = driver.fallback;
    this.#minSpeedup = fallback.minPredictedSpeedup;
    this.#abortLimit = Math.max(1, Math.ceil(fallback.maxAbortShare * n));
    this.#gasLeft = block.header.gasLimit;
  }

  async run(): Promise<ParallelRun> {
    this.#run = this.#driver.pool.begin(this.#block, this.#txs, this.#state);
    const onResults = (items: TaskResult[], lane: Lane): void => {
      for (const item of items) this.#handle(item, lane);
      this.#step();
    };
    await driveBlockRun(this.#run, this.#n, onResults, () => this.#step());
    let considered = this.#n === 0 ? 0 : this.#considered;
    if (this.#rest !== undefined) considered = this.#rest.from;
    const scheduler = this.#scheduler;
    return {
      results: this.#results.results.slice(0, considered) as ExecutionResult[],
      considered,
      incarnations: scheduler.incarnations,
      validations: this.#validations,
      aborts: scheduler.aborts,
      rest: this.#rest,
    };
  }

  /** Commit what can be, stop if parallel work became a loss, else dispatch; a stall ends the run. */
  #step(): void {
    this.#advanceCommit();
    if (this.#considered >= 0) {
      this.#run.finish();
      return;
    }
    const reason = this.#stopReason();
    if (reason !== undefined) {
      this.#rest = { from: this.#commitIdx, reason };
      this.#run.finish();
      return;
    }
    this.#dispatch();
    if (this.#run.idle) {
      // Nothing runs and nothing can be dispatched: a scheduler bug. Never wait for the
      // lanes' timeout: finish the block sequentially on the committed prefix, and say so.
      const commitIdx = this.#commitIdx;
      const fault =
        `block-stm scheduler stalled at transaction ${commitIdx} with nothing in flight (a scheduler bug); ` +
        `transactions ${commitIdx}..${this.#n - 1} executed sequentially`;
      this.#rest = { from: commitIdx, reason: fault, fault };
      this.#run.finish();
    }
  }

  #dispatch(): void {
    const batchSize = batchSizeFor(
      this.#n - this.#commitIdx,
      this.#run.lanes.length,
      4,
      this.#driver.maxBatch,
    );
    fillLanes(
      this.#run,
      batchSize,
      (lane, size) => this.#scheduler.nextBatch(lane.index, size),
      (tx) => this.#pushRecord(tx),
    );
  }

  #handle(item: TaskResult, from: Lane): void {
    const i = item.tx;
    const scheduler = this.#scheduler;
    if (item.kind === "blocked") {
      scheduler.blocked(i, item.on);
      from.pending.add(item.on);
      return;
    }
    if (item.kind === "missing-code") {
      this.#results.supplyCode(item, from);
      scheduler.retry(i);
      return;
    }
    if (item.kind === "missing-state") {
      this.#results.supplyState(item, this.#run, this.#driver.fork, () => {
        scheduler.retry(i);
        this.#step();
      });
      return;
    }
    const result = this.#results.accept(item);
    scheduler.executed(i, item.incarnation);
    this.#reads[i] = item.reads;
    this.#enumerations[i] = item.enumerations;
    const writes = result.kind === "executed" ? result.writes : new Map<LocationKey, bigint>();
    const change = this.#mv.record(
      i,
      item.incarnation,
      writes,
      result.kind === "executed" ? result.feeCredit : 0n,
    );
    for (const key of writes.keys()) scheduler.addWriter(key, i);
    this.#run.publish(i, from);
    for (const record of item.reads) {
      let set = this.#readers.get(record[0]);
      if (set === undefined) {
        set = new Set();
        this.#readers.set(record[0], set);
      }
      set.add(i);
    }
    scheduler.resumeDependents(i);
    if (!this.#validate(i, false)) {
      this.#abort(i);
      return;
    }
    // Writes that changed: re-validate the executed readers that now see them.
    for (const key of change.changed) {
      const set = this.#readers.get(key);
      if (set === undefined) continue;
      const upTo = this.#mv.nextWriter(key, i, this.#n);
      for (const j of set) {
        if (j > i && j <= upTo && scheduler.isExecuted(j) && !this.#validate(j, false))
          this.#abort(j);
      }
    }
  }

  /** Validates the read set of `j` against MV memory (and committed state). */
  #validate(j: number, atCommit: boolean): boolean {
    this.#validations++;
    const mv = this.#mv;
    const state = this.#state;
    for (const [key, value, srcTx, srcInc] of this.#reads[j]!) {
      if (key === this.#coinbaseKey) {
        // Lazy fee credit: the coinbase balance depends on every earlier transaction's fee.
        if (!atCommit) continue;
        if (mv.coinbaseBalance(key, j, state.read(key)) !== value) return false;
        continue;
      }
      const entry = mv.lookup(key, j);
      if (entry !== undefined) {
        if (entry.estimate) {
          if (atCommit) return false;
          continue; // decided when the writer's next incarnation is recorded
        }
        if (entry.tx === srcTx && entry.incarnation === srcInc) continue;
        if (entry.value !== value) return false;
      } else {
        const truth = state.read(key);
        if (truth !== value) {
          if (srcTx === -1) for (const lane of this.#run.lanes) lane.fixes.set(key, truth); // stale replica
          return false;
        }
      }
    }
    const enumerations = this.#enumerations[j];
    if (atCommit && enumerations !== undefined) {
      for (const [address, seen] of enumerations) {
        const keys = new Set<LocationKey>();
        for (const [key] of state.storageOf(address)) keys.add(key);
        for (const key of mv.storageKeysOf(address)) keys.add(key);
        const truth = new Map<LocationKey, bigint>();
        for (const key of keys) {
          const value = mv.lookup(key, j)?.value ?? state.read(key);
          if (value !== 0n) truth.set(key, value);
        }
        if (truth.size !== seen.length || seen.some(([k, v]) => truth.get(k) !== v)) return false;
      }
    }
    return true;
  }

  /** `j` failed validation: its writes become ESTIMATE markers, everywhere, and it runs again. */
  #abort(j: number): void {
    this.#scheduler.abort(j);
    this.#mv.markEstimate(j);
    this.#run.publish(j);
  }

  /** Commits in block order while the next transaction executed, fits and validates. */
  #advanceCommit(): void {
    const n = this.#n;
    const txs = this.#txs;
    while (this.#commitIdx < n) {
      const c = this.#commitIdx;
      if (txs[c].tx.gasLimit > this.#gasLeft) {
        this.#considered = c; // does not fit: it and every later transaction stay pending
        return;
      }
      if (!this.#scheduler.isExecuted(c)) return;
      if (!this.#validate(c, true)) {
        this.#abort(c);
        return;
      }
      const result = this.#results.results[c]!;
      if (result.kind === "executed") this.#gasLeft -= result.blockGasUsed;
      // Learned at once: the prediction of the rest of this block uses it.
      this.#hints.learn(txs[c], result, this.#coinbaseKey);
      this.#commitIdx++;
    }
    this.#considered = n;
  }

  /**
   * Whether parallel work on the rest of the block has become a loss: too many aborts, or the
   * rest, predicted again with what this block taught (every few aborts), is one chain.
   */
  #stopReason(): string | undefined {
    const scheduler = this.#scheduler;
    const aborts = scheduler.aborts;
    const commitIdx = this.#commitIdx;
    const n = this.#n;
    if (aborts >= this.#abortLimit) {
      return `${aborts} aborts in ${scheduler.incarnations} incarnations reached maxAbortShare × transactions (${this.#abortLimit}); the rest of the block (from transaction ${commitIdx}) ran sequentially`;
    }
    if (!scheduler.repredictionDue()) return undefined;
    const txs = this.#txs;
    const fresh = this.#hints.predictAll(txs.slice(commitIdx));
    const known: PredictedAccess[] = fresh.map((p, k) => {
      const i = commitIdx + k;
      scheduler.repredict(i, p); // never ran: the new prediction steers its dispatch too
      const written = this.#mv.writesOf(i);
      const seen = this.#reads[i];
      return {
        writes: written === undefined ? p.writes : [...p.writes, ...written.keys()],
        reads:
          seen === undefined
            ? p.reads
            : [...p.reads, ...seen.map((r) => r[0]).filter((key) => key !== this.#coinbaseKey)],
      };
    });
    const laneCount = Math.max(2, this.#run.lanes.length);
    const predicted = predictSchedule(txs.slice(commitIdx), known, laneCount);
    if (predicted.speedup >= this.#minSpeedup) return undefined;
    return (
      `after ${aborts} aborts, the rest of the block (transactions ${commitIdx}..${n - 1}) is predicted to reach ` +
      `${predicted.speedup.toFixed(2)} on ${laneCount} lanes, below minPredictedSpeedup (${this.#minSpeedup}): it ran sequentially`
    );
  }

  /** What a lane's MV-memory copy needs of `tx`: an ESTIMATE marker or its recorded result. */
  #pushRecord(tx: number): PushRecord | undefined {
    const scheduler = this.#scheduler;
    if (scheduler.isEstimate(tx)) return { tx, estimate: true };
    return this.#results.pushRecord(tx, scheduler.doneIncarnation(tx), this.#mv);
  }
}
