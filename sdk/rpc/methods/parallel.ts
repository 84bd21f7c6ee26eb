/**
 * The `parallel_*` methods: what this network knows beyond Ethereum's JSON-RPC.
 *
 * - `parallel_getTransactionAccess(txHash)` → `{ transactionHash, blockNumber, transactionIndex,
 *   gasUsed, reads: [{location, value}], writes: [{location, value}], nestedCallKeys? }`
 *   (docs/design.md §3; location keys as in `sdk/engine/location.ts`; `nestedCallKeys`: the
 *   argument words of nested calls that fit 20 bytes, as 20-byte hex, when there were any), or
 *   null for an unknown transaction.
 * - `parallel_getBlockAccess(block)` → the same for every transaction of a block, in order.
 * - `parallel_getBlockRecord(block)` → the block's execution record (executor, lanes,
 *   re-executions, fallback reason, wall time, ...).
 * - `parallel_getBlockAccessList(block)` → `{ blockNumber, blockAccessList, rlp, hash }`: the
 *   block's EIP-7928 block-level access list (JSON form of `sdk/analysis/block-access-list.ts`),
 *   its RLP encoding and keccak-256 hash. Transactions are indices 1…n; the lazily applied
 *   coinbase fee of each transaction is recorded at its index, as the EIP requires. No system
 *   calls run at block start or end on this network, so indices 0 and n + 1 are empty. Served
 *   under every hardfork.
 * - `eth_getBlockAccessList(block)` → the same list in the execution APIs' form
 *   (ethereum/execution-apis `src/eth/block.yaml`; `sdk/analysis/block-access-list-rpc.ts`), or
 *   null for an unknown block; `block` is a number, a tag or a block hash. Before Amsterdam (any
 *   other `hardfork`) no block has an access list: error -32001 `Resource not found`, the
 *   spec's error since it replaced 4445 "not available for pre-Amsterdam blocks" (with the
 *   reason in `data.reason`). Under `amsterdam` its hash is the header's `blockAccessListHash`.
 */
import { toRpcBlockAccessList } from "../../analysis/block-access-list-rpc.ts";
import {
  type AccessRecord,
  encodeBlockAccessList,
  hashBlockAccessList,
} from "../../analysis/block-access-list.ts";
import {
  type BlockAccessSource,
  blockAccessListOf,
  blockAccessRecords as blockAccessRecordsOf,
} from "../../engine/block-access.ts";
import type { Chain, MinedBlock } from "../../engine/chain.ts";
import { balanceKey, isStorageKey, type LocationKey, locationKind } from "../../engine/location.ts";
import type { ExecutionRecord } from "../../engine/executor.ts";
import { type MethodHandler, resolveBlock } from "../context.ts";
import { RpcError } from "../errors.ts";
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
    // Argument words of nested calls that fit 20 bytes: candidate mapping keys for the report.
    ...(o.nestedCallKeys === undefined
      ? {}
      : { nestedCallKeys: o.nestedCallKeys.map((word) => `0x${word}`) }),
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

/** The coinbase's balance before `block` and the code lookup its access list needs. */
function blockAccessSource(chain: Chain, block: MinedBlock): BlockAccessSource {
  const coinbase = block.header.coinbase.toString();
  return {
    coinbase,
    outcomes: block.outcomes,
    coinbaseBalanceBefore:
      block.number === 0n ? 0n : chain.stateAt(block.number - 1n).read(balanceKey(coinbase)),
    code: (codeHash) => chain.state.code(codeHash),
  };
}

/** The EIP-7928 access records of a block's transactions, with coinbase fee credits per index. */
export function blockAccessRecords(chain: Chain, block: MinedBlock): AccessRecord[] {
  return blockAccessRecordsOf(blockAccessSource(chain, block));
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
    const bal = blockAccessListOf(blockAccessSource(ctx.chain, block));
    return {
      blockNumber: q(block.number),
      blockAccessList: bal,
      rlp: encodeBlockAccessList(bal),
      hash: hashBlockAccessList(bal),
    };
  },
  eth_getBlockAccessList: async (ctx, p) => {
    const [t] = paramsOf(p, 1, 1, "eth_getBlockAccessList");
    // BlockNumberOrTagOrHash: a bare 32-byte hash names a block by hash.
    const tag =
      typeof t === "string" && /^0x[0-9a-fA-F]{64}$/.test(t)
        ? { hash: hash(t, "block") }
        : blockTag(t, "block", ctx.chain.latest().number);
    const block =
      tag === "pending"
        ? ctx.chain.latest()
        : "hash" in tag
          ? ctx.chain.blockByHash(tag.hash)
          : ctx.chain.blockByNumber(tag.number);
    if (block === undefined) return null;
    if (ctx.chain.hardfork !== "amsterdam")
      throw new RpcError(-32001, "Resource not found", {
        reason: `block ${block.number} predates Amsterdam: this network runs ${ctx.chain.hardfork}, and EIP-7928 block access lists start with amsterdam (set the network's parallel.hardfork to "amsterdam"; parallel_getBlockAccessList gives the list under any hardfork)`,
      });
    return toRpcBlockAccessList(blockAccessListOf(blockAccessSource(ctx.chain, block)));
  },
  parallel_getBlockRecord: async (ctx, p) => {
    const [t] = paramsOf(p, 0, 1, "parallel_getBlockRecord");
    return recordJson(resolveBlock(ctx, blockTag(t, "block", ctx.chain.latest().number)));
  },
};
