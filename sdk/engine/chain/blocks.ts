/**
 * The mined blocks of a chain and their indexes (by number, hash and transaction hash), the
 * listeners told of each new block, and the state as it was after an earlier block.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { Hex } from "viem";
import type { TransactionOutcome } from "../execute-transaction.ts";
import type { ExecutionRecord } from "../executor.ts";
import type { LocationKey } from "../location.ts";
import { HistoricalState } from "../state/overlay-state.ts";
import type { StateReader } from "../state/state-reader.ts";
import type { EngineTransaction } from "../transactions.ts";

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

/**
 * A block that ran no transaction (the genesis block, a forked chain's fork block), as the
 * sequential executor would have recorded it.
 */
export function blockWithoutTransactions(
  header: BlockHeader,
  hash: Hex,
  number: bigint,
): MinedBlock {
  return {
    header,
    hash,
    number,
    transactions: [],
    outcomes: [],
    record: {
      executor: "sequential",
      executedBy: "sequential",
      lanes: 1,
      transactions: 0,
      gasUsed: 0n,
      reExecutions: 0,
      incarnations: 0,
      validations: 0,
      aborts: 0,
      faults: [],
      wallTimeMs: 0,
    },
    undo: new Map(),
  };
}

export class BlockStore {
  /** The blocks, genesis (or the fork block) first; index = block number − {@link first}. */
  readonly list: MinedBlock[] = [];
  /** Number of the first block: 0, or a forked chain's fork block. */
  #first = 0n;
  /** Forked: hashes of remote blocks before the fork block (BLOCKHASH). */
  #olderHash: ((n: bigint) => Uint8Array | undefined) | undefined;
  #byHash = new Map<Hex, MinedBlock>();
  #txIndex = new Map<Hex, { block: MinedBlock; index: number }>();
  #listeners = new Set<(block: MinedBlock) => void>();

  latest(): MinedBlock {
    return this.list[this.list.length - 1];
  }

  /** Number of the first block held (0, or a forked chain's fork block). */
  get first(): bigint {
    return this.#first;
  }

  /**
   * Makes the store a forked chain's: its first block (appended next) is the fork block,
   * numbered `first`, and older hashes come from `olderHash`. Call before the first append.
   */
  startAt(first: bigint, olderHash: (n: bigint) => Uint8Array | undefined): void {
    this.#first = first;
    this.#olderHash = olderHash;
  }

  byNumber(n: bigint): MinedBlock | undefined {
    const i = n - this.#first;
    return i >= 0n && i < BigInt(this.list.length) ? this.list[Number(i)] : undefined;
  }

  byHash(hash: Hex): MinedBlock | undefined {
    return this.#byHash.get(hash.toLowerCase() as Hex);
  }

  /** A mined transaction and its position, or undefined. */
  minedTransaction(hash: Hex): { block: MinedBlock; index: number } | undefined {
    return this.#txIndex.get(hash.toLowerCase() as Hex);
  }

  /** Whether a transaction of this (lowercase) hash was mined. */
  hasTransaction(hash: Hex): boolean {
    return this.#txIndex.has(hash);
  }

  /** The hash of block `n` as bytes; 32 zero bytes for a block that does not exist (BLOCKHASH). */
  hashBytes(n: number): Uint8Array {
    const i = n - Number(this.#first);
    if (i < 0) return this.#olderHash?.(BigInt(n)) ?? new Uint8Array(32);
    return this.list[i]?.header.hash() ?? new Uint8Array(32);
  }

  /** Appends a block and tells the listeners. */
  append(block: MinedBlock): void {
    this.list.push(block);
    this.#byHash.set(block.hash, block);
    block.transactions.forEach((etx, index) => {
      this.#txIndex.set(etx.hash, { block, index });
    });
    for (const listener of this.#listeners) listener(block);
  }

  /** Removes every block from number `length` on (a snapshot's revert). */
  truncate(length: number): void {
    for (const removed of this.list.splice(length)) {
      this.#byHash.delete(removed.hash);
      for (const etx of removed.transactions) this.#txIndex.delete(etx.hash);
    }
  }

  /** Calls `listener` with every block appended from now on; returns the unsubscribe function. */
  onBlock(listener: (block: MinedBlock) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The state after block `n`, given the `current` state after the latest block. */
  stateAt(current: StateReader, n: bigint): StateReader {
    const latest = this.latest().number;
    if (n >= latest) return current;
    const diffs: Array<Map<LocationKey, bigint>> = [];
    if (n < this.#first)
      throw new RangeError(
        `the state of block ${n}, before the fork block ${this.#first}, is not kept (forking reads the fork block's state only)`,
      );
    const first = Number(this.#first);
    for (let i = Number(latest); i > Number(n); i--) diffs.push(this.list[i - first].undo);
    return new HistoricalState(current, diffs);
  }
}
