/**
 * Functional tests of `ParallelLendingMarket`: supply and withdrawal, collateral, borrowing up to
 * the collateral factor and not beyond, interest fixed per epoch and read (never written) by user
 * actions, the epoch roll, repayment, liquidation only when unhealthy and with the configured
 * bonus, rounding in the protocol's favour, oracle edge cases (zero, stale, future), reentrancy,
 * liquidity placement and the storage slots the annotations name — over sharded-balance
 * (`ParallelERC20`) tokens and over conventional ones.
 */
import { expect } from "chai";
import {
  type Address,
  encodeFunctionData,
  getAddress,
  maxUint256,
  toFunctionSelector,
  zeroAddress,
} from "viem";

import {
  DEFAULT_PARAMS,
  EPOCH,
  ONE,
  PRICE,
  RAY,
  SHARDS,
  WAD,
  type TokenKind,
  connect,
  deployParallelMarket,
  fund,
  mappingSlot,
  mulDiv,
  mulDivUp,
  shardOf,
} from "./helpers.ts";
import { borrowRate, limit, utilisation } from "./model.ts";

const { viem, networkHelpers } = await connect();
const publicClient = await viem.getPublicClient();
const [, alice, bob, carol, dave] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;
const D = dave.account.address;
const { time } = networkHelpers;

/** Slots of `ParallelLendingMarket`'s variables (see its storage notes). */
const SLOT = { positions: 0n, totalScaledSupply: 1n, totalScaledDebt: 257n, epoch: 513n };

async function word(address: Address, slot: bigint): Promise<bigint> {
  const value = await publicClient.getStorageAt({
    address,
    slot: `0x${slot.toString(16).padStart(64, "0")}`,
  });
  return BigInt(value ?? "0x0");
}

/** Deploys a market over `kind` tokens and gives alice..dave 1,000,000 asset and 1,000 collateral. */
async function setup(
  kind: TokenKind = "parallel",
  options: Parameters<typeof deployParallelMarket>[1] = {},
) {
  const deployed = await deployParallelMarket(viem, { kind, ...options });
  await fund(deployed.asset, [A, B, C, D], 1_000_000n * ONE, deployed.market.address);
  await fund(deployed.collateral, [A, B, C, D], 1_000n * ONE, deployed.market.address);
  return deployed;
}

/** Sets the next block's timestamp to `latest + dt` and returns it. */
async function at(dt: bigint): Promise<bigint> {
  const t = BigInt(await time.latest()) + dt;
  await time.setNextBlockTimestamp(t);
  return t;
}

/** The epoch's values as a record. */
async function epochOf(market: Awaited<ReturnType<typeof setup>>["market"]) {
  const [id, start, rate, sRate, bIndex, sIndex] = await market.read.currentEpoch();
  return {
    id,
    start,
    borrowRate: rate,
    supplyRate: sRate,
    borrowIndex: bIndex,
    supplyIndex: sIndex,
  };
}

describe("ParallelLendingMarket", function () {
  for (const kind of ["parallel", "standard"] as const) {
    describe(`over ${kind} tokens`, function () {
      it("supply records scaled supply in the lender's own slot and shard; withdraw(max) pays it back", async function () {
        const { asset, market } = await setup(kind);
        await viem.assertions.emitWithArgs(
          market.write.supply([1_000n * ONE], { account: A }),
          market,
          "Supply",
          [
            getAddress(A),
            1_000n * ONE,
            1_000n * ONE, // index 1 RAY in epoch 0 (the supply rate is 0 before the first roll)
          ],
        );
        expect(await market.read.suppliedOf([A])).to.equal(1_000n * ONE);
        expect(await word(market.address, mappingSlot(A, SLOT.positions) + 2n)).to.equal(
          1_000n * ONE,
        );
        expect(await word(market.address, SLOT.totalScaledSupply + shardOf(A))).to.equal(
          1_000n * ONE,
        );
        expect(await market.read.scaledTotals()).to.deep.equal([1_000n * ONE, 0n]);
        if (kind === "parallel") {
          const token = await viem.getContractAt("LendingParallelToken", asset.address);
          expect(await token.read.isShardedHolder([market.address])).to.equal(true);
          expect(await token.read.shardBalanceOf([market.address, shardOf(A)])).to.equal(
            1_000n * ONE,
          );
        }
        await market.write.withdraw([maxUint256], { account: A });
        expect(await asset.read.balanceOf([A])).to.equal(1_000_000n * ONE);
        expect(await market.read.scaledTotals()).to.deep.equal([0n, 0n]);
      });

      it("lends up to the collateral factor and not one unit beyond", async function () {
        const { market } = await setup(kind);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([10n * ONE], { account: B });
        const cap = limit(10n * ONE, PRICE, DEFAULT_PARAMS.collateralFactor); // 15,000
        expect(cap).to.equal(15_000n * ONE);
        // One second later the index is above 1 RAY: borrowing `cap` would owe more than `cap`.
        const t = await at(1n);
        const index = mulDivUp(
          RAY,
          WAD + DEFAULT_PARAMS.baseRatePerSecond * (t - (await epochOf(market)).start),
          WAD,
        );
        const debtOfCap = mulDivUp(mulDivUp(cap, RAY, index), index, RAY);
        await viem.assertions.revertWithCustomError(
          market.write.borrow([cap + 1n], { account: B }),
          market,
          "InsufficientCollateral",
        );
        // The largest borrow whose debt (rounded up) fits.
        let amount = cap;
        while (mulDivUp(mulDivUp(amount, RAY, index), index, RAY) > cap) amount -= 1n;
        await time.setNextBlockTimestamp(t);
        await market.write.borrow([amount], { account: B });
        expect(debtOfCap >= cap).to.equal(true);
        expect(
          cap - amount <= 2n,
          "only rounding separates the largest borrow from the limit",
        ).to.equal(true);
        const [debt, borrowLimit] = await market.read.accountHealth([B]);
        expect(borrowLimit).to.equal(cap);
        expect(debt >= amount).to.equal(true);
        await viem.assertions.revertWithCustomError(
          market.write.borrow([1n], { account: B }),
          market,
          "InsufficientCollateral",
        );
      });

      it("accrues interest as a pure function of time inside an epoch, without writing any shared slot", async function () {
        const { market } = await setup(kind);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([100n * ONE], { account: B });
        const t0 = await at(10n);
        await market.write.borrow([50_000n * ONE], { account: B });
        const e = await epochOf(market);
        const epochWords = [
          await word(market.address, SLOT.epoch),
          await word(market.address, SLOT.epoch + 1n),
          await word(market.address, SLOT.epoch + 2n),
        ];
        const scaled = mulDivUp(
          50_000n * ONE,
          RAY,
          mulDivUp(RAY, WAD + e.borrowRate * (t0 - e.start), WAD),
        );
        expect((await market.read.positionOf([B]))[1]).to.equal(scaled);

        // 20 minutes later, bob repays part of his debt: the index he used is the formula's.
        const t1 = await at(1200n);
        const index = mulDivUp(e.borrowIndex, WAD + e.borrowRate * (t1 - e.start), WAD);
        await market.write.repay([10_000n * ONE, B], { account: B });
        expect((await market.read.positionOf([B]))[1]).to.equal(
          scaled - mulDiv(10_000n * ONE, RAY, index),
        );
        // Nothing but the epoch roll writes the epoch's slots.
        expect([
          await word(market.address, SLOT.epoch),
          await word(market.address, SLOT.epoch + 1n),
          await word(market.address, SLOT.epoch + 2n),
        ]).to.deep.equal(epochWords);
        expect(await market.read.debtOf([B])).to.equal(
          mulDivUp((await market.read.positionOf([B]))[1], await market.read.borrowIndex(), RAY),
        );
      });

      it("rolls the epoch only after its duration, and sets the next rates from the epoch's time-weighted utilisation", async function () {
        const { market } = await setup(kind);
        const tSupply = await at(1n);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([100n * ONE], { account: B });
        const tBorrow = await at(10n);
        await market.write.borrow([60_000n * ONE], { account: B });
        const e0 = await epochOf(market);
        await viem.assertions.revertWithCustomErrorWithArgs(
          market.write.rollEpoch(),
          market,
          "EpochNotOver",
          [e0.start + EPOCH],
        );

        const t = e0.start + EPOCH;
        await time.setNextBlockTimestamp(t);
        const [scaledSupply, scaledDebt] = await market.read.scaledTotals();
        const bIndex = mulDivUp(e0.borrowIndex, WAD + e0.borrowRate * (t - e0.start), WAD);
        const sIndex = mulDiv(e0.supplyIndex, WAD + e0.supplyRate * EPOCH, WAD);
        // The rate follows the integrals of the scaled totals over the epoch, not the instant.
        const debtSeconds = scaledDebt * (t - tBorrow);
        const supplySeconds = scaledSupply * (t - tSupply);
        const u = utilisation(mulDiv(debtSeconds, bIndex, RAY), mulDiv(supplySeconds, sIndex, RAY));
        const rate = borrowRate(DEFAULT_PARAMS, u);
        // The suppliers' budget: 90% of the interest the debt grew by, streamed over the next epoch.
        const earned = mulDiv(debtSeconds, e0.borrowIndex * e0.borrowRate, RAY * WAD);
        const budget = mulDiv(earned, WAD - DEFAULT_PARAMS.reserveFactor, WAD);
        const supplied = mulDivUp(scaledSupply, sIndex, RAY);
        const sRate = mulDiv(budget, WAD, supplied * EPOCH);
        await viem.assertions.emitWithArgs(market.write.rollEpoch(), market, "EpochRolled", [
          1n,
          bIndex,
          sIndex,
          mulDivUp(scaledDebt, bIndex, RAY),
          mulDiv(scaledSupply, sIndex, RAY),
          u,
          rate,
          sRate,
        ]);
        expect(u > (59n * WAD) / 100n && u < (61n * WAD) / 100n).to.equal(true);
        const e1 = await epochOf(market);
        expect(e1).to.deep.equal({
          id: 1n,
          start: t,
          borrowRate: rate,
          supplyRate: sRate,
          borrowIndex: bIndex,
          supplyIndex: sIndex,
        });
        expect(await market.read.undistributedInterest()).to.equal(
          budget - mulDivUp(supplied * sRate, EPOCH, WAD),
        );
        // Lenders now earn: alice's balance grows with the supply index, by at most the budget.
        await time.increase(3600);
        expect((await market.read.suppliedOf([A])) > 100_000n * ONE).to.equal(true);
        expect(await market.read.suppliedOf([A])).to.equal(
          mulDiv(100_000n * ONE, await market.read.supplyIndex(), RAY),
        );
        expect((await market.read.suppliedOf([A])) - 100_000n * ONE <= budget).to.equal(true);
      });

      it("repays partially, on behalf of another, and in full with the maximum", async function () {
        const { asset, market } = await setup(kind);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([100n * ONE], { account: B });
        await market.write.borrow([20_000n * ONE], { account: B });
        await viem.assertions.revertWithCustomErrorWithArgs(
          market.write.repay([1n, C], { account: C }),
          market,
          "NoDebt",
          [getAddress(C)],
        );
        await time.increase(7 * 24 * 3600);
        await market.write.repay([5_000n * ONE, B], { account: C }); // carol pays for bob
        expect(await asset.read.balanceOf([C])).to.equal(995_000n * ONE);
        const t = await at(5n);
        const [, scaledDebt] = await market.read.positionOf([B]);
        const e = await epochOf(market);
        const owed = mulDivUp(
          scaledDebt,
          mulDivUp(e.borrowIndex, WAD + e.borrowRate * (t - e.start), WAD),
          RAY,
        );
        const before = await asset.read.balanceOf([B]);
        await market.write.repay([maxUint256, B], { account: B });
        expect(before - (await asset.read.balanceOf([B]))).to.equal(owed);
        expect(owed > 15_000n * ONE).to.equal(true); // a week of interest on 20,000
        expect(await market.read.positionOf([B])).to.deep.equal([100n * ONE, 0n, 0n]);
        expect((await market.read.scaledTotals())[1]).to.equal(0n);
      });

      it("checks the debt against the remaining collateral on withdrawal, and needs no price without debt", async function () {
        const { collateral, oracle, market } = await setup(kind);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([10n * ONE], { account: B });
        await market.write.borrow([7_000n * ONE], { account: B });
        // 7,000 of debt needs 7,000 / (2,000 * 0.75) = 4.67 collateral: 5.4 may not leave.
        await viem.assertions.revertWithCustomError(
          market.write.withdrawCollateral([(54n * ONE) / 10n], { account: B }),
          market,
          "InsufficientCollateral",
        );
        await market.write.withdrawCollateral([5n * ONE], { account: B });
        await viem.assertions.revertWithCustomErrorWithArgs(
          market.write.withdrawCollateral([6n * ONE], { account: B }),
          market,
          "ExceedsCollateral",
          [6n * ONE, 5n * ONE],
        );
        // Carol has collateral and no debt: she gets it back even with a broken oracle.
        await market.write.supplyCollateral([3n * ONE], { account: C });
        await oracle.write.setPrice([0n]);
        await market.write.withdrawCollateral([3n * ONE], { account: C });
        expect(await collateral.read.balanceOf([C])).to.equal(1_000n * ONE);
      });

      it("liquidates only an unhealthy position, within the close factor, with exactly the configured bonus", async function () {
        const { asset, collateral, oracle, market } = await setup(kind);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([10n * ONE], { account: B });
        await market.write.borrow([15_000n * ONE - 10n * ONE], { account: B });
        // Healthy (debt ~14,990 <= 10 * 2,000 * 0.8 = 16,000): refused.
        await viem.assertions.revertWithCustomError(
          market.write.liquidate([B, 1_000n * ONE, 0n], { account: C }),
          market,
          "PositionHealthy",
        );
        // The price falls to 1,850: the limit is 14,800 < debt.
        await oracle.write.setPrice([1_850n * WAD]);
        const [debt, , liquidationLimit] = await market.read.accountHealth([B]);
        expect(liquidationLimit).to.equal(14_800n * ONE);
        expect(debt > liquidationLimit).to.equal(true);
        const t = await at(1n);
        const e = await epochOf(market);
        const debtAtT = mulDivUp(
          (await market.read.positionOf([B]))[1],
          mulDivUp(e.borrowIndex, WAD + e.borrowRate * (t - e.start), WAD),
          RAY,
        );
        const maxRepay = mulDivUp(debtAtT, DEFAULT_PARAMS.closeFactor, WAD);
        // (A revert is checked before mining, at a time no later than t: the bound is no higher.)
        await viem.assertions.revertWithCustomError(
          market.write.liquidate([B, maxRepay + 1n, 0n], { account: C }),
          market,
          "RepayExceedsCloseFactor",
        );
        const repay = 5_000n * ONE;
        const seized = mulDiv(repay, WAD + DEFAULT_PARAMS.liquidationBonus, 1_850n * WAD);
        await time.setNextBlockTimestamp(t + 1n);
        await viem.assertions.revertWithCustomErrorWithArgs(
          market.write.liquidate([B, repay, seized + 1n], { account: C }),
          market,
          "SeizeBelowMinimum",
          [seized, seized + 1n],
        );
        await time.setNextBlockTimestamp(t + 2n);
        await viem.assertions.emitWithArgs(
          market.write.liquidate([B, repay, seized], { account: C }),
          market,
          "Liquidate",
          [getAddress(C), getAddress(B), repay, seized],
        );
        // The bonus: collateral worth 5% more than the repaid debt at the oracle price.
        const value = mulDiv(seized, 1_850n * WAD, WAD);
        expect(
          value <= (repay * 105n) / 100n && value > (repay * 105n) / 100n - 1_850n,
          `collateral value ${value}`,
        ).to.equal(true);
        expect(await asset.read.balanceOf([C])).to.equal(1_000_000n * ONE - repay);
        expect(await collateral.read.balanceOf([C])).to.equal(1_000n * ONE + seized);
        expect((await market.read.positionOf([B]))[0]).to.equal(10n * ONE - seized);
      });

      it("seizes at most the collateral the position holds, for the debt that collateral is worth", async function () {
        const { oracle, market } = await setup(kind);
        await market.write.supply([100_000n * ONE], { account: A });
        await market.write.supplyCollateral([10n * ONE], { account: B });
        await market.write.borrow([15_000n * ONE - ONE], { account: B });
        await oracle.write.setPrice([1_000n * WAD]); // collateral worth 10,000 for ~15,000 of debt
        // Repay 7,000 (under the 50% close factor) for 7,000 * 1.05 / 1,000 = 7.35 collateral.
        await market.write.liquidate([B, 7_000n * ONE, 0n], { account: C });
        // Now ~2.65 collateral is left for ~8,000 of debt: asking to repay 3,000 (3.15 collateral)
        // takes all 2.65 for ceil(2.65 * 1,000 / 1.05) of debt; the rest is written off.
        const left = (await market.read.positionOf([B]))[0];
        const repay = mulDivUp(left, 1_000n * WAD, WAD + DEFAULT_PARAMS.liquidationBonus);
        await viem.assertions.emitWithArgs(
          market.write.liquidate([B, 3_000n * ONE, 0n], { account: C }),
          market,
          "Liquidate",
          [getAddress(C), getAddress(B), repay, left],
        );
        expect((await market.read.positionOf([B]))[0]).to.equal(0n);
        expect(await market.read.debtOf([B])).to.equal(0n);
      });
    });
  }

  describe("oracle edge cases", function () {
    it("refuses a zero price, a future timestamp and a stale price where a price is needed", async function () {
      const { oracle, market } = await setup();
      await market.write.supply([100_000n * ONE], { account: A });
      await market.write.supplyCollateral([10n * ONE], { account: B });
      await oracle.write.setPrice([0n]);
      await viem.assertions.revertWithCustomError(
        market.write.borrow([ONE], { account: B }),
        market,
        "OracleInvalidPrice",
      );
      await viem.assertions.revertWithCustomError(
        market.read.accountHealth([B]),
        market,
        "OracleInvalidPrice",
      );

      const now = BigInt(await time.latest());
      await oracle.write.setPriceAt([PRICE, now + 1000n]);
      await viem.assertions.revertWithCustomError(
        market.write.borrow([ONE], { account: B }),
        market,
        "OracleInvalidPrice",
      );

      // Exactly maxOracleAge old is accepted; one second more is stale.
      const t = BigInt(await time.latest()) + 10n;
      await oracle.write.setPriceAt([PRICE, t - DEFAULT_PARAMS.maxOracleAge]);
      await time.setNextBlockTimestamp(t);
      await market.write.borrow([ONE], { account: B });
      // A price one second past the limit (already stale at the latest block) is refused.
      const stale = BigInt(await time.latest()) - DEFAULT_PARAMS.maxOracleAge - 1n;
      await oracle.write.setPriceAt([PRICE, stale]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.borrow([ONE], { account: B }),
        market,
        "OracleStalePrice",
        [stale, DEFAULT_PARAMS.maxOracleAge],
      );
      // A stale price blocks liquidations too (no liquidation at an unknown price)...
      await viem.assertions.revertWithCustomError(
        market.write.liquidate([B, ONE, 0n], { account: C }),
        market,
        "OracleStalePrice",
      );
      // ...but never repayments, supplies or withdrawals, which need no price.
      await market.write.repay([maxUint256, B], { account: B });
      await market.write.withdraw([ONE], { account: A });
      await market.write.supply([ONE], { account: A });
    });
  });

  describe("rounding", function () {
    it("rounds every conversion in the protocol's favour", async function () {
      const { asset, oracle, market } = await setup();
      await market.write.supply([100_000n * ONE], { account: A });
      await market.write.supplyCollateral([10n * ONE], { account: B });
      await market.write.supplyCollateral([10n * ONE], { account: C });
      await market.write.borrow([12_345n * ONE], { account: C });
      await time.increase(Number(EPOCH));
      await market.write.rollEpoch();
      await time.increase(1234);
      await oracle.write.setPrice([PRICE]);

      // A 1-wei borrow owes at least 1 wei, and a 1-wei repayment that would clear no scaled
      // debt is refused rather than taken for nothing.
      await market.write.borrow([1n], { account: B });
      expect((await market.read.debtOf([B])) >= 1n).to.equal(true);
      await viem.assertions.revertWithCustomError(
        market.write.repay([1n, B], { account: B }),
        market,
        "ZeroAmount",
      );
      const before = await asset.read.balanceOf([B]);
      await market.write.repay([maxUint256, B], { account: B });
      expect(before - (await asset.read.balanceOf([B])) >= 1n).to.equal(true);

      // Dust supplies that buy no scaled supply are refused; a supply then withdraw(max) returns
      // at most the amount grown by the index, rounded down twice.
      await viem.assertions.revertWithCustomError(
        market.write.supply([1n], { account: D }),
        market,
        "ZeroAmount",
      );
      const start = await asset.read.balanceOf([D]);
      const x = 7_777_777_777_777n;
      const t1 = await at(2n);
      await market.write.supply([x], { account: D });
      const t2 = await at(2n);
      await market.write.withdraw([maxUint256], { account: D });
      const e0 = await epochOf(market);
      const min = (a: bigint, b: bigint) => (a < b ? a : b);
      const indexAt = (t: bigint) =>
        mulDiv(e0.supplyIndex, WAD + e0.supplyRate * min(t - e0.start, EPOCH), WAD);
      const endIndex = mulDiv(e0.supplyIndex, WAD + e0.supplyRate * EPOCH, WAD);
      expect(t1 >= e0.start && t2 >= t1).to.equal(true);
      const received = (await asset.read.balanceOf([D])) - (start - x);
      // Deposits are converted at the end index of the epoch's stream: they earn nothing of it.
      expect(received).to.equal(mulDiv(mulDiv(x, RAY, endIndex), indexAt(t2), RAY));
      expect(received <= x).to.equal(true);

      // Users owe at least the total debt, and are owed at most the total supplied.
      const debts = (await market.read.debtOf([B])) + (await market.read.debtOf([C]));
      const supplied = (await market.read.suppliedOf([A])) + (await market.read.suppliedOf([D]));
      expect(debts >= (await market.read.totalDebt())).to.equal(true);
      expect(supplied <= (await market.read.totalSupplied())).to.equal(true);
      // A partial withdrawal burns at least its value in scaled supply.
      const [, , scaledBefore] = await market.read.positionOf([A]);
      const t = await at(3n);
      await market.write.withdraw([ONE], { account: A });
      const e = await epochOf(market);
      const index = mulDiv(e.supplyIndex, WAD + e.supplyRate * min(t - e.start, EPOCH), WAD);
      expect(scaledBefore - (await market.read.positionOf([A]))[2]).to.equal(
        mulDivUp(ONE, RAY, index),
      );
    });
  });

  describe("reentrancy", function () {
    it("refuses a reentrant call from the asset in the middle of an operation", async function () {
      const reentrant = await viem.deployContract("LendingReentrantToken", [18]);
      const { collateral, market } = await deployParallelMarket(viem, {
        kind: "standard",
        asset: reentrant.address,
      });
      await fund(
        await viem.getContractAt("LendingParallelToken", reentrant.address),
        [A, B],
        1_000_000n * ONE,
        market.address,
      );
      await fund(collateral, [B], 1_000n * ONE, market.address);
      await market.write.supply([100_000n * ONE], { account: A });
      await market.write.supplyCollateral([10n * ONE], { account: B });
      // During bob's next supply, the token calls back market.borrow on bob's behalf... as itself.
      for (const data of [
        encodeFunctionData({ abi: market.abi, functionName: "borrow", args: [ONE] }),
        encodeFunctionData({ abi: market.abi, functionName: "withdraw", args: [ONE] }),
        encodeFunctionData({ abi: market.abi, functionName: "rollEpoch", args: [] }),
      ]) {
        await reentrant.write.setHook([market.address, data]);
        await market.write.supply([ONE], { account: B });
        expect(await reentrant.read.lastHookError()).to.equal(
          toFunctionSelector("ReentrantCall()"),
        );
      }
      expect(await reentrant.read.hookCalls()).to.equal(3n);
      expect((await market.read.positionOf([B]))[2]).to.equal(3n * ONE);
    });
  });

  describe("liquidity placement", function () {
    it("spreads the market's idle cash over its token shards without changing any accounting", async function () {
      const { asset, market } = await setup("parallel");
      const token = await viem.getContractAt("LendingParallelToken", asset.address);
      await market.write.supply([100_000n * ONE], { account: A });
      const from = shardOf(A);
      expect(shardOf(B)).to.not.equal(from); // the dev accounts' shards (fixed addresses)
      // Top up 64 shards, from bob's on, to 100 each.
      await market.write.spreadLiquidity([from, shardOf(B), 64n, 100n * ONE]);
      let topped = 0;
      for (let i = 0n; i < 64n; i++) {
        const s = (shardOf(B) + i) % SHARDS;
        if (s === from) continue;
        expect(await token.read.shardBalanceOf([market.address, s])).to.equal(100n * ONE);
        topped++;
      }
      expect(await token.read.shardBalanceOf([market.address, from])).to.equal(
        100_000n * ONE - BigInt(topped) * 100n * ONE,
      );
      expect(
        await token.read.shardBalanceOf([market.address, (shardOf(B) + 64n) % SHARDS]),
      ).to.equal(0n);
      expect(await asset.read.balanceOf([market.address])).to.equal(100_000n * ONE);
      expect(await market.read.suppliedOf([A])).to.equal(100_000n * ONE);
      // Bob borrows from his own shard, which now holds cash: it is debited, nothing else.
      await market.write.supplyCollateral([10n * ONE], { account: B });
      await market.write.borrow([ONE], { account: B });
      expect(await token.read.shardBalanceOf([market.address, shardOf(B)])).to.equal(99n * ONE);
      expect(await token.read.shardBalanceOf([market.address, from])).to.equal(
        100_000n * ONE - BigInt(topped) * 100n * ONE,
      );
    });

    it("has nothing to spread over a conventional asset", async function () {
      const { market } = await setup("standard");
      await viem.assertions.revertWithCustomError(
        market.write.spreadLiquidity([0n, 0n, 1n, 1n]),
        market,
        "AssetNotSharded",
      );
    });
  });

  describe("configuration", function () {
    it("rejects inconsistent parameters", async function () {
      const { asset, collateral, oracle } = await setup();
      const bad = [
        { ...DEFAULT_PARAMS, collateralFactor: 0n },
        { ...DEFAULT_PARAMS, collateralFactor: DEFAULT_PARAMS.liquidationThreshold + 1n },
        { ...DEFAULT_PARAMS, liquidationThreshold: WAD },
        { ...DEFAULT_PARAMS, liquidationBonus: WAD / 4n }, // 0.8 * 1.25 = 1: a liquidation at the threshold could not pay
        { ...DEFAULT_PARAMS, closeFactor: 0n },
        { ...DEFAULT_PARAMS, closeFactor: WAD + 1n },
        { ...DEFAULT_PARAMS, reserveFactor: WAD },
        { ...DEFAULT_PARAMS, kink: WAD + 1n },
        { ...DEFAULT_PARAMS, maxOracleAge: 0n },
        { ...DEFAULT_PARAMS, slope2PerSecond: 2n ** 67n }, // the top rate (base + slope1 * kink + slope2 * 0.2) must fit 64 bits
      ];
      const market = await viem.deployContract("ParallelLendingMarket", [
        asset.address,
        collateral.address,
        oracle.address,
        DEFAULT_PARAMS,
        EPOCH,
      ]);
      for (const params of bad) {
        await viem.assertions.revertWithCustomError(
          viem.deployContract("ParallelLendingMarket", [
            asset.address,
            collateral.address,
            oracle.address,
            params,
            EPOCH,
          ]),
          market,
          "InvalidMarketParams",
        );
      }
      await viem.assertions.revertWithCustomError(
        viem.deployContract("ParallelLendingMarket", [
          asset.address,
          asset.address,
          oracle.address,
          DEFAULT_PARAMS,
          EPOCH,
        ]),
        market,
        "InvalidMarketParams",
      );
      await viem.assertions.revertWithCustomError(
        viem.deployContract("ParallelLendingMarket", [
          zeroAddress,
          collateral.address,
          oracle.address,
          DEFAULT_PARAMS,
          EPOCH,
        ]),
        market,
        "ZeroAddress",
      );
      expect(await market.read.marketParams()).to.deep.equal(DEFAULT_PARAMS);
    });
  });
});
