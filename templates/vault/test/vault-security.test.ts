/**
 * Security tests of the vault template:
 * - reentrancy through a malicious asset (`VaultReentrantAsset`, which calls back into the vault
 *   from inside `transfer` / `transferFrom`): every entry point of `ParallelVault` that calls the
 *   asset is refused by the transient guard, while the same callback outside a vault call works;
 * - the donation ("inflation") attack on the first depositor, on `ParallelVault` (donation
 *   before the victim's epoch, and inside the first epoch) and on `BaselineVault`;
 * - permissioned settlement by an unauthorised caller;
 * - spending or claiming someone else's assets, shares or requests.
 */
import { expect } from "chai";
import { encodeFunctionData, getAddress, maxUint256, toFunctionSelector, zeroAddress } from "viem";

import { deployBaselineVault, deployParallelVault, fund, parallelVaultArgs } from "./fixtures.ts";
import { ONE, connect, mulDiv } from "./helpers.ts";

const { viem } = await connect();
const [admin, alice, bob, carol] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;

const REENTRANT_CALL = toFunctionSelector("ReentrantCall()");

async function reentrantSetup() {
  const asset = await viem.deployContract("VaultReentrantAsset");
  const vault = await viem.deployContract("ParallelVault", parallelVaultArgs(asset.address));
  for (const user of [A, B]) {
    await asset.write.mint([user, 1_000n * ONE]);
    await asset.write.approve([vault.address, maxUint256], { account: user });
  }
  // The malicious asset holds tokens and has approved the vault, so that a callback
  // `vault.requestDeposit(1, asset, asset)` made by it is a valid request on its own.
  await asset.write.mint([asset.address, 1_000n * ONE]);
  await asset.write.approveFromSelf([vault.address, maxUint256]);
  const reenterRequest = encodeFunctionData({
    abi: vault.abi,
    functionName: "requestDeposit",
    args: [1n, asset.address, asset.address],
  });
  return { asset, vault, reenterRequest };
}

describe("Vault security", function () {
  describe("reentrancy through a malicious asset", function () {
    it("the callback is a valid call on its own (outside any vault call)", async function () {
      const { asset, vault, reenterRequest } = await reentrantSetup();
      await asset.write.setHook([vault.address, reenterRequest, false]);
      // A plain transfer between users triggers the callback: the vault accepts the request.
      await asset.write.transfer([B, 1n], { account: alice.account });
      expect(await asset.read.hookCalls()).to.equal(1n);
      expect(await vault.read.pendingDepositRequest([0n, asset.address])).to.equal(1n);
    });

    it("re-entering from requestDeposit's transferFrom reverts with ReentrantCall", async function () {
      const { asset, vault, reenterRequest } = await reentrantSetup();
      await asset.write.setHook([vault.address, reenterRequest, false]);
      await viem.assertions.revertWithCustomError(
        vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account }),
        vault,
        "ReentrantCall",
      );
      expect(await vault.read.pendingDepositAssets()).to.equal(0n);
    });

    it("a swallowed re-entry fails while the outer request completes with exact accounting", async function () {
      const { asset, vault, reenterRequest } = await reentrantSetup();
      await asset.write.setHook([vault.address, reenterRequest, true]);
      await vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account });
      expect(await asset.read.lastHookFailed()).to.equal(true);
      expect(await asset.read.lastHookError()).to.equal(REENTRANT_CALL);
      expect(await vault.read.pendingDepositAssets()).to.equal(10n * ONE);
      expect(await vault.read.pendingDepositRequest([0n, asset.address])).to.equal(0n);
      expect(await asset.read.balanceOf([vault.address])).to.equal(10n * ONE);
    });

    it("re-entering settle, or from a redeem / withdraw claim, is refused too", async function () {
      const { asset, vault, reenterRequest } = await reentrantSetup();
      await vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account });
      // Re-entering settle() from a request.
      const reenterSettle = encodeFunctionData({
        abi: vault.abi,
        functionName: "settle",
        args: [0n],
      });
      await asset.write.setHook([vault.address, reenterSettle, false]);
      await viem.assertions.revertWithCustomError(
        vault.write.requestDeposit([1n * ONE, A, A], { account: alice.account }),
        vault,
        "ReentrantCall",
      );
      await asset.write.setHook([zeroAddress, "0x", false]);
      await vault.write.settle([0n]);
      await vault.write.deposit([10n * ONE, A], { account: alice.account });
      await vault.write.requestRedeem([10n * ONE * 1000n, A, A], { account: alice.account });
      await vault.write.settle([1n]);

      // The vault pays the redemption with asset.transfer, which calls back.
      await asset.write.setHook([vault.address, reenterRequest, false]);
      await viem.assertions.revertWithCustomError(
        vault.write.redeem([1n, A, A], { account: alice.account }),
        vault,
        "ReentrantCall",
      );
      await viem.assertions.revertWithCustomError(
        vault.write.withdraw([1n, A, A], { account: alice.account }),
        vault,
        "ReentrantCall",
      );
      expect(await vault.read.maxWithdraw([A])).to.equal(10n * ONE);
      // Without the hook the claim goes through in full.
      await asset.write.setHook([zeroAddress, "0x", false]);
      await vault.write.redeem([10n * ONE * 1000n, A, A], { account: alice.account });
      expect(await asset.read.balanceOf([A])).to.equal(1_000n * ONE);
    });
  });

  describe("donation (inflation) attack on the first depositor", function () {
    it("ParallelVault: a donation before the victim's epoch costs the attacker, not the victim", async function () {
      const { asset, vault } = await deployParallelVault(viem);
      await fund(asset, [A, C], 100_000n * ONE, vault.address);
      const victimDeposit = 1_000n * ONE;
      const donation = 10n * victimDeposit;

      // Attacker: 1 wei, settled alone, then a large donation to inflate the share price.
      await vault.write.requestDeposit([1n, C, C], { account: carol.account });
      await vault.write.settle([0n]);
      await vault.write.deposit([1n, C], { account: carol.account });
      await asset.write.transfer([vault.address, donation], { account: carol.account });

      // Victim deposits in the next epoch.
      await vault.write.requestDeposit([victimDeposit, A, A], { account: alice.account });
      await vault.write.settle([1n]);
      const victimShares = await vault.read.maxMint([A]);
      expect(victimShares > 0n, "the victim gets shares").to.equal(true);
      await vault.write.mint([victimShares, A], { account: alice.account });

      // Both leave.
      const attackerShares = await vault.read.balanceOf([C]);
      await vault.write.requestRedeem([victimShares, A, A], { account: alice.account });
      await vault.write.requestRedeem([attackerShares, C, C], { account: carol.account });
      await vault.write.settle([2n]);
      const [base, quote] = await vault.read.epochPrice([2n]);
      await vault.write.redeem([victimShares, A, A], { account: alice.account });
      await vault.write.redeem([attackerShares, C, C], { account: carol.account });

      const victimLoss = 100_000n * ONE - (await asset.read.balanceOf([A]));
      const attackerLoss = 100_000n * ONE - (await asset.read.balanceOf([C]));
      const oneShare = mulDiv(1n, base, quote) + 1n;
      expect(
        victimLoss >= 0n && victimLoss <= oneShare,
        `victim lost ${victimLoss} (one share = ${oneShare})`,
      ).to.equal(true);
      expect(victimLoss * 100n < victimDeposit, "victim loses under 1%").to.equal(true);
      expect(attackerLoss > 100n * victimLoss, `attacker lost ${attackerLoss}`).to.equal(true);
    });

    it("ParallelVault: a donation inside the first epoch goes to that epoch's depositors, never to the donor", async function () {
      const { asset, vault } = await deployParallelVault(viem);
      await fund(asset, [A, C], 100_000n * ONE, vault.address);
      const victimDeposit = 1_000n * ONE;
      await vault.write.requestDeposit([1n, C, C], { account: carol.account });
      await vault.write.requestDeposit([victimDeposit, A, A], { account: alice.account });
      await asset.write.transfer([vault.address, 10n * victimDeposit], { account: carol.account });
      await vault.write.settle([0n]);
      // The attacker's 1 wei buys nothing at the inflated price; the victim's deposit does.
      expect(await vault.read.maxMint([C])).to.equal(0n);
      const victimShares = await vault.read.maxMint([A]);
      await vault.write.mint([victimShares, A], { account: alice.account });
      await vault.write.requestRedeem([victimShares, A, A], { account: alice.account });
      await vault.write.settle([1n]);
      await vault.write.redeem([victimShares, A, A], { account: alice.account });
      const victimBalance = await asset.read.balanceOf([A]);
      const [base, quote] = await vault.read.epochPrice([1n]);
      expect(
        100_000n * ONE - victimBalance <= mulDiv(1n, base, quote) + 1n,
        "victim loses at most one share",
      ).to.equal(true);
    });

    it("BaselineVault: the same virtual offset bounds the victim's loss to one share", async function () {
      const { asset, vault } = await deployBaselineVault(viem);
      await fund(asset, [A, C], 100_000n * ONE, vault.address);
      const victimDeposit = 1_000n * ONE;
      await vault.write.deposit([1n, C], { account: carol.account });
      await asset.write.transfer([vault.address, 10n * victimDeposit], { account: carol.account });
      await vault.write.deposit([victimDeposit, A], { account: alice.account });
      const victimShares = await vault.read.balanceOf([A]);
      expect(victimShares > 0n).to.equal(true);
      const oneShare = (await vault.read.convertToAssets([1n])) + 1n;
      await vault.write.redeem([victimShares, A, A], { account: alice.account });
      await vault.write.redeem([await vault.read.balanceOf([C]), C, C], { account: carol.account });
      const victimLoss = 100_000n * ONE - (await asset.read.balanceOf([A]));
      const attackerLoss = 100_000n * ONE - (await asset.read.balanceOf([C]));
      expect(victimLoss <= oneShare, `victim lost ${victimLoss}`).to.equal(true);
      expect(attackerLoss > 100n * victimLoss, `attacker lost ${attackerLoss}`).to.equal(true);
    });
  });

  describe("authorisation", function () {
    it("only the settler settles a permissioned vault; anyone settles a permissionless one", async function () {
      const { asset, vault } = await deployParallelVault(viem, { settler: admin.account.address });
      await fund(asset, [A], 10n * ONE, vault.address);
      expect(await vault.read.settler()).to.equal(getAddress(admin.account.address));
      await vault.write.requestDeposit([1n * ONE, A, A], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.settle([0n], { account: alice.account }),
        vault,
        "UnauthorizedSettler",
        [getAddress(A)],
      );
      expect(await vault.read.currentEpoch()).to.equal(0n);
      await vault.write.settle([0n], { account: admin.account });
      expect(await vault.read.currentEpoch()).to.equal(1n);

      const open = await deployParallelVault(viem);
      await open.vault.write.settle([0n], { account: bob.account });
      expect(await open.vault.read.currentEpoch()).to.equal(1n);
    });

    it("nobody can request with another owner's assets, even when the owner approved the vault", async function () {
      const { asset, vault } = await deployParallelVault(viem);
      await fund(asset, [A], 10n * ONE, vault.address); // alice approved the vault for everything
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.requestDeposit([10n * ONE, C, A], { account: carol.account }),
        vault,
        "NotOwnerOrOperator",
        [getAddress(C), getAddress(A)],
      );
      expect(await asset.read.balanceOf([A])).to.equal(10n * ONE);
    });

    it("nobody can claim another controller's shares or assets, or redeem another owner's shares", async function () {
      const { asset, vault } = await deployParallelVault(viem);
      await fund(asset, [A], 10n * ONE, vault.address);
      await vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account });
      await vault.write.settle([0n]);
      for (const claim of [
        vault.write.deposit([10n * ONE, C, A], { account: carol.account }),
        vault.write.mint([1n, C, A], { account: carol.account }),
        vault.write.redeem([0n, C, A], { account: carol.account }),
        vault.write.withdraw([0n, C, A], { account: carol.account }),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(claim, vault, "NotOwnerOrOperator", [
          getAddress(C),
          getAddress(A),
        ]);
      }
      await vault.write.deposit([10n * ONE, A], { account: alice.account });
      const shares = await vault.read.balanceOf([A]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.requestRedeem([shares, C, A], { account: carol.account }),
        vault,
        "ERC20InsufficientAllowance",
        [getAddress(C), 0n, shares],
      );
      expect(await vault.read.balanceOf([A])).to.equal(shares);
    });
  });
});
