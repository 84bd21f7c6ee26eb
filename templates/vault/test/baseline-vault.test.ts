/**
 * Functional tests of `BaselineVault`, the conventional synchronous ERC-4626 vault the template
 * compares `ParallelVault` with: deposit / mint / withdraw / redeem against its previews, the
 * ERC-4626 rounding rules (always in the vault's favour), allowances and limits — over both assets.
 */
import { expect } from "chai";
import fc from "fast-check";
import { getAddress } from "viem";

import { deployBaselineVault, fund } from "./fixtures.ts";
import { ONE, VIRTUAL_SHARES, connect, mulDiv, mulDivUp } from "./helpers.ts";

const { viem } = await connect();
const [, alice, bob, carol] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;

describe("BaselineVault", function () {
  for (const kind of ["standard", "parallel"] as const) {
    it(`deposits, mints, withdraws and redeems at the current price over the ${kind} asset`, async function () {
      const { asset, vault } = await deployBaselineVault(viem, kind);
      await fund(asset, [A, B, C], 1_000n * ONE, vault.address);
      expect(await vault.read.asset()).to.equal(getAddress(asset.address));
      expect(await vault.read.decimals()).to.equal(21);

      await viem.assertions.emitWithArgs(
        vault.write.deposit([100n * ONE, A], { account: alice.account }),
        vault,
        "Deposit",
        [getAddress(A), getAddress(A), 100n * ONE, 100n * ONE * VIRTUAL_SHARES],
      );
      await asset.write.transfer([vault.address, 50n * ONE], { account: carol.account }); // a gain
      const totalAssets = 150n * ONE;
      const supply = 100n * ONE * VIRTUAL_SHARES;
      expect(await vault.read.totalAssets()).to.equal(totalAssets);

      const expectedShares = mulDiv(30n * ONE, supply + VIRTUAL_SHARES, totalAssets + 1n);
      expect(await vault.read.previewDeposit([30n * ONE])).to.equal(expectedShares);
      await vault.write.deposit([30n * ONE, B], { account: bob.account });
      expect(await vault.read.balanceOf([B])).to.equal(expectedShares);

      const supply2 = supply + expectedShares;
      const assets2 = totalAssets + 30n * ONE;
      const mintCost = mulDivUp(7n * ONE, assets2 + 1n, supply2 + VIRTUAL_SHARES);
      expect(await vault.read.previewMint([7n * ONE])).to.equal(mintCost);
      await vault.write.mint([7n * ONE, C], { account: carol.account });
      expect(await asset.read.balanceOf([C])).to.equal(1_000n * ONE - 50n * ONE - mintCost);

      const supply3 = supply2 + 7n * ONE;
      const assets3 = assets2 + mintCost;
      const burn = mulDivUp(10n * ONE, supply3 + VIRTUAL_SHARES, assets3 + 1n);
      expect(await vault.read.previewWithdraw([10n * ONE])).to.equal(burn);
      await vault.write.withdraw([10n * ONE, A, A], { account: alice.account });
      expect(await vault.read.balanceOf([A])).to.equal(supply - burn);
      expect(await asset.read.balanceOf([A])).to.equal(910n * ONE);

      const shares = await vault.read.balanceOf([B]);
      const payout = await vault.read.previewRedeem([shares]);
      await viem.assertions.emitWithArgs(
        vault.write.redeem([shares, B, B], { account: bob.account }),
        vault,
        "Withdraw",
        [getAddress(B), getAddress(B), getAddress(B), payout, shares],
      );
      expect(await asset.read.balanceOf([B])).to.equal(970n * ONE + payout);
      expect(await vault.read.totalSupply()).to.equal(supply3 - burn - shares);
    });
  }

  it("spends allowances for third-party exits and enforces the ERC-4626 limits", async function () {
    const { asset, vault } = await deployBaselineVault(viem);
    await fund(asset, [A], 100n * ONE, vault.address);
    await vault.write.deposit([100n * ONE, A], { account: alice.account });
    const shares = await vault.read.balanceOf([A]);
    expect(await vault.read.maxRedeem([A])).to.equal(shares);
    expect(await vault.read.maxWithdraw([A])).to.equal(await vault.read.convertToAssets([shares]));
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.redeem([shares + 1n, A, A], { account: alice.account }),
      vault,
      "ERC4626ExceededMaxRedeem",
      [getAddress(A), shares + 1n, shares],
    );
    await viem.assertions.revertWithCustomError(
      vault.write.withdraw([101n * ONE, A, A], { account: alice.account }),
      vault,
      "ERC4626ExceededMaxWithdraw",
    );
    await viem.assertions.revertWithCustomError(
      vault.write.redeem([1n, B, A], { account: bob.account }),
      vault,
      "ERC20InsufficientAllowance",
    );
    await vault.write.approve([B, shares / 2n], { account: alice.account });
    await vault.write.redeem([shares / 2n, B, A], { account: bob.account });
    expect(await vault.read.allowance([A, B])).to.equal(0n);
    expect(await asset.read.balanceOf([B])).to.equal(50n * ONE);
  });

  it("rounds every conversion in the vault's favour", async function () {
    this.timeout(120_000);
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        async (seed, gain, amount) => {
          const { asset, vault } = await deployBaselineVault(viem);
          await fund(asset, [A, B], 10n ** 25n, vault.address);
          await vault.write.deposit([seed, B], { account: bob.account });
          if (gain > 0n)
            await asset.write.transfer([vault.address, gain], { account: bob.account });
          // deposit → redeem never returns more than was deposited
          const shares = await vault.read.previewDeposit([amount]);
          expect(
            (await vault.read.previewRedeem([shares])) <= amount,
            "deposit then redeem",
          ).to.equal(true);
          // mint costs at least what the shares are worth; withdraw burns at least what the assets cost
          expect(
            (await vault.read.previewMint([amount])) >=
              (await vault.read.convertToAssets([amount])),
            "mint",
          ).to.equal(true);
          expect(
            (await vault.read.previewWithdraw([amount])) >=
              (await vault.read.convertToShares([amount])),
            "withdraw",
          ).to.equal(true);
          // and a real round trip agrees with the previews
          await vault.write.deposit([amount, A], { account: alice.account });
          const got = await vault.read.balanceOf([A]);
          expect(got).to.equal(shares);
          const before = await asset.read.balanceOf([A]);
          await vault.write.redeem([got, A, A], { account: alice.account });
          expect((await asset.read.balanceOf([A])) - before <= amount, "round trip").to.equal(true);
        },
      ),
      { numRuns: 30, seed: 1626 },
    );
  });
});
