/**
 * Blocks and transactions: eth_getBlockByNumber/Hash, eth_getBlockTransactionCountBy*,
 * eth_getTransactionByHash, eth_getTransactionBy*AndIndex, eth_getTransactionReceipt,
 * eth_pendingTransactions.
 */
import type { Hex } from "viem";
import type { MinedBlock } from "../../engine/chain.ts";
import { nonceKey } from "../../engine/location.ts";
import type { EngineTransaction } from "../../engine/transactions.ts";
import { type MethodHandler, type RpcContext, resolveBlock } from "../context.ts";
import { formatBlock, formatReceipt, formatTransaction, q } from "../format.ts";
import { blockTag, boolean, hash, paramsOf, quantity64 } from "../params.ts";

/** The block a tag names, or undefined when it is not mined (EDR answers null for those). */
function blockOrNull(ctx: RpcContext, value: unknown): MinedBlock | undefined {
  const tag = blockTag(value, "block", ctx.chain.latest().number);
  if (tag === "pending") return ctx.chain.latest();
  return "hash" in tag ? ctx.chain.blockByHash(tag.hash) : ctx.chain.blockByNumber(tag.number);
}

/** Transaction `index` of `block` as eth_getTransactionByHash shapes it; null when out of range. */
function transactionAt(
  block: MinedBlock | undefined,
  index: unknown,
): Record<string, unknown> | null {
  const i = quantity64(index, "index");
  if (block === undefined || i >= BigInt(block.transactions.length)) return null;
  return formatTransaction(block.transactions[Number(i)], block, Number(i));
}

/**
 * The pool as EDR's mem pool lists it: first the executable transactions (a gap-free nonce run
 * from the sender's state nonce), then the future ones; each part grouped by sender in the
 * order senders first arrived, by nonce within a sender.
 */
function pendingInPoolOrder(ctx: RpcContext): EngineTransaction[] {
  const bySender = new Map<string, EngineTransaction[]>();
  for (const etx of ctx.chain.pool.all()) {
    const list = bySender.get(etx.from) ?? [];
    list.push(etx);
    bySender.set(etx.from, list);
  }
  const executable: EngineTransaction[] = [];
  const future: EngineTransaction[] = [];
  for (const [sender, list] of bySender) {
    list.sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : a.tx.nonce > b.tx.nonce ? 1 : 0));
    let next = ctx.chain.state.read(nonceKey(sender as Hex));
    for (const etx of list) {
      if (etx.tx.nonce === next) {
        executable.push(etx);
        next++;
      } else future.push(etx);
    }
  }
  return [...executable, ...future];
}

export const blockMethods: Record<string, MethodHandler> = {
  eth_getBlockByNumber: async (ctx, p) => {
    const [t, f] = paramsOf(p, 2, 2, "eth_getBlockByNumber");
    const full = boolean(f, "hydratedTransactions");
    const tag = blockTag(t, "block", ctx.chain.latest().number);
    if (tag === "pending") return formatBlock(ctx.chain.latest(), full);
    if ("number" in tag && ctx.chain.blockByNumber(tag.number) === undefined) return null;
    return formatBlock(resolveBlock(ctx, tag), full);
  },
  eth_getBlockByHash: async (ctx, p) => {
    const [h, f] = paramsOf(p, 2, 2, "eth_getBlockByHash");
    const blockHash = hash(h, "blockHash");
    const full = boolean(f, "hydratedTransactions");
    const block = ctx.chain.blockByHash(blockHash);
    return block === undefined ? null : formatBlock(block, full);
  },
  eth_getBlockTransactionCountByNumber: async (ctx, p) => {
    const [t] = paramsOf(p, 1, 1, "eth_getBlockTransactionCountByNumber");
    const tag = blockTag(t, "block", ctx.chain.latest().number);
    if (tag !== "pending" && "number" in tag && ctx.chain.blockByNumber(tag.number) === undefined)
      return null;
    return q(resolveBlock(ctx, tag).transactions.length);
  },
  eth_getBlockTransactionCountByHash: async (ctx, p) => {
    const [h] = paramsOf(p, 1, 1, "eth_getBlockTransactionCountByHash");
    const block = ctx.chain.blockByHash(hash(h, "blockHash"));
    return block === undefined ? null : q(block.transactions.length);
  },
  eth_getTransactionByBlockNumberAndIndex: async (ctx, p) => {
    const [t, i] = paramsOf(p, 2, 2, "eth_getTransactionByBlockNumberAndIndex");
    return transactionAt(blockOrNull(ctx, t), i);
  },
  eth_getTransactionByBlockHashAndIndex: async (ctx, p) => {
    const [h, i] = paramsOf(p, 2, 2, "eth_getTransactionByBlockHashAndIndex");
    return transactionAt(ctx.chain.blockByHash(hash(h, "blockHash")), i);
  },
  eth_pendingTransactions: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_pendingTransactions");
    return pendingInPoolOrder(ctx).map((etx) => formatTransaction(etx));
  },
  eth_getTransactionByHash: async (ctx, p) => {
    const [h] = paramsOf(p, 1, 1, "eth_getTransactionByHash");
    const txHash = hash(h, "transactionHash");
    const mined = ctx.chain.minedTransaction(txHash);
    if (mined !== undefined)
      return formatTransaction(mined.block.transactions[mined.index], mined.block, mined.index);
    const pending = ctx.chain.pool.get(txHash);
    return pending === undefined ? null : formatTransaction(pending);
  },
  eth_getTransactionReceipt: async (ctx, p) => {
    const [h] = paramsOf(p, 1, 1, "eth_getTransactionReceipt");
    const mined = ctx.chain.minedTransaction(hash(h, "transactionHash"));
    return mined === undefined ? null : formatReceipt(mined.block, mined.index);
  },
};
