/**
 * The pool and mining: admits transactions, mines blocks with the chain's executor (on demand,
 * with automine, at an interval) and seals them. Submissions, mining and calls run one at a
 * time in arrival order ({@link Miner.exclusive}): they share the lane's state.
 */
import type { Common } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { hexToBytes, type Hex } from "viem";
import {
  createEnvironmentBlock,
  nextStateRoot,
  sealHeader,
  type BlockEnvironment,
} from "../block-header.ts";
import { KnownTransactionError, TransactionNotMinedError } from "../errors.ts";
import type { ExecutionResult, TransactionOutcome } from "../execute-transaction.ts";
import type { BlockExecution, BlockExecutor } from "../executor.ts";
import { EMPTY_BLOCK_ACCESS_LIST_HASH } from "../../analysis/block-access-list.ts";
import { blockAccessListHashOf } from "../block-access.ts";
import { balanceKey, nonceKey, type LocationKey } from "../location.ts";
import type { WorldState } from "../state/world-state.ts";
import type { TransactionPool } from "../transaction-pool.ts";
import type { EngineTransaction } from "../transactions.ts";
import { checkAdmission } from "./admission.ts";
import { blockWithoutTransactions, type BlockStore, type MinedBlock } from "./blocks.ts";
import type { Clock } from "./clock.ts";
import type { BlockLimits, Snapshots } from "./snapshots.ts";

/** A newly mined block and the pending transactions it left out, with the reasons. */
export type MiningResult = MinedBlock & { rejected: Map<Hex, string> };

/** The parts of the chain mining reads and changes. */
export interface MiningScope {
  state: WorldState;
  blocks: BlockStore;
  pool: TransactionPool;
  clock: Clock;
  snapshots: Snapshots;
  common: Common;
  /** The gas limit of the next block is read from here at each block (evm_setBlockGasLimit). */
  limits: BlockLimits;
}

export interface MinerOptions {
  executor: BlockExecutor;
  automine: boolean;
  /** Fee recipient of the blocks (lowercase). */
  coinbase: Hex;
}

export class Miner {
  /** Mine each submitted transaction at once, in a block of its own. */
  automine: boolean;
  /** Fee recipient of the next blocks (hardhat_setCoinbase changes it). */
  coinbase: Hex;
  /** prevRandao of the next block, once (hardhat_setPrevRandao). */
  nextPrevRandao: Hex | undefined;
  /** Base fee of the next block, once (hardhat_setNextBlockBaseFeePerGas), in wei. */
  nextBaseFeePerGas: bigint | undefined;
  readonly #scope: MiningScope;
  #executor: BlockExecutor;
  #queue: Promise<unknown> = Promise.resolve();
  #intervalTimer: NodeJS.Timeout | undefined;
  #prevRandaos = new WeakMap<MinedBlock, Uint8Array>();

  constructor(scope: MiningScope, options: MinerOptions) {
    this.#scope = scope;
    this.#executor = options.executor;
    this.automine = options.automine;
    this.coinbase = options.coinbase;
  }

  get executor(): BlockExecutor {
    return this.#executor;
  }

  /** Disposes the current executor and mines the next blocks with `executor`. */
  replaceExecutor(executor: BlockExecutor): Promise<void> {
    return this.exclusive(async () => {
      await this.#executor.dispose();
      this.#executor = executor;
    });
  }

  /** Runs `work` after every submission, mining and call queued before it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Adds a transaction to the pool and, with automine, mines it. Returns the block it was mined
   * in (automine) or nothing (pooled). Errors throw before anything changes.
   * @throws {KnownTransactionError | TransactionNotMinedError} and the errors of {@link checkAdmission}.
   */
  submit(etx: EngineTransaction): Promise<{ block?: MinedBlock; outcome?: ExecutionResult }> {
    return this.exclusive(async () => {
      const { state, blocks, pool, snapshots } = this.#scope;
      checkAdmission(etx, {
        state,
        pool,
        latest: blocks.latest(),
        automine: this.automine,
        blockGasLimit: this.#scope.limits.blockGasLimit,
      });
      if (pool.has(etx.hash) || blocks.hasTransaction(etx.hash))
        throw new KnownTransactionError(etx.hash);
      pool.add(etx);
      if (!this.automine) return {};
      // Automine: a transaction that turns out invalid against the block's state must leave
      // neither an empty block nor a pending transaction behind.
      const guard = snapshots.take();
      let block: MiningResult;
      try {
        block = await this.#mineOne();
      } catch (error) {
        snapshots.revert(guard);
        pool.remove(etx.hash);
        throw error;
      }
      const index = block.transactions.findIndex((t) => t.hash === etx.hash);
      if (index === -1) {
        snapshots.revert(guard);
        pool.remove(etx.hash);
        throw new TransactionNotMinedError(etx.hash, block.rejected.get(etx.hash));
      }
      snapshots.drop(guard);
      return { block, outcome: block.outcomes[index] };
    });
  }

  /** Mines one block with the pending transactions, at `timestamp` (seconds) if given. */
  mine(timestamp?: bigint): Promise<MiningResult> {
    return this.exclusive(() => this.#mineOne(timestamp));
  }

  /** Mines `count` blocks, `interval` seconds apart (hardhat_mine). */
  async mineMany(count: bigint, interval: bigint): Promise<void> {
    await this.exclusive(async () => {
      for (let i = 0n; i < count; i++) {
        const timestamp =
          i === 0n ? undefined : this.#scope.blocks.latest().header.timestamp + interval;
        await this.#mineOne(timestamp);
      }
    });
  }

  /** Mines a block every `ms` milliseconds; 0 stops. The timer never keeps the process alive. */
  setIntervalMining(ms: number): void {
    if (this.#intervalTimer !== undefined) clearInterval(this.#intervalTimer);
    this.#intervalTimer = undefined;
    if (ms > 0) {
      this.#intervalTimer = setInterval(() => void this.mine().catch(() => {}), ms);
      this.#intervalTimer.unref();
    }
  }

  /**
   * The prevRandao of the block after `parent` unless one was set: keccak-256 of the parent's
   * hash (32 bytes). Cached per parent: every call and the mining of the next block ask for it.
   */
  prevRandaoAfter(parent: MinedBlock): Uint8Array {
    let value = this.#prevRandaos.get(parent);
    if (value === undefined) {
      value = keccak_256(parent.header.hash());
      this.#prevRandaos.set(parent, value);
    }
    return value.slice(); // headers keep the array they are given
  }

  /** Stops interval mining and disposes the executor. */
  async dispose(): Promise<void> {
    this.setIntervalMining(0);
    await this.#executor.dispose();
  }

  async #mineOne(timestamp?: bigint): Promise<MiningResult> {
    const { state, blocks, pool, clock, common } = this.#scope;
    const parent = blocks.latest();
    const number = parent.number + 1n;
    const ts = clock.takeBlockTimestamp(timestamp, parent.header.timestamp);
    const env: BlockEnvironment = {
      parentHash: parent.header.hash(),
      number,
      timestamp: ts,
      coinbase: this.coinbase,
      gasLimit: this.#scope.limits.blockGasLimit,
      baseFeePerGas: this.nextBaseFeePerGas ?? parent.header.calcNextBaseFee(),
      prevRandao:
        this.nextPrevRandao !== undefined
          ? hexToBytes(this.nextPrevRandao)
          : this.prevRandaoAfter(parent),
    };
    this.nextBaseFeePerGas = undefined;
    this.nextPrevRandao = undefined;
    const block = createEnvironmentBlock(env, common);
    const candidates = pool.ordered(env.baseFeePerGas, (a) => state.read(nonceKey(a)));
    // A snapshot around execution: a failing executor must leave no partial block behind.
    const guard = state.snapshot();
    state.beginDiff();
    let execution: BlockExecution;
    try {
      execution = await this.#executor.execute(block, candidates, state);
    } catch (error) {
      state.endDiff();
      state.revertTo(guard);
      throw error;
    } finally {
      state.releaseSnapshot();
    }
    const included: EngineTransaction[] = [];
    const outcomes: TransactionOutcome[] = [];
    const rejected = new Map<Hex, string>();
    execution.results.forEach((result, i) => {
      const etx = candidates[i];
      if (result.kind === "executed") {
        included.push(etx);
        outcomes.push(result);
        pool.remove(etx.hash);
      } else {
        rejected.set(etx.hash, result.reason);
        // Invalid now may be valid later (e.g. a nonce gap); only automine drops it (in submit).
      }
    });
    const undo = state.endDiff();
    const coinbaseKey = balanceKey(env.coinbase.toLowerCase() as Hex);
    const stateRoot = nextStateRoot(parent.header.stateRoot, undo, (k) => state.read(k));
    const header = await sealHeader(
      env,
      common,
      included,
      outcomes,
      stateRoot,
      // EIP-7928 (amsterdam): the header commits to the block's access list.
      common.isActivatedEIP(7928)
        ? blockAccessListHashOf({
            coinbase: env.coinbase,
            outcomes,
            coinbaseBalanceBefore: undo.get(coinbaseKey) ?? state.read(coinbaseKey),
            code: (codeHash) => state.code(codeHash),
          })
        : undefined,
    );
    const mined: MinedBlock = {
      header,
      hash: bytesToHex(header.hash()) as Hex,
      number,
      transactions: included,
      outcomes,
      record: execution.record,
      undo,
    };
    blocks.append(mined);
    return Object.assign(mined, { rejected });
  }
}

/**
 * The genesis block over the state as it is (the dev accounts' balances), stamped with the
 * clock's start.
 * @param baseFeePerGas wei.
 */
export async function sealGenesis(
  scope: Pick<MiningScope, "state" | "clock" | "common" | "limits">,
  baseFeePerGas: bigint,
  initialDate: Date | undefined,
): Promise<MinedBlock> {
  const { state, common } = scope;
  const env: BlockEnvironment = {
    parentHash: new Uint8Array(32),
    number: 0n,
    timestamp: scope.clock.start(initialDate),
    coinbase: "0x0000000000000000000000000000000000000000",
    gasLimit: scope.limits.blockGasLimit,
    baseFeePerGas,
    prevRandao: new Uint8Array(32),
  };
  const genesisState = new Map<LocationKey, bigint>([...state.entries()]);
  const stateRoot = nextStateRoot(new Uint8Array(32), genesisState, (k) => state.read(k));
  // The genesis block runs nothing: its access list is the empty one.
  const header = await sealHeader(
    env,
    common,
    [],
    [],
    stateRoot,
    hexToBytes(EMPTY_BLOCK_ACCESS_LIST_HASH),
  );
  return blockWithoutTransactions(header, bytesToHex(header.hash()) as Hex, 0n);
}
