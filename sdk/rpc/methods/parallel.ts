/**
 * The `parallel_*` methods: what this network knows beyond Ethereum's JSON-RPC.
 *
 * - `parallel_getTransactionAccess(txHash)` → `{ transactionHash, blockNumber, transactionIndex,
 *   gasUsed, reads: [{location, value}], writes: [{location, value}] }` (docs/design.md §3; location keys
 *   as in `sdk/engine/location.ts`), or null for an unknown transaction.
 * - `parallel_getBlockAccess(block)` → the same for every transaction of a block, in order.
 * - `parallel_getBlockRecord(block)` → the block's execution record (executor, lanes,
 *   re-executions, fallback reason, wall time, ...).
 * - `parallel_getBlockAccessList(block)` → `{ blockNumber, blockAccessList, rlp, hash }`: the
 *   block's EIP-7928 block-level access list (JSON form of `sdk/analysis/block-access-list.ts`),
 *   its RLP encoding and keccak-256 hash. Transactions are indices 1…n; the lazily applied
 *   coinbase fee of each transaction is recorded at its index, as the EIP requires. No system
 *   calls run at block start or end on this network, so indices 0 and n + 1 are empty.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import {
  type AccessRecord,
  buildBlockAccessList,
  encodeBlockAccessList,
  hashBlockAccessList,
} from "../../analysis/block-access-list.ts";
import type { Chain, MinedBlock } from "../../engine/chain.ts";
import { balanceKey, isStorageKey, type LocationKey, locationKind } from "../../engine/location.ts";
import type { ExecutionRecord } from "../../engine/executor.ts";
import { type MethodHandler, resolveBlock } from "../context.ts";
import { q } from "../format.ts";
import { blockTag, hash, paramsOf } from "../params.ts";

const hexValue = (key: LocationKey, v: bigint): string =>
  isStorageKey(key) || locationKind(key) === "code"
    ? `0x${v.toString(16).padStart(64, "0")}`
    : q(v);

/** The JSON form of one mined transaction's read and write sets. */
export function transactionAccessJson(block: MinedBlock, index: number): Record<string, unknown> {
  const o = block.outcomes[index];
  return {
    transactionHash: block.transactions[index].hash,
    blockNumber: q(block.number),
    transactionIndex: q(index),
    from: block.transactions[index].from,
    to: block.transactions[index].tx.to?.toString() ?? null,
    gasUsed: q(o.gasUsed),
    status: q(o.status),
    reads: [...o.reads].map(([location, v]) => ({ location, value: hexValue(location, v) })),
    writes: [...o.writes].map(([location, v]) => ({ location, value: hexValue(location, v) })),
    // Present when the chain checks declared access (see sdk/engine/conformance.ts).
    ...(o.conformance === undefined ? {} : { conformance: o.conformance }),
  };
}

export function recordJson(
  block: MinedBlock,
  record: ExecutionRecord = block.record,
): Record<string, unknown> {
  return {
    blockNumber: q(block.number),
    blockHash: block.hash,
    ...record,
    gasUsed: q(record.gasUsed),
  };
}

/** The EIP-7928 access records of a block's transactions, with coinbase fee credits per index. */
export function blockAccessRecords(chain: Chain, block: MinedBlock): AccessRecord[] {
  const coinbase = block.header.coinbase.toString().toLowerCase();
  const coinbaseKey = balanceKey(coinbase);
  let coinbaseBalance =
    block.number === 0n ? 0n : chain.stateAt(block.number - 1n).read(coinbaseKey);
  return block.outcomes.map((o) => {
    const reads = [...o.reads].map(([location, v]) => ({
      location,
      value: hexValue(location, v) as Hex,
    }));
    const writes = [...o.writes].map(([location, v]) => ({
      location,
      value: hexValue(location, v) as Hex,
    }));
    const written = o.writes.get(coinbaseKey);
    if (written !== undefined) coinbaseBalance = written;
    coinbaseBalance += o.feeCredit;
    if (o.feeCredit !== 0n) {
      const i = writes.findIndex((w) => w.location === coinbaseKey);
      const entry = { location: coinbaseKey, value: q(coinbaseBalance) };
      if (i === -1) writes.push(entry);
      else writes[i] = entry;
    }
    return { reads, writes, touched: o.feeCredit === 0n ? [coinbase as Hex] : [] };
  });
}

export const parallelMethods: Record<string, MethodHandler> = {
  parallel_getTransactionAccess: async (ctx, p) => {
    const [h] = paramsOf(p, 1, 1, "parallel_getTransactionAccess");
    const mined = ctx.chain.minedTransaction(hash(h, "transactionHash"));
    return mined === undefined ? null : transactionAccessJson(mined.block, mined.index);
  },
  parallel_getBlockAccess: async (ctx, p) => {
    const [t] = paramsOf(p, 0, 1, "parallel_getBlockAccess");
    const block = resolveBlock(ctx, blockTag(t, "block", ctx.chain.latest().number));
    return block.transactions.map((_, i) => transactionAccessJson(block, i));
  },
  parallel_getBlockAccessList: async (ctx, p) => {
    const [t] = paramsOf(p, 0, 1, "parallel_getBlockAccessList");
    const block = resolveBlock(ctx, blockTag(t, "block", ctx.chain.latest().number));
    const bal = buildBlockAccessList({
      transactions: blockAccessRecords(ctx.chain, block),
      bytecode: (hash) => bytesToHex(ctx.chain.state.code(BigInt(hash))) as Hex,
    });
    return {
      blockNumber: q(block.number),
      blockAccessList: bal,
      rlp: encodeBlockAccessList(bal),
      hash: hashBlockAccessList(bal),
    };
  },
  parallel_getBlockRecord: async (ctx, p) => {
    const [t] = paramsOf(p, 0, 1, "parallel_getBlockRecord");
    return recordJson(resolveBlock(ctx, blockTag(t, "block", ctx.chain.latest().number)));
  },
};
