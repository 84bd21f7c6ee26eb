/**
 * Functional tests of `BatchAuctionAMM`: initial liquidity, commits that touch only the
 * committer's slots, settlement at one uniform price (constant product never decreasing, opposite
 * flows netted, no sandwich inside a batch), minimum-output protection, claims, the checks on the
 * settlement lists, liquidity in the batch rhythm, reentrancy and where the tokens sit — over
 * sharded-balance (`ParallelERC20`) tokens and conventional ones.
 */
import { expect } from "chai";
import { type Address, encodeFunctionData, getAddress, toFunctionSelector } from "viem";

import {
  BPS,
  FEE_BPS,
  MINIMUM_LIQUIDITY,
  ONE,
  Status,
  type TokenKind,
  ascending,
  connect,
  deployBatchAMM,
  deployTokens,
  fund,
  mappingSlot,
  mulDiv,
  shardOf,
  sqrt,
} from "./helpers.ts";
import { clear } from "./model.ts";

const { viem, networkHelpers } = await connect();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const [admin, A, B, C, D, E] = wallets.slice(0, 6).map((w) => w.account.address);

/** Slots of `BatchAuctionAMM`'s variables (see its storage notes). */
const SLOT = {
  orders: 5n,
  liquidity: 6n,
  requestCounts: 7n,
  clock: 519n,
  prices: 520n,
  reserve0: 521n,
  reserve1: 522n,
  closedBatch: 523n,
};

/** Initial reserves: 100,000 token0 and 200,000 token1 (price 2 token1 per token0). */
const R0 = 100_000n * ONE;
const R1 = 200_000n * ONE;

async function word(address: Address, slot: bigint): Promise<bigint> {
  return BigInt(
    (await publicClient.getStorageAt({
      address,
      slot: `0x${slot.toString(16).padStart(64, "0")}`,
    })) ?? "0x0",
  );
}

/** A pool over `kind` tokens, initialised by the admin, with A..E holding 1,000,000 of each token. */
async function setup(kind: TokenKind = "parallel", minBatchDuration = 0n) {
  const deployed = await deployBatchAMM(viem, { kind, minBatchDuration });
  const { token0, token1, pool } = deployed;
  await fund([token0, token1], [admin, A, B, C, D, E], 1_000_000n * ONE, pool.address);
  await pool.write.initialize([R0, R1]);
  return deployed;
}

/** `orderOf` as a record. */
async function orderOf(pool: Awaited<ReturnType<typeof setup>>["pool"], user: Address) {
  const [batch, status, zeroForOne, amountIn, minAmountOut, amountOut] = await pool.read.orderOf([
    user,
  ]);
  return { batch, status, zeroForOne, amountIn, minAmountOut, amountOut };
}

/** Settles the open batch with the given committers (sorted here). */
async function settle(
  pool: Awaited<ReturnType<typeof setup>>["pool"],
  swappers: Address[],
  providers: Address[] = [],
) {
  return pool.write.settle([
    await pool.read.currentBatch(),
    ascending(swappers),
    ascending(providers),
  ]);
}

describe("BatchAuctionAMM", function () {
  for (const kind of ["parallel", "standard"] as const) {
    describe(`over ${kind} tokens`, function () {
      it("initialize seeds the pool, locks MINIMUM_LIQUIDITY and opens batch 0, once", async function () {
        const { token0, token1, pool } = await setup(kind);
        const root = sqrt(R0 * R1);
        expect(await pool.read.totalSupply()).to.equal(root);
        expect(await pool.read.balanceOf([admin])).to.equal(root - MINIMUM_LIQUIDITY);
        expect(await pool.read.getReserves()).to.deep.equal([R0, R1]);
        expect(await pool.read.currentBatch()).to.equal(0n);
        expect(await token0.read.balanceOf([pool.address])).to.equal(R0);
        if (kind === "parallel") {
          // The reserves sit in the reserve shard of the pool's sharded balances.
          const t1 = await viem.getContractAt("AmmParallelToken", token1.address);
          expect(
            await t1.read.shardBalanceOf([pool.address, await pool.read.RESERVE_SHARD()]),
          ).to.equal(R1);
        }
        await viem.assertions.revertWithCustomError(
          pool.write.initialize([ONE, ONE]),
          pool,
          "AlreadyInitialized",
        );
        const fresh = await deployBatchAMM(viem, { kind });
        await viem.assertions.revertWithCustomError(
          fresh.pool.write.commitSwap([true, ONE, 0n], { account: A }),
          fresh.pool,
          "NotInitialized",
        );
        await fund([fresh.token0, fresh.token1], [admin], ONE, fresh.pool.address);
        await viem.assertions.revertWithCustomError(
          fresh.pool.write.initialize([31n, 32n]),
          fresh.pool,
          "InsufficientInitialLiquidity",
        );
      });

      it("commitSwap takes the input and writes only the caller's order slot and commitment shard", async function () {
        const { token0, pool } = await setup(kind);
        await viem.assertions.emitWithArgs(
          pool.write.commitSwap([true, 1_000n * ONE, 1n], { account: A }),
          pool,
          "SwapCommitted",
          [getAddress(A), 0n, true, 1_000n * ONE, 1n],
        );
        expect(await orderOf(pool, A)).to.deep.equal({
          batch: 0n,
          status: Status.Pending,
          zeroForOne: true,
          amountIn: 1_000n * ONE,
          minAmountOut: 1n,
          amountOut: 0n,
        });
        const slot = mappingSlot(A, SLOT.orders);
        // Slot 0 packs batch (8 bytes), zeroForOne (1), status (1) and amountIn (16) from the right.
        expect(await word(pool.address, slot)).to.equal(
          ((1_000n * ONE) << 80n) | (1n << 72n) | (1n << 64n),
        );
        expect(await word(pool.address, slot + 1n)).to.equal(1n);
        // Batch 0 counts in the low 32 bits of the shard's word of group 0 (`_requestCounts[0].shards[shard(A)]`).
        expect(await word(pool.address, SLOT.requestCounts + shardOf(A))).to.equal(1n);
        expect(await pool.read.pendingCommitments()).to.equal(1n);
        expect(await token0.read.balanceOf([A])).to.equal(999_000n * ONE);
        if (kind === "parallel") {
          const t0 = await viem.getContractAt("AmmParallelToken", token0.address);
          expect(await t0.read.shardBalanceOf([pool.address, shardOf(A)])).to.equal(1_000n * ONE);
        }
        // Nothing else changed: no reserve, no price, no clock.
        expect(await pool.read.getReserves()).to.deep.equal([R0, R1]);
      });

      it("settles every order of a batch at one uniform price, and never lowers the constant product", async function () {
        const { token0, token1, pool } = await setup(kind);
        const sellers0 = [
          [A, 1_000n * ONE],
          [B, 2_500n * ONE],
          [C, 7n],
        ] as const;
        const sellers1 = [
          [D, 3_000n * ONE],
          [E, 123_456_789n],
        ] as const;
        for (const [u, x] of sellers0) await pool.write.commitSwap([true, x, 0n], { account: u });
        for (const [u, x] of sellers1) await pool.write.commitSwap([false, x, 0n], { account: u });
        const expected = clear(R0, R1, FEE_BPS, [
          ...sellers0.map(([, x]) => ({ zeroForOne: true, amountIn: x, minAmountOut: 0n })),
          ...sellers1.map(([, x]) => ({ zeroForOne: false, amountIn: x, minAmountOut: 0n })),
        ]);
        await settle(pool, [A, B, C, D, E]);
        const [base, quote] = await pool.read.batchPrice([0n]);
        expect([base, quote]).to.deep.equal([expected.base, expected.quote]);
        // The price is (R1 + E1) / (R0 + E0), E = inputs after the fee.
        const e = (x: bigint) => (x * (BPS - FEE_BPS)) / BPS;
        expect(base).to.equal(R0 + e(1_000n * ONE) + e(2_500n * ONE) + e(7n));
        expect(quote).to.equal(R1 + e(3_000n * ONE) + e(123_456_789n));
        // Every order got exactly floor(e * price) — one price for all.
        for (const [u, x] of sellers0) {
          const before = await token1.read.balanceOf([u]);
          await pool.write.claim({ account: u });
          expect((await token1.read.balanceOf([u])) - before, `output of ${u}`).to.equal(
            mulDiv(e(x), quote, base),
          );
        }
        for (const [u, x] of sellers1) {
          const before = await token0.read.balanceOf([u]);
          await pool.write.claim({ account: u });
          expect((await token0.read.balanceOf([u])) - before, `output of ${u}`).to.equal(
            mulDiv(e(x), base, quote),
          );
        }
        const [r0, r1] = await pool.read.getReserves();
        expect([r0, r1]).to.deep.equal([expected.reserve0, expected.reserve1]);
        expect(r0 * r1 >= R0 * R1, "constant product did not decrease").to.equal(true);
        // With the fee, it strictly grew.
        expect(r0 * r1 > R0 * R1).to.equal(true);
        expect(await pool.read.currentBatch()).to.equal(1n);
        // The pool holds exactly its reserves once everything is claimed.
        expect(await token0.read.balanceOf([pool.address])).to.equal(r0);
        expect(await token1.read.balanceOf([pool.address])).to.equal(r1);
      });

      it("nets opposite flows: a batch balanced at the pool price clears at the pool price", async function () {
        const { pool } = await setup(kind);
        await pool.write.commitSwap([true, 10_000n * ONE, 0n], { account: A });
        await pool.write.commitSwap([false, 20_000n * ONE, 0n], { account: B }); // same value at price 2
        await settle(pool, [A, B]);
        const [base, quote] = await pool.read.batchPrice([0n]);
        expect(quote * R0).to.equal(base * R1); // exactly 2 token1 per token0
        // Both received the spot price minus the fee: no slippage at all, however large the orders.
        expect((await orderOf(pool, A)).amountOut).to.equal(
          (10_000n * ONE * (BPS - FEE_BPS) * 2n) / BPS,
        );
        expect((await orderOf(pool, B)).amountOut).to.equal(
          (20_000n * ONE * (BPS - FEE_BPS)) / BPS / 2n,
        );
      });

      it("cannot be sandwiched inside a batch: front-run, victim and back-run share one price", async function () {
        const { token0, token1, pool } = await setup(kind);
        // The attacker (accounts C and D) wraps the victim A in the same batch: C sells token0
        // ahead of A, D buys token0 back (sells token1) after A.
        const X = 20_000n * ONE;
        const Y = 40_000n * ONE;
        await pool.write.commitSwap([true, X, 0n], { account: C });
        await pool.write.commitSwap([true, 5_000n * ONE, 0n], { account: A });
        await pool.write.commitSwap([false, Y, 0n], { account: D });
        await settle(pool, [A, C, D]);
        const [base, quote] = await pool.read.batchPrice([0n]);
        const e = (x: bigint) => (x * (BPS - FEE_BPS)) / BPS;
        // The victim gets exactly the front-runner's price.
        expect((await orderOf(pool, A)).amountOut).to.equal(mulDiv(e(5_000n * ONE), quote, base));
        expect((await orderOf(pool, C)).amountOut).to.equal(mulDiv(e(X), quote, base));
        for (const u of [A, C, D]) await pool.write.claim({ account: u });
        // At that price the attacker's two legs only pay two fees: its holdings are worth less.
        const held0 = (await token0.read.balanceOf([C])) + (await token0.read.balanceOf([D]));
        const held1 = (await token1.read.balanceOf([C])) + (await token1.read.balanceOf([D]));
        const start = 2_000_000n * ONE;
        // Value in token0 at the clearing price: token1 counts base / quote.
        expect(
          (held0 - start) * quote + (held1 - start) * base < 0n,
          "the sandwich lost value",
        ).to.equal(true);
      });

      it("refunds an order below its minimum, and clears the rest without it", async function () {
        const { token0, pool } = await setup(kind);
        await pool.write.commitSwap([true, 10_000n * ONE, 0n], { account: A });
        // B wants the spot price for a large order: impossible with A in the same direction.
        const greedy = ((5_000n * ONE * (BPS - FEE_BPS)) / BPS) * 2n;
        await pool.write.commitSwap([true, 5_000n * ONE, greedy], { account: B });
        await pool.write.commitSwap([false, 1_000n * ONE, 1n], { account: C });
        await settle(pool, [A, B, C]);
        const expected = clear(R0, R1, FEE_BPS, [
          { zeroForOne: true, amountIn: 10_000n * ONE, minAmountOut: 0n },
          { zeroForOne: true, amountIn: 5_000n * ONE, minAmountOut: greedy },
          { zeroForOne: false, amountIn: 1_000n * ONE, minAmountOut: 1n },
        ]);
        expect(expected.included).to.deep.equal([true, false, true]);
        expect(await pool.read.batchPrice([0n])).to.deep.equal([expected.base, expected.quote]);
        expect(await orderOf(pool, B)).to.deep.include({ status: Status.Refunded, amountOut: 0n });
        const before = await token0.read.balanceOf([B]);
        await viem.assertions.emitWithArgs(pool.write.claim({ account: B }), pool, "SwapClaimed", [
          getAddress(B),
          0n,
          true,
          getAddress(token0.address),
          5_000n * ONE,
        ]);
        expect((await token0.read.balanceOf([B])) - before).to.equal(5_000n * ONE);
        expect(await pool.read.getReserves()).to.deep.equal([expected.reserve0, expected.reserve1]);
        expect((await orderOf(pool, C)).amountOut).to.equal(
          mulDiv((1_000n * ONE * (BPS - FEE_BPS)) / BPS, expected.base, expected.quote),
        );
      });

      it("refuses claims before settlement and without an order; a new commit waits for the claim", async function () {
        const { pool } = await setup(kind);
        await viem.assertions.revertWithCustomError(
          pool.write.claim({ account: A }),
          pool,
          "NoRequest",
        );
        await pool.write.commitSwap([true, ONE, 0n], { account: A });
        await viem.assertions.revertWithCustomErrorWithArgs(
          pool.write.claim({ account: A }),
          pool,
          "NotSettled",
          [0n],
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          pool.write.commitSwap([true, ONE, 0n], { account: A }),
          pool,
          "RequestOutstanding",
          [0n],
        );
        await settle(pool, [A]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          pool.write.commitSwap([false, ONE, 0n], { account: A }),
          pool,
          "RequestOutstanding",
          [0n],
        );
        await pool.write.claim({ account: A });
        await viem.assertions.revertWithCustomError(
          pool.write.claim({ account: A }),
          pool,
          "NoRequest",
        );
        await pool.write.commitSwap([false, ONE, 0n], { account: A });
        expect((await orderOf(pool, A)).batch).to.equal(1n);
        await viem.assertions.revertWithCustomError(
          pool.write.commitSwap([true, 0n, 0n], { account: B }),
          pool,
          "InvalidAmount",
        );
        await viem.assertions.revertWithCustomError(
          pool.write.commitSwap([true, 1n << 128n, 0n], { account: B }),
          pool,
          "InvalidAmount",
        );
      });

      it("adds and removes liquidity in the batch rhythm, at the post-swap reserves", async function () {
        const { token0, token1, pool } = await setup(kind);
        const supply = await pool.read.totalSupply();
        await pool.write.commitSwap([true, 10_000n * ONE, 0n], { account: A });
        // B adds 1,000 token0 and 5,000 token1 (too much token1 for the ratio): the rest comes back.
        await pool.write.commitAddLiquidity([1_000n * ONE, 5_000n * ONE, 1n], { account: B });
        // The admin removes a tenth of its shares.
        const shares = (await pool.read.balanceOf([admin])) / 10n;
        await pool.write.commitRemoveLiquidity([shares, 1n, 1n]);
        expect(await pool.read.balanceOf([admin])).to.equal(supply - MINIMUM_LIQUIDITY - shares);
        // C asks for more shares than its deposit can buy: refunded.
        await pool.write.commitAddLiquidity([ONE, ONE, 10n ** 30n], { account: C });
        await settle(pool, [A], [B, admin, C]);

        const swapped = clear(R0, R1, FEE_BPS, [
          { zeroForOne: true, amountIn: 10_000n * ONE, minAmountOut: 0n },
        ]);
        const [s0, s1] = [swapped.reserve0, swapped.reserve1];
        const minted = [mulDiv(1_000n * ONE, supply, s0), mulDiv(5_000n * ONE, supply, s1)].reduce(
          (x, y) => (x < y ? x : y),
        );
        const used0 = (minted * s0 + supply - 1n) / supply;
        const used1 = (minted * s1 + supply - 1n) / supply;
        const out0 = mulDiv(shares, s0, supply);
        const out1 = mulDiv(shares, s1, supply);
        const [b0, b1] = [await token0.read.balanceOf([B]), await token1.read.balanceOf([B])];
        await pool.write.claimLiquidity({ account: B });
        expect(await pool.read.balanceOf([B])).to.equal(minted);
        expect([
          (await token0.read.balanceOf([B])) - b0,
          (await token1.read.balanceOf([B])) - b1,
        ]).to.deep.equal([1_000n * ONE - used0, 5_000n * ONE - used1]);
        const [a0, a1] = [
          await token0.read.balanceOf([admin]),
          await token1.read.balanceOf([admin]),
        ];
        await pool.write.claimLiquidity();
        expect([
          (await token0.read.balanceOf([admin])) - a0,
          (await token1.read.balanceOf([admin])) - a1,
        ]).to.deep.equal([out0, out1]);
        const [c0, c1] = [await token0.read.balanceOf([C]), await token1.read.balanceOf([C])];
        await pool.write.claimLiquidity({ account: C });
        expect([
          (await token0.read.balanceOf([C])) - c0,
          (await token1.read.balanceOf([C])) - c1,
        ]).to.deep.equal([ONE, ONE]);
        expect(await pool.read.balanceOf([C])).to.equal(0n);
        expect(await pool.read.totalSupply()).to.equal(supply + minted - shares);
        expect(await pool.read.getReserves()).to.deep.equal([s0 + used0 - out0, s1 + used1 - out1]);
        // Reserves per share did not fall.
        const [r0, r1] = await pool.read.getReserves();
        const newSupply = await pool.read.totalSupply();
        expect(r0 * supply >= s0 * newSupply && r1 * supply >= s1 * newSupply).to.equal(true);
      });
    });
  }

  describe("settlement lists", function () {
    it("accepts only the complete, strictly ascending list of the batch's committers", async function () {
      const { pool } = await setup("parallel", 60n);
      for (const u of [A, B, C]) await pool.write.commitSwap([true, ONE, 0n], { account: u });
      const list = ascending([A, B, C]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.settle([0n, list.slice(0, 2), []]),
        pool,
        "IncompleteBatch",
        [3n, 2n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.settle([0n, [list[1], list[0], list[2]], []]),
        pool,
        "InvalidRequest",
        [list[0]],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.settle([0n, [list[0], list[0], list[2]], []]),
        pool,
        "InvalidRequest",
        [list[0]],
      );
      const withD = ascending([A, B, D]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.settle([0n, withD, []]),
        pool,
        "InvalidRequest",
        [getAddress(D)],
      );
      // A swapper named as a liquidity provider is not one; only the open batch settles.
      await viem.assertions.revertWithCustomError(
        pool.write.settle([0n, list.slice(0, 2), [list[2]]]),
        pool,
        "InvalidRequest",
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.settle([1n, list, []]),
        pool,
        "EpochMismatch",
        [1n, 0n],
      );
      // The complete list, but the batch has not lasted minBatchDuration.
      await viem.assertions.revertWithCustomError(
        pool.write.settle([0n, list, []]),
        pool,
        "EpochTooYoung",
      );
      await networkHelpers.time.increase(60);
      await pool.write.settle([0n, list, []]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.settle([0n, [], []]),
        pool,
        "EpochMismatch",
        [0n, 1n],
      );
      // An empty batch settles too (at the pool price).
      await networkHelpers.time.increase(60);
      await pool.write.settle([1n, [], []]);
      const [r0, r1] = await pool.read.getReserves();
      expect(await pool.read.batchPrice([1n])).to.deep.equal([r0, r1]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.read.batchPrice([2n]),
        pool,
        "EpochNotSettled",
        [2n],
      );
    });
  });

  describe("where the tokens sit (sharded-balance tokens)", function () {
    it("distribute moves inputs into the reserve shard and outputs into each claimant's shard", async function () {
      const { token0, token1, pool } = await setup("parallel");
      const t0 = await viem.getContractAt("AmmParallelToken", token0.address);
      const t1 = await viem.getContractAt("AmmParallelToken", token1.address);
      const reserveShard = await pool.read.RESERVE_SHARD();
      const users = [A, B, C].filter((u) => shardOf(u) !== reserveShard);
      for (const u of users) await pool.write.commitSwap([true, 1_000n * ONE, 0n], { account: u });
      await settle(pool, users);
      // Settlement moves no tokens; distribute does, in pages.
      for (const u of users)
        expect(await t0.read.shardBalanceOf([pool.address, shardOf(u)])).to.equal(1_000n * ONE);
      await pool.write.distribute([ascending(users.slice(0, 1))]);
      await pool.write.distribute([ascending(users)]); // the first is skipped: already placed
      const [r0, r1] = await pool.read.getReserves();
      expect(await t0.read.shardBalanceOf([pool.address, reserveShard])).to.equal(r0);
      expect(await t1.read.shardBalanceOf([pool.address, reserveShard])).to.equal(r1);
      for (const u of users) {
        expect(await t0.read.shardBalanceOf([pool.address, shardOf(u)])).to.equal(0n);
        expect(await t1.read.shardBalanceOf([pool.address, shardOf(u)])).to.equal(
          (await orderOf(pool, u)).amountOut,
        );
        await pool.write.claim({ account: u });
        expect(await t1.read.shardBalanceOf([pool.address, shardOf(u)])).to.equal(0n);
      }
    });
  });

  describe("reentrancy", function () {
    it("refuses a reentrant call from a token in the middle of a commit", async function () {
      const reentrant = await viem.deployContract("AmmReentrantToken");
      const { token1 } = await deployTokens(viem, "standard");
      const token0 = await viem.getContractAt("AmmParallelToken", reentrant.address);
      const { pool } = await deployBatchAMM(viem, { tokens: { token0, token1 } });
      await fund([token0, token1], [admin, A], 1_000_000n * ONE, pool.address);
      await pool.write.initialize([R0, R1]);
      await pool.write.commitSwap([true, ONE, 0n], { account: A });
      for (const data of [
        encodeFunctionData({ abi: pool.abi, functionName: "settle", args: [0n, [A], []] }),
        encodeFunctionData({ abi: pool.abi, functionName: "claim", args: [] }),
        encodeFunctionData({ abi: pool.abi, functionName: "commitSwap", args: [false, ONE, 0n] }),
      ]) {
        await reentrant.write.setHook([pool.address, data]);
        await pool.write.commitAddLiquidity([ONE, ONE, 0n], { account: admin });
        expect(await reentrant.read.lastHookError()).to.equal(
          toFunctionSelector("ReentrantCall()"),
        );
        await pool.write.settle([
          await pool.read.currentBatch(),
          await orderListFor(pool),
          [admin],
        ]);
        await pool.write.claimLiquidity();
      }
      expect(await reentrant.read.hookCalls()).to.equal(3n);
    });
  });
});

/** The pending swapper of the reentrancy test (A while its order is pending, else nobody). */
async function orderListFor(pool: Awaited<ReturnType<typeof setup>>["pool"]): Promise<Address[]> {
  const o = await orderOf(pool, A);
  return o.status === Status.Pending ? [A] : [];
}
