/**
 * `ParallelLendingMarket` over hostile tokens (audit, issue 19): a fee-on-transfer token is
 * refused with `ReceivedLess` (before, the market credited the amount it asked for and so owed
 * more than it held); a token whose transfers return `false` makes the action revert with
 * `SafeTransferFailed` and leaves every position as it was; a token that calls back into the
 * market during a payout or a pull (ERC-777-style hook) is refused by the reentrancy guard, and
 * the outer action pays exactly once.
 */
import { expect } from "chai";
import { encodeFunctionData, maxUint256, toFunctionSelector } from "viem";

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

const { viem } = await connect();
const [, alice, bob, carol] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;

/** A token deployed by name, typed as the helpers' token (they share mint and the ERC-20 calls). */
async function token(name: "LendingFeeOnTransferToken" | "LendingFalseReturningToken") {
  const deployed = await viem.deployContract(name, []);
  return viem.getContractAt("LendingParallelToken", deployed.address);
}

describe("ParallelLendingMarket: hostile tokens", function () {
  it("refuses a fee-on-transfer asset (ReceivedLess) instead of crediting more than it received", async function () {
    const fee = await token("LendingFeeOnTransferToken");
    const { market } = await deployParallelMarket(viem, { kind: "standard", asset: fee.address });
    await fund(fee, [A], 1_000_000n * ONE, market.address);
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.supply([100_000n * ONE], { account: A }),
      market,
      "ReceivedLess",
      [fee.address, 100_000n * ONE, 99_000n * ONE],
    );
    expect(await market.read.suppliedOf([A])).to.equal(0n);
    expect(await fee.read.balanceOf([market.address])).to.equal(0n);
  });

  it("refuses a fee-on-transfer collateral (ReceivedLess)", async function () {
    const fee = await token("LendingFeeOnTransferToken");
    const asset = await viem.deployContract("LendingStandardToken", ["Test Dollar", "TUSD", 18]);
    const oracle = await viem.deployContract("LendingTestOracle", [PRICE]);
    const market = await viem.deployContract("ParallelLendingMarket", [
      asset.address,
      fee.address,
      oracle.address,
      DEFAULT_PARAMS,
      EPOCH,
    ]);
    await fund(fee, [B], 1_000n * ONE, market.address);
    await viem.assertions.revertWithCustomError(
      market.write.supplyCollateral([10n * ONE], { account: B }),
      market,
      "ReceivedLess",
    );
    expect(await market.read.collateralOf([B])).to.equal(0n);
  });

  it("reverts with SafeTransferFailed when the asset's transfers return false, leaving positions unchanged", async function () {
    const bad = await viem.deployContract("LendingFalseReturningToken", []);
    const badToken = await viem.getContractAt("LendingParallelToken", bad.address);
    const { collateral, market } = await deployParallelMarket(viem, {
      kind: "standard",
      asset: bad.address,
    });
    await fund(badToken, [A, B], 1_000_000n * ONE, market.address);
    await fund(collateral, [B], 1_000n * ONE, market.address);
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await market.write.borrow([1_000n * ONE], { account: B });
    await bad.write.setFailing([true]);
    const positions = async () => [
      await market.read.positionOf([A]),
      await market.read.positionOf([B]),
    ];
    const before = await positions();
    // Pulls (supply, repay) and payouts (withdraw, borrow) all refuse a `false` answer.
    await viem.assertions.revertWithCustomError(
      market.write.supply([ONE], { account: A }),
      market,
      "SafeTransferFailed",
    );
    await viem.assertions.revertWithCustomError(
      market.write.repay([maxUint256, B], { account: B }),
      market,
      "SafeTransferFailed",
    );
    await viem.assertions.revertWithCustomError(
      market.write.withdraw([ONE], { account: A }),
      market,
      "SafeTransferFailed",
    );
    await viem.assertions.revertWithCustomError(
      market.write.borrow([ONE], { account: B }),
      market,
      "SafeTransferFailed",
    );
    expect(await positions()).to.deep.equal(before);
    expect(await badToken.read.balanceOf([market.address])).to.equal(99_000n * ONE);
  });

  it("refuses a hook that re-enters during a payout: a withdrawal pays once", async function () {
    const reentrant = await viem.deployContract("LendingReentrantToken", [18]);
    const asToken = await viem.getContractAt("LendingParallelToken", reentrant.address);
    const { collateral, market } = await deployParallelMarket(viem, {
      kind: "standard",
      asset: reentrant.address,
    });
    await fund(asToken, [A, B], 1_000_000n * ONE, market.address);
    await fund(collateral, [B], 1_000n * ONE, market.address);
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    for (const data of [
      encodeFunctionData({ abi: market.abi, functionName: "withdraw", args: [maxUint256] }),
      encodeFunctionData({ abi: market.abi, functionName: "borrow", args: [ONE] }),
      encodeFunctionData({ abi: market.abi, functionName: "liquidate", args: [B, ONE, 0n] }),
    ]) {
      await reentrant.write.setHook([market.address, data]);
      await market.write.withdraw([ONE], { account: A }); // the hook runs inside the payout
      expect(await reentrant.read.lastHookError()).to.equal(toFunctionSelector("ReentrantCall()"));
    }
    expect(await market.read.suppliedOf([A])).to.equal(100_000n * ONE - 3n * ONE);
    expect(await reentrant.read.balanceOf([market.address])).to.equal(100_000n * ONE - 3n * ONE);
  });

  it("refuses a hook in the collateral token that re-enters while collateral is seized", async function () {
    const reentrant = await viem.deployContract("LendingReentrantToken", [18]);
    const asCollateral = await viem.getContractAt("LendingParallelToken", reentrant.address);
    const asset = await viem.deployContract("LendingStandardToken", ["Test Dollar", "TUSD", 18]);
    const oracle = await viem.deployContract("LendingTestOracle", [PRICE]);
    const market = await viem.deployContract("ParallelLendingMarket", [
      asset.address,
      reentrant.address,
      oracle.address,
      DEFAULT_PARAMS,
      EPOCH,
    ]);
    const assetToken = await viem.getContractAt("LendingParallelToken", asset.address);
    await fund(assetToken, [A, B, C], 1_000_000n * ONE, market.address);
    await fund(asCollateral, [B], 1_000n * ONE, market.address);
    await market.write.supply([100_000n * ONE], { account: A });
    await market.write.supplyCollateral([10n * ONE], { account: B });
    await market.write.borrow([14_000n * ONE], { account: B });
    await oracle.write.setPrice([1_500n * WAD]); // 10 collateral worth 15,000, threshold 12,000 < 14,000
    await reentrant.write.setHook([
      market.address,
      encodeFunctionData({ abi: market.abi, functionName: "liquidate", args: [B, ONE, 0n] }),
    ]);
    const seizedBefore = await reentrant.read.balanceOf([C]);
    await market.write.liquidate([B, 1_000n * ONE, 0n], { account: C });
    expect(await reentrant.read.lastHookError()).to.equal(toFunctionSelector("ReentrantCall()"));
    const expected = (1_000n * ONE * (WAD + DEFAULT_PARAMS.liquidationBonus)) / (1_500n * WAD);
    expect((await reentrant.read.balanceOf([C])) - seizedBefore).to.equal(expected);
    expect(await market.read.collateralOf([B])).to.equal(10n * ONE - expected);
  });
});
