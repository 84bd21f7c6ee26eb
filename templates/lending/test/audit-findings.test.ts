/**
 * Exploit tests of the audit (issue 19) findings 3, 5, 6 and 9 against the lending template:
 * each one failed on the contracts before the fix and passes after it.
 */
import { expect } from "chai";
import { getAddress, maxUint256 } from "viem";

import {
  DEFAULT_PARAMS,
  EPOCH,
  ONE,
  PRICE,
  WAD,
  connect,
  deployBaselineMarket,
  deployParallelMarket,
  fund,
} from "./helpers.ts";

const { viem, networkHelpers } = await connect();
const [, alice, bob, carol] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;
const { time } = networkHelpers;

describe("ParallelLendingMarket: audit findings", function () {
  it("finding 3: pays a WETH9-style token (fallback accepting any selector) out of supply, borrow, collateral and liquidation", async function () {
    const weth = await viem.deployContract("LendingWeth9", []);
    const coll = await viem.deployContract("LendingWeth9", []);
    const oracle = await viem.deployContract("LendingTestOracle", [PRICE]);
    const market = await viem.deployContract("ParallelLendingMarket", [
      weth.address,
      coll.address,
      oracle.address,
      DEFAULT_PARAMS,
      EPOCH,
    ]);
    for (const [t, amount] of [
      [weth, 1_000_000n * ONE],
      [coll, 1_000n * ONE],
    ] as const) {
      for (const account of [A, B, C]) {
        await t.write.mint([account, amount]);
        await t.write.approve([market.address, maxUint256], { account });
      }
    }
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.withdraw([1_000n * ONE], { account: A });
    expect(await weth.read.balanceOf([A])).to.equal(901_000n * ONE);
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await market.write.withdrawCollateral([ONE], { account: B });
    expect(await coll.read.balanceOf([B])).to.equal(991n * ONE);
    await market.write.borrow([13_000n * ONE], { account: B });
    expect(await weth.read.balanceOf([B])).to.equal(1_013_000n * ONE);
    await oracle.write.setPrice([1_500n * WAD]); // 9 collateral worth 13,500: limit 10,800 < 13,000
    const before = await coll.read.balanceOf([C]);
    await market.write.liquidate([B, 1_000n * ONE, 0n], { account: C });
    expect((await coll.read.balanceOf([C])) - before).to.equal(
      (1_000n * ONE * (WAD + DEFAULT_PARAMS.liquidationBonus)) / (1_500n * WAD),
    );
    await market.write.repay([maxUint256, B], { account: B });
    await market.write.withdraw([maxUint256], { account: A });
    expect((await weth.read.balanceOf([A])) >= 1_000_000n * ONE).to.equal(true);
    await market.write.withdrawCollateral([await market.read.collateralOf([B])], { account: B });
    expect(await coll.read.balanceOf([market.address])).to.equal(0n);
  });

  it("finding 5: a liquidation that exhausts the collateral writes the rest of the debt off against the suppliers at once", async function () {
    const { asset, collateral, oracle, market } = await deployParallelMarket(viem);
    await fund(asset, [A, B, C], 1_000_000n * ONE, market.address);
    await fund(collateral, [A, B, C], 1_000n * ONE, market.address);
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await market.write.borrow([15_000n * ONE - ONE], { account: B });
    await oracle.write.setPrice([1_000n * WAD]); // collateral worth 10,000 for ~15,000 of debt
    await market.write.liquidate([B, 7_000n * ONE, 0n], { account: C });
    // ~2.65 collateral left for ~8,000 of debt: asking 3,000 takes all collateral for its worth.
    await viem.assertions.emit(
      market.write.liquidate([B, 3_000n * ONE, 0n], { account: C }),
      market,
      "BadDebtWrittenOff",
    );
    const [collLeft, scaledDebt] = await market.read.positionOf([B]);
    expect(collLeft).to.equal(0n);
    expect(scaledDebt).to.equal(0n);
    expect(await market.read.totalDebt()).to.equal(0n);
    // Solvent at once: cash covers what the suppliers are owed.
    const cash = await asset.read.balanceOf([market.address]);
    expect(cash >= (await market.read.totalSupplied())).to.equal(true);
    // The loss is not left accruing: a later epoch does not raise it, and the lender can leave.
    await time.increase(EPOCH);
    await market.write.rollEpoch();
    await market.write.withdraw([maxUint256], { account: A });
    expect(await market.read.suppliedOf([A])).to.equal(0n);
  });

  it("finding 9: a liquidation whose repayment burns no scaled debt seizes nothing (RepayBurnsNoDebt)", async function () {
    const { asset, collateral, oracle, market } = await deployParallelMarket(viem);
    await fund(asset, [A, B, C], 1_000_000n * ONE, market.address);
    await fund(collateral, [A, B, C], 1_000n * ONE, market.address);
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await market.write.borrow([14_000n * ONE], { account: B });
    await time.increase(EPOCH); // the borrow index is now above 1 RAY: 1 wei burns 0 scaled debt
    await oracle.write.setPrice([WAD / 2n]); // 1 wei of debt is worth 2 wei of collateral
    await viem.assertions.revertWithCustomError(
      market.write.liquidate([B, 1n, 0n], { account: C }),
      market,
      "RepayBurnsNoDebt",
    );
  });
});

describe("BaselineLendingMarket: audit findings", function () {
  it("finding 6: a donation to an empty market does not inflate the exchange rate against the next supplier", async function () {
    const { asset, market } = await deployBaselineMarket(viem);
    await fund(asset, [A, B], 1_000_000n * ONE, market.address);
    await market.write.supply([1n], { account: A });
    await asset.write.transfer([market.address, 1_000n], { account: A });
    await market.write.supply([1_999n], { account: B });
    expect(await market.read.suppliedOfStored([B])).to.equal(1_999n);
    expect(await market.read.exchangeRateStored()).to.equal(WAD);
    expect(getAddress(await market.read.asset())).to.equal(getAddress(asset.address));
  });
});
