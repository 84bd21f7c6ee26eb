/** Blocks and mined transactions: eth_getBlockByNumber/Hash, eth_getTransactionByHash, eth_getTransactionReceipt. */
import { type MethodHandler, resolveBlock } from "../context.ts";
import { formatBlock, formatReceipt, formatTransaction, q } from "../format.ts";
import { blockTag, boolean, hash, paramsOf } from "../params.ts";

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
