/**
 * Functional tests of `ParallelVault`: requests, settlement at one price per epoch, claims
 * (deposit / mint / redeem / withdraw), folding of settled requests, operators, ERC-7540 views and
 * the storage slots its annotations name — over the parallel asset and over a standard ERC-20.
 */
import { expect } from "chai";
import {
  getAddress,
  toFunctionSelector,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
} from "viem";

import { deployParallelVault, fund, type AssetKind } from "./fixtures.ts";
import {
  ONE,
  VIRTUAL_SHARES,
  connect,
  mappingSlot,
  mulDiv,
  shardOf,
  slotHex,
  toSigned,
} from "./helpers.ts";

const { viem, networkHelpers } = await connect();
const publicClient = await viem.getPublicClient();
const [_admin, alice, bob, carol] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;
const C = carol.account.address;

/** Slots of `ParallelVault`'s variables (see its storage notes). */
const SLOT = {
  depositRequests: 6n,
  redeemRequests: 7n,
  requestedAssets: 8n,
  requestedShares: 264n,
  claimedRedeemAssets: 520n,
};

async function word(address: Address, slot: bigint): Promise<bigint> {
  return toSigned(await publicClient.getStorageAt({ address, slot: slotHex(slot) }));
}

/** ERC-165 id of the functions named (XOR of their selectors). */
function interfaceId(abi: Abi, names: string[]): Hex {
  let id = 0;
  for (const item of abi) {
    if (item.type !== "function" || !names.includes(item.name)) continue;
    id ^= Number.parseInt(toFunctionSelector(item).slice(2), 16);
  }
  return `0x${(id >>> 0).toString(16).padStart(8, "0")}`;
}

/** XORs the selectors of `signatures` into an interface id. */
function xorIds(id: Hex, signatures: string[]): Hex {
  let value = Number.parseInt(id.slice(2), 16);
  for (const signature of signatures)
    value ^= Number.parseInt(toFunctionSelector(`function ${signature}`).slice(2), 16);
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

async function setup(
  kind: AssetKind = "parallel",
  options: { settler?: Address; minEpochDuration?: bigint } = {},
) {
  const { asset, vault } = await deployParallelVault(viem, { asset: kind, ...options });
  await fund(asset, [A, B, C], 1_000n * ONE, vault.address);
  return { asset, vault };
}

describe("ParallelVault", function () {
  for (const kind of ["parallel", "standard"] as const) {
    describe(`over the ${kind} asset`, function () {
      it("requestDeposit takes the assets and records a pending request in the caller's slots and shard", async function () {
        const { asset, vault } = await setup(kind);
        await viem.assertions.emitWithArgs(
          vault.write.requestDeposit([100n * ONE, A, A], { account: alice.account }),
          vault,
          "DepositRequest",
          [getAddress(A), getAddress(A), 0n, getAddress(A), 100n * ONE],
        );
        expect(await asset.read.balanceOf([A])).to.equal(900n * ONE);
        expect(await asset.read.balanceOf([vault.address])).to.equal(100n * ONE);
        expect(await vault.read.pendingDepositRequest([0n, A])).to.equal(100n * ONE);
        expect(await vault.read.pendingDepositRequest([1n, A])).to.equal(0n);
        expect(await vault.read.claimableDepositRequest([0n, A])).to.equal(0n);
        expect(await vault.read.maxDeposit([A])).to.equal(0n);
        expect(await vault.read.pendingDepositAssets()).to.equal(100n * ONE);
        expect(await vault.read.totalAssets()).to.equal(0n);

        // The slots the annotation names: _depositRequests[alice] and _requestedAssets.shards[shard(alice)].
        const request = mappingSlot(A, SLOT.depositRequests);
        expect(await word(vault.address, request)).to.equal(100n * ONE); // pendingAssets
        expect(await word(vault.address, request + 1n)).to.equal(0n); // pendingEpoch
        expect(await word(vault.address, SLOT.requestedAssets + shardOf(A))).to.equal(100n * ONE);

        if (kind === "parallel") {
          const parallel = await viem.getContractAt("VaultParallelAsset", asset.address);
          expect(await parallel.read.isShardedHolder([vault.address])).to.equal(true);
          // In the token, the deposit landed in the vault's shard shard(alice): the same index.
          expect(await parallel.read.shardBalanceOf([vault.address, shardOf(A)])).to.equal(
            100n * ONE,
          );
        }
      });

      it("settles an epoch at one price for all its requests, and each user claims their shares", async function () {
        const { vault } = await setup(kind);
        await vault.write.requestDeposit([100n * ONE, A, A], { account: alice.account });
        await vault.write.requestDeposit([50n * ONE, B, B], { account: bob.account });
        // Empty vault: price 1 asset (+1 virtual) for 0 shares (+1000 virtual) → 1000 shares per unit.
        await viem.assertions.emitWithArgs(vault.write.settle([0n]), vault, "EpochSettled", [
          0n,
          0n,
          0n,
          150n * ONE,
          150n * ONE * VIRTUAL_SHARES,
          0n,
          0n,
        ]);
        expect(await vault.read.currentEpoch()).to.equal(1n);
        expect(await vault.read.epochPrice([0n])).to.deep.equal([1n, VIRTUAL_SHARES]);
        expect(await vault.read.totalSupply()).to.equal(150n * ONE * VIRTUAL_SHARES);
        expect(await vault.read.totalAssets()).to.equal(150n * ONE);
        expect(await vault.read.pendingDepositRequest([0n, A])).to.equal(0n);
        expect(await vault.read.claimableDepositRequest([0n, A])).to.equal(100n * ONE);
        expect(await vault.read.maxMint([A])).to.equal(100n * ONE * VIRTUAL_SHARES);

        await viem.assertions.emitWithArgs(
          vault.write.deposit([100n * ONE, A], { account: alice.account }),
          vault,
          "Deposit",
          [getAddress(A), getAddress(A), 100n * ONE, 100n * ONE * VIRTUAL_SHARES],
        );
        await vault.write.mint([50n * ONE * VIRTUAL_SHARES, B], { account: bob.account });
        expect(await vault.read.balanceOf([A])).to.equal(100n * ONE * VIRTUAL_SHARES);
        expect(await vault.read.balanceOf([B])).to.equal(50n * ONE * VIRTUAL_SHARES);
        expect(await vault.read.maxDeposit([A])).to.equal(0n);
        expect(await vault.read.convertToAssets([VIRTUAL_SHARES])).to.equal(1n);
      });

      it("redeems at the epoch price, gains included, and pays from the reserve", async function () {
        const { asset, vault } = await setup(kind);
        await vault.write.requestDeposit([100n * ONE, A, A], { account: alice.account });
        await vault.write.requestDeposit([50n * ONE, B, B], { account: bob.account });
        await vault.write.settle([0n]);
        await vault.write.deposit([100n * ONE, A], { account: alice.account });
        await vault.write.deposit([50n * ONE, B], { account: bob.account });

        const shares = 40n * ONE * VIRTUAL_SHARES;
        await viem.assertions.emitWithArgs(
          vault.write.requestRedeem([shares, A, A], { account: alice.account }),
          vault,
          "RedeemRequest",
          [getAddress(A), getAddress(A), 0n, getAddress(A), shares],
        );
        expect(await vault.read.balanceOf([A])).to.equal(60n * ONE * VIRTUAL_SHARES);
        expect(await vault.read.pendingRedeemRequest([0n, A])).to.equal(shares);
        expect(await word(vault.address, SLOT.requestedShares + shardOf(A))).to.equal(shares);

        // 15 units of yield arrive (a plain transfer): they count at the next settlement.
        await asset.write.transfer([vault.address, 15n * ONE], { account: carol.account });
        const supply = 150n * ONE * VIRTUAL_SHARES;
        const managed = 165n * ONE;
        const assetsOut = mulDiv(shares, managed + 1n, supply + VIRTUAL_SHARES);
        await viem.assertions.emitWithArgs(vault.write.settle([1n]), vault, "EpochSettled", [
          1n,
          managed,
          supply,
          0n,
          0n,
          shares,
          assetsOut,
        ]);
        expect(assetsOut > 40n * ONE).to.equal(true);
        expect(await vault.read.claimableRedeemRequest([0n, A])).to.equal(shares);
        expect(await vault.read.maxWithdraw([A])).to.equal(assetsOut);
        expect(await vault.read.maxRedeem([A])).to.equal(shares);
        expect(await vault.read.reservedAssets()).to.equal(assetsOut);
        expect(await vault.read.totalSupply()).to.equal(supply - shares);
        expect(await vault.read.totalAssets()).to.equal(managed - assetsOut);

        const before = await asset.read.balanceOf([A]);
        await vault.write.redeem([shares, A, A], { account: alice.account });
        expect(await asset.read.balanceOf([A])).to.equal(before + assetsOut);
        expect(await vault.read.reservedAssets()).to.equal(0n);
        expect(await vault.read.maxRedeem([A])).to.equal(0n);
        expect(await word(vault.address, SLOT.claimedRedeemAssets + shardOf(A))).to.equal(
          assetsOut,
        );
      });

      it("gives requests of a later epoch that epoch's price", async function () {
        const { asset, vault } = await setup(kind);
        await vault.write.requestDeposit([100n * ONE, A, A], { account: alice.account });
        await vault.write.settle([0n]);
        await asset.write.transfer([vault.address, 100n * ONE], { account: carol.account }); // the price doubles
        await vault.write.requestDeposit([100n * ONE, B, B], { account: bob.account });
        await vault.write.settle([1n]);
        const [base, quote] = await vault.read.epochPrice([1n]);
        expect([base, quote]).to.deep.equal([
          200n * ONE + 1n,
          100n * ONE * VIRTUAL_SHARES + VIRTUAL_SHARES,
        ]);
        expect(await vault.read.maxMint([B])).to.equal(mulDiv(100n * ONE, quote, base));
        expect(await vault.read.maxMint([A])).to.equal(100n * ONE * VIRTUAL_SHARES);
      });
    });
  }

  it("keeps a controller's claimable and new pending requests apart (folding at the next touch)", async function () {
    const { vault } = await setup();
    await vault.write.requestDeposit([10n * ONE, A, A], { account: alice.account });
    await vault.write.settle([0n]);
    await vault.write.requestDeposit([20n * ONE, A, A], { account: alice.account });
    expect(await vault.read.claimableDepositRequest([0n, A])).to.equal(10n * ONE);
    expect(await vault.read.pendingDepositRequest([0n, A])).to.equal(20n * ONE);
    const request = mappingSlot(A, SLOT.depositRequests);
    expect(await word(vault.address, request)).to.equal(20n * ONE); // pendingAssets
    expect(await word(vault.address, request + 1n)).to.equal(1n); // pendingEpoch
    expect(await word(vault.address, request + 2n)).to.equal(10n * ONE); // claimableAssets (folded)
    expect(await word(vault.address, request + 3n)).to.equal(10n * ONE * VIRTUAL_SHARES); // claimableShares
    await vault.write.deposit([10n * ONE, A], { account: alice.account });
    await vault.write.settle([1n]);
    expect(await vault.read.claimableDepositRequest([0n, A])).to.equal(20n * ONE);
    expect(await vault.read.pendingDepositRequest([0n, A])).to.equal(0n);
  });

  it("pays partial claims pro rata and the last claim the exact rest", async function () {
    const { asset, vault } = await setup();
    await vault.write.requestDeposit([3n, A, A], { account: alice.account });
    await vault.write.settle([0n]);
    await asset.write.transfer([vault.address, 7n], { account: carol.account });
    await vault.write.requestDeposit([10n, B, B], { account: bob.account });
    await vault.write.settle([1n]); // price 11 : 4000 → bob's 10 assets buy floor(10 * 4000 / 11) = 3636 shares
    expect(await vault.read.maxMint([B])).to.equal(3636n);
    await vault.write.deposit([3n, B], { account: bob.account }); // floor(3636 * 3 / 10) = 1090
    expect(await vault.read.balanceOf([B])).to.equal(1090n);
    await vault.write.mint([1000n, B], { account: bob.account }); // consumes ceil(7 * 1000 / 2546) = 3 assets
    expect(await vault.read.maxDeposit([B])).to.equal(4n);
    expect(await vault.read.maxMint([B])).to.equal(1546n);
    await vault.write.deposit([4n, B], { account: bob.account }); // the rest: all 1546 shares
    expect(await vault.read.balanceOf([B])).to.equal(3636n);
    expect(await vault.read.maxMint([B])).to.equal(0n);

    await vault.write.requestRedeem([3636n, B, B], { account: bob.account });
    await vault.write.settle([2n]);
    const claimable = await vault.read.maxWithdraw([B]);
    const before = await asset.read.balanceOf([B]);
    await vault.write.withdraw([claimable / 2n, B, B], { account: bob.account });
    await vault.write.redeem([await vault.read.maxRedeem([B]), B, B], { account: bob.account });
    expect(await asset.read.balanceOf([B])).to.equal(before + claimable);
    expect(await vault.read.maxWithdraw([B])).to.equal(0n);
  });

  it("refuses zero requests, zero addresses and claims above the claimable amount", async function () {
    const { vault } = await setup();
    await viem.assertions.revertWithCustomError(
      vault.write.requestDeposit([0n, A, A], { account: alice.account }),
      vault,
      "ZeroAmount",
    );
    await viem.assertions.revertWithCustomError(
      vault.write.requestRedeem([0n, A, A], { account: alice.account }),
      vault,
      "ZeroAmount",
    );
    await viem.assertions.revertWithCustomError(
      vault.write.requestDeposit([1n, zeroAddress, A], { account: alice.account }),
      vault,
      "ZeroAddress",
    );
    await vault.write.requestDeposit([5n, A, A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([1n, A], { account: alice.account }),
      vault,
      "ExceedsClaimable",
      [1n, 0n],
    );
    await vault.write.settle([0n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([6n, A], { account: alice.account }),
      vault,
      "ExceedsClaimable",
      [6n, 5n],
    );
    await viem.assertions.revertWithCustomError(
      vault.write.deposit([5n, zeroAddress], { account: alice.account }),
      vault,
      "ZeroAddress",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.redeem([1n, A, A], { account: alice.account }),
      vault,
      "ExceedsClaimable",
      [1n, 0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.requestRedeem([1n, A, A], { account: alice.account }),
      vault,
      "ERC20InsufficientBalance",
      [getAddress(A), 0n, 1n],
    );
  });

  it("lets operators request and claim for a controller, and spends share allowances of third parties", async function () {
    const { asset, vault } = await setup();
    await viem.assertions.emitWithArgs(
      vault.write.setOperator([C, true], { account: alice.account }),
      vault,
      "OperatorSet",
      [getAddress(A), getAddress(C), true],
    );
    expect(await vault.read.isOperator([A, C])).to.equal(true);
    // Carol, alice's operator, requests with alice's assets for alice, and later claims for her.
    await vault.write.requestDeposit([10n * ONE, A, A], { account: carol.account });
    expect(await asset.read.balanceOf([A])).to.equal(990n * ONE);
    await vault.write.settle([0n]);
    await vault.write.deposit([10n * ONE, A, A], { account: carol.account });
    expect(await vault.read.balanceOf([A])).to.equal(10n * ONE * VIRTUAL_SHARES);

    // Bob is no operator of alice, but alice approves him for some of her shares.
    await vault.write.approve([B, 4n * ONE * VIRTUAL_SHARES], { account: alice.account });
    await vault.write.requestRedeem([4n * ONE * VIRTUAL_SHARES, B, A], { account: bob.account });
    expect(await vault.read.allowance([A, B])).to.equal(0n);
    expect(await vault.read.pendingRedeemRequest([0n, B])).to.equal(4n * ONE * VIRTUAL_SHARES);
    await vault.write.settle([1n]);
    await vault.write.redeem([4n * ONE * VIRTUAL_SHARES, B, B], { account: bob.account });
    expect(await asset.read.balanceOf([B])).to.equal(1004n * ONE);

    await vault.write.setOperator([C, false], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.requestDeposit([1n, A, A], { account: carol.account }),
      vault,
      "NotOwnerOrOperator",
      [getAddress(C), getAddress(A)],
    );
  });

  it("settles only the named open epoch, once, and not before its minimum duration", async function () {
    const { vault } = await setup("parallel", { minEpochDuration: 3600n });
    await vault.write.requestDeposit([1n * ONE, A, A], { account: alice.account });
    await viem.assertions.revertWithCustomError(vault.write.settle([0n]), vault, "EpochTooYoung");
    await networkHelpers.time.increase(3600);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.settle([1n]),
      vault,
      "EpochMismatch",
      [1n, 0n],
    );
    await vault.write.settle([0n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.settle([0n]),
      vault,
      "EpochMismatch",
      [0n, 1n],
    );
    expect(await vault.read.currentEpoch()).to.equal(1n);
    expect(await vault.read.epochOpenedAt()).to.equal(BigInt(await networkHelpers.time.latest()));
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.read.epochPrice([1n]),
      vault,
      "EpochNotSettled",
      [1n],
    );
  });

  it("lowers the next price after a loss (the only way the share price goes down)", async function () {
    const { asset, vault } = await setup();
    await vault.write.requestDeposit([100n * ONE, A, A], { account: alice.account });
    await vault.write.settle([0n]);
    await asset.write.simulateLoss([vault.address, 40n * ONE]);
    expect(await vault.read.totalAssets()).to.equal(60n * ONE);
    await vault.write.requestDeposit([60n * ONE, B, B], { account: bob.account });
    await vault.write.settle([1n]);
    const [base0, quote0] = await vault.read.epochPrice([0n]);
    const [base1, quote1] = await vault.read.epochPrice([1n]);
    expect(base1 * quote0 < base0 * quote1, "assets per share fell").to.equal(true);
    // Bob's 60 assets buy as many shares as alice's 100 now hold value: the same share count.
    expect(await vault.read.maxMint([B])).to.equal(mulDiv(60n * ONE, quote1, base1));
    expect((await vault.read.maxMint([B])) > 99n * ONE * VIRTUAL_SHARES).to.equal(true);
  });

  it("is an ERC-7540 vault: metadata, asynchronous previews, ERC-165", async function () {
    const { asset, vault } = await setup();
    expect(await vault.read.asset()).to.equal(getAddress(asset.address));
    expect(await vault.read.share()).to.equal(getAddress(vault.address));
    expect(await vault.read.decimals()).to.equal(18 + 3);
    expect(await vault.read.name()).to.equal("Parallel Vault Share");
    expect(await vault.read.settler()).to.equal(zeroAddress);
    for (const preview of [
      "previewDeposit",
      "previewMint",
      "previewWithdraw",
      "previewRedeem",
    ] as const) {
      await viem.assertions.revertWithCustomError(vault.read[preview]([1n]), vault, "AsyncFlow");
    }
    const abi = vault.abi as Abi;
    const operator = interfaceId(abi, ["setOperator", "isOperator"]);
    // The async-deposit id also covers the 3-argument deposit/mint overloads (ERC-7540).
    const deposit = xorIds(
      interfaceId(abi, ["requestDeposit", "pendingDepositRequest", "claimableDepositRequest"]),
      ["deposit(uint256,address,address)", "mint(uint256,address,address)"],
    );
    const redeem = interfaceId(abi, [
      "requestRedeem",
      "pendingRedeemRequest",
      "claimableRedeemRequest",
    ]);
    expect([operator, deposit, redeem]).to.deep.equal(["0xe3bc4e65", "0xce3bbe50", "0x620ee8e4"]);
    for (const id of ["0x01ffc9a7", operator, deposit, redeem, "0x2f0a18c5"] as const) {
      expect(await vault.read.supportsInterface([id]), id).to.equal(true);
    }
    expect(await vault.read.supportsInterface(["0xffffffff"])).to.equal(false);
  });
});
