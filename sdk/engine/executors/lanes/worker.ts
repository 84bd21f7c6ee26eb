/**
 * A Block-STM lane: a worker thread with its own VM ({@link createExecutionVM}), a replica of
 * committed state and a copy of the block's multi-version memory. It executes batches of
 * incarnations sent by the coordinator and returns, per incarnation, the result with its read
 * set (value and source of every read) and write set. Validation happens on the coordinator.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createTxFromRLP } from "@ethereumjs/tx";
import { createAddressFromString } from "@ethereumjs/util";
import type { Block } from "@ethereumjs/block";
import type { Hex } from "viem";
import { createEnvironmentBlock } from "../../block-header.ts";
import type { DeclarationSource } from "../../conformance.ts";
import { createExecutionVM, type ExecutionVM } from "../../evm.ts";
import { executeTransaction, type ExecutionResult } from "../../execute-transaction.ts";
import { balanceKey, type LocationKey } from "../../location.ts";
import type { StateReader } from "../../state/state-reader.ts";
import { MissingStateError, NOTHING_LOADED, REMOTE_VALUE } from "../../state/fork-reader.ts";
import { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import { MVMemory } from "./mv-memory.ts";
import type {
  BlockMessage,
  ExecMessage,
  ReadRecord,
  TaskResult,
  WorkerInit,
  WorkerMessage,
} from "./protocol.ts";

const init = workerData as WorkerInit;
const port = parentPort!;
const epochs = new Int32Array(init.epochs);
const committed = new WorldState(init.forked ? NOTHING_LOADED : undefined);
for (const [key, value] of init.entries) committed.write(key, value);
for (const [hash, code] of init.codes) committed.putCode(hash, code);
const hashes = new Map<number, Uint8Array>();
const ZERO_HASH = new Uint8Array(32);

/** Thrown inside the EVM when a read hits an ESTIMATE marker: the incarnation stops. */
class Blocked extends Error {}
const BLOCKED = new Blocked("blocked on an ESTIMATE");

/** The state a lane's incarnation of transaction `tx` reads: MV-memory copy, else replica. */
class LaneView implements StateReader {
  readonly tx: number;
  readonly sources = new Map<LocationKey, [number, number]>();
  blockedOn = -1;
  missing: bigint[] = [];
  /** Forked: locations the replica lacks; the incarnation's result is dropped and they are asked for. */
  missingState: LocationKey[] = [];
  enumerations: Array<[string, Array<[LocationKey, bigint]>]> | undefined;
  readonly #block: BlockState;
  constructor(block: BlockState, tx: number) {
    this.#block = block;
    this.tx = tx;
  }
  read(key: LocationKey): bigint {
    if (this.blockedOn >= 0) throw BLOCKED;
    const { mv, coinbaseKey } = this.#block;
    const entry = mv.lookup(key, this.tx);
    if (entry?.estimate) {
      this.blockedOn = entry.tx;
      throw BLOCKED;
    }
    const value =
      key === coinbaseKey
        ? mv.coinbaseBalance(key, this.tx, this.#committed(key), true)!
        : entry === undefined
          ? this.#committed(key)
          : entry.value;
    if (!this.sources.has(key))
      this.sources.set(key, entry === undefined ? [-1, 0] : [entry.tx, entry.incarnation]);
    return value;
  }
  /** The replica's value; forked, a location it lacks reads 0 for now and is reported. */
  #committed(key: LocationKey): bigint {
    try {
      return committed.read(key);
    } catch (error) {
      if (!(error instanceof MissingStateError)) throw error;
      this.missingState.push(key);
      return 0n;
    }
  }
  code(codeHash: bigint): Uint8Array {
    if (codeHash === 0n) return new Uint8Array();
    const inBlock = this.#block.codes.get(codeHash);
    if (inBlock !== undefined) return inBlock;
    const code = committed.code(codeHash);
    if (code.length === 0) this.missing.push(codeHash); // unknown here: ask the coordinator
    return code;
  }
  *storageOf(address: string): Iterable<[LocationKey, bigint]> {
    const a = address.toLowerCase();
    const seen: Array<[LocationKey, bigint]> = [];
    const keys = new Set<LocationKey>();
    for (const [key] of committed.storageOf(a)) keys.add(key);
    for (const key of this.#block.mv.storageKeysOf(a)) keys.add(key);
    for (const key of keys) {
      const value = this.read(key);
      if (value !== 0n) seen.push([key, value]);
    }
    this.enumerations ??= [];
    this.enumerations.push([a, seen]);
    yield* seen;
  }
}

interface BlockState {
  epoch: number;
  block: Block;
  coinbaseKey: LocationKey;
  mv: MVMemory;
  codes: Map<bigint, Uint8Array>;
  txs: Array<{ bytes: Uint8Array; from: string }>;
  decoded: Array<EngineTransaction | undefined>;
}

let lane: ExecutionVM;
let current: BlockState | undefined;
let started = 0;

function decode(state: BlockState, i: number): EngineTransaction {
  let etx = state.decoded[i];
  if (etx === undefined) {
    const { bytes, from } = state.txs[i];
    const tx = createTxFromRLP(bytes, { common: lane.common, freeze: false });
    const sender = createAddressFromString(from);
    Object.defineProperty(tx, "getSenderAddress", { value: () => sender });
    etx = { tx, hash: "0x" as Hex, from: from as Hex, arrival: i };
    state.decoded[i] = etx;
  }
  return etx;
}

function startBlock(message: BlockMessage): void {
  for (const [key, value] of message.delta)
    if (value === REMOTE_VALUE) committed.forget(key);
    else committed.write(key, value);
  for (const [hash, code] of message.codes) committed.putCode(hash, code);
  for (const [n, hash] of message.hashes) hashes.set(n, hash);
  const env = message.env;
  current = {
    epoch: message.epoch,
    block: createEnvironmentBlock(env, lane.common),
    coinbaseKey: balanceKey(env.coinbase),
    mv: new MVMemory(message.txs.length),
    codes: new Map(),
    txs: message.txs,
    decoded: new Array(message.txs.length),
  };
  started = 0;
}

async function runBatch(message: ExecMessage): Promise<void> {
  const state = current;
  if (state === undefined || state.epoch !== message.epoch) return;
  for (const [key, value] of message.fixes) committed.write(key, value);
  for (const [hash, code] of message.codes) state.codes.set(hash, code);
  for (const record of message.push) {
    if (record.estimate) state.mv.markEstimate(record.tx);
    else {
      state.mv.record(record.tx, record.incarnation, record.writes, record.feeCredit);
      for (const [hash, code] of record.codes) state.codes.set(hash, code);
    }
  }
  const items: TaskResult[] = [];
  for (const [tx, incarnation] of message.tasks) {
    if (Atomics.load(epochs, 0) !== message.epoch) break; // the block is over: stop
    started++;
    const hooks = init.hooks;
    if (
      hooks.exitAtIncarnation?.lane === init.lane &&
      hooks.exitAtIncarnation.incarnation === started
    )
      process.exit(3);
    if (
      hooks.hangAtIncarnation?.lane === init.lane &&
      hooks.hangAtIncarnation.incarnation === started
    )
      for (;;);
    items.push(await runOne(state, tx, incarnation));
  }
  post({ type: "results", epoch: message.epoch, batch: message.batch, items });
}

async function runOne(state: BlockState, tx: number, incarnation: number): Promise<TaskResult> {
  const view = new LaneView(state, tx);
  let result: ExecutionResult;
  try {
    result = await executeTransaction(lane, view, state.block, decode(state, tx));
  } catch (error) {
    if (view.missingState.length > 0 && view.blockedOn < 0)
      return { tx, incarnation, kind: "missing-state", keys: view.missingState };
    if (view.blockedOn < 0) throw error;
    return { tx, incarnation, kind: "blocked", on: view.blockedOn };
  }
  if (view.blockedOn >= 0) return { tx, incarnation, kind: "blocked", on: view.blockedOn };
  if (view.missingState.length > 0)
    return { tx, incarnation, kind: "missing-state", keys: view.missingState };
  if (view.missing.length > 0)
    return { tx, incarnation, kind: "missing-code", hashes: view.missing };
  // An invalid transaction has no outcome; its read set (what made it invalid) is still needed.
  const readMap = result.kind === "executed" ? result.reads : lane.state.finish().reads;
  const reads: ReadRecord[] = [];
  for (const [key, value] of readMap) {
    const source = view.sources.get(key) ?? [-1, 0];
    reads.push([key, value, source[0], source[1]]);
  }
  if (result.kind === "executed") {
    // The coordinator rebuilds `reads` from the read records (sent once, with sources).
    result = { ...result, reads: new Map() };
    state.mv.record(tx, incarnation, result.writes, result.feeCredit);
    for (const [hash, code] of result.codes) state.codes.set(hash, code);
  } else {
    state.mv.record(tx, incarnation, new Map(), 0n);
  }
  return { tx, incarnation, kind: "done", result, reads, enumerations: view.enumerations };
}

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

let queue: Promise<void> = Promise.resolve();
port.on("message", (message: BlockMessage | ExecMessage) => {
  queue = queue
    .then(() => (message.type === "block" ? startBlock(message) : runBatch(message)))
    .catch((error: unknown) =>
      post({
        type: "error",
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
});

lane = await createExecutionVM(init.chainId, init.hardfork, (n) => hashes.get(n) ?? ZERO_HASH, {
  allowUnlimitedContractSize: init.allowUnlimitedContractSize,
  coverage: init.coverage,
});
if (init.conformance !== undefined) {
  const { module, factory, data, strict } = init.conformance;
  const source = (await import(module))[factory](data) as DeclarationSource;
  lane.conformance = { source, strict };
}
post({ type: "ready" });
