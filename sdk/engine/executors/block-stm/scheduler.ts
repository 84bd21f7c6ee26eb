/**
 * The Block-STM scheduler's state for one block: each transaction's status and incarnation, the
 * execution index (lowest transaction that may be ready, decreased on abort), dependency waits,
 * and the abort and incarnation counts. It decides what runs next and on which lane; it knows
 * nothing of MV memory, validation or commit (the coordinator in `executor.ts` does those).
 * Algorithm: `docs/block-stm.md`.
 */
import type { LocationKey } from "../../location.ts";
import type { ReadRecord } from "../lanes/protocol.ts";
import type { PredictedAccess } from "./access-hints.ts";

/** Aborts in a block before the rest of it is first predicted again (then at 2x, 4x, ...). */
const FIRST_REPREDICTION = 2;
const READY = 0;
const EXECUTING = 1;
const EXECUTED = 2;

/**
 * @example
 * const scheduler = new Scheduler(predictions, lastReads, coinbaseKey);
 * const tasks = scheduler.nextBatch(lane.index, 8); // [tx, incarnation] pairs for that lane
 * scheduler.executed(tx, incarnation); // ... validated, or scheduler.abort(tx)
 */
export class Scheduler {
  readonly #n: number;
  readonly #status: Uint8Array;
  readonly #incarnation: Int32Array;
  /** Incarnation of each transaction's recorded result. */
  readonly #doneIncarnation: Int32Array;
  /** 1 while a transaction's writes are ESTIMATE markers (aborted, not executed again yet). */
  readonly #estimated: Uint8Array;
  /** Transaction each one waits for (-1 = none). */
  readonly #waitingOn: Int32Array;
  /** Lane of a transaction's last dispatched incarnation. */
  readonly #laneOf: Int32Array;
  /** Transaction → the transactions waiting for it. */
  readonly #dependents = new Map<number, number[]>();
  /** Per location, the transactions predicted or seen to write it, ascending. */
  readonly #writers = new Map<LocationKey, number[]>();
  readonly #predictions: PredictedAccess[];
  /** Each transaction's read set of its last recorded incarnation (owned by the coordinator). */
  readonly #lastReads: ReadonlyArray<ReadRecord[] | undefined>;
  readonly #coinbaseKey: LocationKey;
  /** Test hook: never dispatched (see `BlockStmTestHooks.neverDispatch`). */
  readonly #neverDispatch: number | undefined;
  /** Execution index: no transaction below it is ready. */
  #execFloor = 0;
  #nextPrediction = FIRST_REPREDICTION;
  #incarnations = 0;
  #aborts = 0;

  /**
   * @param predictions one per transaction, in block order; written to again by {@link repredict}
   * @param lastReads the coordinator's read sets, read to find dependencies
   */
  constructor(
    predictions: PredictedAccess[],
    lastReads: ReadonlyArray<ReadRecord[] | undefined>,
    coinbaseKey: LocationKey,
    neverDispatch?: number,
  ) {
    const n = predictions.length;
    this.#n = n;
    this.#status = new Uint8Array(n);
    this.#incarnation = new Int32Array(n);
    this.#doneIncarnation = new Int32Array(n);
    this.#estimated = new Uint8Array(n);
    this.#waitingOn = new Int32Array(n).fill(-1);
    this.#laneOf = new Int32Array(n).fill(-1);
    this.#predictions = predictions;
    this.#lastReads = lastReads;
    this.#coinbaseKey = coinbaseKey;
    this.#neverDispatch = neverDispatch;
    for (const [tx, p] of predictions.entries())
      for (const key of p.writes) this.addWriter(key, tx);
  }

  /** Incarnations dispatched so far. */
  get incarnations(): number {
    return this.#incarnations;
  }

  /** Incarnations aborted so far (failed validation). */
  get aborts(): number {
    return this.#aborts;
  }

  /** Whether `tx`'s last incarnation executed (its result is recorded). */
  isExecuted(tx: number): boolean {
    return this.#status[tx] === EXECUTED;
  }

  /** Whether `tx`'s writes are ESTIMATE markers. */
  isEstimate(tx: number): boolean {
    return this.#estimated[tx] === 1;
  }

  /** Incarnation of `tx`'s recorded result. */
  doneIncarnation(tx: number): number {
    return this.#doneIncarnation[tx];
  }

  /** Records that `tx` is predicted or was seen to write `key`. */
  addWriter(key: LocationKey, tx: number): void {
    let list = this.#writers.get(key);
    if (list === undefined) {
      list = [];
      this.#writers.set(key, list);
    }
    const at = lowerBound(list, tx);
    if (list[at] !== tx) list.splice(at, 0, tx);
  }

  /**
   * The next batch for `lane`: ready transactions from the execution index up, at most
   * `batchSize`, skipping those that wait for a transaction that does not run earlier on the
   * same lane; each becomes EXECUTING there. Returns `[tx, incarnation]` pairs.
   */
  nextBatch(lane: number, batchSize: number): Array<[number, number]> {
    const n = this.#n;
    const status = this.#status;
    const tasks: Array<[number, number]> = [];
    while (this.#execFloor < n && status[this.#execFloor] !== READY) this.#execFloor++;
    for (let i = this.#execFloor; i < n && tasks.length < batchSize; i++) {
      if (status[i] !== READY || i === this.#neverDispatch) continue;
      const on = this.#waitingOn[i];
      if (on >= 0) {
        if (status[on] !== EXECUTING || this.#laneOf[on] !== lane) continue;
        this.#waitingOn[i] = -1; // its writer runs earlier on this lane: it can follow it
      }
      const w = this.#heldBy(i, lane);
      if (w >= 0) {
        this.#wait(i, w);
        continue;
      }
      status[i] = EXECUTING;
      this.#laneOf[i] = lane;
      tasks.push([i, this.#incarnation[i]]);
    }
    this.#incarnations += tasks.length;
    return tasks;
  }

  /** `tx`'s incarnation finished and its result is being recorded: EXECUTED, no longer an estimate. */
  executed(tx: number, incarnation: number): void {
    this.#status[tx] = EXECUTED;
    this.#estimated[tx] = 0;
    this.#doneIncarnation[tx] = incarnation;
  }

  /** The transactions waiting for `tx` may run again (after its result was recorded). */
  resumeDependents(tx: number): void {
    const waiting = this.#dependents.get(tx);
    if (waiting === undefined) return;
    this.#dependents.delete(tx);
    for (const d of waiting) {
      if (this.#waitingOn[d] !== tx) continue;
      this.#waitingOn[d] = -1;
      if (d < this.#execFloor) this.#execFloor = d;
    }
  }

  /** A lane found `tx` reading an ESTIMATE of `on`: `tx` runs again, after `on` unless that executed since. */
  blocked(tx: number, on: number): void {
    this.retry(tx);
    if (this.#status[on] !== EXECUTED || this.#estimated[on]) this.#wait(tx, on);
  }

  /** `tx` runs again as a new incarnation (a lane lacked code, or it was blocked). */
  retry(tx: number): void {
    this.#status[tx] = READY;
    this.#incarnation[tx]++;
    if (tx < this.#execFloor) this.#execFloor = tx;
  }

  /** `tx` failed validation: a new incarnation, its writes become ESTIMATE markers (the caller marks MV memory). */
  abort(tx: number): void {
    this.#aborts++;
    this.#status[tx] = READY;
    this.#incarnation[tx]++;
    this.#estimated[tx] = 1;
    if (tx < this.#execFloor) this.#execFloor = tx;
  }

  /** Whether the rest of the block is due to be predicted again: at 2, 4, 8, ... aborts. */
  repredictionDue(): boolean {
    if (this.#aborts < this.#nextPrediction) return false;
    this.#nextPrediction *= 2;
    return true;
  }

  /** A fresh prediction for `tx`: it steers `tx`'s dispatch too if `tx` never ran. */
  repredict(tx: number, prediction: PredictedAccess): void {
    if (this.#status[tx] !== READY || this.#incarnation[tx] !== 0) return;
    this.#predictions[tx] = prediction;
    for (const key of prediction.writes) this.addWriter(key, tx);
  }

  #wait(tx: number, on: number): void {
    this.#waitingOn[tx] = on;
    let list = this.#dependents.get(on);
    if (list === undefined) {
      list = [];
      this.#dependents.set(on, list);
    }
    list.push(tx);
  }

  /**
   * The dependency wait taken further (Block-STM's ESTIMATE wait, with pevm's and Grevm's
   * idea of knowing accesses before execution): the nearest lower transaction predicted or
   * seen to write a location `i` is predicted to touch or read last time, if it has no valid
   * result yet and does not run before `i` on the same lane. -1 = `i` may run now.
   */
  #heldBy(i: number, lane: number): number {
    const check = (key: LocationKey): number => {
      if (key === this.#coinbaseKey) return -1;
      const list = this.#writers.get(key);
      if (list === undefined) return -1;
      const at = lowerBound(list, i) - 1;
      if (at < 0) return -1;
      const w = list[at];
      if (this.#status[w] === EXECUTED && !this.#estimated[w]) return -1;
      if (this.#status[w] === EXECUTING && this.#laneOf[w] === lane) return -1; // the lane runs them in order
      return w;
    };
    const p = this.#predictions[i];
    for (const key of p.writes) {
      const w = check(key);
      if (w >= 0) return w;
    }
    for (const key of p.reads) {
      const w = check(key);
      if (w >= 0) return w;
    }
    for (const record of this.#lastReads[i] ?? []) {
      const w = check(record[0]);
      if (w >= 0) return w;
    }
    return -1;
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
