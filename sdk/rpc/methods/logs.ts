/** Logs and filters: eth_getLogs, eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter, eth_getFilterChanges, ... */
import { type MethodHandler, type RpcContext, resolveBlock } from "../context.ts";
import { invalidParams, RpcError } from "../errors.ts";
import { blocksInRange, type LogCriteria, matchLogs } from "../filters.ts";
import { address, blockTag, hash, object, paramsOf, quantity } from "../params.ts";

function criteriaOf(ctx: RpcContext, value: unknown, follow: boolean): LogCriteria {
  const o = object(value ?? {}, "filter");
  const latest = ctx.chain.latest().number;
  const numberOf = (v: unknown, name: string): bigint | undefined => {
    if (v === undefined || v === null) return undefined;
    const tag = blockTag(v, name, latest);
    return tag === "pending" ? latest : "hash" in tag ? resolveBlock(ctx, tag).number : tag.number;
  };
  const criteria: LogCriteria = { fromBlock: latest, topics: [] };
  if (o.blockHash !== undefined && o.blockHash !== null) {
    if (o.fromBlock !== undefined || o.toBlock !== undefined)
      throw invalidParams("filter cannot have blockHash together with fromBlock/toBlock");
    criteria.blockHash = hash(o.blockHash, "filter.blockHash");
  } else {
    criteria.fromBlock = numberOf(o.fromBlock, "filter.fromBlock") ?? latest;
    const to =
      o.toBlock === undefined || o.toBlock === "latest" || o.toBlock === "pending"
        ? undefined
        : numberOf(o.toBlock, "filter.toBlock");
    criteria.toBlock = to ?? (follow ? undefined : latest);
  }
  if (o.address !== undefined && o.address !== null) {
    const list = Array.isArray(o.address) ? o.address : [o.address];
    criteria.addresses = new Set(list.map((a, i) => address(a, `filter.address[${i}]`)));
  }
  if (o.topics !== undefined && o.topics !== null) {
    if (!Array.isArray(o.topics)) throw invalidParams("filter.topics must be an array");
    criteria.topics = o.topics.map((t, i) => {
      if (t === null) return undefined;
      const list = Array.isArray(t) ? t : [t];
      return new Set(list.map((x, j) => hash(x, `filter.topics[${i}][${j}]`)));
    });
  }
  return criteria;
}

export const logMethods: Record<string, MethodHandler> = {
  eth_getLogs: async (ctx, p) => {
    const [f] = paramsOf(p, 1, 1, "eth_getLogs");
    const criteria = criteriaOf(ctx, f, false);
    return matchLogs(blocksInRange(ctx.chain, criteria), criteria);
  },
  eth_newFilter: async (ctx, p) => {
    const [f] = paramsOf(p, 1, 1, "eth_newFilter");
    return ctx.filters.newLogFilter(criteriaOf(ctx, f, true));
  },
  eth_newBlockFilter: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_newBlockFilter");
    return ctx.filters.newBlockFilter();
  },
  eth_newPendingTransactionFilter: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_newPendingTransactionFilter");
    return ctx.filters.newPendingTransactionFilter();
  },
  eth_getFilterChanges: async (ctx, p) => {
    const [id] = paramsOf(p, 1, 1, "eth_getFilterChanges");
    // EDR answers null for a filter that does not exist (never created or uninstalled).
    return ctx.filters.changes(`0x${quantity(id, "filterId").toString(16)}`) ?? null;
  },
  eth_getFilterLogs: async (ctx, p) => {
    const [id] = paramsOf(p, 1, 1, "eth_getFilterLogs");
    const filterId = quantity(id, "filterId");
    const kind = ctx.filters.kindOf(`0x${filterId.toString(16)}`);
    if (kind !== undefined && kind !== "log") {
      // EDR's words, with the id in decimal.
      const name = kind === "block" ? "NewHeads" : "NewPendingTransactions";
      throw new RpcError(
        -32602,
        `Subscription ${filterId} is not a Logs subscription, but a ${name} subscription`,
      );
    }
    const logs = ctx.filters.logs(`0x${filterId.toString(16)}`);
    if (logs === undefined)
      throw invalidParams(`filter ${id} does not exist or is not a log filter`);
    return logs;
  },
  eth_uninstallFilter: async (ctx, p) => {
    const [id] = paramsOf(p, 1, 1, "eth_uninstallFilter");
    return ctx.filters.uninstall(`0x${quantity(id, "filterId").toString(16)}`);
  },
};
