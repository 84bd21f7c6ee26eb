/**
 * Exploit tests of audit (issue 19) finding 2 against `ParallelLendingMarket`: the rates of an
 * epoch, and the interest promised to suppliers, must not be settable by what one transaction
 * does around `rollEpoch`. The attacker is the `LendingFlashAttacker` contract, which runs each
 * sequence (collateral, borrow of all the cash, roll, repay, withdrawal — or deposit, roll,
 * withdrawal) inside a single transaction. Each test failed on the market before the fix.
 */
import { expect } from "chai";
import { maxUint256 } from "viem";

import {
  DEFAULT_PARAMS,
  EPOCH,
  ONE,
  PRICE,
  WAD,
  connect,
  deployParallelMarket,
  fund,
} from "./helpers.ts";
import { borrowRate } from "./model.ts";

const { viem, networkHelpers } = await connect();
const [, alice, bob] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const { time } = networkHelpers;

/** A market, alice and bob funded, and an attacker contract holding its own funds. */
async function setup() {
  const deployed = await deployParallelMarket(viem);
  const { asset, collateral, market } = deployed;
  await fund(asset, [A, B], 1_000_000n * ONE, market.address);
  await fund(collateral, [A, B], 1_000n * ONE, market.address);
  const attacker = await viem.deployContract("LendingFlashAttacker", [
    market.address,
    asset.address,
    collateral.address,
  ]);
  await asset.write.mint([attacker.address, 10_000_000n * ONE]);
  await collateral.write.mint([attacker.address, 10_000n * ONE]);
  return { ...deployed, attacker };
}

/** The open epoch's borrow rate (WAD per second). */
async function currentBorrowRate(
  market: Awaited<ReturnType<typeof setup>>["market"],
): Promise<bigint> {
  const [, , rate] = await market.read.currentEpoch();
  return rate;
}

describe("ParallelLendingMarket: audit finding 2 (rates set around rollEpoch)", function () {
  it("finding 2: borrowing all the cash around rollEpoch inside one transaction does not pin the next epoch's borrow rate", async function () {
    const { asset, oracle, market, attacker } = await setup();
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([100n * ONE], { account: B });
    await market.write.borrow([40_000n * ONE], { account: B }); // 40% utilised
    await time.increase(EPOCH);
    await oracle.write.setPrice([PRICE]); // a fresh price, so that the attacker may borrow
    const cash = await asset.read.balanceOf([market.address]);
    await attacker.write.flashBorrowAroundRoll([1_000n * ONE, cash]);
    const rate = await currentBorrowRate(market);
    // Honest utilisation was at most 40%: the rate may not be above the model's rate at 41%.
    const honestCeiling = borrowRate(DEFAULT_PARAMS, (41n * WAD) / 100n);
    expect(
      rate <= honestCeiling,
      `borrow rate ${rate} above the honest ceiling ${honestCeiling} (max is ${borrowRate(DEFAULT_PARAMS, WAD)})`,
    ).to.equal(true);
    // The attacker paid nothing and holds nothing in the market.
    expect(await market.read.debtOf([attacker.address])).to.equal(0n);
  });

  it("finding 2: a flash deposit around rollEpoch inside one transaction does not push the borrow rate down to the base", async function () {
    const { market, attacker } = await setup();
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([200n * ONE], { account: B });
    await market.write.borrow([80_000n * ONE], { account: B }); // 80% utilised, at the kink
    await time.increase(EPOCH);
    await attacker.write.flashSupplyAroundRoll([10_000_000n * ONE]);
    const rate = await currentBorrowRate(market);
    const honestFloor = borrowRate(DEFAULT_PARAMS, (70n * WAD) / 100n);
    expect(
      rate >= honestFloor,
      `borrow rate ${rate} below the honest floor ${honestFloor} (base is ${DEFAULT_PARAMS.baseRatePerSecond})`,
    ).to.equal(true);
  });

  it("finding 2: rolls surrounded by flash borrows over 10 epochs leave the market solvent: the honest lender withdraws everything", async function () {
    const { asset, oracle, market, attacker } = await setup();
    await market.write.supply([1_000_000n * ONE], { account: A });
    for (let i = 0; i < 10; i++) {
      await time.increase(EPOCH);
      await oracle.write.setPrice([PRICE]);
      const cash = await asset.read.balanceOf([market.address]);
      await attacker.write.flashBorrowAroundRoll([10_000n * ONE, cash]);
    }
    await time.increase(30n * 86_400n); // a month at whatever rates the last roll set
    const before = await asset.read.balanceOf([A]);
    await market.write.withdraw([maxUint256], { account: A }); // reverted (insolvent) before the fix
    const received = (await asset.read.balanceOf([A])) - before;
    // Nobody borrowed for a single second, so nobody paid interest and none can be owed.
    expect(received).to.equal(1_000_000n * ONE);
    // The attacker gained nothing (it left the rounding of its borrows behind).
    expect((await asset.read.balanceOf([attacker.address])) <= 10_000_000n * ONE).to.equal(true);
    expect(await market.read.totalSupplied()).to.equal(0n);
  });
});
