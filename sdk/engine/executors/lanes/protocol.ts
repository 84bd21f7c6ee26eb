/**
 * Messages between the Block-STM coordinator (main thread) and its lanes (worker threads).
 * Everything is structured-clone friendly (bigints, Maps, Uint8Arrays). See `docs/block-stm.md`.
 */
import type { DeclarationSourceSpec } from "../../conformance.ts";
import type { HardforkName } from "../../options.ts";
import type { ExecutionResult } from "../../execute-transaction.ts";
import type { LocationKey } from "../../location.ts";

/** Test hooks: make a lane misbehave at its k-th incarnation of a block (1-based). */
export interface BlockStmTestHooks {
  /** The lane with this index exits (process.exit) before its k-th incarnation. */
  exitAtIncarnation?: { lane: number; incarnation: number };
  /** The lane with this index spins forever before its k-th incarnation. */
  hangAtIncarnation?: { lane: number; incarnation: number };
  /**
   * The Block-STM scheduler never dispatches the transaction at this index of a block (a lost
   * wake-up, as a scheduler bug would cause): the run stalls with nothing in flight.
   */
  neverDispatch?: number;
}

export interface WorkerInit {
  lane: number;
  chainId: number;
  hardfork: HardforkName;
  allowUnlimitedContractSize: boolean;
  /** Coverage hits collected as EDR does (`observed-calls.ts`). */
  coverage: boolean;
  /** Committed state at start: every non-zero location. */
  entries: Array<[LocationKey, bigint]>;
  codes: Array<[bigint, Uint8Array]>;
  /** A forked chain's: a location absent from the replica is not zero but not loaded yet. */
  forked: boolean;
  /** Int32Array[1] over it: the epoch (block) currently being executed; lanes stop stale batches. */
  epochs: SharedArrayBuffer;
  hooks: BlockStmTestHooks;
  /** Declared-access checking of the chain, rebuilt in the lane (see `conformance.ts`). */
  conformance?: DeclarationSourceSpec & { strict: boolean };
}

export interface BlockEnvMessage {
  parentHash: Uint8Array;
  number: bigint;
  timestamp: bigint;
  coinbase: `0x${string}`;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  prevRandao: Uint8Array;
}

/** Starts a block: committed-state delta since the last block, environment, transactions. */
export interface BlockMessage {
  type: "block";
  epoch: number;
  env: BlockEnvMessage;
  /** Serialized transactions and their senders (lowercase). */
  txs: Array<{ bytes: Uint8Array; from: string }>;
  /**
   * Committed-state changes since the lane's replica was last updated; forked, `REMOTE_VALUE`
   * (-1) = forget the location (it is remote again and not loaded).
   */
  delta: Array<[LocationKey, bigint]>;
  codes: Array<[bigint, Uint8Array]>;
  /** Hashes of the last 256 blocks, for BLOCKHASH. */
  hashes: Array<[number, Uint8Array]>;
}

/** The current MV-memory state of one transaction, pushed to a lane's copy. */
export type PushRecord =
  | { tx: number; estimate: true }
  | {
      tx: number;
      estimate: false;
      incarnation: number;
      writes: Map<LocationKey, bigint>;
      feeCredit: bigint;
      codes: Map<bigint, Uint8Array>;
    };

/** A batch of incarnations to execute, with the pushes the lane has not seen yet. */
export interface ExecMessage {
  type: "exec";
  epoch: number;
  batch: number;
  /** `[tx index, incarnation]` pairs, executed in this order. */
  tasks: Array<[number, number]>;
  push: PushRecord[];
  /** Corrections of the lane's committed replica (found stale by validation). */
  fixes: Array<[LocationKey, bigint]>;
  codes: Array<[bigint, Uint8Array]>;
}

/** One read: location, value seen, and its source (writer index and incarnation; -1 = committed). */
export type ReadRecord = [LocationKey, bigint, number, number];

export type TaskResult =
  | {
      tx: number;
      incarnation: number;
      kind: "done";
      result: ExecutionResult;
      reads: ReadRecord[];
      /** Storage enumerations (`storageOf`) the execution made: address → non-zero slots seen. */
      enumerations?: Array<[string, Array<[LocationKey, bigint]>]>;
    }
  | { tx: number; incarnation: number; kind: "blocked"; on: number }
  | { tx: number; incarnation: number; kind: "missing-code"; hashes: bigint[] }
  /** Forked: locations the replica lacks (not loaded from the remote yet); the coordinator loads them. */
  | { tx: number; incarnation: number; kind: "missing-state"; keys: LocationKey[] };

export type WorkerMessage =
  | { type: "ready" }
  | { type: "results"; epoch: number; batch: number; items: TaskResult[] }
  | { type: "error"; message: string };
