/**
 * Checking a replayed block's receipts against the chain's: status, gas used, cumulative gas
 * used and logs (address, topics, data, in order), transaction by transaction.
 */
import type { Hex } from "viem";
import type { ExecutionResult } from "../engine/execute-transaction.ts";
import type { RemoteReceipt } from "./remote-block.ts";

/** One field of one transaction that differs: ours (the replay's) vs theirs (the chain's). */
export interface ReceiptMismatch {
  /** Position in the block. */
  index: number;
  transactionHash: Hex;
  /** `status`, `gasUsed`, `cumulativeGasUsed`, `logs.length`, `logs[i].address|topics|data`, or `included`. */
  field: string;
  ours: string;
  theirs: string;
}

const quantity = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * Compares the replay's results (one per transaction, block order) with the chain's receipts.
 * A transaction the replay found invalid (or left out of the block) is one `included` mismatch
 * with the reason; gas is compared as quantities.
 * @returns every mismatch, block order; empty when all receipts agree.
 */
export function compareReceipts(
  results: readonly ExecutionResult[],
  receipts: readonly RemoteReceipt[],
): ReceiptMismatch[] {
  const mismatches: ReceiptMismatch[] = [];
  let cumulative = 0n;
  receipts.forEach((theirs, index) => {
    const ours = results[index];
    const at = (field: string, o: string, t: string): void => {
      if (o !== t)
        mismatches.push({
          index,
          transactionHash: theirs.transactionHash,
          field,
          ours: o,
          theirs: t,
        });
    };
    if (ours === undefined || ours.kind !== "executed") {
      at(
        "included",
        ours === undefined ? "left out (did not fit the block)" : `invalid: ${ours.reason}`,
        "included",
      );
      return;
    }
    cumulative += ours.blockGasUsed;
    at("status", quantity(BigInt(ours.status)), quantity(BigInt(theirs.status)));
    at("gasUsed", quantity(ours.gasUsed), quantity(BigInt(theirs.gasUsed)));
    at("cumulativeGasUsed", quantity(cumulative), quantity(BigInt(theirs.cumulativeGasUsed)));
    at("logs.length", String(ours.logs.length), String(theirs.logs.length));
    const n = Math.min(ours.logs.length, theirs.logs.length);
    for (let i = 0; i < n; i++) {
      const o = ours.logs[i];
      const t = theirs.logs[i];
      at(`logs[${i}].address`, o.address.toLowerCase(), t.address.toLowerCase());
      at(`logs[${i}].topics`, o.topics.join(",").toLowerCase(), t.topics.join(",").toLowerCase());
      at(`logs[${i}].data`, o.data.toLowerCase(), t.data.toLowerCase());
    }
  });
  return mismatches;
}
