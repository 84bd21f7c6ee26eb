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
import { Worker } from "node:worker_threads";
import type { Block } from "@ethereumjs/block";
import { hexToBytes } from "@ethereumjs/util";
import type { Chain } from "../../chain.ts";
import type { ExecutionResult } from "../../execute-transaction.ts";
import type { BlockExecution, BlockExecutor, ExecutionRecord } from "../../executor.ts";
import { balanceKey, type LocationKey } from "../../location.ts";
import type { FallbackOptions, HardforkName } from "../../options.ts";
import type { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import { applyOutcome, SequentialExecutor } from "../sequential.ts";
import { MVMemory } from "./mv-memory.ts";
import type {
  BlockMessage,
  BlockStmTestHooks,
  ExecMessage,
  PushRecord,
  ReadRecord,
  TaskResult,
  WorkerInit,
  WorkerMessage,
} from "./protocol.ts";

export type { BlockStmTestHooks } from "./protocol.ts";

/** Options of {@link BlockStmExecutor}; defaults come from the chain's options. */
export interface BlockStmOptions {
  /** Worker threads (lanes). Default 2. */
  lanes?: number;
  fallback?: FallbackOptions;
  /** A lane that does not answer a batch within this many milliseconds is hung. Default 30,000. */
  workerTimeout?: number;
  /** Test hooks (crash or hang a lane at an incarnation); they apply to the first lanes started only. */
  hooks?: BlockStmTestHooks;
  /** Node flags of the lanes. Default {@link workerExecArgv} (tsx's loader when it resolves). */
  execArgv?: string[];
  /** Largest batch of incarnations sent to a lane in one message. Default 32. */
  maxBatch?: number;
}

const DEFAULT_MIN_GAS = 200_000n;
const DEFAULT_MAX_DEPENDENCY_RATIO = 0.9;
const READY = 0;
const EXECUTING = 1;
const EXECUTED = 2;
/** Batches in flight per lane: two, so a lane never waits for the coordinator between batches. */
const IN_FLIGHT = 2;

/** The command-line flags a lane needs to load TypeScript (tsx's loader when it resolves). */
export function workerExecArgv(): string[] {
  try {
    return ["--import", import.meta.resolve("tsx/esm")];
  } catch {
    return []; // Node >= 22.18 strips types natively for files outside node_modules
  }
}

/** A fault met while a block ran on the lanes (crash, hang, error message). */
class LaneFault extends Error {}

interface Lane {
  index: number;
  worker: Worker;
  alive: boolean;
  /** batch id → hang timer */
  inFlight: Map<number, NodeJS.Timeout>;
  /** Transactions whose MV-memory state this lane has not been sent yet. */
  pending: Set<number>;
  fixes: Map<LocationKey, bigint>;
  codes: Map<bigint, Uint8Array>;
  onMessage?: (message: WorkerMessage) => void;
  onFault?: (reason: string) => void;
}

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
  readonly #chain: Chain;
  readonly #laneCount: number;
  readonly #fallback: FallbackOptions;
  readonly #timeout: number;
  readonly #hooks: BlockStmTestHooks;
  readonly #maxBatch: number;
  readonly #execArgv: string[];
  #generation = 0;
  readonly #sequential: SequentialExecutor;
  readonly #epochs = new SharedArrayBuffer(4);
  #lanes: Lane[] | undefined;
  #epoch = 0;
  #batch = 0;
  /** Committed locations changed since the lanes' replicas were last updated. */
  #delta = new Set<LocationKey>();
  #deltaCodes = new Map<bigint, Uint8Array>();
  #dependencyRatio: number | undefined;
  #dependentSum = 0;
  #executedSum = 0;
  #disposed = false;

  constructor(chain: Chain, options: BlockStmOptions = {}) {
    this.#chain = chain;
    this.#laneCount = Math.max(1, options.lanes ?? chain.options.lanes ?? 2);
    this.#fallback = options.fallback ?? chain.options.fallback ?? {};
    this.#timeout = options.workerTimeout ?? chain.options.workerTimeout ?? 30_000;
    this.#hooks = options.hooks ?? {};
    this.#maxBatch = options.maxBatch ?? 32;
    this.#execArgv = options.execArgv ?? workerExecArgv();
    this.#sequential = new SequentialExecutor(chain.lane);
  }

  /** Number of lanes (worker threads). */
  get lanes(): number {
    return this.#laneCount;
  }

  /** Threads currently running (0 after {@link dispose} or before the first parallel block). */
  get runningLanes(): number {
    return this.#lanes?.filter((l) => l.alive).length ?? 0;
  }

  /** Starts the lanes now instead of at the first parallel block. */
  async start(): Promise<void> {
    await this.#ensureLanes(this.#chain.state);
  }

  async execute(block: Block, txs: EngineTransaction[], state: WorldState): Promise<BlockExecution> {
    if (this.#disposed) throw new Error("the block-stm executor was disposed");
    const started = performance.now();
    const reason = this.#fallbackReason(txs);
    if (reason !== undefined) return this.#runSequential(block, txs, state, started, reason, []);
    let run: ParallelRun;
    try {
      await this.#ensureLanes(state);
      run = await this.#runParallel(block, txs, state);
    } catch (error) {
      if (!(error instanceof LaneFault)) throw error;
      await this.#stopLanes();
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
    this.#noteBlock(run.results, coinbase, run.dependent);
    const record: ExecutionRecord = {
      executor: "block-stm",
      executedBy: "block-stm",
      lanes: this.#laneCount,
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
    await this.#stopLanes();
  }

  // ---- fallback --------------------------------------------------------------------------

  #fallbackReason(txs: EngineTransaction[]): string | undefined {
    const minTransactions = this.#fallback.minTransactions ?? this.#laneCount;
    if (txs.length < minTransactions) {
      return `${txs.length} transactions, fewer than minTransactions (${minTransactions})`;
    }
    const minGas = this.#fallback.minGas ?? DEFAULT_MIN_GAS;
    let gas = 0n;
    for (const etx of txs) gas += etx.tx.gasLimit;
    if (gas < minGas) return `summed gas limit ${gas} below minGas (${minGas})`;
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
    this.#noteBlock(execution.results, coinbase, dependent);
    execution.record = {
      ...execution.record,
      executor: "block-stm",
      executedBy: "sequential",
      lanes: this.#laneCount,
      fallbackReason,
      faults,
      wallTimeMs: performance.now() - started,
    };
    return execution;
  }

  /** Remembers what the block changed (for the lanes' replicas) and its dependency ratio. */
  #noteBlock(results: ExecutionResult[], coinbase: LocationKey, dependent: number): void {
    let executed = 0;
    for (const result of results) {
      if (result.kind !== "executed") continue;
      executed++;
      for (const key of result.writes.keys()) this.#delta.add(key);
      for (const [hash, code] of result.codes) this.#deltaCodes.set(hash, code);
      if (result.feeCredit !== 0n) this.#delta.add(coinbase);
    }
    if (executed >= 2) {
      // Transaction-weighted, halving per block: a big block outweighs a small one.
      this.#dependentSum = this.#dependentSum / 2 + dependent;
      this.#executedSum = this.#executedSum / 2 + executed;
      this.#dependencyRatio = this.#dependentSum / this.#executedSum;
    }
  }

  // ---- lanes -----------------------------------------------------------------------------

  async #ensureLanes(state: WorldState): Promise<void> {
    if (this.#lanes !== undefined && this.#lanes.every((l) => l.alive)) return;
    await this.#stopLanes();
    const entries = [...state.entries()];
    const codes = [...state.codes()];
    const chain = this.#chain;
    const lanes: Lane[] = [];
    const readies: Array<Promise<void>> = [];
    const hooks = this.#generation++ === 0 ? this.#hooks : {};
    const checking = chain.lane.conformance;
    const spec = checking?.source.workerSpec?.();
    const conformanceSpec = spec === undefined ? undefined : { ...spec, strict: checking!.strict };
    for (let index = 0; index < this.#laneCount; index++) {
      const init: WorkerInit = {
        lane: index,
        chainId: chain.chainId,
        hardfork: chain.hardfork as HardforkName,
        allowUnlimitedContractSize: chain.options.allowUnlimitedContractSize ?? false,
        entries,
        codes,
        epochs: this.#epochs,
        hooks,
        conformance: conformanceSpec,
      };
      const worker = new Worker(new URL("./worker.ts", import.meta.url), {
        execArgv: this.#execArgv,
        workerData: init,
      });
      // Idle lanes must not keep the process alive (a test run ends with connections still
      // open); while a block executes, its per-batch timeout timers keep the event loop alive.
      worker.unref();
      const lane: Lane = {
        index,
        worker,
        alive: true,
        inFlight: new Map(),
        pending: new Set(),
        fixes: new Map(),
        codes: new Map(),
      };
      readies.push(
        new Promise<void>((resolve, reject) => {
          // Loading the EVM takes a while on a busy machine: never less than a minute to start.
          const startTimeout = Math.max(this.#timeout, 60_000);
          const timer = setTimeout(() => reject(new LaneFault(`lane ${index} did not start within ${startTimeout} ms`)), startTimeout);
          lane.onMessage = (message) => {
            if (message.type === "ready") {
              clearTimeout(timer);
              lane.onMessage = undefined;
              resolve();
            } else if (message.type === "error") {
              clearTimeout(timer);
              reject(new LaneFault(`lane ${index} failed to start: ${message.message}`));
            }
          };
          lane.onFault = (reason) => {
            clearTimeout(timer);
            reject(new LaneFault(reason));
          };
        }),
      );
      worker.on("message", (message: WorkerMessage) => lane.onMessage?.(message));
      worker.on("error", (error) => {
        lane.alive = false;
        lane.onFault?.(`lane ${index} crashed: ${error.message}`);
      });
      worker.on("exit", (code) => {
        lane.alive = false;
        lane.onFault?.(`lane ${index} exited with code ${code}`);
      });
      lanes.push(lane);
    }
    this.#lanes = lanes;
    this.#delta.clear();
    this.#deltaCodes.clear();
    await Promise.all(readies);
    for (const lane of lanes) lane.onFault = undefined;
  }

  async #stopLanes(): Promise<void> {
    const lanes = this.#lanes;
    this.#lanes = undefined;
    if (lanes === undefined) return;
    await Promise.all(
      lanes.map(async (lane) => {
        for (const timer of lane.inFlight.values()) clearTimeout(timer);
        lane.onFault = undefined;
        lane.onMessage = undefined;
        lane.alive = false;
        await lane.worker.terminate();
      }),
    );
  }

  // ---- one block on the lanes -------------------------------------------------------------

  #runParallel(block: Block, txs: EngineTransaction[], state: WorldState): Promise<ParallelRun> {
    const lanes = this.#lanes!;
    const epoch = ++this.#epoch;
    const epochFlag = new Int32Array(this.#epochs);
    Atomics.store(epochFlag, 0, epoch);
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

    // Start the block on every lane: replica delta, environment, transactions.
    const delta: Array<[LocationKey, bigint]> = [...this.#delta].map((k) => [k, state.read(k)]);
    const deltaCodes = [...this.#deltaCodes];
    this.#delta.clear();
    this.#deltaCodes.clear();
    const number = Number(block.header.number);
    const hashes: Array<[number, Uint8Array]> = [];
    for (let k = Math.max(0, number - 256); k < number; k++) {
      const mined = this.#chain.blocks[k];
      if (mined !== undefined) hashes.push([k, hexToBytes(mined.hash)]);
    }
    const header = block.header;
    const blockMessage: BlockMessage = {
      type: "block",
      epoch,
      env: {
        parentHash: header.parentHash,
        number: header.number,
        timestamp: header.timestamp,
        coinbase: header.coinbase.toString() as `0x${string}`,
        gasLimit: header.gasLimit,
        baseFeePerGas: header.baseFeePerGas ?? 0n,
        prevRandao: header.mixHash,
      },
      txs: txs.map((etx) => ({ bytes: etx.tx.serialize(), from: etx.from })),
      delta,
      codes: deltaCodes,
      hashes,
    };
    for (const lane of lanes) {
      for (const timer of lane.inFlight.values()) clearTimeout(timer);
      lane.inFlight.clear();
      lane.pending.clear();
      lane.fixes.clear();
      lane.codes.clear();
      lane.worker.postMessage(blockMessage);
    }

    return new Promise<ParallelRun>((resolve, reject) => {
      let finished = false;
      const finish = (error?: LaneFault): void => {
        if (finished) return;
        finished = true;
        Atomics.store(epochFlag, 0, -epoch); // lanes stop what is left of this block's batches
        for (const lane of lanes) {
          for (const timer of lane.inFlight.values()) clearTimeout(timer);
          lane.inFlight.clear();
          lane.onMessage = undefined;
          lane.onFault = undefined;
        }
        if (error !== undefined) return reject(error);
        resolve({
          results: results.slice(0, considered) as ExecutionResult[],
          considered,
          incarnations,
          validations,
          aborts,
          dependent,
        });
      };

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
        for (const lane of lanes) lane.pending.add(j);
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
        for (const lane of lanes) if (lane !== from) lane.pending.add(i);
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
          while (lane.inFlight.size < IN_FLIGHT) {
            const tasks: Array<[number, number]> = [];
            while (execFloor < n && status[execFloor] !== READY) execFloor++;
            for (let i = execFloor; i < n && tasks.length < batchSize; i++) {
              if (status[i] !== READY || waitingOn[i] >= 0) continue;
              status[i] = EXECUTING;
              tasks.push([i, incarnation[i]]);
            }
            if (tasks.length === 0) return;
            incarnations += tasks.length;
            const push: PushRecord[] = [];
            for (const tx of lane.pending) {
              const record = pushRecord(tx);
              if (record !== undefined) push.push(record);
            }
            lane.pending.clear();
            const batch = ++this.#batch;
            const message: ExecMessage = {
              type: "exec",
              epoch,
              batch,
              tasks,
              push,
              fixes: [...lane.fixes],
              codes: [...lane.codes],
            };
            lane.fixes.clear();
            lane.codes.clear();
            lane.inFlight.set(
              batch,
              setTimeout(() => finish(new LaneFault(`lane ${lane.index} did not answer within ${this.#timeout} ms (hung)`)), this.#timeout),
            );
            lane.worker.postMessage(message);
          }
        }
      };

      const step = (): void => {
        advanceCommit();
        if (considered >= 0) return finish();
        dispatch();
        if (lanes.every((l) => l.inFlight.size === 0)) {
          // Nothing runs and nothing can be dispatched: a scheduler bug, never expected.
          finish(new LaneFault(`block-stm scheduler stalled at transaction ${commitIdx}`));
        }
      };

      for (const lane of lanes) {
        lane.onMessage = (message) => {
          if (finished) return;
          if (message.type === "error") return finish(new LaneFault(`lane ${lane.index} failed: ${message.message}`));
          if (message.type !== "results" || message.epoch !== epoch) return;
          const timer = lane.inFlight.get(message.batch);
          if (timer === undefined) return;
          clearTimeout(timer);
          lane.inFlight.delete(message.batch);
          for (const item of message.items) handle(item, lane);
          step();
        };
        lane.onFault = (reason) => finish(new LaneFault(reason));
        if (!lane.alive) return finish(new LaneFault(`lane ${lane.index} is not running`));
      }
      if (n === 0) {
        considered = 0;
        return finish();
      }
      step();
    });
  }
}
