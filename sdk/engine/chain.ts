/**
 * A parallel dev chain: committed state, mined blocks, the transaction pool, mining modes,
 * time control, snapshots and impersonation — everything the JSON-RPC layer serves, executed
 * by a pluggable {@link BlockExecutor}.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { TypedTxData } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { hexToBytes, keccak256, type Hex } from "viem";
import { deriveAccounts, type DevAccount } from "./accounts.ts";
import { createEnvironmentBlock, nextStateRoot, sealHeader, type BlockEnvironment } from "./block-header.ts";
import { createExecutionVM, type ExecutionVM } from "./evm.ts";
import { executeTransaction, type ExecutionResult, type TransactionOutcome } from "./execute-transaction.ts";
import type { DeclarationSource } from "./conformance.ts";
import type { BlockExecutor, ExecutionRecord } from "./executor.ts";
import { executorFactory } from "./executors/index.ts";
import { balanceKey, codeKey, nonceKey, type LocationKey, storageKey } from "./location.ts";
import type { ExecutorName, HardforkName, ParallelChainOptions } from "./options.ts";
import { HistoricalState } from "./state/overlay-state.ts";
import type { StateReader } from "./state/state-reader.ts";
import { WorldState } from "./state/world-state.ts";
import { TransactionPool } from "./transaction-pool.ts";
import { createFakeSignedTransaction, type EngineTransaction } from "./transactions.ts";

export const DEFAULT_COINBASE: Hex = "0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e";
export const DEFAULT_BLOCK_GAS_LIMIT = 60_000_000n;
export const DEFAULT_INITIAL_BASE_FEE = 1_000_000_000n;

/** A mined block with everything needed to answer queries about it. */
export interface MinedBlock {
  header: BlockHeader;
  hash: Hex;
  number: bigint;
  transactions: EngineTransaction[];
  outcomes: TransactionOutcome[];
  record: ExecutionRecord;
  /** Values before this block of every location it changed (for historical queries). */
  undo: Map<LocationKey, bigint>;
}

interface Snapshot {
  journal: number;
  blocks: number;
  pool: EngineTransaction[];
  timeOffset: bigint;
  nextTimestamp: bigint | undefined;
}

export class Chain {
  readonly state = new WorldState();
  readonly blocks: MinedBlock[] = [];
  readonly pool = new TransactionPool();
  readonly impersonated = new Set<string>();
  readonly accounts: DevAccount[];
  readonly chainId: number;
  readonly hardfork: HardforkName;
  /** Fee recipient of the next blocks (hardhat_setCoinbase changes it). */
  coinbase: Hex;
  /** prevRandao of the next block, once (hardhat_setPrevRandao). */
  nextPrevRandao: Hex | undefined;
  /** Base fee of the next block, once (hardhat_setNextBlockBaseFeePerGas), in wei. */
  nextBaseFeePerGas: bigint | undefined;
  readonly blockGasLimit: bigint;
  readonly callGasLimit: bigint;
  automine: boolean;
  executor!: BlockExecutor;
  /** The lane used for calls, estimates and the sequential executor. */
  lane!: ExecutionVM;
  #byHash = new Map<Hex, MinedBlock>();
  #txIndex = new Map<Hex, { block: MinedBlock; index: number }>();
  #timeOffset = 0n;
  #nextTimestamp: bigint | undefined;
  #snapshots = new Map<number, Snapshot>();
  #nextSnapshotId = 1;
  #arrival = 0;
  #intervalTimer: NodeJS.Timeout | undefined;
  #listeners = new Set<(block: MinedBlock) => void>();
  #mining: Promise<unknown> = Promise.resolve();
  #prevRandaos = new WeakMap<MinedBlock, Uint8Array>();

  readonly options: ParallelChainOptions;

  private constructor(options: ParallelChainOptions) {
    this.options = options;
    this.chainId = options.chainId ?? 31337;
    this.hardfork = options.hardfork ?? "osaka";
    this.coinbase = (options.coinbase ?? DEFAULT_COINBASE).toLowerCase() as Hex;
    this.blockGasLimit = options.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT;
    this.callGasLimit = options.callGasLimit ?? this.blockGasLimit;
    this.automine = options.mining?.auto ?? true;
    this.accounts = deriveAccounts(options.accounts);
  }

  /** Creates a chain with its genesis block. */
  static async create(options: ParallelChainOptions = {}): Promise<Chain> {
    const chain = new Chain(options);
    chain.lane = await createExecutionVM(chain.chainId, chain.hardfork, (n) => chain.#blockHashBytes(n), {
      allowUnlimitedContractSize: options.allowUnlimitedContractSize,
    });
    for (const account of chain.accounts) chain.state.write(balanceKey(account.address), account.balance);
    await chain.#mineGenesis(options.initialDate);
    chain.executor = await chain.createExecutor(options.executor ?? "block-stm");
    if ((options.mining?.interval ?? 0) > 0) chain.setIntervalMining(options.mining!.interval!);
    return chain;
  }

  /** Creates an executor by name, from the executor table (`executors/index.ts`). */
  async createExecutor(name: ExecutorName): Promise<BlockExecutor> {
    const factory = executorFactory(name);
    if (factory === undefined) {
      throw new Error(`executor "${name}" is not available in this build; use "sequential"`);
    }
    return factory(this);
  }

  get common(): Common {
    return this.lane.common;
  }

  latest(): MinedBlock {
    return this.blocks[this.blocks.length - 1];
  }

  blockByNumber(n: bigint): MinedBlock | undefined {
    return n >= 0n && n < BigInt(this.blocks.length) ? this.blocks[Number(n)] : undefined;
  }

  blockByHash(hash: Hex): MinedBlock | undefined {
    return this.#byHash.get(hash.toLowerCase() as Hex);
  }

  /** A mined transaction and its position, or undefined. */
  minedTransaction(hash: Hex): { block: MinedBlock; index: number } | undefined {
    return this.#txIndex.get(hash.toLowerCase() as Hex);
  }

  /** The state after block `n` (current state for the latest block). */
  stateAt(n: bigint): StateReader {
    const latest = this.latest().number;
    if (n >= latest) return this.state;
    const diffs: Array<Map<LocationKey, bigint>> = [];
    for (let i = Number(latest); i > Number(n); i--) diffs.push(this.blocks[i].undo);
    return new HistoricalState(this.state, diffs);
  }

  /**
   * Turns on the run-time check of declared access for this chain's sequential lane (calls,
   * automined and sequentially executed blocks). `strict` comes from the chain options.
   */
  setDeclarations(source: DeclarationSource | undefined): void {
    this.lane.conformance = source === undefined ? undefined : { source, strict: this.options.strict ?? false };
  }

  onBlock(listener: (block: MinedBlock) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- accounts and state edits ----------------------------------------------------------

  /** The next nonce of `address`, counting its pending transactions. */
  pendingNonce(address: Hex): bigint {
    const a = address.toLowerCase();
    return this.pool.nextNonce(a, this.state.read(nonceKey(a)));
  }

  /** Whether the engine may send unsigned transactions from `address`. */
  canSign(address: Hex): boolean {
    const a = address.toLowerCase();
    return this.impersonated.has(a) || this.accounts.some((acc) => acc.address === a);
  }

  setBalance(address: Hex, wei: bigint): void {
    this.state.write(balanceKey(address), wei);
  }
  setNonce(address: Hex, nonce: bigint): void {
    this.state.write(nonceKey(address), nonce);
  }
  setCode(address: Hex, code: Uint8Array): void {
    const hash = code.length === 0 ? 0n : BigInt(keccak256(code));
    this.state.putCode(hash, code);
    this.state.write(codeKey(address), hash);
  }
  setStorageAt(address: Hex, slot: bigint, value: bigint): void {
    this.state.write(storageKey(address, slot), value);
  }

  // ---- time ------------------------------------------------------------------------------

  /** Moves the clock forward by `seconds`; returns the total offset (seconds). */
  increaseTime(seconds: bigint): bigint {
    this.#timeOffset += seconds;
    return this.#timeOffset;
  }

  /**
   * Fixes the next block's timestamp (seconds).
   * @throws {Error} when it is not after the latest block's timestamp.
   */
  setNextBlockTimestamp(timestamp: bigint): void {
    const latest = this.latest().header.timestamp;
    if (timestamp <= latest) {
      throw new Error(
        `Timestamp ${timestamp} is lower than or equal to previous block's timestamp ${latest}`,
      );
    }
    this.#nextTimestamp = timestamp;
  }

  #now(): bigint {
    return BigInt(Math.floor(Date.now() / 1000)) + this.#timeOffset;
  }

  // ---- snapshots -------------------------------------------------------------------------

  snapshot(): number {
    const id = this.#nextSnapshotId++;
    this.#snapshots.set(id, {
      journal: this.state.snapshot(),
      blocks: this.blocks.length,
      pool: this.pool.all(),
      timeOffset: this.#timeOffset,
      nextTimestamp: this.#nextTimestamp,
    });
    return id;
  }

  /** Reverts to snapshot `id`; it and every later snapshot are removed. False when unknown. */
  revert(id: number): boolean {
    const snap = this.#snapshots.get(id);
    if (snap === undefined) return false;
    this.state.revertTo(snap.journal);
    for (const removed of this.blocks.splice(snap.blocks)) {
      this.#byHash.delete(removed.hash);
      for (const etx of removed.transactions) this.#txIndex.delete(etx.hash);
    }
    this.pool.replace(snap.pool);
    this.#timeOffset = snap.timeOffset;
    this.#nextTimestamp = snap.nextTimestamp;
    for (const other of [...this.#snapshots.keys()]) {
      if (other >= id) {
        this.#snapshots.delete(other);
        this.state.releaseSnapshot();
      }
    }
    return true;
  }

  // ---- transactions ----------------------------------------------------------------------

  /** Builds a fake-signed transaction for a dev or impersonated account. */
  buildTransaction(data: TypedTxData, from: Hex): EngineTransaction {
    return createFakeSignedTransaction(data, from, this.common, this.#arrival++);
  }

  nextArrival(): number {
    return this.#arrival++;
  }

  /**
   * Adds a transaction to the pool and, with automine, mines it. Returns the block it was mined
   * in (automine) or undefined (pooled). Validation errors throw before anything changes.
   */
  async submit(etx: EngineTransaction): Promise<{ block?: MinedBlock; outcome?: ExecutionResult }> {
    return this.#exclusive(async () => {
      this.#validateForPool(etx);
      if (this.pool.has(etx.hash) || this.#txIndex.has(etx.hash)) {
        throw new ChainError(-32000, `Known transaction: ${etx.hash}`);
      }
      this.pool.add(etx);
      if (!this.automine) return {};
      // Automine: a transaction that turns out invalid against the block's state must leave
      // neither an empty block nor a pending transaction behind.
      const guard = this.snapshot();
      let block: MinedBlock & { rejected: Map<Hex, string> };
      try {
        block = await this.#mineOne();
      } catch (error) {
        this.revert(guard);
        this.pool.remove(etx.hash);
        throw error;
      }
      const index = block.transactions.findIndex((t) => t.hash === etx.hash);
      if (index === -1) {
        this.revert(guard);
        this.pool.remove(etx.hash);
        throw new ChainError(-32000, block.rejected.get(etx.hash) ?? "Transaction could not be included in the block");
      }
      this.#dropSnapshot(guard);
      return { block, outcome: block.outcomes[index] };
    });
  }

  /** Releases a snapshot without reverting to it. */
  #dropSnapshot(id: number): void {
    if (this.#snapshots.delete(id)) this.state.releaseSnapshot();
  }

  /**
   * Checks a transaction against the latest state before it enters the pool; the messages are
   * those of Hardhat's network.
   * @throws {ChainError} -32000 for a nonce, fee, funds or gas-limit problem.
   */
  #validateForPool(etx: EngineTransaction): void {
    const { tx } = etx;
    const stateNonce = this.state.read(nonceKey(etx.from));
    const queueNote = "Note that transactions can't be queued when automining.";
    if (tx.nonce < stateNonce) {
      throw new ChainError(
        -32000,
        this.automine
          ? `Nonce too low. Expected nonce to be ${stateNonce} but got ${tx.nonce}. ${queueNote}`
          : `Nonce too low. Expected nonce to be at least ${stateNonce} but got ${tx.nonce}.`,
      );
    }
    if (this.automine && tx.nonce > this.pendingNonce(etx.from)) {
      throw new ChainError(
        -32000,
        `Nonce too high. Expected nonce to be ${this.pendingNonce(etx.from)} but got ${tx.nonce}. ${queueNote}`,
      );
    }
    if (tx.gasLimit > this.blockGasLimit) {
      throw new ChainError(-32000, `Transaction gas limit is ${tx.gasLimit} and exceeds block gas limit of ${this.blockGasLimit}`);
    }
    const intrinsic = tx.getIntrinsicGas();
    if (tx.gasLimit < intrinsic) {
      throw new ChainError(-32000, `Transaction requires at least ${intrinsic} gas but got ${tx.gasLimit}`);
    }
    const fees = tx as { maxFeePerGas?: bigint; gasPrice?: bigint };
    const maxFee = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
    if (this.automine) {
      const nextBaseFee = this.latest().header.calcNextBaseFee();
      if (maxFee < nextBaseFee) {
        const field = fees.maxFeePerGas !== undefined ? "maxFeePerGas" : "gasPrice";
        throw new ChainError(
          -32000,
          `Transaction ${field} (${maxFee}) is too low for the next block, which has a baseFeePerGas of ${nextBaseFee}`,
        );
      }
    }
    const balance = this.state.read(balanceKey(etx.from));
    const upfront = tx.gasLimit * maxFee + tx.value;
    if (balance < upfront) {
      throw new ChainError(
        -32000,
        `Sender doesn't have enough funds to send tx. The max upfront cost is: ${upfront} and the sender's balance is: ${balance}.`,
      );
    }
  }

  // ---- mining ----------------------------------------------------------------------------

  /** Mines one block with the pending transactions. */
  async mine(timestamp?: bigint): Promise<MinedBlock & { rejected: Map<Hex, string> }> {
    return this.#exclusive(() => this.#mineOne(timestamp));
  }

  /** Mines `count` blocks, `interval` seconds apart (hardhat_mine). */
  async mineMany(count: bigint, interval: bigint): Promise<void> {
    await this.#exclusive(async () => {
      for (let i = 0n; i < count; i++) {
        const timestamp = i === 0n ? undefined : this.latest().header.timestamp + interval;
        await this.#mineOne(timestamp);
      }
    });
  }

  setIntervalMining(ms: number): void {
    if (this.#intervalTimer !== undefined) clearInterval(this.#intervalTimer);
    this.#intervalTimer = undefined;
    if (ms > 0) {
      this.#intervalTimer = setInterval(() => void this.mine().catch(() => {}), ms);
      this.#intervalTimer.unref();
    }
  }

  async #mineOne(timestamp?: bigint): Promise<MinedBlock & { rejected: Map<Hex, string> }> {
    const parent = this.latest();
    const number = parent.number + 1n;
    const ts = timestamp ?? this.#nextTimestamp ?? maxBig(this.#now(), parent.header.timestamp + 1n);
    if (timestamp === undefined && this.#nextTimestamp !== undefined) {
      this.#timeOffset = this.#nextTimestamp - BigInt(Math.floor(Date.now() / 1000));
    }
    this.#nextTimestamp = undefined;
    const env: BlockEnvironment = {
      parentHash: parent.header.hash(),
      number,
      timestamp: ts,
      coinbase: this.coinbase,
      gasLimit: this.blockGasLimit,
      baseFeePerGas: this.nextBaseFeePerGas ?? parent.header.calcNextBaseFee(),
      prevRandao:
        this.nextPrevRandao !== undefined ? hexToBytes(this.nextPrevRandao) : this.#defaultPrevRandao(parent),
    };
    this.nextBaseFeePerGas = undefined;
    this.nextPrevRandao = undefined;
    const block = createEnvironmentBlock(env, this.common);
    const candidates = this.pool.ordered(env.baseFeePerGas, (a) => this.state.read(nonceKey(a)));
    // A snapshot around execution: a failing executor must leave no partial block behind.
    const guard = this.state.snapshot();
    this.state.beginDiff();
    let execution;
    try {
      execution = await this.executor.execute(block, candidates, this.state);
    } catch (error) {
      this.state.endDiff();
      this.state.revertTo(guard);
      throw error;
    } finally {
      this.state.releaseSnapshot();
    }
    const included: EngineTransaction[] = [];
    const outcomes: TransactionOutcome[] = [];
    const rejected = new Map<Hex, string>();
    execution.results.forEach((result, i) => {
      const etx = candidates[i];
      if (result.kind === "executed") {
        included.push(etx);
        outcomes.push(result);
        this.pool.remove(etx.hash);
      } else {
        rejected.set(etx.hash, result.reason);
        // Invalid now may be valid later (e.g. a nonce gap); only automine drops it (in submit).
      }
    });
    const undo = this.state.endDiff();
    const stateRoot = nextStateRoot(parent.header.stateRoot, undo, (k) => this.state.read(k));
    const header = await sealHeader(env, this.common, included, outcomes, stateRoot);
    const mined: MinedBlock = {
      header,
      hash: bytesToHex(header.hash()) as Hex,
      number,
      transactions: included,
      outcomes,
      record: execution.record,
      undo,
    };
    this.#append(mined);
    return Object.assign(mined, { rejected });
  }

  async #mineGenesis(initialDate: Date | undefined): Promise<void> {
    const timestamp = BigInt(Math.floor((initialDate?.getTime() ?? Date.now()) / 1000));
    if (initialDate !== undefined) this.#timeOffset = timestamp - BigInt(Math.floor(Date.now() / 1000));
    const env: BlockEnvironment = {
      parentHash: new Uint8Array(32),
      number: 0n,
      timestamp,
      coinbase: "0x0000000000000000000000000000000000000000",
      gasLimit: this.blockGasLimit,
      baseFeePerGas: this.options.initialBaseFeePerGas ?? DEFAULT_INITIAL_BASE_FEE,
      prevRandao: new Uint8Array(32),
    };
    const genesisState = new Map<LocationKey, bigint>([...this.state.entries()]);
    const stateRoot = nextStateRoot(new Uint8Array(32), genesisState, (k) => this.state.read(k));
    const header = await sealHeader(env, this.common, [], [], stateRoot);
    this.#append({
      header,
      hash: bytesToHex(header.hash()) as Hex,
      number: 0n,
      transactions: [],
      outcomes: [],
      record: {
        executor: "sequential", executedBy: "sequential", lanes: 1, transactions: 0, gasUsed: 0n,
        reExecutions: 0, incarnations: 0, validations: 0, aborts: 0, faults: [], wallTimeMs: 0,
      },
      undo: new Map(),
    });
  }

  #append(block: MinedBlock): void {
    this.blocks.push(block);
    this.#byHash.set(block.hash, block);
    block.transactions.forEach((etx, index) => this.#txIndex.set(etx.hash, { block, index }));
    for (const listener of this.#listeners) listener(block);
  }

  /**
   * The prevRandao of the block after `parent` unless one was set: keccak-256 of the parent's
   * hash (32 bytes). Cached per parent: every call and the mining of the next block ask for it.
   */
  #defaultPrevRandao(parent: MinedBlock): Uint8Array {
    let value = this.#prevRandaos.get(parent);
    if (value === undefined) this.#prevRandaos.set(parent, (value = keccak_256(parent.header.hash())));
    return value.slice(); // headers keep the array they are given
  }

  #blockHashBytes(n: number): Uint8Array {
    return this.blocks[n]?.header.hash() ?? new Uint8Array(32);
  }

  /** Runs mining and submission one at a time, in arrival order. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#mining.then(work, work);
    this.#mining = run.catch(() => {});
    return run;
  }

  // ---- calls -----------------------------------------------------------------------------

  /**
   * Executes a call without changing state (eth_call, eth_estimateGas, eth_createAccessList).
   * `base` defaults to the latest state; the block environment is that of the next block.
   * `options` go to {@link executeTransaction} (e.g. `gasLimitKnowledge` for gas estimation).
   */
  async call(
    data: TypedTxData,
    from: Hex,
    base: StateReader = this.state,
    blockNumber?: bigint,
    zeroBaseFee = false,
    options: { gasLimitKnowledge?: boolean } = {},
  ): Promise<ExecutionResult> {
    // The lane's state is reused by every execution: calls queue behind mining and each other.
    return this.#exclusive(() => this.#call(data, from, base, blockNumber, zeroBaseFee, options));
  }

  async #call(
    data: TypedTxData,
    from: Hex,
    base: StateReader,
    blockNumber: bigint | undefined,
    zeroBaseFee: boolean,
    options: { gasLimitKnowledge?: boolean },
  ): Promise<ExecutionResult> {
    const parent = blockNumber === undefined ? this.latest() : this.blockByNumber(blockNumber)!;
    const env: BlockEnvironment = {
      parentHash: parent.header.hash(),
      number: parent.number + 1n,
      timestamp: maxBig(this.#nextTimestamp ?? this.#now(), parent.header.timestamp + 1n),
      coinbase: this.coinbase,
      gasLimit: this.blockGasLimit,
      // Calls without a gas price run with base fee 0, as geth's and Hardhat's do.
      baseFeePerGas: zeroBaseFee ? 0n : parent.header.calcNextBaseFee(),
      prevRandao: this.#defaultPrevRandao(parent),
    };
    const block = createEnvironmentBlock(env, this.common);
    const etx = createFakeSignedTransaction(data, from, this.common, -1, { hash: false });
    return executeTransaction(this.lane, base, block, etx, options);
  }

  async dispose(): Promise<void> {
    this.setIntervalMining(0);
    await this.executor.dispose();
  }
}

/** An error with a JSON-RPC code, raised by the chain for bad transactions. */
export class ChainError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
