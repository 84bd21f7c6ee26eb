/**
 * A mined block's EIP-7928 block-level access list, from its transactions' valued read/write
 * sets: what `parallel_getBlockAccessList` and `eth_getBlockAccessList` return, and what an
 * Amsterdam header's `blockAccessListHash` commits to (`keccak256(rlp(bal))`).
 *
 * Transactions are block access indices 1…n. The coinbase fee each transaction pays is applied
 * lazily by the engine (so fees never create dependencies) but recorded here at its own index
 * with the coinbase's balance after it, as the EIP requires. No system call runs at block start
 * or end on this network (README, "Differences from EDR"), so indices 0 and n + 1 are empty.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import { hexToBytes } from "viem";
import {
  type AccessRecord,
  type BlockAccessList,
  buildBlockAccessList,
  hashBlockAccessList,
} from "../analysis/block-access-list.ts";
import type { TransactionOutcome } from "./execute-transaction.ts";
import { balanceKey, isStorageKey, type LocationKey, locationKind } from "./location.ts";

/** What a block's access list is built from. */
export interface BlockAccessSource {
  /** The block's coinbase (fee recipient), any case. */
  coinbase: string;
  /** The block's transaction outcomes, in order. */
  outcomes: readonly TransactionOutcome[];
  /** The coinbase's balance before the block (wei). */
  coinbaseBalanceBefore: bigint;
  /** Runtime bytecode by code hash (for code changes). */
  code: (codeHash: bigint) => Uint8Array;
}

/** A location's value as the access list records it: 32-byte words for slots and code hashes. */
const hexValue = (key: LocationKey, v: bigint): Hex =>
  isStorageKey(key) || locationKind(key) === "code"
    ? `0x${v.toString(16).padStart(64, "0")}`
    : `0x${v.toString(16)}`;

/** The EIP-7928 access records of a block's transactions, with coinbase fee credits per index. */
export function blockAccessRecords(source: Omit<BlockAccessSource, "code">): AccessRecord[] {
  const coinbase = source.coinbase.toLowerCase() as Hex;
  const coinbaseKey = balanceKey(coinbase);
  let coinbaseBalance = source.coinbaseBalanceBefore;
  return source.outcomes.map((o) => {
    const reads = [...o.reads].map(([location, v]) => ({ location, value: hexValue(location, v) }));
    const writes = [...o.writes].map(([location, v]) => ({
      location,
      value: hexValue(location, v),
    }));
    const written = o.writes.get(coinbaseKey);
    if (written !== undefined) coinbaseBalance = written;
    coinbaseBalance += o.feeCredit;
    if (o.feeCredit !== 0n) {
      const i = writes.findIndex((w) => w.location === coinbaseKey);
      const entry = { location: coinbaseKey, value: `0x${coinbaseBalance.toString(16)}` as Hex };
      if (i === -1) writes.push(entry);
      else writes[i] = entry;
    }
    return { reads, writes, touched: o.feeCredit === 0n ? [coinbase] : [] };
  });
}

/**
 * The block's access list (JSON form of `sdk/analysis/block-access-list.ts`).
 * @throws {Error} as `buildBlockAccessList` does, on a malformed record (an engine bug).
 */
export function blockAccessListOf(source: BlockAccessSource): BlockAccessList {
  return buildBlockAccessList({
    transactions: blockAccessRecords(source),
    bytecode: (hash) => bytesToHex(source.code(BigInt(hash))) as Hex,
  });
}

/** `keccak256(rlp(bal))` of the block's access list: an Amsterdam header's `blockAccessListHash`. */
export function blockAccessListHashOf(source: BlockAccessSource): Uint8Array {
  return hexToBytes(hashBlockAccessList(blockAccessListOf(source)));
}
