/**
 * The lanes: worker threads (`worker.ts`, compiled to `worker.js` in the package) that execute a block's transactions against their
 * replica of committed state and their copy of the block's multi-version memory. Both parallel
 * executors drive them with their own scheduler: `block-stm` (optimistic; validates read sets
 * afterwards) and `declared` (dispatches a transaction once the transactions its declared access
 * depends on are done).
 *
 * A {@link LanePool} starts, seeds and stops the threads and keeps their replicas exact: it
 * watches the committed {@link WorldState} and sends every changed location with the next block.
 * A {@link BlockRun} is one block on the lanes: it sends batches of incarnations together with
 * the multi-version-memory records a lane has not seen, treats a lane that does not answer in
 * time as hung, and hands each batch's results to the scheduler. Design: `docs/block-stm.md`.
 */
import { Worker } from "node:worker_threads";
import type { Block } from "@ethereumjs/block";
import { hexToBytes } from "@ethereumjs/util";
import type { Chain } from "../../chain.ts";
import type { LocationKey } from "../../location.ts";
import type { FallbackOptions, HardforkName } from "../../options.ts";
import { REMOTE_VALUE } from "../../state/fork-reader.ts";
import type { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import type {
  BlockMessage,
  BlockStmTestHooks,
  ExecMessage,
  PushRecord,
  TaskResult,
  WorkerInit,
  WorkerMessage,
} from "./protocol.ts";

/** Batches in flight per lane: two, so a lane never waits for the coordinator between batches. */
export const IN_FLIGHT = 2;

/**
 * Whether this module runs from its TypeScript source (the repository's own tests) rather than
 * from the compiled package (`dist/`, what an installed `hardhat-parallel` runs).
 */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/**
 * The lane's module, next to this one: `worker.js` in the compiled package, `worker.ts` when
 * running from source.
 */
export const WORKER_URL: URL = new URL(
  FROM_SOURCE ? "./worker.ts" : "./worker.js",
  import.meta.url,
);

/**
 * The command-line flags a lane needs: none in the compiled package (plain JavaScript); from
 * source, tsx's loader when it resolves (a devDependency), else none (Node >= 22.18 strips types
 * natively for files outside node_modules).
 */
export function workerExecArgv(): string[] {
  if (!FROM_SOURCE) return [];
  try {
    return ["--import", import.meta.resolve("tsx/esm")];
  } catch {
    return [];
  }
}

/** A fault met while a block ran on the lanes (crash, hang, error message). */
export class LaneFault extends Error {}

/** Options of a {@link LanePool}. */
export interface LanePoolOptions {
  /** Worker threads. */
  lanes: number;
  /** A lane that does not answer a batch within this many milliseconds is hung. */
  workerTimeout: number;
  /** Test hooks; they apply to the first lanes started only. */
  hooks: BlockStmTestHooks;
  /** Node flags of the lanes. */
  execArgv: string[];
}

/** Options shared by the parallel executors (`block-stm`, `declared`); defaults come from the chain's options. */
export interface ParallelExecutorOptions {
  /** Worker threads (lanes). Default: the chain's `lanes`. */
  lanes?: number;
  /** When a block runs sequentially instead (see `FallbackOptions`). Default: the chain's `fallback`. */
  fallback?: FallbackOptions;
  /** A lane that does not answer a batch within this many milliseconds is hung. Default: the chain's `workerTimeout`. */
  workerTimeout?: number;
  /** Test hooks (crash or hang a lane at its k-th incarnation); they apply to the first lanes started only. */
  hooks?: BlockStmTestHooks;
  /** Node flags of the lanes. Default {@link workerExecArgv} (tsx's loader when it resolves). */
  execArgv?: string[];
  /** Largest batch of transactions (incarnations) sent to a lane in one message. Default 32. */
  maxBatch?: number;
}

/** A pool for `chain` with the lane settings of `options`, defaulted from the chain's options. */
export function lanePoolFor(chain: Chain, options: ParallelExecutorOptions): LanePool {
  return new LanePool(chain, {
    lanes: options.lanes ?? chain.options.lanes,
    workerTimeout: options.workerTimeout ?? chain.options.workerTimeout,
    hooks: options.hooks ?? {},
    execArgv: options.execArgv ?? workerExecArgv(),
  });
}

/** One worker thread and what the coordinator keeps about it during a block. */
export interface Lane {
  index: number;
  worker: Worker;
  alive: boolean;
  /** batch id → hang timer */
  inFlight: Map<number, NodeJS.Timeout>;
  /** Transactions whose multi-version-memory state this lane has not been sent yet. */
  pending: Set<number>;
  /** Corrections of the lane's replica, sent with its next batch. */
  fixes: Map<LocationKey, bigint>;
  /** Code the lane asked for, sent with its next batch. */
  codes: Map<bigint, Uint8Array>;
  onMessage?: (message: WorkerMessage) => void;
  onFault?: (reason: string) => void;
}

export class LanePool {
  readonly count: number;
  readonly #chain: Chain;
  readonly #options: LanePoolOptions;
  readonly #epochs = new SharedArrayBuffer(4);
  #lanes: Lane[] | undefined;
  #generation = 0;
  #epoch = 0;
  #batch = 0;
  /** The state the replicas mirror, and the locations it changed since they were last updated. */
  #seededFrom: WorldState | undefined;
  #changes: Set<LocationKey> | undefined;

  constructor(chain: Chain, options: LanePoolOptions) {
    this.#chain = chain;
    this.#options = options;
    this.count = Math.max(1, options.lanes);
  }

  /** Threads currently running (0 after {@link stop} or before the first parallel block). */
  get running(): number {
    return this.#lanes?.filter((l) => l.alive).length ?? 0;
  }

  /**
   * Starts the lanes, seeded with every non-zero location and code of `state`, unless they run
   * already and mirror `state`.
   * @throws {LaneFault} when a lane does not start (within a minute at least) or fails to.
   */
  async ensure(state: WorldState): Promise<void> {
    if (this.#lanes?.every((l) => l.alive) && this.#seededFrom === state) return;
    await this.stop();
    const fork = this.#chain.fork;
    const entries = [...state.replicaEntries(fork)];
    const codes = fork === undefined ? [...state.codes()] : [...fork.codes(), ...state.codes()];
    const chain = this.#chain;
    const lanes: Lane[] = [];
    const readies: Array<Promise<void>> = [];
    const hooks = this.#generation++ === 0 ? this.#options.hooks : {};
    const checking = chain.lane.conformance;
    const spec = checking?.source.workerSpec?.();
    const conformance = spec === undefined ? undefined : { ...spec, strict: checking!.strict };
    const timeout = this.#options.workerTimeout;
    for (let index = 0; index < this.count; index++) {
      const init: WorkerInit = {
        lane: index,
        chainId: chain.chainId,
        hardfork: chain.hardfork as HardforkName,
        allowUnlimitedContractSize: chain.options.allowUnlimitedContractSize,
        coverage: chain.options.coverage,
        entries,
        codes,
        forked: fork !== undefined,
        epochs: this.#epochs,
        hooks,
        conformance,
      };
      const worker = new Worker(WORKER_URL, { execArgv: this.#options.execArgv, workerData: init });
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
          const startTimeout = Math.max(timeout, 60_000);
          const timer = setTimeout(
            () => reject(new LaneFault(`lane ${index} did not start within ${startTimeout} ms`)),
            startTimeout,
          );
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
      // Idle lanes must not keep the process alive: a script or test run that is done exits
      // with its connections still open, as on EDR. Unref only after the listeners are on:
      // adding a "message" listener refs the worker's port again. A block run refs the lanes
      // while it is in flight (BlockRun.start/finish); start-up is held by its own timer.
      worker.unref();
      lanes.push(lane);
    }
    this.#lanes = lanes;
    this.#seededFrom = state;
    this.#changes = state.watchChanges();
    await Promise.all(readies);
    for (const lane of lanes) lane.onFault = undefined;
  }

  /** Terminates the threads (they restart with the next {@link ensure}). */
  async stop(): Promise<void> {
    const lanes = this.#lanes;
    this.#lanes = undefined;
    if (this.#changes !== undefined) this.#seededFrom?.unwatchChanges(this.#changes);
    this.#changes = undefined;
    this.#seededFrom = undefined;
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

  /**
   * Starts `block` on every lane: the locations of `state` changed since the lanes were last
   * updated, the block environment, the transactions and the last 256 block hashes.
   * Call {@link ensure} with the same `state` first.
   */
  begin(block: Block, txs: EngineTransaction[], state: WorldState): BlockRun {
    const lanes = this.#lanes;
    if (lanes === undefined || this.#seededFrom !== state)
      throw new Error("LanePool.begin: the lanes are not running on this state");
    const epoch = ++this.#epoch;
    const epochFlag = new Int32Array(this.#epochs);
    Atomics.store(epochFlag, 0, epoch);
    const delta: Array<[LocationKey, bigint]> = [];
    const codes: Array<[bigint, Uint8Array]> = [];
    for (const key of this.#changes!) {
      // Forked: a location made remote again (an undone write) and not loaded: the lane forgets it.
      const value = state.readLoaded(key) ?? REMOTE_VALUE;
      delta.push([key, value]);
      if (key.charCodeAt(0) === 99 /* c */ && value > 0n) codes.push([value, state.code(value)]);
    }
    this.#changes!.clear();
    const number = Number(block.header.number);
    const hashes: Array<[number, Uint8Array]> = [];
    for (let k = Math.max(0, number - 256); k < number; k++) {
      const mined = this.#chain.blockByNumber(BigInt(k));
      if (mined !== undefined) hashes.push([k, hexToBytes(mined.hash)]);
      else if (this.#chain.fork !== undefined) hashes.push([k, this.#chain.blockHashBytes(k)]);
    }
    const header = block.header;
    const message: BlockMessage = {
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
      codes,
      hashes,
    };
    for (const lane of lanes) {
      for (const timer of lane.inFlight.values()) clearTimeout(timer);
      lane.inFlight.clear();
      lane.pending.clear();
      lane.fixes.clear();
      lane.codes.clear();
      lane.worker.postMessage(message);
    }
    return new BlockRun(lanes, epoch, epochFlag, this.#options.workerTimeout, () => ++this.#batch);
  }
}

/**
 * One block on the lanes. The scheduler sets {@link onResults}, calls {@link start}, sends
 * batches with {@link send} and ends the run with {@link finish}; {@link done} settles then
 * (rejected with a {@link LaneFault} when a lane crashed, hung or reported an error).
 */
export class BlockRun {
  readonly lanes: Lane[];
  readonly epoch: number;
  /** Called with each batch's results, in the order the lanes answer. */
  onResults: (items: TaskResult[], lane: Lane) => void = () => {};
  readonly done: Promise<void>;
  readonly #epochFlag: Int32Array;
  readonly #timeout: number;
  readonly #nextBatch: () => number;
  #finished = false;
  /** Remote loads (forked chains) the run waits for: it is not idle meanwhile. */
  #loading = 0;
  #resolve!: () => void;
  #reject!: (error: Error) => void;

  constructor(
    lanes: Lane[],
    epoch: number,
    epochFlag: Int32Array,
    timeout: number,
    nextBatch: () => number,
  ) {
    this.lanes = lanes;
    this.epoch = epoch;
    this.#epochFlag = epochFlag;
    this.#timeout = timeout;
    this.#nextBatch = nextBatch;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** True when no lane has a batch in flight. */
  get idle(): boolean {
    return this.#loading === 0 && this.lanes.every((l) => l.inFlight.size === 0);
  }

  /**
   * Forked chains: waits for `load` (locations a lane lacked, read from the remote), then calls
   * `then` unless the run ended meanwhile. A failed load ends the run with its error (not a
   * {@link LaneFault}: the block is not re-executed sequentially but fails, as the remote does).
   */
  afterLoad(load: Promise<void>, then: () => void): void {
    this.#loading++;
    load.then(
      () => {
        this.#loading--;
        if (!this.#finished) then();
      },
      (error: Error) => {
        this.#loading--;
        this.finish(error);
      },
    );
  }

  /** Listens to the lanes' answers and faults; ends the run at once when a lane is down. */
  start(): void {
    for (const lane of this.lanes) {
      lane.onMessage = (message) => {
        if (this.#finished) return;
        if (message.type === "error")
          return this.finish(new LaneFault(`lane ${lane.index} failed: ${message.message}`));
        if (message.type !== "results" || message.epoch !== this.epoch) return;
        const timer = lane.inFlight.get(message.batch);
        if (timer === undefined) return;
        clearTimeout(timer);
        lane.inFlight.delete(message.batch);
        this.onResults(message.items, lane);
      };
      lane.onFault = (reason) => this.finish(new LaneFault(reason));
      if (!lane.alive) {
        this.finish(new LaneFault(`lane ${lane.index} is not running`));
        return;
      }
    }
    // A block in flight keeps the process alive; idle lanes never do (see LanePool.ensure).
    for (const lane of this.lanes) lane.worker.ref();
  }

  /** Whether `lane` can take another batch. */
  hasRoom(lane: Lane): boolean {
    return lane.inFlight.size < IN_FLIGHT;
  }

  /** Every lane but `except` gets the multi-version-memory state of `tx` with its next batch. */
  publish(tx: number, except?: Lane): void {
    for (const lane of this.lanes) if (lane !== except) lane.pending.add(tx);
  }

  /**
   * Sends `tasks` (`[tx, incarnation]` pairs, executed in this order) to `lane`, with the
   * records of the transactions it has not seen (`record(tx)`; undefined = nothing to send yet),
   * its replica fixes and requested code.
   */
  send(
    lane: Lane,
    tasks: Array<[number, number]>,
    record: (tx: number) => PushRecord | undefined,
  ): void {
    const push: PushRecord[] = [];
    for (const tx of lane.pending) {
      const item = record(tx);
      if (item !== undefined) push.push(item);
    }
    lane.pending.clear();
    const batch = this.#nextBatch();
    const message: ExecMessage = {
      type: "exec",
      epoch: this.epoch,
      batch,
      tasks,
      push,
      fixes: [...lane.fixes],
      codes: [...lane.codes],
    };
    lane.fixes.clear();
    lane.codes.clear();
    const timer = setTimeout(
      () =>
        this.finish(
          new LaneFault(`lane ${lane.index} did not answer within ${this.#timeout} ms (hung)`),
        ),
      this.#timeout,
    );
    lane.inFlight.set(batch, timer);
    lane.worker.postMessage(message);
  }

  /** Ends the run: lanes drop what is left of its batches; {@link done} settles. */
  finish(error?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    Atomics.store(this.#epochFlag, 0, -this.epoch);
    for (const lane of this.lanes) {
      for (const timer of lane.inFlight.values()) clearTimeout(timer);
      lane.inFlight.clear();
      lane.onMessage = undefined;
      lane.onFault = undefined;
      lane.worker.unref();
    }
    if (error === undefined) this.#resolve();
    else this.#reject(error);
  }
}
