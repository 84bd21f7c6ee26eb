/**
 * A parallel dev chain: everything the JSON-RPC layer serves, executed by a pluggable
 * {@link BlockExecutor}. `Chain` is a facade; each job is a part of its own in `chain/`:
 *
 * - state: the {@link WorldState} (`state/`), and `chain/blocks.ts` — the mined blocks, their
 *   indexes and the state after an earlier block;
 * - pool and mining: `chain/admission.ts` (may a transaction enter the pool) and
 *   `chain/mining.ts` (submit, mine, automine, interval mining, genesis; one thing at a time);
 * - time and snapshots: `chain/clock.ts` and `chain/snapshots.ts`;
 * - calls: `chain/calls.ts`.
 *
 * Errors are the domain errors of `errors.ts`; `sdk/rpc` turns them into JSON-RPC errors.
 */
import type { Common } from "@ethereumjs/common";
import type { TypedTxData } from "@ethereumjs/tx";
import { keccak256, type Hex } from "viem";
import { deriveAccounts, type DevAccount } from "./accounts.ts";
import { pendingNonce } from "./chain/admission.ts";
import { BlockStore, type MinedBlock } from "./chain/blocks.ts";
import { executeCall, type CallParameters } from "./chain/calls.ts";
import { Clock } from "./chain/clock.ts";
import { Miner, sealGenesis, type MiningResult } from "./chain/mining.ts";
import { type BlockLimits, Snapshots } from "./chain/snapshots.ts";
import { createExecutionVM, type ExecutionVM } from "./evm.ts";
import { UnknownBlockError } from "./errors.ts";
import type { ExecutionResult } from "./execute-transaction.ts";
import type { DeclarationSource } from "./conformance.ts";
import type { BlockExecutor } from "./executor.ts";
import { executorFactory } from "./executors/index.ts";
import { forkBlockOf } from "./fork/fork-block.ts";
import { ForkedExecutor } from "./fork/forked-executor.ts";
import { ForkSource } from "./fork/fork-source.ts";
import { balanceKey, codeKey, nonceKey, storageKey } from "./location.ts";
import {
  type ExecutorName,
  type HardforkName,
  type ParallelChainOptions,
  type ResolvedChainOptions,
  resolveChainOptions,
} from "./options.ts";
import type { StateReader } from "./state/state-reader.ts";
import { WorldState } from "./state/world-state.ts";
import { TransactionPool } from "./transaction-pool.ts";
import {
  createFakeSignedTransaction,
  createSignedTransaction,
  type EngineTransaction,
} from "./transactions.ts";

export type { MinedBlock } from "./chain/blocks.ts";
export type { CallParameters } from "./chain/calls.ts";
export type { MiningResult } from "./chain/mining.ts";

export class Chain {
  readonly state: WorldState;
  /** Forked chains: the remote's fork block and the state read from it (undefined otherwise). */
  readonly fork: ForkSource | undefined;
  readonly pool = new TransactionPool();
  readonly impersonated = new Set<string>();
  readonly accounts: DevAccount[];
  readonly chainId: number;
  readonly hardfork: HardforkName;
  readonly callGasLimit: bigint;
  /** The options with every default applied (`resolveChainOptions`); the engine reads only these. */
  readonly options: ResolvedChainOptions;
  readonly #blocks = new BlockStore();
  readonly #clock = new Clock();
  /** Shared by mining (the next headers) and snapshots (evm_revert restores it, as on EDR). */
  readonly #limits: BlockLimits = { blockGasLimit: 0n };
  readonly #snapshots: Snapshots;
  #lane!: ExecutionVM;
  #miner!: Miner;
  #arrival = 0;

  private constructor(options: ResolvedChainOptions, fork: ForkSource | undefined) {
    this.fork = fork;
    this.state = new WorldState(fork);
    this.options = options;
    this.chainId = options.chainId;
    this.hardfork = options.hardfork;
    this.#limits.blockGasLimit = options.blockGasLimit;
    this.callGasLimit = options.callGasLimit;
    this.accounts = deriveAccounts(options.accounts);
    this.#snapshots = new Snapshots({
      state: this.state,
      blocks: this.#blocks,
      pool: this.pool,
      clock: this.#clock,
      limits: this.#limits,
    });
  }

  /**
   * Creates a chain with its genesis block, or forked (`fork` option) on the remote's fork block.
   * @throws {ForkRemoteError} forked, when the remote cannot be read.
   */
  static async create(given: ParallelChainOptions = {}): Promise<Chain> {
    const options = resolveChainOptions(given);
    const fork = options.fork === undefined ? undefined : await ForkSource.open(options.fork);
    const chain = new Chain(options, fork);
    chain.#lane = await createExecutionVM(
      chain.chainId,
      chain.hardfork,
      (n) => chain.#blocks.hashBytes(n),
      {
        allowUnlimitedContractSize: options.allowUnlimitedContractSize,
        coverage: options.coverage,
      },
    );
    for (const account of chain.accounts)
      chain.state.write(balanceKey(account.address), account.balance);
    const scope = {
      state: chain.state,
      clock: chain.#clock,
      common: chain.common,
      limits: chain.#limits,
    };
    if (fork !== undefined) {
      fork.onLoaded = (keys) => chain.state.noteLoaded(keys);
      chain.#lane.state.resolveMissing = (keys) => fork.load(keys);
      chain.#blocks.startAt(fork.blockNumber, (n) => fork.hashOf(n));
      chain.#clock.start(options.initialDate);
      chain.#blocks.append(forkBlockOf(fork.block, chain.common));
    } else
      chain.#blocks.append(
        await sealGenesis(scope, options.initialBaseFeePerGas, options.initialDate),
      );
    chain.#miner = new Miner(
      { ...scope, blocks: chain.#blocks, pool: chain.pool, snapshots: chain.#snapshots },
      {
        executor: await chain.createExecutor(options.executor),
        automine: options.mining.auto,
        coinbase: options.coinbase,
      },
    );
    if (options.mining.interval > 0) chain.setIntervalMining(options.mining.interval);
    return chain;
  }

  /** Creates an executor by name; `sequential` is always available. */
  async createExecutor(name: ExecutorName): Promise<BlockExecutor> {
    const factory = executorFactory(name);
    if (factory === undefined) {
      throw new Error(`executor "${name}" is not available in this build; use "sequential"`);
    }
    return this.#forked(await factory(this));
  }

  /** Forked: `executor` with the fork's prefetch and block atomicity around it. */
  #forked(executor: BlockExecutor): BlockExecutor {
    if (this.fork === undefined || executor instanceof ForkedExecutor) return executor;
    return new ForkedExecutor(executor, this.fork);
  }

  /** The executor that mines the blocks. */
  get executor(): BlockExecutor {
    return this.#miner.executor;
  }

  /**
   * Disposes the current executor and mines the next blocks with `executor` (tests use it to
   * run an executor built with options of their own); waits for the block in flight.
   */
  replaceExecutor(executor: BlockExecutor): Promise<void> {
    return this.#miner.replaceExecutor(this.#forked(executor));
  }

  /** The lane used for calls, estimates and the sequential executor. */
  get lane(): ExecutionVM {
    return this.#lane;
  }

  get common(): Common {
    return this.lane.common;
  }

  /** The mined blocks, genesis (or the fork block) first: index = block number − {@link firstBlock}. */
  get blocks(): readonly MinedBlock[] {
    return this.#blocks.list;
  }

  /** Number of the first block held: 0, or a forked chain's fork block. */
  get firstBlock(): bigint {
    return this.#blocks.first;
  }

  /** The hash of block `n` as BLOCKHASH sees it (32 zero bytes when unknown). */
  blockHashBytes(n: number): Uint8Array {
    return this.#blocks.hashBytes(n);
  }

  /** Gas limit of the next blocks (gas): the `blockGasLimit` option until {@link setBlockGasLimit}. */
  get blockGasLimit(): bigint {
    return this.#limits.blockGasLimit;
  }

  /**
   * Sets the gas limit of the blocks mined from now on (evm_setBlockGasLimit); every executor
   * fills a block up to its header's limit. Pending transactions whose gas limit is above the
   * new limit are dropped, as EDR's mem pool drops them. A snapshot taken before restores the
   * old limit on revert.
   * @param gas the new limit (gas), above 0.
   * @throws {RangeError} for 0 (the JSON-RPC layer refuses it first, with EDR's error).
   */
  setBlockGasLimit(gas: bigint): void {
    if (gas <= 0n) throw new RangeError("the block gas limit must be greater than 0");
    this.#limits.blockGasLimit = gas;
    for (const etx of this.pool.all()) if (etx.tx.gasLimit > gas) this.pool.remove(etx.hash);
  }

  /** Mine each submitted transaction at once (evm_setAutomine). */
  get automine(): boolean {
    return this.#miner.automine;
  }
  set automine(on: boolean) {
    this.#miner.automine = on;
  }

  /** Fee recipient of the next blocks (hardhat_setCoinbase changes it). */
  get coinbase(): Hex {
    return this.#miner.coinbase;
  }
  set coinbase(address: Hex) {
    this.#miner.coinbase = address;
  }

  /** prevRandao of the next block, once (hardhat_setPrevRandao). */
  get nextPrevRandao(): Hex | undefined {
    return this.#miner.nextPrevRandao;
  }
  set nextPrevRandao(value: Hex | undefined) {
    this.#miner.nextPrevRandao = value;
  }

  /** Base fee of the next block, once (hardhat_setNextBlockBaseFeePerGas), in wei. */
  get nextBaseFeePerGas(): bigint | undefined {
    return this.#miner.nextBaseFeePerGas;
  }
  set nextBaseFeePerGas(wei: bigint | undefined) {
    this.#miner.nextBaseFeePerGas = wei;
  }

  latest(): MinedBlock {
    return this.#blocks.latest();
  }

  blockByNumber(n: bigint): MinedBlock | undefined {
    return this.#blocks.byNumber(n);
  }

  blockByHash(hash: Hex): MinedBlock | undefined {
    return this.#blocks.byHash(hash);
  }

  /** A mined transaction and its position, or undefined. */
  minedTransaction(hash: Hex): { block: MinedBlock; index: number } | undefined {
    return this.#blocks.minedTransaction(hash);
  }

  /** The state after block `n` (current state for the latest block). */
  stateAt(n: bigint): StateReader {
    return this.#blocks.stateAt(this.state, n);
  }

  /**
   * Turns on the run-time check of declared access for this chain's sequential lane (calls,
   * automined and sequentially executed blocks). `strict` comes from the chain options.
   */
  setDeclarations(source: DeclarationSource | undefined): void {
    this.lane.conformance =
      source === undefined ? undefined : { source, strict: this.options.strict };
  }

  onBlock(listener: (block: MinedBlock) => void): () => void {
    return this.#blocks.onBlock(listener);
  }

  // ---- accounts and state edits ----------------------------------------------------------

  /** The next nonce of `address`, counting its pending transactions. */
  pendingNonce(address: Hex): bigint {
    return pendingNonce(this.state, this.pool, address);
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

  // ---- time and snapshots ----------------------------------------------------------------

  /** Moves the clock forward by `seconds`; returns the total offset (seconds). */
  increaseTime(seconds: bigint): bigint {
    return this.#clock.increaseTime(seconds);
  }

  /**
   * Fixes the next block's timestamp (seconds).
   * @throws {TimestampNotAfterParentError} when it is not after the latest block's timestamp.
   */
  setNextBlockTimestamp(timestamp: bigint): void {
    this.#clock.setNextBlockTimestamp(timestamp, this.latest().header.timestamp);
  }

  /** Takes a snapshot of state, blocks, pool and clock; returns its id. */
  snapshot(): number {
    return this.#snapshots.take();
  }

  /** Reverts to snapshot `id`; it and every later snapshot are removed. False when unknown. */
  revert(id: number): boolean {
    return this.#snapshots.revert(id);
  }

  // ---- transactions and mining -----------------------------------------------------------

  /**
   * Builds the transaction of a dev or impersonated account (`eth_sendTransaction`): signed with
   * the dev account's key, or fake-signed when `from` is impersonated (an impersonated dev
   * account too) or has no key, as EDR does (see `transactions.ts`).
   * @throws {Error} when `@ethereumjs/tx` refuses the fields.
   */
  buildTransaction(data: TypedTxData, from: Hex): EngineTransaction {
    const a = from.toLowerCase();
    const key = this.impersonated.has(a)
      ? undefined
      : this.accounts.find((acc) => acc.address === a)?.privateKey;
    if (key === undefined)
      return createFakeSignedTransaction(data, a as Hex, this.common, this.#arrival++);
    return createSignedTransaction(data, a as Hex, key, this.common, this.#arrival++);
  }

  nextArrival(): number {
    return this.#arrival++;
  }

  /**
   * Adds a transaction to the pool and, with automine, mines it. Returns the block it was mined
   * in (automine) or undefined (pooled). Errors throw before anything changes.
   * @throws {EngineError} a domain error of `errors.ts`: a known transaction, a nonce, gas-limit,
   *   fee or funds problem, or (automine) a transaction the block could not include.
   */
  submit(etx: EngineTransaction): Promise<{ block?: MinedBlock; outcome?: ExecutionResult }> {
    return this.#miner.submit(etx);
  }

  /** Mines one block with the pending transactions, at `timestamp` (seconds) if given. */
  mine(timestamp?: bigint): Promise<MiningResult> {
    return this.#miner.mine(timestamp);
  }

  /** Mines `count` blocks, `interval` seconds apart (hardhat_mine). */
  mineMany(count: bigint, interval: bigint): Promise<void> {
    return this.#miner.mineMany(count, interval);
  }

  /** Mines a block every `ms` milliseconds; 0 stops. */
  setIntervalMining(ms: number): void {
    this.#miner.setIntervalMining(ms);
  }

  /**
   * Executes a call without changing state (eth_call, eth_estimateGas, eth_createAccessList),
   * in the environment of the block after `blockNumber` (default: the latest).
   * @throws {UnknownBlockError} for a block number not mined.
   *
   * @example
   * ```ts
   * const result = await chain.call({ data: { to, data, gasLimit: 100_000n }, from, zeroBaseFee: true });
   * ```
   */
  call(parameters: CallParameters): Promise<ExecutionResult> {
    // The lane's state is reused by every execution: calls queue behind mining and each other.
    return this.#miner.exclusive(async () => {
      const { blockNumber } = parameters;
      const parent = blockNumber === undefined ? this.latest() : this.blockByNumber(blockNumber);
      if (parent === undefined) throw new UnknownBlockError(blockNumber!, this.latest().number);
      const env = {
        lane: parameters.lane ?? this.lane,
        common: this.common,
        coinbase: this.coinbase,
        blockGasLimit: this.blockGasLimit,
        parent,
        timestamp: this.#clock.pendingTimestamp(parent.header.timestamp),
        prevRandao: this.#miner.prevRandaoAfter(parent),
      };
      return executeCall(env, parameters.state ?? this.state, parameters);
    });
  }

  /**
   * Runs `work` after every submission, mining and call queued before it, and before any queued
   * after it: nothing executes on the chain meanwhile (tracing re-executes blocks on the state
   * before them).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#miner.exclusive(work);
  }

  /** Stops interval mining and the executor's workers. */
  async dispose(): Promise<void> {
    await this.#miner.dispose();
    this.fork?.close(); // saves the disk cache
  }
}
