/**
 * Tests of the audit findings on the vault (issue "templates safe to copy", findings #7, #8,
 * #10 and the sharded-asset detection of #3), and of the vault over adversarial assets:
 * - #7 read-only reentrancy: an ERC-777-style asset (`VaultHookAsset`) whose hooks read the
 *   vault's price views from inside `requestDeposit` and a redemption claim;
 * - #8 settler hand-over (propose / accept / renounce) and cancellation of pending requests
 *   after the request timeout, with exact accounting;
 * - #10 constructor checks, and the gas of the vault's aggregate views (measured and printed);
 * - assets: WETH9-style (`VaultWeth9`, its fallback accepts any selector), fee-on-transfer,
 *   false-returning, no-return (USDT-style) and hook-calling tokens: each works or is rejected
 *   with a named error.
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
  REQUEST_TIMEOUT,
  deployParallelVault,
  fund,
  parallelVaultArgs,
  type Asset,
} from "./fixtures.ts";
import { ONE, VIRTUAL_SHARES, connect, mulDiv } from "./helpers.ts";

const { viem, networkHelpers } = await connect();
const publicClient = await viem.getPublicClient();
const [admin, alice, bob, carol] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;

const REENTRANT_CALL = toFunctionSelector("ReentrantCall()");

/** Deploys a `ParallelVault` over an already deployed asset (settler: `admin` unless given). */
async function vaultOver(asset: Address, settler: Address = admin.account.address) {
  return viem.deployContract("ParallelVault", parallelVaultArgs(asset, { settler }));
}

/** Chai's typings compare numbers and dates only; balances and gas here are bigints (wei, gas). */
function expectBigint(actual: bigint, op: "<=" | ">=" | "<" | ">", bound: bigint): void {
  const holds =
    op === "<="
      ? actual <= bound
      : op === ">="
        ? actual >= bound
        : op === "<"
          ? actual < bound
          : actual > bound;
  expect(holds, `expected ${actual} ${op} ${bound}`).to.equal(true);
}

describe("ParallelVault audit findings", function () {
  describe("#7 read-only reentrancy through an ERC-777-style asset", function () {
    async function hookSetup() {
      const asset = await viem.deployContract("VaultHookAsset");
      const vault = await vaultOver(asset.address);
      await fund(asset as unknown as Asset, [A], 100n * ONE, vault.address); // same mint/approve ABI as the standard asset
      await vault.write.requestDeposit([100n * ONE, A, A], { account: alice.account });
      await vault.write.settle([0n]);
      await vault.write.deposit([100n * ONE, A], { account: alice.account });
      const reader = await viem.deployContract("VaultHookReader", [vault.address, 1_000n * ONE]);
      await asset.write.mint([reader.address, 50n * ONE]);
      const call = (target: Address, data: `0x${string}`) => reader.write.execute([target, data]);
      await call(
        asset.address,
        encodeFunctionData({
          abi: asset.abi,
          functionName: "approve",
          args: [vault.address, maxUint256],
        }),
      );
      await call(
        asset.address,
        encodeFunctionData({ abi: asset.abi, functionName: "setHook", args: [reader.address] }),
      );
      return { asset, vault, reader, call };
    }

    it("a hook running inside requestDeposit cannot read an undercounted totalAssets / share price", async function () {
      const { vault, reader, call } = await hookSetup();
      const managed = await vault.read.totalAssets();
      expect(managed).to.equal(100n * ONE);
      const priced = await vault.read.convertToAssets([1_000n * ONE]);
      // The reader requests a deposit of its own 50 tokens: its tokensToSend hook runs before
      // the tokens move and reads the vault's views in the middle of requestDeposit.
      await call(
        vault.address,
        encodeFunctionData({
          abi: vault.abi,
          functionName: "requestDeposit",
          args: [50n * ONE, reader.address, reader.address],
        }),
      );
      expect(await reader.read.hookRuns()).to.equal(1n);
      const reverted = await reader.read.readReverted();
      if (!reverted) {
        // What a protocol pricing the shares from inside the hook would have used.
        expect(await reader.read.sawAssets(), "totalAssets seen inside the hook").to.equal(managed);
        expect(
          await reader.read.sawConvertToAssets(),
          "convertToAssets seen inside the hook",
        ).to.equal(priced);
      }
      expect(reverted, "the views refuse to answer inside a vault call").to.equal(true);
      expect(await reader.read.readError()).to.equal(REENTRANT_CALL);
      // Outside the call the views are right again: the pending deposit is not managed yet.
      expect(await vault.read.totalAssets()).to.equal(managed);
      expect(await vault.read.pendingDepositAssets()).to.equal(50n * ONE);
    });

    it("a hook running inside a redemption claim is refused the views too; the claim pays exactly", async function () {
      const { asset, vault, reader } = await hookSetup();
      // Alice redeems to the reader: its tokensReceived hook runs after the tokens arrived.
      const shares = await vault.read.balanceOf([A]);
      await vault.write.requestRedeem([shares, A, A], { account: alice.account });
      await vault.write.settle([1n]);
      const owed = await vault.read.maxWithdraw([A]);
      const before = await asset.read.balanceOf([reader.address]);
      await vault.write.redeem([shares, reader.address, A], { account: alice.account });
      expect(await reader.read.hookRuns()).to.equal(1n);
      expect(await reader.read.readReverted()).to.equal(true);
      expect(await reader.read.readError()).to.equal(REENTRANT_CALL);
      expect((await asset.read.balanceOf([reader.address])) - before).to.equal(owed);
      expect(await vault.read.reservedAssets()).to.equal(0n);
    });
  });

  describe("#8 settler hand-over and request timeout", function () {
    it("the settler hands over in two steps (propose, accept) or renounces to permissionless settlement", async function () {
      const { vault, asset } = await deployParallelVault(viem, { settler: admin.account.address });
      await fund(asset, [A], 10n * ONE, vault.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.proposeSettler([B], { account: carol.account }),
        vault,
        "UnauthorizedSettler",
        [getAddress(C)],
      );
      await vault.write.proposeSettler([B]);
      expect(await vault.read.pendingSettler()).to.equal(getAddress(B));
      // Until bob accepts, admin is still the settler.
      expect(await vault.read.settler()).to.equal(getAddress(admin.account.address));
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.acceptSettler({ account: carol.account }),
        vault,
        "NotPendingSettler",
        [getAddress(C)],
      );
      await viem.assertions.emitWithArgs(
        vault.write.acceptSettler({ account: bob.account }),
        vault,
        "SettlerChanged",
        [getAddress(admin.account.address), getAddress(B)],
      );
      expect(await vault.read.settler()).to.equal(getAddress(B));
      expect(await vault.read.pendingSettler()).to.equal(zeroAddress);
      await vault.write.requestDeposit([1n * ONE, A, A], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.settle([0n]),
        vault,
        "UnauthorizedSettler",
        [getAddress(admin.account.address)],
      );
      await vault.write.settle([0n], { account: bob.account });
      // Renouncing makes settlement permissionless.
      await vault.write.renounceSettler({ account: bob.account });
      expect(await vault.read.settler()).to.equal(zeroAddress);
      await vault.write.settle([1n], { account: carol.account });
      // Nobody can propose on a permissionless vault.
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.proposeSettler([B], { account: bob.account }),
        vault,
        "UnauthorizedSettler",
        [getAddress(B)],
      );
    });

    it("after the timeout a pending deposit request is cancelled and refunded exactly; the rest settles exactly", async function () {
      const { asset, vault } = await deployParallelVault(viem, { settler: admin.account.address });
      await fund(asset, [A, B, C], 100n * ONE, vault.address);
      // Epoch 0: carol's deposit settles, so the vault has a non-trivial price afterwards.
      await vault.write.requestDeposit([30n * ONE, C, C], { account: carol.account });
      await vault.write.settle([0n]);
      await asset.write.mint([vault.address, 7n * ONE]); // yield: price above 1
      // Epoch 1: the settler goes silent.
      await vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account });
      await vault.write.requestDeposit([5n * ONE, B, B], { account: bob.account });
      const openedAt = await vault.read.epochOpenedAt();
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.cancelDepositRequest([A, A], { account: alice.account }),
        vault,
        "RequestNotExpired",
        [openedAt + REQUEST_TIMEOUT],
      );
      await networkHelpers.time.increaseTo(openedAt + REQUEST_TIMEOUT);
      const managed = await vault.read.totalAssets();
      // Only the controller (or its operator) can cancel.
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.cancelDepositRequest([A, C], { account: carol.account }),
        vault,
        "NotOwnerOrOperator",
        [getAddress(C), getAddress(A)],
      );
      const before = await asset.read.balanceOf([A]);
      await viem.assertions.emitWithArgs(
        vault.write.cancelDepositRequest([A, A], { account: alice.account }),
        vault,
        "DepositRequestCancelled",
        [getAddress(A), getAddress(A), 10n * ONE],
      );
      expect((await asset.read.balanceOf([A])) - before).to.equal(10n * ONE);
      expect(await vault.read.pendingDepositRequest([0n, A])).to.equal(0n);
      expect(await vault.read.pendingDepositAssets()).to.equal(5n * ONE);
      expect(await vault.read.totalAssets()).to.equal(managed);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.cancelDepositRequest([A, A], { account: alice.account }),
        vault,
        "NothingToCancel",
        [getAddress(A)],
      );
      // The settler comes back: bob's request alone is priced, at the books' price.
      const supply = await vault.read.totalSupply();
      await vault.write.settle([1n]);
      const [base, quote] = await vault.read.epochPrice([1n]);
      expect(base).to.equal(managed + 1n);
      expect(quote).to.equal(supply + VIRTUAL_SHARES);
      expect(await vault.read.maxMint([B])).to.equal(mulDiv(5n * ONE, quote, base));
      expect(await vault.read.totalSupply()).to.equal(supply + mulDiv(5n * ONE, quote, base));
      // A settled request is claimable, not cancellable.
      await networkHelpers.time.increase(Number(REQUEST_TIMEOUT));
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.cancelDepositRequest([B, B], { account: bob.account }),
        vault,
        "NothingToCancel",
        [getAddress(B)],
      );
      // Solvency: the vault still holds everything it owes.
      await vault.write.deposit([5n * ONE, B], { account: bob.account });
      expect(await asset.read.balanceOf([vault.address])).to.equal(30n * ONE + 7n * ONE + 5n * ONE);
    });

    it("after the timeout a pending redemption is cancelled and its shares returned; the supply is unchanged", async function () {
      const { asset, vault } = await deployParallelVault(viem, { settler: admin.account.address });
      await fund(asset, [A, B], 100n * ONE, vault.address);
      await vault.write.requestDeposit([40n * ONE, A, A], { account: alice.account });
      await vault.write.requestDeposit([20n * ONE, B, B], { account: bob.account });
      await vault.write.settle([0n]);
      await vault.write.deposit([40n * ONE, A], { account: alice.account });
      await vault.write.deposit([20n * ONE, B], { account: bob.account });
      const aliceShares = await vault.read.balanceOf([A]);
      const bobShares = await vault.read.balanceOf([B]);
      await vault.write.requestRedeem([aliceShares, A, A], { account: alice.account });
      await vault.write.requestRedeem([bobShares / 2n, B, B], { account: bob.account });
      const supply = await vault.read.totalSupply();
      const openedAt = await vault.read.epochOpenedAt();
      await networkHelpers.time.increaseTo(openedAt + REQUEST_TIMEOUT);
      // An operator of alice cancels for her, returning the shares to her.
      await vault.write.setOperator([C, true], { account: alice.account });
      await viem.assertions.emitWithArgs(
        vault.write.cancelRedeemRequest([A, A], { account: carol.account }),
        vault,
        "RedeemRequestCancelled",
        [getAddress(A), getAddress(A), aliceShares],
      );
      expect(await vault.read.balanceOf([A])).to.equal(aliceShares);
      expect(await vault.read.pendingRedeemRequest([0n, A])).to.equal(0n);
      expect(await vault.read.pendingRedeemShares()).to.equal(bobShares / 2n);
      expect(await vault.read.totalSupply()).to.equal(supply);
      await vault.write.settle([1n]);
      // Only bob's half is burnt and paid, at the epoch's price.
      const [base, quote] = await vault.read.epochPrice([1n]);
      expect(await vault.read.totalSupply()).to.equal(supply - bobShares / 2n);
      const owed = mulDiv(bobShares / 2n, base, quote);
      expect(await vault.read.reservedAssets()).to.equal(owed);
      const before = await asset.read.balanceOf([B]);
      await vault.write.redeem([bobShares / 2n, B, B], { account: bob.account });
      expect((await asset.read.balanceOf([B])) - before).to.equal(owed);
      // Alice can still leave normally.
      await vault.write.requestRedeem([aliceShares, A, A], { account: alice.account });
      await vault.write.settle([2n]);
      await vault.write.redeem([aliceShares, A, A], { account: alice.account });
      expectBigint(await asset.read.balanceOf([A]), "<=", 100n * ONE);
      expectBigint(
        await asset.read.balanceOf([vault.address]),
        ">=",
        await vault.read.reservedAssets(),
      );
    });
  });

  describe("#10 parameters and the cost of the aggregate views", function () {
    it("rejects an asset without code and a zero request timeout", async function () {
      const probe = await vaultOver((await viem.deployContract("VaultStandardAsset")).address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("ParallelVault", parallelVaultArgs(B)),
        probe,
        "AssetHasNoCode",
        [getAddress(B)],
      );
      const asset = await viem.deployContract("VaultStandardAsset");
      await viem.assertions.revertWithCustomError(
        viem.deployContract(
          "ParallelVault",
          parallelVaultArgs(asset.address, { requestTimeout: 0n }),
        ),
        probe,
        "ZeroRequestTimeout",
      );
    });

    it("totalAssets / convertToShares read every shard: measured gas, far too much for an on-chain oracle", async function () {
      const measured: Record<string, bigint> = {};
      for (const kind of ["parallel", "standard"] as const) {
        const { asset, vault } = await deployParallelVault(viem, { asset: kind });
        await fund(asset, [A], 10n * ONE, vault.address);
        await vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account });
        await vault.write.settle([0n]);
        for (const functionName of ["totalAssets", "convertToShares"] as const) {
          const data =
            functionName === "totalAssets"
              ? encodeFunctionData({ abi: vault.abi, functionName })
              : encodeFunctionData({ abi: vault.abi, functionName, args: [ONE] });
          const gas = await publicClient.estimateGas({ account: A, to: vault.address, data });
          measured[`${functionName}, ${kind} asset`] = gas;
        }
      }
      console.log(
        "      gas of the vault's aggregate views (eth_estimateGas, one call, cold):",
        measured,
      );
      // Three 256-shard counters (768 cold slots) and, for a ParallelERC20, 256 more balance shards.
      expectBigint(measured["totalAssets, parallel asset"], ">", 2_000_000n);
      expectBigint(measured["totalAssets, standard asset"], ">", 1_500_000n);
      expectBigint(
        measured["convertToShares, parallel asset"],
        ">",
        measured["totalAssets, parallel asset"],
      );
    });
  });
});

describe("ParallelVault over adversarial assets", function () {
  /** Requests, settles, claims, redeems and claims again; returns what `user` got back. */
  async function roundTrip(vault: Awaited<ReturnType<typeof vaultOver>>, amount: bigint) {
    await vault.write.requestDeposit([amount, A, A], { account: alice.account });
    let epoch = await vault.read.currentEpoch();
    await vault.write.settle([epoch]);
    await vault.write.deposit([amount, A], { account: alice.account });
    const shares = await vault.read.balanceOf([A]);
    await vault.write.requestRedeem([shares, A, A], { account: alice.account });
    epoch = await vault.read.currentEpoch();
    await vault.write.settle([epoch]);
    return vault.write.redeem([shares, A, A], { account: alice.account });
  }

  it("WETH9-style asset (fallback accepts any selector): not taken for sharded, and works", async function () {
    const weth = await viem.deployContract("VaultWeth9");
    // The old detection ("enableShardedBalance() did not revert") would say yes here.
    await weth.write.deposit({ account: alice.account, value: 5n * ONE });
    const vault = await vaultOver(weth.address);
    expect(await vault.read.assetSharded()).to.equal(false);
    await weth.write.approve([vault.address, maxUint256], { account: alice.account });
    await roundTrip(vault, 5n * ONE);
    const back = await weth.read.balanceOf([A]);
    expectBigint(back, "<=", 5n * ONE);
    expectBigint(5n * ONE - back, "<", 10n); // rounding dust only
    expect(await weth.read.balanceOf([vault.address])).to.equal(5n * ONE - back);
  });

  it("a ParallelERC20 is detected as sharded (isShardedHolder(vault) is true)", async function () {
    const { vault } = await deployParallelVault(viem, { asset: "parallel" });
    expect(await vault.read.assetSharded()).to.equal(true);
    const standard = await deployParallelVault(viem, { asset: "standard" });
    expect(await standard.vault.read.assetSharded()).to.equal(false);
  });

  it("fee-on-transfer asset: a request that delivers less than it names is rejected with AssetTransferMismatch", async function () {
    const token = await viem.deployContract("VaultFeeOnTransferToken");
    const vault = await vaultOver(token.address);
    await token.write.mint([A, 100n * ONE]);
    await token.write.approve([vault.address, maxUint256], { account: alice.account });
    await token.write.setFee([100n]); // 1 %
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account }),
      vault,
      "AssetTransferMismatch",
      [10n * ONE, (10n * ONE * 99n) / 100n],
    );
    expect(await vault.read.pendingDepositAssets()).to.equal(0n);
    // With the fee off the same token works.
    await token.write.setFee([0n]);
    await roundTrip(vault, 10n * ONE);
    expectBigint(await token.read.balanceOf([A]), ">=", 100n * ONE - 10n);
  });

  it("false-returning asset: the request is rejected with SafeTransferFailed and changes nothing", async function () {
    const token = await viem.deployContract("VaultFalseReturnToken");
    const vault = await vaultOver(token.address);
    await token.write.mint([A, 100n * ONE]);
    await token.write.approve([vault.address, maxUint256], { account: alice.account });
    await token.write.setFailing([true]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account }),
      vault,
      "SafeTransferFailed",
      [getAddress(token.address)],
    );
    expect(await vault.read.pendingDepositRequest([0n, A])).to.equal(0n);
    await token.write.setFailing([false]);
    await roundTrip(vault, 10n * ONE);
  });

  it("no-return (USDT-style) asset works", async function () {
    const token = await viem.deployContract("VaultNoReturnToken");
    const vault = await vaultOver(token.address);
    await token.write.mint([A, 100n * ONE]);
    await token.write.approve([vault.address, maxUint256], { account: alice.account });
    await roundTrip(vault, 10n * ONE);
    expectBigint(100n * ONE - (await token.read.balanceOf([A])), "<", 10n);
  });

  it("hook-calling asset works for holders without hooks, and a hook's reverting read does not block the caller", async function () {
    const token = await viem.deployContract("VaultHookAsset");
    const vault = await vaultOver(token.address);
    await fund(token as unknown as Asset, [A], 100n * ONE, vault.address); // same mint/approve ABI as the standard asset
    await roundTrip(vault, 10n * ONE);
    expectBigint(100n * ONE - (await token.read.balanceOf([A])), "<", 10n);
  });
});
