/**
 * Tests of `BaselineLendingMarket`, the Compound-v2-style comparison: interest accrues on every
 * action exactly as `CToken.accrueInterest` does (checked to the wei against a small bigint model
 * over random sequences), lenders hold shares priced at the exchange rate, and the collateral,
 * liquidation and oracle rules are those of `ParallelLendingMarket`.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Address, maxUint256 } from "viem";

import {
  DEFAULT_PARAMS,
  ONE,
  PRICE,
  WAD,
  connect,
  deployBaselineMarket,
  fund,
  mulDiv,
  mulDivUp,
} from "./helpers.ts";
import { borrowRate, limit, utilisation } from "./model.ts";

const { viem, networkHelpers } = await connect();
const wallets = await viem.getWalletClients();
const [A, B, C] = wallets.slice(1, 4).map((w) => w.account.address);
const { time } = networkHelpers;
const GAS = 3_000_000n;

async function setup() {
  const deployed = await deployBaselineMarket(viem);
  await fund(deployed.asset, [A, B, C], 1_000_000n * ONE, deployed.market.address);
  await fund(deployed.collateral, [A, B, C], 1_000n * ONE, deployed.market.address);
  return deployed;
}

/** The model refuses an action: the market must revert with the custom error `message`. */
class Refusal extends Error {}

/**
 * Compound v2's accounting in bigint arithmetic (the contract's NatSpec): accrual with the
 * kinked rate at the utilisation `borrows / (cash + borrows - reserves)`, shares at the exchange
 * rate, debts as `principal * borrowIndex / interestIndex` (rounded up here, as the baseline does).
 */
class CompoundModel {
  cash = 0n;
  totalBorrows = 0n;
  totalReserves = 0n;
  borrowIndex = WAD;
  accrualTimestamp: bigint;
  totalShares = 0n;
  readonly shares = new Map<Address, bigint>();
  readonly borrows = new Map<Address, { principal: bigint; interestIndex: bigint }>();
  readonly collateral = new Map<Address, bigint>();

  constructor(deployedAt: bigint) {
    this.accrualTimestamp = deployedAt;
  }

  /**
   * Runs `action` at `t` after accruing. If it throws a {@link Refusal} (the market reverts),
   * everything is undone, accrual included, and the refusal is rethrown.
   */
  private attempt<T>(t: bigint, action: () => T): T {
    const saved = {
      cash: this.cash,
      totalBorrows: this.totalBorrows,
      totalReserves: this.totalReserves,
      borrowIndex: this.borrowIndex,
      accrualTimestamp: this.accrualTimestamp,
    };
    this.accrue(t);
    try {
      return action();
    } catch (error) {
      Object.assign(this, saved);
      throw error;
    }
  }

  accrue(t: bigint): void {
    if (t === this.accrualTimestamp) return;
    const pool = this.cash + this.totalBorrows;
    const u = utilisation(
      this.totalBorrows,
      pool > this.totalReserves ? pool - this.totalReserves : 0n,
    );
    const factor = borrowRate(DEFAULT_PARAMS, u) * (t - this.accrualTimestamp);
    const interest = mulDiv(factor, this.totalBorrows, WAD);
    this.totalBorrows += interest;
    this.totalReserves += mulDiv(interest, DEFAULT_PARAMS.reserveFactor, WAD);
    this.borrowIndex += mulDiv(factor, this.borrowIndex, WAD);
    this.accrualTimestamp = t;
  }

  exchangeRate(): bigint {
    if (this.totalShares === 0n) return WAD;
    const pool = this.cash + this.totalBorrows;
    return mulDiv(
      pool > this.totalReserves ? pool - this.totalReserves : 0n,
      WAD,
      this.totalShares,
    );
  }

  debt(user: Address): bigint {
    const s = this.borrows.get(user);
    return s === undefined || s.principal === 0n
      ? 0n
      : mulDivUp(s.principal, this.borrowIndex, s.interestIndex);
  }

  /** `supply`; throws {@link Refusal} when the market reverts. */
  supply(user: Address, assets: bigint, t: bigint): void {
    this.attempt(t, () => {
      const shares = mulDiv(assets, WAD, this.exchangeRate());
      if (shares === 0n) throw new Refusal("ZeroAmount");
      this.shares.set(user, (this.shares.get(user) ?? 0n) + shares);
      this.totalShares += shares;
      this.cash += assets;
    });
  }

  /** `withdraw(max)`: the amount paid; throws {@link Refusal} when the market reverts. */
  withdrawAll(user: Address, t: bigint): bigint {
    return this.attempt(t, () => {
      const held = this.shares.get(user) ?? 0n;
      const assets = mulDiv(held, this.exchangeRate(), WAD);
      if (assets === 0n) throw new Refusal("ZeroAmount");
      if (assets > this.cash) throw new Refusal("InsufficientCash");
      this.shares.set(user, 0n);
      this.totalShares -= held;
      this.cash -= assets;
      return assets;
    });
  }

  /** `borrow`; throws {@link Refusal} when the market reverts. */
  borrow(user: Address, assets: bigint, t: bigint): void {
    if (assets === 0n) throw new Refusal("ZeroAmount");
    this.attempt(t, () => {
      if (assets > this.cash) throw new Refusal("InsufficientCash");
      const debt = this.debt(user) + assets;
      if (debt > limit(this.collateral.get(user) ?? 0n, PRICE, DEFAULT_PARAMS.collateralFactor))
        throw new Refusal("InsufficientCollateral");
      this.borrows.set(user, { principal: debt, interestIndex: this.borrowIndex });
      this.totalBorrows += assets;
      this.cash -= assets;
    });
  }

  /** `repay(max)`: the amount repaid; throws {@link Refusal} when the market reverts. */
  repayAll(user: Address, t: bigint): bigint {
    return this.attempt(t, () => {
      const debt = this.debt(user);
      if (debt === 0n) throw new Refusal("NoDebt");
      this.borrows.set(user, { principal: 0n, interestIndex: this.borrowIndex });
      this.totalBorrows = this.totalBorrows > debt ? this.totalBorrows - debt : 0n;
      this.cash += debt;
      return debt;
    });
  }
}

type Step =
  | { kind: "supply"; user: number; pct: number }
  | { kind: "withdrawAll"; user: number }
  | { kind: "borrow"; user: number; pct: number }
  | { kind: "repayAll"; user: number }
  | { kind: "wait"; seconds: number };

const who = fc.integer({ min: 0, max: 2 });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("supply" as const),
    user: who,
    pct: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({ kind: fc.constant("withdrawAll" as const), user: who }),
  fc.record({
    kind: fc.constant("borrow" as const),
    user: who,
    pct: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant("repayAll" as const), user: who }),
  fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 3_000 }) }),
);

describe("BaselineLendingMarket", function () {
  this.timeout(600_000);

  it("accrues interest on every action exactly as Compound v2 does (random sequences, to the wei)", async function () {
    let accruals = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 10, maxLength: 30 }), async (steps) => {
        const { asset, oracle, market } = await setup();
        const users = [A, B, C];
        const model = new CompoundModel(await market.read.accrualTimestamp());
        for (const u of users) {
          await market.write.supplyCollateral([10n * ONE], { account: u });
          model.accrue(await market.read.accrualTimestamp());
          model.collateral.set(u, 10n * ONE);
        }
        let now = BigInt(await time.latest());
        for (const step of steps) {
          if (step.kind === "wait") {
            now += BigInt(step.seconds);
            continue;
          }
          const t = now + 1n;
          now = t;
          // Keep the price fresh at t (its own block, so the market's next action is at t + 1).
          await time.setNextBlockTimestamp(t);
          await oracle.write.setPrice([PRICE]);
          now = t + 1n;
          await time.setNextBlockTimestamp(now);
          const u = users[step.user];
          const before = model.accrualTimestamp;
          const options = { account: u, gas: GAS };
          const held = await asset.read.balanceOf([u]);
          let expectedChange: bigint | undefined;
          let send: () => Promise<`0x${string}`>;
          let refusal: Refusal | undefined;
          try {
            if (step.kind === "supply") {
              const amount = (1_000_000n * ONE * BigInt(step.pct)) / 1000n;
              send = () => market.write.supply([amount], options);
              model.supply(u, amount, now);
              expectedChange = -amount;
            } else if (step.kind === "withdrawAll") {
              send = () => market.write.withdraw([maxUint256], options);
              expectedChange = model.withdrawAll(u, now);
            } else if (step.kind === "borrow") {
              const amount =
                (limit(10n * ONE, PRICE, DEFAULT_PARAMS.collateralFactor) * BigInt(step.pct)) /
                100n;
              send = () => market.write.borrow([amount], options);
              model.borrow(u, amount, now);
              expectedChange = amount;
            } else {
              send = () => market.write.repay([maxUint256, u], options);
              expectedChange = -model.repayAll(u, now);
            }
          } catch (error) {
            if (!(error instanceof Refusal)) throw error;
            refusal = error;
          }
          if (refusal === undefined) {
            await send!();
            expect(
              (await asset.read.balanceOf([u])) - held,
              `paid or received ${JSON.stringify(step)}`,
            ).to.equal(expectedChange);
          } else {
            await viem.assertions.revertWithCustomError(
              send!(),
              market,
              refusal.message as "ZeroAmount",
            );
          }
          if (model.accrualTimestamp !== before && model.totalBorrows > 0n) accruals++;
          const where = JSON.stringify(step);
          expect(await market.read.accrualTimestamp(), `accrual time ${where}`).to.equal(
            model.accrualTimestamp,
          );
          expect(await market.read.borrowIndex(), `index ${where}`).to.equal(model.borrowIndex);
          expect(await market.read.totalBorrows(), `borrows ${where}`).to.equal(model.totalBorrows);
          expect(await market.read.totalReserves(), `reserves ${where}`).to.equal(
            model.totalReserves,
          );
          expect(await market.read.totalShares(), `shares ${where}`).to.equal(model.totalShares);
          expect(await market.read.getCash(), `cash ${where}`).to.equal(model.cash);
          for (const v of users)
            expect(await market.read.borrowBalanceStored([v]), `debt of ${v} ${where}`).to.equal(
              model.debt(v),
            );
        }
      }),
      { numRuns: 15, seed: 1_2_3 },
    );
    expect(accruals, "accruals with outstanding debt").to.be.greaterThan(20);
  });

  it("applies the same collateral, liquidation and oracle rules as the parallel market", async function () {
    const { oracle, market } = await setup();
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await viem.assertions.revertWithCustomError(
      market.write.borrow([15_000n * ONE + 1n], { account: B }),
      market,
      "InsufficientCollateral",
    );
    await market.write.borrow([14_990n * ONE], { account: B });
    await viem.assertions.revertWithCustomError(
      market.write.liquidate([B, ONE, 0n], { account: C }),
      market,
      "PositionHealthy",
    );
    await oracle.write.setPrice([1_850n * WAD]);
    const repay = 5_000n * ONE;
    const seized = mulDiv(repay, WAD + DEFAULT_PARAMS.liquidationBonus, 1_850n * WAD);
    await viem.assertions.emitWithArgs(
      market.write.liquidate([B, repay, seized], { account: C }),
      market,
      "Liquidate",
      [C, B, repay, seized],
    );
    expect(await market.read.collateralOf([B])).to.equal(10n * ONE - seized);
    await oracle.write.setPrice([0n]);
    await viem.assertions.revertWithCustomError(
      market.write.borrow([ONE], { account: B }),
      market,
      "OracleInvalidPrice",
    );
    const stale = BigInt(await time.latest()) - DEFAULT_PARAMS.maxOracleAge - 1n;
    await oracle.write.setPriceAt([PRICE, stale]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.borrow([ONE], { account: B }),
      market,
      "OracleStalePrice",
      [stale, DEFAULT_PARAMS.maxOracleAge],
    );
  });

  it("writes the accrual variables in every action, the hot spot the parallel market removes", async function () {
    const { market } = await setup();
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await market.write.borrow([1_000n * ONE], { account: B });
    for (const action of [
      () => market.write.supply([ONE], { account: C }),
      () => market.write.repay([ONE, B], { account: C }),
      () => market.write.supplyCollateral([ONE], { account: C }),
    ]) {
      const [index, stamp, borrows] = [
        await market.read.borrowIndex(),
        await market.read.accrualTimestamp(),
        await market.read.totalBorrows(),
      ];
      await time.increase(60);
      await action();
      expect((await market.read.accrualTimestamp()) > stamp, "accrual time moved").to.equal(true);
      expect((await market.read.borrowIndex()) > index, "index moved").to.equal(true);
      expect(await market.read.totalBorrows()).to.not.equal(borrows);
    }
  });
});
