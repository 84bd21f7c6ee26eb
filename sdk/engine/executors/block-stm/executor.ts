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
const DEFAULT_MAX_DEPENDENCY_RATIO = 0.9;
const READY = 0;
const EXECUTING = 1;
const EXECUTED = 2;

interface ParallelRun {
  results: ExecutionResult[];
  considered: number;
  incarnations: number;
  validations: number;
  aborts: number;
  dependent: number;
}

export class BlockStmExecutor implements BlockExecutor {
  readonly name = "block-stm" as const;
  readonly #pool: LanePool;
  readonly #fallback: FallbackOptions;
  readonly #maxBatch: number;
  readonly #sequential: SequentialExecutor;
  #dependencyRatio: number | undefined;
  #dependentSum = 0;
  #executedSum = 0;
  #disposed = false;

  constructor(chain: Chain, options: BlockStmOptions = {}) {
    this.#pool = options.pool ?? lanePoolFor(chain, options);
    this.#fallback = options.fallback ?? chain.options.fallback ?? {};
    this.#maxBatch = options.maxBatch ?? 32;
    this.#sequential = new SequentialExecutor(chain.lane);
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
    return this.executeWith(block, txs, state, this.#fallbackReason(txs));
  }

  /**
   * {@link execute} with the sequential-fallback decision made by the caller (`reason`
   * undefined = run on the lanes): the `declared` executor falls back to this one.
   */
  async executeWith(block: Block, txs: EngineTransaction[], state: WorldState, reason: string | undefined): Promise<BlockExecution> {
    if (this.#disposed) throw new Error("the block-stm executor was disposed");
    const started = performance.now();
    if (reason !== undefined) return this.#runSequential(block, txs, state, started, reason, []);
    let run: ParallelRun;
    try {
      await this.#pool.ensure(state);
      run = await this.#runParallel(block, txs, state);
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
    this.#noteBlock(run.results, run.dependent);
    const record: ExecutionRecord = {
      executor: "block-stm",
      executedBy: "block-stm",
      lanes: this.#pool.count,
      transactions: run.results.filter((r) => r.kind === "executed").length,
      gasUsed,
      reExecutions: run.incarnations - Math.min(run.incarnations, txs.length),
      incarnations: run.incarnations,
      validations: run.validations,
      aborts: run.aborts,
      faults: [],
      wallTimeMs: performance.now() - started,
    };
    return { results: run.results, considered: run.considered, record };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#pool.stop();
  }

  // ---- fallback --------------------------------------------------------------------------

  #fallbackReason(txs: EngineTransaction[]): string | undefined {
    const reason = sizeFallbackReason(txs, this.#fallback, this.#pool.count);
    if (reason !== undefined) return reason;
    const maxRatio = this.#fallback.maxDependencyRatio ?? DEFAULT_MAX_DEPENDENCY_RATIO;
    if (this.#dependencyRatio !== undefined && this.#dependencyRatio > maxRatio) {
      return `dependency ratio of previous blocks ${this.#dependencyRatio.toFixed(2)} above maxDependencyRatio (${maxRatio})`;
    }
    return undefined;
  }

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
    // Dependency statistics of a sequential block: reads of locations written earlier in it.
    const written = new Set<LocationKey>();
    let dependent = 0;
    for (const result of execution.results) {
      if (result.kind !== "executed") continue;
      for (const key of result.reads.keys()) {
        if (written.has(key) || key === coinbase) {
          dependent++;
          break;
        }
      }
      for (const key of result.writes.keys()) written.add(key);
    }
    this.#noteBlock(execution.results, dependent);
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

  /** Updates the dependency ratio of recent blocks (transaction-weighted, halving per block). */
  #noteBlock(results: ExecutionResult[], dependent: number): void {
    const executed = results.filter((r) => r.kind === "executed").length;
    if (executed < 2) return;
    this.#dependentSum = this.#dependentSum / 2 + dependent;
    this.#executedSum = this.#executedSum / 2 + executed;
    this.#dependencyRatio = this.#dependentSum / this.#executedSum;
  }

  // ---- one block on the lanes -------------------------------------------------------------

  async #runParallel(block: Block, txs: EngineTransaction[], state: WorldState): Promise<ParallelRun> {
    const run = this.#pool.begin(block, txs, state);
    const n = txs.length;
    const coinbaseKey = balanceKey(block.header.coinbase.toString());
    const mv = new MVMemory(n);
    const status = new Uint8Array(n);
    const incarnation = new Int32Array(n);
    const doneIncarnation = new Int32Array(n);
    const estimated = new Uint8Array(n);
    const waitingOn = new Int32Array(n).fill(-1);
    const dependents = new Map<number, number[]>();
    const results: Array<ExecutionResult | undefined> = new Array(n);
    const reads: Array<ReadRecord[] | undefined> = new Array(n);
    const enumerations: Array<Array<[string, Array<[LocationKey, bigint]>]> | undefined> = new Array(n);
    const readers = new Map<LocationKey, Set<number>>();
    const blockCodes = new Map<bigint, Uint8Array>();
    let execFloor = 0;
    let commitIdx = 0;
    let gasLeft = block.header.gasLimit;
    let considered = -1;
    let incarnations = 0;
    let validations = 0;
    let aborts = 0;
    let dependent = 0;
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

    const handle = (item: TaskResult, from: Lane): void => {
      const i = item.tx;
      if (item.kind === "blocked") {
        makeReady(i);
        const on = item.on;
        if (status[on] !== EXECUTED || estimated[on]) {
          waitingOn[i] = on;
          let list = dependents.get(on);
          if (list === undefined) dependents.set(on, (list = []));
          list.push(i);
        }
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
        if (result.kind === "executed") {
          gasLeft -= result.blockGasUsed;
          for (const [key] of reads[c]!) {
            if (key === coinbaseKey || mv.lookup(key, c) !== undefined) {
              dependent++;
              break;
            }
          }
        }
        commitIdx++;
      }
      considered = n;
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
            if (status[i] !== READY || waitingOn[i] >= 0) continue;
            status[i] = EXECUTING;
            tasks.push([i, incarnation[i]]);
          }
          if (tasks.length === 0) return;
          incarnations += tasks.length;
          run.send(lane, tasks, pushRecord);
        }
      }
    };

    const step = (): void => {
      advanceCommit();
      if (considered >= 0) return finish();
      dispatch();
      if (run.idle) {
        // Nothing runs and nothing can be dispatched: a scheduler bug, never expected.
        finish(new LaneFault(`block-stm scheduler stalled at transaction ${commitIdx}`));
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
    return {
      results: results.slice(0, considered) as ExecutionResult[],
      considered,
      incarnations,
      validations,
      aborts,
      dependent,
    };
  }
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
