/** Chain identity, account state and fees: eth_chainId, eth_getBalance, eth_getStorageAt, eth_blobBaseFee, web3_sha3, ... */
import { balanceKey, codeKey, nonceKey, storageKey } from "../../engine/location.ts";
import { type MethodHandler, resolveBlock, stateFor } from "../context.ts";
import { blockReward } from "../fees.ts";
import { q } from "../format.ts";
import { invalidParams, RpcError } from "../errors.ts";
import { address, blockTag, data, paramsOf, quantity, slot } from "../params.ts";
import { keccak256 } from "viem";

export const CLIENT_VERSION = "HardhatParallel/0.1.0/ethereumjs-vm/10.1.3";
const INSTANCE_ID = `0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;

export const stateMethods: Record<string, MethodHandler> = {
  eth_chainId: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_chainId");
    return q(ctx.chain.chainId);
  },
  net_version: async (ctx, p) => {
    paramsOf(p, 0, 0, "net_version");
    return String(ctx.chain.chainId);
  },
  net_listening: async (_ctx, p) => {
    paramsOf(p, 0, 0, "net_listening");
    return true;
  },
  eth_syncing: async (_ctx, p) => {
    paramsOf(p, 0, 0, "eth_syncing");
    return false;
  },
  web3_clientVersion: async (_ctx, p) => {
    paramsOf(p, 0, 0, "web3_clientVersion");
    return CLIENT_VERSION;
  },
  eth_coinbase: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_coinbase");
    return ctx.chain.coinbase;
  },
  hardhat_metadata: async (ctx, p) => {
    paramsOf(p, 0, 0, "hardhat_metadata");
    const latest = ctx.chain.latest();
    return {
      clientVersion: CLIENT_VERSION,
      chainId: ctx.chain.chainId,
      instanceId: INSTANCE_ID,
      latestBlockNumber: Number(latest.number),
      latestBlockHash: latest.hash,
      ...(ctx.chain.fork === undefined
        ? {}
        : {
            forkedNetwork: {
              chainId: ctx.chain.fork.chainId,
              forkBlockNumber: Number(ctx.chain.fork.blockNumber),
              forkBlockHash: ctx.chain.fork.block.hash,
            },
          }),
    };
  },
  eth_accounts: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_accounts");
    return ctx.chain.accounts.map((a) => a.address);
  },
  eth_blockNumber: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_blockNumber");
    return q(ctx.chain.latest().number);
  },
  eth_getBalance: async (ctx, p) => {
    const [a, t] = paramsOf(p, 1, 2, "eth_getBalance");
    const who = address(a, "address");
    return q(stateFor(ctx, blockTag(t, "block", ctx.chain.latest().number)).read(balanceKey(who)));
  },
  eth_getTransactionCount: async (ctx, p) => {
    const [a, t] = paramsOf(p, 1, 2, "eth_getTransactionCount");
    const who = address(a, "address");
    const tag = blockTag(t, "block", ctx.chain.latest().number);
    if (tag === "pending") return q(ctx.chain.pendingNonce(who));
    return q(stateFor(ctx, tag).read(nonceKey(who)));
  },
  eth_getCode: async (ctx, p) => {
    const [a, t] = paramsOf(p, 1, 2, "eth_getCode");
    const who = address(a, "address");
    const state = stateFor(ctx, blockTag(t, "block", ctx.chain.latest().number));
    return `0x${Buffer.from(state.code(state.read(codeKey(who)))).toString("hex")}`;
  },
  eth_getStorageAt: async (ctx, p) => {
    const [a, s, t] = paramsOf(p, 2, 3, "eth_getStorageAt");
    const who = address(a, "address");
    const position = slot(s, "position");
    const value = stateFor(ctx, blockTag(t, "block", ctx.chain.latest().number)).read(
      storageKey(who, position),
    );
    return `0x${value.toString(16).padStart(64, "0")}`;
  },
  eth_gasPrice: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_gasPrice");
    return q(ctx.chain.latest().header.calcNextBaseFee() + 1_000_000_000n);
  },
  eth_blobBaseFee: async (ctx, p) => {
    paramsOf(p, 0, 0, "eth_blobBaseFee");
    // The blob base fee of the next block (wei), from the latest header's excess blob gas.
    const latest = ctx.chain.latest().header;
    return latest.excessBlobGas === undefined
      ? null
      : q(latest.calcNextBlobGasPrice(ctx.chain.common));
  },
  web3_sha3: async (_ctx, p) => {
    const [d] = paramsOf(p, 1, 1, "web3_sha3");
    return keccak256(data(d, "data"));
  },
  eth_maxPriorityFeePerGas: async (_ctx, p) => {
    paramsOf(p, 0, 0, "eth_maxPriorityFeePerGas");
    return q(1_000_000_000n);
  },
  eth_feeHistory: async (ctx, p) => {
    const [c, n, r] = paramsOf(p, 3, 3, "eth_feeHistory");
    const count =
      typeof c === "number" && Number.isSafeInteger(c) && c >= 0
        ? BigInt(c)
        : quantity(c, "blockCount");
    if (count > 1024n) throw new RpcError(-32000, "blockCount should be at most 1024");
    if (count < 1n) throw new RpcError(-32000, "blockCount should be at least 1");
    const newest = resolveBlock(ctx, blockTag(n, "newestBlock", ctx.chain.latest().number));
    const percentiles = r === undefined || r === null ? undefined : (r as unknown[]);
    if (percentiles !== undefined) {
      if (!Array.isArray(percentiles))
        throw invalidParams("rewardPercentiles must be an array of numbers between 0 and 100");
      percentiles.forEach((x, i) => {
        if (typeof x !== "number")
          throw invalidParams(`rewardPercentiles[${i}] must be a number, got ${JSON.stringify(x)}`);
        if (x < 0 || x > 100) {
          throw new RpcError(
            -32000,
            `The reward percentile number ${i + 1} is invalid. It must be a float between 0 and 100, but is ${String(x)} instead.`,
          );
        }
        if (i > 0 && x < (percentiles[i - 1] as number)) {
          throw new RpcError(
            -32000,
            `The reward percentiles should be in non-decreasing order, but the percentile number ${i} is greater than the next one`,
          );
        }
      });
    }
    const oldest = ctx.chain.firstBlock;
    const first = newest.number - count + 1n < oldest ? oldest : newest.number - count + 1n;
    const baseFees: string[] = [];
    const ratios: number[] = [];
    const rewards: string[][] = [];
    for (let i = first; i <= newest.number; i++) {
      const block = ctx.chain.blockByNumber(i)!;
      const h = block.header;
      baseFees.push(q(h.baseFeePerGas ?? 0n));
      ratios.push(Number(h.gasUsed) / Number(h.gasLimit));
      if (percentiles !== undefined) {
        rewards.push(percentiles.map((pct) => q(blockReward(block, pct as number))));
      }
    }
    baseFees.push(q(newest.header.calcNextBaseFee()));
    return {
      oldestBlock: q(first),
      baseFeePerGas: baseFees,
      gasUsedRatio: ratios,
      ...(percentiles === undefined ? {} : { reward: rewards }),
    };
  },
};
