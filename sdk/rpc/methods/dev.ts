/** Dev-chain control: evm_* and hardhat_* methods (mining, time, snapshots, state edits, block gas limit, impersonation, logging). */
import { TimestampNotAfterParentError } from "../../engine/errors.ts";
import type { MethodHandler } from "../context.ts";
import { rpcErrorOf } from "../engine-errors.ts";
import { invalidInput, invalidParams } from "../errors.ts";
import { q } from "../format.ts";
import type { Hex } from "viem";
import {
  address,
  boolean,
  data,
  hash,
  MAX_U256,
  paramsOf,
  quantity,
  quantity64,
  quantityOrNumber,
  slot,
} from "../params.ts";

/** The most blocks one hardhat_mine call mines (each block is really mined and kept). */
export const MAX_BLOCKS_PER_MINE = 100_000n;

export const devMethods: Record<string, MethodHandler> = {
  evm_mine: async (ctx, p) => {
    const [t] = paramsOf(p, 0, 1, "evm_mine");
    const timestamp = t === undefined || t === null ? undefined : quantityOrNumber(t, "timestamp");
    if (timestamp !== undefined && timestamp <= ctx.chain.latest().header.timestamp) {
      throw rpcErrorOf(
        new TimestampNotAfterParentError(timestamp, ctx.chain.latest().header.timestamp),
      );
    }
    await ctx.chain.mine(timestamp);
    return "0";
  },
  hardhat_mine: async (ctx, p) => {
    const [c, i] = paramsOf(p, 0, 2, "hardhat_mine");
    const count = c === undefined || c === null ? 1n : quantityOrNumber(c, "blockCount");
    const interval = i === undefined || i === null ? 1n : quantityOrNumber(i, "interval");
    if (count > MAX_BLOCKS_PER_MINE) {
      // EDR reserves such ranges lazily; this engine mines every block, so it bounds the count.
      throw invalidInput(
        `hardhat_mine can mine at most ${MAX_BLOCKS_PER_MINE} blocks per call on the parallel network (asked for ${count}); to move time forward use evm_increaseTime or evm_setNextBlockTimestamp`,
      );
    }
    await ctx.chain.mineMany(count, interval);
    return true;
  },
  evm_setAutomine: async (ctx, p) => {
    const [on] = paramsOf(p, 1, 1, "evm_setAutomine");
    ctx.chain.automine = boolean(on, "enabled");
    return true;
  },
  hardhat_getAutomine: async (ctx, p) => {
    paramsOf(p, 0, 0, "hardhat_getAutomine");
    return ctx.chain.automine;
  },
  evm_setIntervalMining: async (ctx, p) => {
    const [ms] = paramsOf(p, 1, 1, "evm_setIntervalMining");
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0) {
      throw invalidParams("interval must be a non-negative number of milliseconds");
    }
    ctx.chain.setIntervalMining(ms);
    return true;
  },
  evm_snapshot: async (ctx, p) => {
    paramsOf(p, 0, 0, "evm_snapshot");
    return q(ctx.chain.snapshot());
  },
  evm_revert: async (ctx, p) => {
    const [id] = paramsOf(p, 1, 1, "evm_revert");
    return ctx.chain.revert(Number(quantity64(id, "snapshotId")));
  },
  evm_increaseTime: async (ctx, p) => {
    const [s] = paramsOf(p, 1, 1, "evm_increaseTime");
    const seconds = quantityOrNumber(s, "seconds");
    return String(ctx.chain.increaseTime(seconds));
  },
  evm_setNextBlockTimestamp: async (ctx, p) => {
    const [t] = paramsOf(p, 1, 1, "evm_setNextBlockTimestamp");
    const timestamp = quantityOrNumber(t, "timestamp");
    ctx.chain.setNextBlockTimestamp(timestamp); // a past timestamp: the provider maps the engine's error
    return null;
  },
  hardhat_setBalance: async (ctx, p) => {
    const [a, v] = paramsOf(p, 2, 2, "hardhat_setBalance");
    ctx.chain.setBalance(address(a, "address"), quantity(v, "balance"));
    return true;
  },
  hardhat_setNonce: async (ctx, p) => {
    const [a, n] = paramsOf(p, 2, 2, "hardhat_setNonce");
    ctx.chain.setNonce(address(a, "address"), quantity64(n, "nonce"));
    return true;
  },
  hardhat_setCode: async (ctx, p) => {
    const [a, c] = paramsOf(p, 2, 2, "hardhat_setCode");
    const code = data(c, "code");
    ctx.chain.setCode(address(a, "address"), Uint8Array.from(Buffer.from(code.slice(2), "hex")));
    return true;
  },
  hardhat_setStorageAt: async (ctx, p) => {
    const [a, s, v] = paramsOf(p, 3, 3, "hardhat_setStorageAt");
    const who = address(a, "address");
    if (typeof s === "string" && /^0x[0-9a-f]{65,}$/i.test(s) && BigInt(s) > MAX_U256) {
      throw invalidInput(`Storage key must not be greater than or equal to 2^256. Received ${s}.`);
    }
    const position = slot(s, "position");
    const value = v as Hex;
    if (typeof v !== "string" || !/^0x[0-9a-f]{64}$/i.test(v)) {
      const shown = String(v);
      const bytes = typeof v === "string" ? Math.ceil((v.length - 2) / 2) : 0;
      throw invalidInput(
        `Storage value must be exactly 32 bytes long. Received ${shown}, which is ${bytes} bytes long.`,
      );
    }
    ctx.chain.setStorageAt(who, position, BigInt(value));
    return true;
  },
  hardhat_setCoinbase: async (ctx, p) => {
    const [a] = paramsOf(p, 1, 1, "hardhat_setCoinbase");
    ctx.chain.coinbase = address(a, "address");
    return true;
  },
  hardhat_setPrevRandao: async (ctx, p) => {
    const [r] = paramsOf(p, 1, 1, "hardhat_setPrevRandao");
    ctx.chain.nextPrevRandao = hash(r, "prevRandao");
    return true;
  },
  hardhat_setNextBlockBaseFeePerGas: async (ctx, p) => {
    const [f] = paramsOf(p, 1, 1, "hardhat_setNextBlockBaseFeePerGas");
    ctx.chain.nextBaseFeePerGas = quantity(f, "baseFeePerGas");
    return true;
  },
  evm_setBlockGasLimit: async (ctx, p) => {
    const [g] = paramsOf(p, 1, 1, "evm_setBlockGasLimit");
    const gas = quantityOrNumber(g, "blockGasLimit"); // EDR takes a JSON number too
    if (gas === 0n) throw invalidInput("Block gas limit must be greater than 0");
    ctx.chain.setBlockGasLimit(gas);
    return true;
  },
  hardhat_setMinGasPrice: async (_ctx, p) => {
    const [g] = paramsOf(p, 1, 1, "hardhat_setMinGasPrice");
    quantity(g, "minGasPrice");
    // Every hardfork this engine runs is after London; EDR refuses the method there.
    throw invalidInput("hardhat_setMinGasPrice is not supported when EIP-1559 is active");
  },
  hardhat_setLoggingEnabled: async (ctx, p) => {
    const [on] = paramsOf(p, 1, 1, "hardhat_setLoggingEnabled");
    ctx.logging.enabled = boolean(on, "loggingEnabled");
    return true;
  },
  hardhat_dropTransaction: async (ctx, p) => {
    const [h] = paramsOf(p, 1, 1, "hardhat_dropTransaction");
    const txHash = hash(h, "transactionHash");
    if (ctx.chain.minedTransaction(txHash) !== undefined) {
      throw invalidInput(`Transaction ${txHash} cannot be dropped because it's already mined`);
    }
    if (ctx.chain.pool.get(txHash) === undefined) return false;
    ctx.chain.pool.remove(txHash);
    return true;
  },
  hardhat_impersonateAccount: async (ctx, p) => {
    const [a] = paramsOf(p, 1, 1, "hardhat_impersonateAccount");
    ctx.chain.impersonated.add(address(a, "address"));
    return true;
  },
  hardhat_stopImpersonatingAccount: async (ctx, p) => {
    const [a] = paramsOf(p, 1, 1, "hardhat_stopImpersonatingAccount");
    return ctx.chain.impersonated.delete(address(a, "address"));
  },
};
