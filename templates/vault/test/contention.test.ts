/**
 * Contention of the vaults on hardhat-parallel's `parallel` network: 100 users send the same
 * operation, all in ONE block (executed by Block-STM), and the block's parallelism analysis is
 * checked — contention (share of transactions that read a location an earlier transaction of the
 * block wrote), speedup(16) of the deterministic list schedule, the hot locations with their
 * decoded labels, and the engine's check of every call frame against the functions'
 * `@custom:reads` / `@custom:writes` annotations.
 *
 * Scenarios (each `describe` is one vault over one asset, named so that the report printed after
 * `hardhat test` shows them side by side):
 * - `ParallelVault, parallel asset`: users on pairwise distinct shards request deposits, claim
 *   their shares (after a settlement in an earlier block), request redemptions and claim their
 *   assets (after another settlement): no transaction depends on another. Then users NOT chosen
 *   by shard request deposits: exactly the users whose shard an earlier user of the block took
 *   depend on that user, through that shard of the vault's `_requestedAssets` and of the asset's
 *   sharded balance of the vault.
 * - `ParallelVault, standard asset`: the same steps. Deposit requests and redemption claims
 *   serialise on the asset's `_balances[vault]` (each depends on the one before it), although the
 *   vault's own storage causes no dependency; deposit claims and redemption requests, which move
 *   no asset, stay independent.
 * - `BaselineVault, standard asset`: conventional ERC-4626 deposits serialise on the vault's
 *   `_totalSupply` and the asset's `_balances[vault]`.
 *
 * Every block's state is prepared in earlier blocks (`before` hooks: funding, approvals,
 * settlements), so each test mines exactly its one block of 100 transactions and its row in the
 * report describes that block alone. Transactions are sent by impersonated accounts
 * (`eth_sendTransaction`, no signing); the engine estimates each one's gas against the latest
 * mined block.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, maxUint256, type Address, type Hex } from "viem";

import { type Asset, deployBaselineVault, deployParallelVault } from "./fixtures.ts";
import { ONE, candidateUsers, mulDiv, shardOf, usersOnDistinctShards } from "./helpers.ts";

/** Users, hence transactions, in each tested block. */
const USERS = 100;

/** Asset minted to each user before its scenario (token units). */
const FUNDS = 1_000n * ONE;

/** Ether given to each user for gas (wei). */
const GAS_MONEY = 10n ** 20n;

// Contention only exists on a parallel network: these tests always run on `parallel`, whatever
// `HP_TEST_NETWORK` says for the functional tests.
const connection = await network.create("parallel");
const { viem, networkHelpers, parallel } = connection;

// The engine's Block-STM lanes are worker threads: close the chain when the run is done.
after(async function () {
  await connection.close();
});

type ParallelDeployment = Awaited<ReturnType<typeof deployParallelVault>>;
type BaselineDeployment = Awaited<ReturnType<typeof deployBaselineVault>>;
type Batch = Awaited<ReturnType<typeof inOneBlock>>;

/** Gives each user ether for gas and lets the network send for it (impersonation); mines nothing. */
async function enable(users: readonly Address[]): Promise<void> {
  for (const user of users) {
    await networkHelpers.setBalance(user, GAS_MONEY);
    await networkHelpers.impersonateAccount(user);
  }
}

/**
 * Sends one transaction per user (`send` returns its hash without waiting for the receipt) and
 * mines them all as one block. Checks that the block holds exactly those transactions and that
 * none of them reverted, so that the analysis describes the operation the test names.
 * @returns what `parallel.batch` returns: the hashes, the block's execution record, read/write
 *   sets and parallelism analysis.
 */
async function inOneBlock(
  users: readonly Address[],
  send: (user: Address, index: number) => Promise<Hex>,
) {
  const batch = await parallel.batch(() =>
    Promise.all(users.map((user, index) => send(user, index))),
  );
  expect(batch.transactions.map((t) => t.transactionHash)).to.have.members(batch.result);
  expect(batch.transactions).to.have.lengthOf(users.length);
  const reverted = batch.transactions
    .filter((t) => t.status !== "success")
    .map((t) => t.transactionHash);
  expect(reverted, "reverted transactions in the batch").to.deep.equal([]);
  return batch;
}

/** Mints {@link FUNDS} to every user and has every user approve `spender` (two blocks). */
async function fund(asset: Asset, users: readonly Address[], spender: Address): Promise<void> {
  await inOneBlock(users, (user) => asset.write.mint([user, FUNDS], { account: user }));
  await inOneBlock(users, (user) => asset.write.approve([spender, maxUint256], { account: user }));
}

/** Settles the vault's open epoch (one block). @returns the settled epoch. */
async function settle(vault: ParallelDeployment["vault"]): Promise<bigint> {
  const epoch = await vault.read.currentEpoch();
  await vault.write.settle([epoch]);
  return epoch;
}

/** Asserts a block of independent transactions: no dependency at all, speedup(16) ≥ 12. */
async function expectIndependent(batch: Batch): Promise<void> {
  await parallel.assertions.maxContention(batch, 0);
  await parallel.assertions.minSpeedup(batch, { lanes: 16, speedup: 12 });
  expect(batch.analysis.hotLocations).to.deep.equal([]);
}

/**
 * A batch's hot locations as `{ label, dependencies }`, hottest first, with labels in lowercase
 * (the decoder prints mapping keys that are addresses in full, e.g.
 * `VaultStandardAsset._balances[0xa513…]`; the case of the hex is not what is tested).
 */
function hotSpots(batch: Batch): { label: string; dependencies: number }[] {
  return batch.analysis.hotLocations.map((h) => ({
    label: h.label.toLowerCase(),
    dependencies: h.dependencies,
  }));
}

/** `Contract.variable[address]`, lowercase, as {@link hotSpots} gives it. */
const entry = (variable: string, address: Address) => `${variable}[${address}]`.toLowerCase();

const sum = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);

/**
 * Asserts that every transaction of the batch depends on the one before it through the vault's
 * balance slot in the standard asset, and through nothing else: the one hot spot with a
 * conventional ERC-20, which no change to the vault removes.
 */
async function expectChainOnAssetBalance(
  batch: Batch,
  asset: Address,
  vault: Address,
): Promise<void> {
  expect(batch.analysis.contention).to.be.at.least(0.95);
  expect(hotSpots(batch)).to.deep.equal([
    { label: entry("VaultStandardAsset._balances", vault), dependencies: USERS - 1 },
  ]);
  expect(getAddress(batch.analysis.hotLocations[0].address)).to.equal(getAddress(asset));
}

for (const kind of ["parallel", "standard"] as const) {
  describe(`ParallelVault, ${kind} asset`, function () {
    // One user per shard: no two of them touch the same shard of any sharded counter.
    const users = usersOnDistinctShards(USERS).map((account) => account.address);
    // Different amounts per user (1..100 tokens), so a mix-up between users would show.
    const amounts = users.map((_, i) => BigInt(i + 1) * ONE);
    let asset: ParallelDeployment["asset"];
    let vault: ParallelDeployment["vault"];

    before(async function () {
      ({ asset, vault } = await deployParallelVault(viem, { asset: kind }));
      await enable(users);
      await fund(asset, users, vault.address);
    });

    it("requestDeposit, distinct shards", async function () {
      const batch = await inOneBlock(users, (user, i) =>
        vault.write.requestDeposit([amounts[i], user, user], { account: user }),
      );
      if (kind === "parallel") {
        // The asset credits the vault's shard shard(user): the same index as the vault's counter.
        await expectIndependent(batch);
      } else {
        await expectChainOnAssetBalance(batch, asset.address, vault.address);
      }
      // Either way the vault's own sharded counter, with users on distinct shards, causes none.
      await parallel.assertions.noDependencyOn(batch, "ParallelVault", "_requestedAssets");
      await parallel.assertions.noAccessViolations(batch);
      expect(await vault.read.pendingDepositAssets()).to.equal(sum(amounts));
      expect(await asset.read.balanceOf([vault.address])).to.equal(sum(amounts));
    });

    describe("settled once", function () {
      let epoch: bigint;

      before(async function () {
        epoch = await settle(vault);
      });

      // Claims and redemption requests touch the vault's storage only (no asset transfer).
      it("deposit (claim)", async function () {
        const [base, quote] = await vault.read.epochPrice([epoch]);
        const batch = await inOneBlock(users, (user, i) =>
          vault.write.deposit([amounts[i], user, user], { account: user }),
        );
        await expectIndependent(batch);
        await parallel.assertions.noAccessViolations(batch);
        const shares = await Promise.all(users.map((user) => vault.read.balanceOf([user])));
        expect(shares).to.deep.equal(amounts.map((assets) => mulDiv(assets, quote, base)));
      });

      it("requestRedeem", async function () {
        const shares = await Promise.all(users.map((user) => vault.read.balanceOf([user])));
        expect(
          shares.every((s) => s > 0n),
          "every user holds shares",
        ).to.equal(true);
        const batch = await inOneBlock(users, (user, i) =>
          vault.write.requestRedeem([shares[i], user, user], { account: user }),
        );
        await expectIndependent(batch);
        await parallel.assertions.noDependencyOn(batch, "ParallelVault", "_requestedShares");
        await parallel.assertions.noAccessViolations(batch);
        expect(await vault.read.pendingRedeemShares()).to.equal(sum(shares));
      });
    });

    describe("settled twice", function () {
      before(async function () {
        await settle(vault);
      });

      it("redeem (claim)", async function () {
        const shares = await Promise.all(users.map((user) => vault.read.maxRedeem([user])));
        expect(
          shares.every((s) => s > 0n),
          "every user has a claimable redemption",
        ).to.equal(true);
        const batch = await inOneBlock(users, (user, i) =>
          vault.write.redeem([shares[i], user, user], { account: user }),
        );
        if (kind === "parallel") {
          // Each payment comes from the vault's shard shard(user), where that user's deposit landed.
          await expectIndependent(batch);
        } else {
          await expectChainOnAssetBalance(batch, asset.address, vault.address);
        }
        await parallel.assertions.noDependencyOn(batch, "ParallelVault", "_claimedRedeemAssets");
        await parallel.assertions.noAccessViolations(batch);
        // Nobody else deposited and the price did not move: every user gets exactly its deposit back.
        const balances = await Promise.all(users.map((user) => asset.read.balanceOf([user])));
        expect(balances).to.deep.equal(users.map(() => FUNDS));
      });
    });

    if (kind !== "parallel") return;

    describe("random users", function () {
      // Users NOT chosen by shard: several of them share a shard.
      const randomUsers = candidateUsers(USERS).map((account) => account.address);
      let randomVault: ParallelDeployment["vault"];

      before(async function () {
        const deployed = await deployParallelVault(viem, { asset: "parallel" });
        randomVault = deployed.vault;
        await enable(randomUsers);
        await fund(deployed.asset, randomUsers, randomVault.address);
      });

      it("requestDeposit", async function () {
        const shards = randomUsers.map((user) => shardOf(user));
        const distinct = new Set(shards).size;
        // Otherwise this test would check nothing that the distinct-shard test does not.
        expect(distinct, "the random users share some shards").to.be.lessThan(USERS);

        const batch = await inOneBlock(randomUsers, (user) =>
          randomVault.write.requestDeposit([ONE, user, user], { account: user }),
        );
        const { analysis } = batch;

        // Expected, in block order: a request depends on the previous request of its shard (it
        // reads that shard of the vault's `_requestedAssets` and the same shard of the asset's
        // balance of the vault, both written by that request), and on nothing else.
        const previousOfShard = new Map<bigint, number>();
        const expectedDependsOn = analysis.transactions.map((tx) => {
          const shard = shardOf(tx.from);
          const previous = previousOfShard.get(shard);
          previousOfShard.set(shard, tx.position);
          return previous === undefined ? [] : [previous];
        });
        expect(analysis.transactions.map((tx) => tx.dependsOn)).to.deep.equal(expectedDependsOn);
        expect(analysis.dependentTransactions).to.equal(USERS - distinct);
        expect(analysis.contention).to.equal((USERS - distinct) / USERS);

        // The hot locations are exactly the shared shards: in the vault's counter and in the
        // asset's sharded balance of the vault, each causing (users in the shard − 1) dependencies.
        const usersPerShard = new Map<bigint, number>();
        for (const shard of shards) usersPerShard.set(shard, (usersPerShard.get(shard) ?? 0) + 1);
        const expectedHot = [...usersPerShard]
          .filter(([, count]) => count > 1)
          .flatMap(([shard, count]) => [
            { label: `parallelvault._requestedassets.shards[${shard}]`, dependencies: count - 1 },
            {
              label: `${entry("VaultParallelAsset._shardedBalances", randomVault.address)}.shards[${shard}]`,
              dependencies: count - 1,
            },
          ]);
        expect(hotSpots(batch)).to.have.deep.members(expectedHot);
        await parallel.assertions.noAccessViolations(batch);
      });
    });
  });
}

describe("BaselineVault, standard asset", function () {
  const users = usersOnDistinctShards(USERS).map((account) => account.address);
  let deployment: BaselineDeployment;

  before(async function () {
    deployment = await deployBaselineVault(viem, "standard");
    await enable(users);
    await fund(deployment.asset, users, deployment.vault.address);
  });

  it("deposit", async function () {
    const { vault } = deployment;
    const batch = await inOneBlock(users, (user) =>
      vault.write.deposit([ONE, user], { account: user }),
    );
    expect(batch.analysis.contention).to.be.at.least(0.95);
    // Every deposit prices itself with, and then writes, the share supply and the vault's
    // balance in the asset: each deposit depends on the one before it through both.
    expect(hotSpots(batch)).to.have.deep.members([
      { label: "baselinevault._totalsupply", dependencies: USERS - 1 },
      { label: entry("VaultStandardAsset._balances", vault.address), dependencies: USERS - 1 },
    ]);
    await parallel.assertions.noAccessViolations(batch);
  });
});
