/**
 * evm_snapshot / evm_revert: a snapshot keeps the state journal position, the block count, the
 * pending transactions, the block gas limit and the clock; reverting to one removes it and every later one.
 */
import type { TransactionPool } from "../transaction-pool.ts";
import type { WorldState } from "../state/world-state.ts";
import type { EngineTransaction } from "../transactions.ts";
import type { BlockStore } from "./blocks.ts";
import type { Clock, ClockReading } from "./clock.ts";

interface Snapshot {
  journal: number;
  blockGasLimit: bigint;
  blocks: number;
  pool: EngineTransaction[];
  clock: ClockReading;
}

/** Limits of the next blocks that evm_setBlockGasLimit changes; one object, read when mining. */
export interface BlockLimits {
  /** Gas. */
  blockGasLimit: bigint;
}

/** The parts of a chain a snapshot covers. */
export interface SnapshotScope {
  state: WorldState;
  blocks: BlockStore;
  pool: TransactionPool;
  clock: Clock;
  limits: BlockLimits;
}

export class Snapshots {
  readonly #scope: SnapshotScope;
  #taken = new Map<number, Snapshot>();
  #nextId = 1;

  constructor(scope: SnapshotScope) {
    this.#scope = scope;
  }

  /** Takes a snapshot; returns its id (1, 2, ...). */
  take(): number {
    const { state, blocks, pool, clock, limits } = this.#scope;
    const id = this.#nextId++;
    this.#taken.set(id, {
      journal: state.snapshot(),
      blockGasLimit: limits.blockGasLimit,
      blocks: blocks.list.length,
      pool: pool.all(),
      clock: clock.read(),
    });
    return id;
  }

  /** Reverts to snapshot `id`; it and every later snapshot are removed. False when unknown. */
  revert(id: number): boolean {
    const snap = this.#taken.get(id);
    if (snap === undefined) return false;
    const { state, blocks, pool, clock, limits } = this.#scope;
    state.revertTo(snap.journal);
    limits.blockGasLimit = snap.blockGasLimit;
    blocks.truncate(snap.blocks);
    pool.replace(snap.pool);
    clock.restore(snap.clock);
    for (const other of [...this.#taken.keys()]) {
      if (other >= id) {
        this.#taken.delete(other);
        state.releaseSnapshot();
      }
    }
    return true;
  }

  /** Releases a snapshot without reverting to it. */
  drop(id: number): void {
    if (this.#taken.delete(id)) this.#scope.state.releaseSnapshot();
  }
}
