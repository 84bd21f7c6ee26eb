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
import type { FallbackOptions } from "../../options.ts";
import type { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import { applyOutcome, SequentialExecutor } from "../sequential.ts";
import { MVMemory } from "../lanes/mv-memory.ts";
import { AccessHints, type PredictedAccess } from "./access-hints.ts";
import { predictSchedule } from "./predicted-schedule.ts";
import { type Lane, LaneFault, type LanePool, lanePoolFor, type ParallelExecutorOptions } from "../lanes/pool.ts";
import type { PushRecord, ReadRecord, TaskResult } from "../lanes/protocol.ts";

export type { BlockStmTestHooks } from "../lanes/protocol.ts";
export { workerExecArgv } from "../lanes/pool.ts";

/** Options of {@link BlockStmExecutor}; defaults come from the chain's options. */
export interface BlockStmOptions extends ParallelExecutorOptions {
  /** Lanes shared with another executor (the `declared` executor falls back to this one); built from the options above when absent. */
  pool?: LanePool;
}

const DEFAULT_MIN_GAS = 200_000n;
const DEFAULT_MIN_PREDICTED_SPEEDUP = 1.3;
const DEFAULT_MAX_ABORT_SHARE = 0.5;
/** Aborts in a block before the rest of it is first predicted again (then at 2x, 4x, ...). */
const FIRST_REPREDICTION = 2;
const READY = 0;
const EXECUTING = 1;
const EXECUTED = 2;

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
  readonly #pool: LanePool;
  readonly #fallback: FallbackOptions;
  readonly #maxBatch: number;
  readonly #sequential: SequentialExecutor;
  /** What recent executions of each function touched (shared with the `declared` executor's fallback). */
  readonly hints = new AccessHints();
  readonly #neverDispatch: number | undefined;
  #disposed = false;

  constructor(chain: Chain, options: BlockStmOptions = {}) {
    this.#pool = options.pool ?? lanePoolFor(chain, options);
    this.#fallback = options.fallback ?? chain.options.fallback ?? {};
    this.#maxBatch = options.maxBatch ?? 32;
    this.#sequential = new SequentialExecutor(chain.lane);
    this.#neverDispatch = options.hooks?.neverDispatch;
  }

  /** Number of lanes (worker threads). */
  get lanes(): number {
    return this.#pool.count;
  }

  /** Threads currently running (0 after {@link dispose} or before the first parallel block). */
  get runningLanes(): number {
    return this.#pool.running;
  }

  /** Starts the lanes now instead of at the first parallel block. */
  async start(state: WorldState): Promise<void> {
    await this.#pool.ensure(state);
  }

  async execute(block: Block, txs: EngineTransaction[], state: WorldState): Promise<BlockExecution> {
    const size = sizeFallbackReason(txs, this.#fallback, this.#pool.count);
    if (size !== undefined) return this.executeWith(block, txs, state, size);
    // Decided from this block's own transactions, never from the blocks before it: a disjoint
    // block after a hot one runs on the lanes, a hot one after a disjoint one does not.
    const predictions = this.hints.predictAll(txs);
    const lanes = Math.max(2, this.#pool.count);
    const predicted = predictSchedule(txs, predictions, lanes);
    const min = this.#fallback.minPredictedSpeedup ?? DEFAULT_MIN_PREDICTED_SPEEDUP;
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
    if (reason !== undefined) return this.#runSequential(block, txs, state, started, reason, []);
    let run: ParallelRun;
    try {
      await this.#pool.ensure(state);
      run = await this.#runParallel(block, txs, state, predictions);
    } catch (error) {
      if (!(error instanceof LaneFault)) throw error;
      await this.#pool.stop();
      const fault = `${error.message}; block re-executed sequentially, lanes restarted for the next block`;
      return this.#runSequential(block, txs, state, started, undefined, [fault]);
    }
    // Commit: apply in block order, exactly as the sequential executor does.
    const coinbase = balanceKey(block.header.coinbase.toString());
    let gasUsed = 0n;
    for (const result of run.results) {
      if (result.kind !== "executed") continue;
      applyOutcome(state, result, coinbase);
      gasUsed += result.blockGasUsed;
    }
    let results = run.results;
    let considered = run.considered;
    let incarnations = run.incarnations;
    const rest = run.rest;
    if (rest !== undefined) {
      // The rest of the block on top of the committed prefix, as the sequential executor runs it.
      const tail = await this.#sequential.executeRest(block, txs.slice(rest.from), state, block.header.gasLimit - gasUsed);
      for (const [k, result] of tail.results.entries()) this.hints.learn(txs[rest.from + k], result, coinbase);
      results = [...results, ...tail.results];
      considered = rest.from + tail.considered;
      incarnations += tail.considered;
      gasUsed += tail.record.gasUsed;
    }
    const record: ExecutionRecord = {
      executor: "block-stm",
      executedBy: rest?.from === 0 ? "sequential" : "block-stm",
      lanes: this.#pool.count,
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
    await this.#pool.stop();
  }

  // ---- fallback --------------------------------------------------------------------------

  async #runSequential(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    started: number,
    fallbackReason: string | undefined,
    faults: string[],
  ): Promise<BlockExecution> {
    const execution = await this.#sequential.execute(block, txs, state);
    const coinbase = balanceKey(block.header.coinbase.toString());
    for (const [i, result] of execution.results.entries()) this.hints.learn(txs[i], result, coinbase);
    execution.record = {
      ...execution.record,
      executor: "block-stm",
      executedBy: "sequential",
      lanes: this.#pool.count,
      fallbackReason,
      faults,
      wallTimeMs: performance.now() - started,
    };
    return execution;
  }

  // ---- one block on the lanes -------------------------------------------------------------

  async #runParallel(block: Block, txs: EngineTransaction[], state: WorldState, predictions: PredictedAccess[]): Promise<ParallelRun> {
    const run = this.#pool.begin(block, txs, state);
    const n = txs.length;
    const coinbaseKey = balanceKey(block.header.coinbase.toString());
    const mv = new MVMemory(n);
    const status = new Uint8Array(n);
    const incarnation = new Int32Array(n);
    const doneIncarnation = new Int32Array(n);
    const estimated = new Uint8Array(n);
    const waitingOn = new Int32Array(n).fill(-1);
    /** Lane of a transaction's last dispatched incarnation. */
    const laneOf = new Int32Array(n).fill(-1);
    const dependents = new Map<number, number[]>();
    const results: Array<ExecutionResult | undefined> = new Array(n);
    const reads: Array<ReadRecord[] | undefined> = new Array(n);
    const enumerations: Array<Array<[string, Array<[LocationKey, bigint]>]> | undefined> = new Array(n);
    const readers = new Map<LocationKey, Set<number>>();
    const blockCodes = new Map<bigint, Uint8Array>();
    /** Per location, the transactions predicted or seen to write it, ascending. */
    const writers = new Map<LocationKey, number[]>();
    const addWriter = (key: LocationKey, tx: number): void => {
      let list = writers.get(key);
      if (list === undefined) writers.set(key, (list = []));
      const at = lowerBound(list, tx);
      if (list[at] !== tx) list.splice(at, 0, tx);
    };
    for (const [tx, p] of predictions.entries()) for (const key of p.writes) addWriter(key, tx);
    const fallback = this.#fallback;
    const minSpeedup = fallback.minPredictedSpeedup ?? DEFAULT_MIN_PREDICTED_SPEEDUP;
    const abortLimit = Math.max(1, Math.ceil((fallback.maxAbortShare ?? DEFAULT_MAX_ABORT_SHARE) * n));
    const neverDispatch = this.#neverDispatch;
    let nextPrediction = FIRST_REPREDICTION;
    let rest: ParallelRun["rest"];
    let execFloor = 0;
    let commitIdx = 0;
    let gasLeft = block.header.gasLimit;
    let considered = -1;
    let incarnations = 0;
    let validations = 0;
    let aborts = 0;
    const lanes = run.lanes;
    const finish = (error?: LaneFault): void => run.finish(error);
    /** Validates the read set of `j` against MV memory (and committed state). */
    const validate = (j: number, atCommit: boolean): boolean => {
      validations++;
      for (const [key, value, srcTx, srcInc] of reads[j]!) {
        if (key === coinbaseKey) {
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
            if (srcTx === -1) for (const lane of lanes) lane.fixes.set(key, truth); // stale replica
            return false;
          }
        }
      }
      if (atCommit && enumerations[j] !== undefined) {
        for (const [address, seen] of enumerations[j]!) {
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
    };

    const abort = (j: number): void => {
      aborts++;
      status[j] = READY;
      incarnation[j]++;
      estimated[j] = 1;
      mv.markEstimate(j);
      run.publish(j);
      if (j < execFloor) execFloor = j;
    };

    const makeReady = (i: number): void => {
      status[i] = READY;
      incarnation[i]++;
      if (i < execFloor) execFloor = i;
    };

    const wait = (i: number, on: number): void => {
      waitingOn[i] = on;
      let list = dependents.get(on);
      if (list === undefined) dependents.set(on, (list = []));
      list.push(i);
    };

    /**
     * The dependency wait taken further (Block-STM's ESTIMATE wait, with pevm's and Grevm's
     * idea of knowing accesses before execution): the nearest lower transaction predicted or
     * seen to write a location `i` is predicted to touch or read last time, if it has no valid
     * result yet and does not run before `i` on the same lane. -1 = `i` may run now.
     */
    const heldBy = (i: number, lane: number): number => {
      const check = (key: LocationKey): number => {
        if (key === coinbaseKey) return -1;
        const list = writers.get(key);
        if (list === undefined) return -1;
        const at = lowerBound(list, i) - 1;
        if (at < 0) return -1;
        const w = list[at];
        if (status[w] === EXECUTED && !estimated[w]) return -1;
        if (status[w] === EXECUTING && laneOf[w] === lane) return -1; // the lane runs them in order
        return w;
      };
      let w = -1;
      const p = predictions[i];
      for (const key of p.writes) if ((w = check(key)) >= 0) return w;
      for (const key of p.reads) if ((w = check(key)) >= 0) return w;
      const last = reads[i];
      if (last !== undefined) for (const record of last) if ((w = check(record[0])) >= 0) return w;
      return -1;
    };

    const handle = (item: TaskResult, from: Lane): void => {
      const i = item.tx;
      if (item.kind === "blocked") {
        makeReady(i);
        const on = item.on;
        if (status[on] !== EXECUTED || estimated[on]) wait(i, on);
        from.pending.add(on);
        return;
      }
      if (item.kind === "missing-code") {
        for (const hash of item.hashes) from.codes.set(hash, blockCodes.get(hash) ?? state.code(hash));
        makeReady(i);
        return;
      }
      let result = item.result;
      if (result.kind === "executed") {
        result = { ...result, reads: new Map(item.reads.map((r) => [r[0], r[1]])) };
        for (const [hash, code] of result.codes) blockCodes.set(hash, code);
      }
      status[i] = EXECUTED;
      estimated[i] = 0;
      doneIncarnation[i] = item.incarnation;
      results[i] = result;
      reads[i] = item.reads;
      enumerations[i] = item.enumerations;
      const writes = result.kind === "executed" ? result.writes : new Map<LocationKey, bigint>();
      const change = mv.record(i, item.incarnation, writes, result.kind === "executed" ? result.feeCredit : 0n);
      for (const key of writes.keys()) addWriter(key, i);
      run.publish(i, from);
      for (const record of item.reads) {
        let set = readers.get(record[0]);
        if (set === undefined) readers.set(record[0], (set = new Set()));
        set.add(i);
      }
      const waiting = dependents.get(i);
      if (waiting !== undefined) {
        dependents.delete(i);
        for (const d of waiting) {
          if (waitingOn[d] !== i) continue;
          waitingOn[d] = -1;
          if (d < execFloor) execFloor = d;
        }
      }
      if (!validate(i, false)) {
        abort(i);
        return;
      }
      // Writes that changed: re-validate the executed readers that now see them.
      for (const key of change.changed) {
        const set = readers.get(key);
        if (set === undefined) continue;
        const upTo = mv.nextWriter(key, i, n);
        for (const j of set) {
          if (j > i && j <= upTo && status[j] === EXECUTED && !validate(j, false)) abort(j);
        }
      }
    };

    const advanceCommit = (): void => {
      while (commitIdx < n) {
        const c = commitIdx;
        if (txs[c].tx.gasLimit > gasLeft) {
          considered = c; // does not fit: it and every later transaction stay pending
          return;
        }
        if (status[c] !== EXECUTED) return;
        if (!validate(c, true)) {
          abort(c);
          return;
        }
        const result = results[c]!;
        if (result.kind === "executed") gasLeft -= result.blockGasUsed;
        // Learned at once: the prediction of the rest of this block uses it.
        this.hints.learn(txs[c], result, coinbaseKey);
        commitIdx++;
      }
      considered = n;
    };

    /**
     * Whether parallel work on the rest of the block has become a loss: too many aborts, or the
     * rest, predicted again with what this block taught (every few aborts), is one chain.
     */
    const stopReason = (): string | undefined => {
      if (aborts >= abortLimit) {
        return `${aborts} aborts in ${incarnations} incarnations reached maxAbortShare × transactions (${abortLimit}); the rest of the block (from transaction ${commitIdx}) ran sequentially`;
      }
      if (aborts < nextPrediction) return undefined;
      nextPrediction *= 2;
      const fresh = this.hints.predictAll(txs.slice(commitIdx));
      const known: PredictedAccess[] = fresh.map((p, k) => {
        const i = commitIdx + k;
        if (status[i] === READY && incarnation[i] === 0) {
          predictions[i] = p; // never ran: the new prediction steers its dispatch too
          for (const key of p.writes) addWriter(key, i);
        }
        const written = mv.writesOf(i);
        const seen = reads[i];
        return {
          writes: written === undefined ? p.writes : [...p.writes, ...written.keys()],
          reads: seen === undefined ? p.reads : [...p.reads, ...seen.map((r) => r[0]).filter((key) => key !== coinbaseKey)],
        };
      });
      const laneCount = Math.max(2, lanes.length);
      const predicted = predictSchedule(txs.slice(commitIdx), known, laneCount);
      if (predicted.speedup >= minSpeedup) return undefined;
      return (
        `after ${aborts} aborts, the rest of the block (transactions ${commitIdx}..${n - 1}) is predicted to reach ` +
        `${predicted.speedup.toFixed(2)} on ${laneCount} lanes, below minPredictedSpeedup (${minSpeedup}): it ran sequentially`
      );
    };

    const pushRecord = (tx: number): PushRecord | undefined => {
      if (estimated[tx]) return { tx, estimate: true };
      const result = results[tx];
      if (result === undefined) return undefined;
      return {
        tx,
        estimate: false,
        incarnation: doneIncarnation[tx],
        writes: mv.writesOf(tx) ?? new Map(),
        feeCredit: mv.feeCredits[tx] ?? 0n,
        codes: result.kind === "executed" ? result.codes : new Map(),
      };
    };

    const dispatch = (): void => {
      const batchSize = Math.max(1, Math.min(this.#maxBatch, Math.ceil((n - commitIdx) / (lanes.length * 4))));
      for (const lane of lanes) {
        while (run.hasRoom(lane)) {
          const tasks: Array<[number, number]> = [];
          while (execFloor < n && status[execFloor] !== READY) execFloor++;
          for (let i = execFloor; i < n && tasks.length < batchSize; i++) {
            if (status[i] !== READY || i === neverDispatch) continue;
            const on = waitingOn[i];
            if (on >= 0) {
              if (status[on] !== EXECUTING || laneOf[on] !== lane.index) continue;
              waitingOn[i] = -1; // its writer runs earlier on this lane: it can follow it
            }
            const w = heldBy(i, lane.index);
            if (w >= 0) {
              wait(i, w);
              continue;
            }
            status[i] = EXECUTING;
            laneOf[i] = lane.index;
            tasks.push([i, incarnation[i]]);
          }
          if (tasks.length === 0) break;
          incarnations += tasks.length;
          run.send(lane, tasks, pushRecord);
        }
      }
    };

    const step = (): void => {
      advanceCommit();
      if (considered >= 0) return finish();
      const reason = stopReason();
      if (reason !== undefined) {
        rest = { from: commitIdx, reason };
        return finish();
      }
      dispatch();
      if (run.idle) {
        // Nothing runs and nothing can be dispatched: a scheduler bug. Never wait for the
        // lanes' timeout: finish the block sequentially on the committed prefix, and say so.
        const fault =
          `block-stm scheduler stalled at transaction ${commitIdx} with nothing in flight (a scheduler bug); ` +
          `transactions ${commitIdx}..${n - 1} executed sequentially`;
        rest = { from: commitIdx, reason: fault, fault };
        finish();
      }
    };

    run.onResults = (items, lane) => {
      for (const item of items) handle(item, lane);
      step();
    };
    run.start();
    if (n === 0) {
      considered = 0;
      finish();
    } else if (!run.finished) {
      step();
    }
    await run.done;
    if (rest !== undefined) considered = rest.from;
    return {
      results: results.slice(0, considered) as ExecutionResult[],
      considered,
      incarnations,
      validations,
      aborts,
      rest,
    };
  }
}

/** Index of the first element of ascending `list` that is ≥ `value`. */
function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Why a block is too small to run on the lanes, if it is: fewer transactions than
 * `minTransactions` (default: the number of lanes) or a summed gas limit below `minGas`
 * (default 200,000 gas). Shared by the parallel executors.
 */
export function sizeFallbackReason(txs: EngineTransaction[], fallback: FallbackOptions, lanes: number): string | undefined {
  const minTransactions = fallback.minTransactions ?? lanes;
  if (txs.length < minTransactions) return `${txs.length} transactions, fewer than minTransactions (${minTransactions})`;
  const minGas = fallback.minGas ?? DEFAULT_MIN_GAS;
  let gas = 0n;
  for (const etx of txs) gas += etx.tx.gasLimit;
  if (gas < minGas) return `summed gas limit ${gas} below minGas (${minGas})`;
  return undefined;
}
