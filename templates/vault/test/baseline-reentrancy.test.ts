/**
 * Reentrancy tests of `BaselineVault` through a hook-calling asset (`VaultReentrantAsset`: after
 * moving tokens in `transfer` / `transferFrom` it calls a configured contract, as an ERC-777
 * `tokensReceived` hook would). In `deposit` the assets arrive before the shares are minted, so
 * a callback at that point sees the vault with the assets in and the shares not yet minted: a
 * re-entrant deposit would be priced too high and a price view would over-report. The baseline
 * carries the same transient guard as `ParallelVault` (`nonReentrant` on the four entry points,
 * `nonReentrantView` on the price views), which refuses both; the callbacks work outside a vault
 * call.
 */
import { expect } from "chai";
import { encodeFunctionData, maxUint256, toFunctionSelector } from "viem";

import { ONE, connect } from "./helpers.ts";

const { viem } = await connect();
const [, alice, bob] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;

const REENTRANT_CALL = toFunctionSelector("ReentrantCall()");

async function setup() {
  const asset = await viem.deployContract("VaultReentrantAsset");
  const vault = await viem.deployContract("BaselineVault", [
    asset.address,
    "Baseline Vault Share",
    "bvSHARE",
  ]);
  for (const user of [A, B]) {
    await asset.write.mint([user, 1_000n * ONE]);
    await asset.write.approve([vault.address, maxUint256], { account: user });
  }
  // The asset itself holds tokens and has approved the vault, so `vault.deposit(x, asset)` sent
  // by it from its callback is a valid deposit on its own.
  await asset.write.mint([asset.address, 1_000n * ONE]);
  await asset.write.approveFromSelf([vault.address, maxUint256]);
  await vault.write.deposit([100n * ONE, B], { account: bob.account });
  const reenterDeposit = encodeFunctionData({
    abi: vault.abi,
    functionName: "deposit",
    args: [10n * ONE, asset.address],
  });
  return { asset, vault, reenterDeposit };
}

describe("BaselineVault reentrancy through a hook-calling asset", function () {
  it("the callback deposit is valid on its own (outside any vault call)", async function () {
    const { asset, vault, reenterDeposit } = await setup();
    await asset.write.setHook([vault.address, reenterDeposit, false]);
    const expected = await vault.read.previewDeposit([10n * ONE]);
    await asset.write.transfer([B, 1n], { account: alice.account });
    expect(await asset.read.hookCalls()).to.equal(1n);
    expect(await vault.read.balanceOf([asset.address])).to.equal(expected);
  });

  it("a deposit re-entered from deposit's transferFrom (assets in, shares not minted) reverts with ReentrantCall", async function () {
    const { asset, vault, reenterDeposit } = await setup();
    await asset.write.setHook([vault.address, reenterDeposit, false]);
    await viem.assertions.revertWithCustomError(
      vault.write.deposit([500n * ONE, A], { account: alice.account }),
      vault,
      "ReentrantCall",
    );
    // Swallowed, the re-entry fails and the outer deposit completes at the right price.
    const expected = await vault.read.previewDeposit([500n * ONE]);
    await asset.write.setHook([vault.address, reenterDeposit, true]);
    await vault.write.deposit([500n * ONE, A], { account: alice.account });
    expect(await asset.read.lastHookFailed()).to.equal(true);
    expect(await asset.read.lastHookError()).to.equal(REENTRANT_CALL);
    expect(await vault.read.balanceOf([A])).to.equal(expected);
    expect(await vault.read.balanceOf([asset.address])).to.equal(0n);
  });

  it("re-entering from a redeem / withdraw payout is refused too", async function () {
    const { asset, vault, reenterDeposit } = await setup();
    await asset.write.setHook([vault.address, reenterDeposit, false]);
    await viem.assertions.revertWithCustomError(
      vault.write.redeem([1_000n, B, B], { account: bob.account }),
      vault,
      "ReentrantCall",
    );
    await asset.write.setHook([vault.address, reenterDeposit, false]);
    await viem.assertions.revertWithCustomError(
      vault.write.withdraw([1n * ONE, B, B], { account: bob.account }),
      vault,
      "ReentrantCall",
    );
  });

  it("the price views refuse to answer inside a vault call (read-only reentrancy)", async function () {
    for (const [name, args] of [
      ["totalAssets", []],
      ["convertToAssets", [1_000n * ONE]],
      ["convertToShares", [1n * ONE]],
      ["previewRedeem", [1_000n * ONE]],
      ["maxWithdraw", [B]],
    ] as const) {
      const { asset, vault } = await setup(); // fresh: the asset's failure record is sticky
      const view = encodeFunctionData({ abi: vault.abi, functionName: name, args: args as never });
      // Outside a vault call the view answers.
      await asset.write.setHook([vault.address, view, true]);
      await asset.write.transfer([B, 1n], { account: alice.account });
      expect(await asset.read.lastHookFailed(), "view outside a vault call").to.equal(false);
      // Inside deposit (assets in, shares not minted yet) it would over-report: it reverts.
      await asset.write.setHook([vault.address, view, true]);
      await vault.write.deposit([10n * ONE, A], { account: alice.account });
      expect(await asset.read.lastHookFailed(), "view inside deposit").to.equal(true);
      expect(await asset.read.lastHookError()).to.equal(REENTRANT_CALL);
    }
  });
});
