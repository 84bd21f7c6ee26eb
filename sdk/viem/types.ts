/**
 * Result shapes of the `parallel_*` JSON-RPC methods, as the viem actions return them
 * (quantities decoded to bigint / number).
 */
import type { Address, Hash, Hex } from "viem";
import type { DeclaredScheduleSummary } from "../engine/executor.ts";
import type { ExecutorName } from "../engine/options.ts";
import type { LocationKey } from "../engine/location.ts";

/** One location with its value (hex: quantities for balance/nonce, 32-byte words for slots/code hash). */
export interface AccessEntry {
  location: LocationKey;
  value: Hex;
}

/** A mined transaction's read and write sets (docs/design.md §3). */
export interface TransactionAccess {
  transactionHash: Hash;
  blockNumber: bigint;
  transactionIndex: number;
  from: Address;
  to: Address | null;
  /** Gas used (gas). */
  gasUsed: bigint;
  status: "success" | "reverted";
  reads: AccessEntry[];
  writes: AccessEntry[];
}

/** How a block was executed (the engine's execution record). */
export interface BlockRecord {
  blockNumber: bigint;
  blockHash: Hash;
  executor: ExecutorName;
  executedBy: ExecutorName;
  lanes: number;
  transactions: number;
  /** Gas used by the block (gas). */
  gasUsed: bigint;
  reExecutions: number;
  incarnations: number;
  validations: number;
  aborts: number;
  fallbackReason?: string;
  /**
   * Block-STM stopped parallel work mid-block (too many aborts, a rest predicted to be one
   * chain, a stalled scheduler): transactions from this index on ran sequentially.
   */
  sequentialFrom?: number;
  faults: string[];
  /**
   * How the `declared` executor scheduled the block: transactions scheduled from their
   * declarations, transactions that ran alone, and the longest chain of transactions waiting
   * for one another. Absent for the other executors and for blocks too small to schedule.
   */
  schedule?: DeclaredScheduleSummary;
  /** Wall-clock execution time (milliseconds); informational, machine-dependent. */
  wallTimeMs: number;
}

/** Raw JSON forms, as the provider returns them. */
export interface TransactionAccessJson {
  transactionHash: Hash;
  blockNumber: Hex;
  transactionIndex: Hex;
  from: Address;
  to: Address | null;
  gasUsed: Hex;
  status: Hex;
  reads: AccessEntry[];
  writes: AccessEntry[];
}
export type BlockRecordJson = Omit<BlockRecord, "blockNumber" | "gasUsed"> & {
  blockNumber: Hex;
  gasUsed: Hex;
};

export function decodeTransactionAccess(json: TransactionAccessJson): TransactionAccess {
  return {
    ...json,
    blockNumber: BigInt(json.blockNumber),
    transactionIndex: Number(json.transactionIndex),
    gasUsed: BigInt(json.gasUsed),
    status: json.status === "0x1" ? "success" : "reverted",
  };
}

export function decodeBlockRecord(json: BlockRecordJson): BlockRecord {
  return { ...json, blockNumber: BigInt(json.blockNumber), gasUsed: BigInt(json.gasUsed) };
}

/** The block a query refers to: a number or a tag. */
export type BlockSelector =
  | { blockNumber: bigint }
  | { blockTag: "latest" | "earliest" | "pending" }
  | undefined;

export function blockParam(selector: BlockSelector): string {
  if (selector === undefined) return "latest";
  return "blockNumber" in selector ? `0x${selector.blockNumber.toString(16)}` : selector.blockTag;
}
