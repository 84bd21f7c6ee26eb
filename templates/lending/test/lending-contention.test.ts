/**
 * Contention of the two lending markets on hardhat-parallel's `parallel` network: one block of
 * 100 users' actions (50 supplies and 50 borrows, interleaved), mined as ONE block and analysed
 * (dependency graph, contention, speedup on 16 lanes, hot locations), plus a check that every
 * transaction touched only the storage its function's annotation declares.
 *
 * Users: for the parallel market, the 100 users are chosen on pairwise distinct shards (see
 * `usersOnDistinctShards`): that is the best case, and the assertion is that nothing else
 * conflicts. A second block uses 100 unchosen ("random") users and checks that its contention is
 * exactly the share of users whose shard an earlier user of the block already used — about 17%
 * for 100 random users on 256 shards (`expectedCollidingKeys(100, 256)` = 17.1).
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, maxUint256 } from "viem";
import { speedupAt } from "hardhat-parallel/sdk";

import { formatUndeclared, undeclaredAccesses } from "./declared-access.ts";
import {
  ONE,
  PRICE,
  activate,
  collidingKeys,
  deployBaselineMarket,
  deployParallelMarket,
  expectedCollidingKeys,
  seededAddresses,
  shardOf,
  usersOnDistinctShards,
} from "./helpers.ts";

/** Gas limit of every batched transaction (no estimation; 100 of them fit the 60M block). */
const GAS = 500_000n;
/** What each lender supplies and each borrower borrows in the measured block. */
const AMOUNT = 1_000n * ONE;

type Connection = NetworkConnection;
type Token = Awaited<ReturnType<typeof deployParallelMarket>>["asset"];

/** Sends `calls` (each returning a tx hash) as one block, in order, and returns the batch. */
async function oneBlock(connection: Connection, calls: (() => Promise<`0x${string}`>)[]) {
  return connection.parallel.batch(async () => {
    const hashes: `0x${string}`[] = [];
    for (const call of calls) hashes.push(await call());
    return hashes;
  });
}

/** Mints and approves in three blocks (mints, approvals), for many accounts at once. */
async function fundMany(
  connection: Connection,
  token: Token,
  accounts: readonly Address[],
  amount: bigint,
  spender: Address,
) {
  await oneBlock(
    connection,
    accounts.map((a) => () => token.write.mint([a, amount], { gas: GAS })),
  );
  await oneBlock(
    connection,
    accounts.map((a) => () => token.write.approve([spender, maxUint256], { account: a, gas: GAS })),
  );
}

/**
 * Asserts that every transaction of a batch succeeded (a failed one would touch less storage and
 * flatter the figures). The message lists the failures and how the block was executed.
 */
function expectAllSucceeded(batch: Awaited<ReturnType<typeof oneBlock>>): void {
  const failed = batch.transactions
    .filter((t) => t.status !== "success")
    .map((t) => `#${t.transactionIndex} (${t.gasUsed} gas)`);
  expect(
    failed,
    `failed transactions; block executed by ${batch.record.executedBy} with ${batch.record.reExecutions} re-executions`,
  ).to.deep.equal([]);
}

/**
 * Under the `declared` executor (`parallel: { executor: "declared" }`), a block of these calls
 * keeps the declared schedule: their `@custom:calls` declare the token transfers, so nothing
 * falls back to Block-STM. Other executors: nothing to check.
 */
function expectDeclaredSchedule(record: {
  executor: string;
  executedBy: string;
  fallbackReason?: string;
}): void {
  if (record.executor !== "declared") return;
  expect(record.fallbackReason, record.fallbackReason).to.equal(undefined);
  expect(record.executedBy).to.equal("declared");
}

/** Interleaves lenders and borrowers: lender 0, borrower 0, lender 1, ... */
function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  return a.flatMap((x, i) => [x, b[i]]);
}

describe("Lending contention on the parallel network (100 users in one block)", function () {
  this.timeout(900_000);
  let connection: Connection;

  before(async function () {
    connection = await network.create("parallel");
  });

  after(async function () {
    await connection.close();
  });

  /**
   * Deploys a ParallelLendingMarket over sharded-balance tokens with 1,000,000 of liquidity
   * spread over all 256 of the market's token shards (3,000 each, by a keeper), and lets
   * `borrowers` post 10 collateral each and `lenders` hold AMOUNT. Returns the market.
   */
  async function parallelMarket(lenders: readonly Address[], borrowers: readonly Address[]) {
    const { viem } = connection;
    const [whale] = await viem.getWalletClients();
    const deployed = await deployParallelMarket(viem);
    const { asset, collateral, market } = deployed;
    await activate(connection, [...lenders, ...borrowers]);
    await fundMany(connection, asset, lenders, AMOUNT, market.address);
    await fundMany(connection, collateral, borrowers, 10n * ONE, market.address);
    const collateralBlock = await oneBlock(
      connection,
      borrowers.map(
        (b) => () => market.write.supplyCollateral([10n * ONE], { account: b, gas: GAS }),
      ),
    );
    expectDeclaredSchedule(collateralBlock.record);
    await asset.write.mint([whale.account.address, 1_000_000n * ONE]);
    await asset.write.approve([market.address, maxUint256]);
    await market.write.supply([1_000_000n * ONE]);
    // The keeper spreads the idle cash: every shard gets 3,000 (765,000 in all; two calls, to
    // stay far below the per-transaction gas cap).
    const from = shardOf(whale.account.address);
    await market.write.spreadLiquidity([from, 0n, 128n, 3_000n * ONE]);
    await market.write.spreadLiquidity([from, 128n, 128n, 3_000n * ONE]);
    return deployed;
  }

  describe("ParallelLendingMarket, 100 users on distinct shards", function () {
    const users = usersOnDistinctShards("hardhat-parallel/lending-user", 100);
    const lenders = users.slice(0, 50);
    const borrowers = users.slice(50);
    let deployed: Awaited<ReturnType<typeof parallelMarket>>;

    before(async function () {
      deployed = await parallelMarket(lenders, borrowers);
      await deployed.oracle.write.setPrice([PRICE]);
    });

    it("50 supplies + 50 borrows in one block do not conflict", async function () {
      const { asset, market } = deployed;
      const batch = await oneBlock(
        connection,
        interleave(
          lenders.map((l) => () => market.write.supply([AMOUNT], { account: l, gas: GAS })),
          borrowers.map((b) => () => market.write.borrow([AMOUNT], { account: b, gas: GAS })),
        ),
      );
      const { analysis, transactions, record } = batch;
      expect(record.transactions).to.equal(100);
      expectAllSucceeded(batch);
      expectDeclaredSchedule(record);
      const at16 = speedupAt(analysis, 16);
      console.log(
        `      ParallelLendingMarket: contention ${analysis.contention}, critical path ${analysis.criticalPath.length} tx, ` +
          `parallelism ${analysis.parallelism.toFixed(2)}, speedup@16 ${at16.speedup.toFixed(2)}, ${analysis.totalGas} gas, ` +
          `executed by ${record.executedBy} (${record.reExecutions} re-executions)`,
      );
      await connection.parallel.assertions.maxContention(analysis, 0.05);
      await connection.parallel.assertions.minSpeedup(analysis, { lanes: 16, speedup: 12 });
      for (const variable of ["_totalScaledSupply", "_totalScaledDebt", "_epoch", "_positions"]) {
        await connection.parallel.assertions.noDependencyOn(
          analysis,
          "ParallelLendingMarket",
          variable,
        );
      }
      // The shards add up: the scaled totals are the sums of the positions (+ the keeper's supply).
      let scaledDebt = 0n;
      for (const b of borrowers) scaledDebt += (await market.read.positionOf([b]))[1];
      expect(await market.read.scaledTotals()).to.deep.equal([
        1_000_000n * ONE + 50n * AMOUNT,
        scaledDebt,
      ]);
      for (const b of borrowers.slice(0, 3))
        expect(await asset.read.balanceOf([b])).to.equal(AMOUNT);

      const undeclared = await undeclaredAccesses(connection, transactions, [
        { name: "ParallelLendingMarket", address: market.address },
      ]);
      expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);
      if (analysis.violations !== undefined)
        await connection.parallel.assertions.noAccessViolations(analysis);
    });
  });

  describe("ParallelLendingMarket, 100 unchosen users", function () {
    const users = seededAddresses("hardhat-parallel/lending-random-user", 100);
    const lenders = users.slice(0, 50);
    const borrowers = users.slice(50);
    let deployed: Awaited<ReturnType<typeof parallelMarket>>;

    before(async function () {
      deployed = await parallelMarket(lenders, borrowers);
      await deployed.oracle.write.setPrice([PRICE]);
    });

    it("exactly the users whose shard an earlier user of the block took conflict", async function () {
      const { market } = deployed;
      const batch = await oneBlock(
        connection,
        interleave(
          lenders.map((l) => () => market.write.supply([AMOUNT], { account: l, gas: GAS })),
          borrowers.map((b) => () => market.write.borrow([AMOUNT], { account: b, gas: GAS })),
        ),
      );
      const { analysis, transactions } = batch;
      expectAllSucceeded(batch);
      expectDeclaredSchedule(batch.record);
      const predicted = collidingKeys(transactions.map((t) => t.from));
      console.log(
        `      ParallelLendingMarket, unchosen users: ${predicted} of 100 share a shard with an earlier user ` +
          `(expected for random users: ${expectedCollidingKeys(100, 256).toFixed(1)}); contention ${analysis.contention}, ` +
          `speedup@16 ${speedupAt(analysis, 16).speedup.toFixed(2)}`,
      );
      expect(analysis.dependentTransactions).to.equal(predicted);
      // Every hot location is a shard (of a sharded total, of its clock, or of the market's balance
      // in the token).
      for (const hot of analysis.hotLocations)
        expect(hot.label).to.match(/shards\[\d+\]|_debtClock\[\d+\]|_supplyClock\[\d+\]/);
    });
  });

  describe("BaselineLendingMarket, the same 100 users", function () {
    const users = usersOnDistinctShards("hardhat-parallel/lending-user", 100);
    const lenders = users.slice(0, 50);
    const borrowers = users.slice(50);
    let deployed: Awaited<ReturnType<typeof deployBaselineMarket>>;

    before(async function () {
      const { viem, networkHelpers } = connection;
      deployed = await deployBaselineMarket(viem);
      const { asset, collateral, oracle, market } = deployed;
      await activate(connection, users);
      await fundMany(connection, asset, lenders, AMOUNT, market.address);
      await fundMany(connection, collateral, borrowers, 10n * ONE, market.address);
      await oneBlock(
        connection,
        borrowers.map(
          (b) => () => market.write.supplyCollateral([10n * ONE], { account: b, gas: GAS }),
        ),
      );
      // Liquidity, and some debt outstanding so that accrual moves every accrual variable.
      const [whale] = await viem.getWalletClients();
      await asset.write.mint([whale.account.address, 1_000_000n * ONE]);
      await asset.write.approve([market.address, maxUint256]);
      await market.write.supply([1_000_000n * ONE]);
      await collateral.write.mint([whale.account.address, 100n * ONE]);
      await collateral.write.approve([market.address, maxUint256]);
      await market.write.supplyCollateral([100n * ONE]);
      await market.write.borrow([50_000n * ONE]);
      await networkHelpers.time.increase(60);
      await oracle.write.setPrice([PRICE]);
    });

    it("50 supplies + 50 borrows in one block form one chain of dependencies on the accrual variables", async function () {
      const { market } = deployed;
      const batch = await oneBlock(
        connection,
        interleave(
          lenders.map((l) => () => market.write.supply([AMOUNT], { account: l, gas: GAS })),
          borrowers.map((b) => () => market.write.borrow([AMOUNT], { account: b, gas: GAS })),
        ),
      );
      const { analysis, transactions, record } = batch;
      expect(record.transactions).to.equal(100);
      expectAllSucceeded(batch);
      const labels = analysis.hotLocations.map((h) => `${h.label} (${h.dependencies})`);
      console.log(
        `      BaselineLendingMarket: contention ${analysis.contention}, critical path ${analysis.criticalPath.length} tx, ` +
          `speedup@16 ${speedupAt(analysis, 16).speedup.toFixed(2)}, ${analysis.totalGas} gas; hot: ${labels.slice(0, 6).join(", ")}`,
      );
      expect(analysis.contention).to.be.at.least(0.95);
      const hot = new Set(analysis.hotLocations.map((h) => h.label));
      for (const variable of ["accrualTimestamp", "borrowIndex", "totalBorrows", "totalReserves"]) {
        expect(
          hot.has(`BaselineLendingMarket.${variable}`),
          `${variable} is a hot location: ${labels.join(", ")}`,
        ).to.equal(true);
      }
      let refused = false;
      try {
        await connection.parallel.assertions.noDependencyOn(
          analysis,
          "BaselineLendingMarket",
          "accrualTimestamp",
        );
      } catch {
        refused = true;
      }
      expect(refused, "noDependencyOn(accrualTimestamp) fails on the baseline").to.equal(true);
      const undeclared = await undeclaredAccesses(connection, transactions, [
        { name: "BaselineLendingMarket", address: market.address },
      ]);
      expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);
    });
  });

  it("every function of both markets touches only the storage its annotation declares", async function () {
    const { viem, networkHelpers } = connection;
    const wallets = await viem.getWalletClients();
    const [alice, bob, carol] = wallets.slice(1, 4).map((w) => w.account.address);
    const hashes: `0x${string}`[] = [];
    const record = async (hash: Promise<`0x${string}`>) => {
      hashes.push(await hash);
    };
    for (const which of ["parallel", "baseline"] as const) {
      const deployed =
        which === "parallel" ? await deployParallelMarket(viem) : await deployBaselineMarket(viem);
      const { asset, collateral, oracle } = deployed;
      const market = deployed.market as Awaited<ReturnType<typeof deployParallelMarket>>["market"];
      for (const u of [alice, bob, carol]) {
        await record(asset.write.mint([u, 1_000_000n * ONE]));
        await record(asset.write.approve([market.address, maxUint256], { account: u }));
        await record(collateral.write.mint([u, 1_000n * ONE]));
        await record(collateral.write.approve([market.address, maxUint256], { account: u }));
      }
      await record(market.write.supply([100_000n * ONE], { account: alice }));
      await record(market.write.supplyCollateral([10n * ONE], { account: bob }));
      await record(market.write.borrow([14_000n * ONE], { account: bob }));
      await networkHelpers.time.increase(3_600);
      await record(oracle.write.setPrice([PRICE]));
      if (which === "parallel") await record(market.write.rollEpoch());
      await record(market.write.repay([1_000n * ONE, bob], { account: carol }));
      await record(market.write.withdraw([10_000n * ONE], { account: alice }));
      await record(market.write.withdrawCollateral([ONE / 10n], { account: bob }));
      await record(oracle.write.setPrice([1_500n * ONE]));
      await record(market.write.liquidate([bob, 1_000n * ONE, 0n], { account: carol }));
      await record(market.write.repay([maxUint256, bob], { account: bob }));
      await record(market.write.withdrawCollateral([ONE], { account: bob }));
      await record(market.write.withdraw([maxUint256], { account: alice }));
      if (which === "parallel") {
        await record(market.write.supply([1_000n * ONE], { account: carol }));
        await record(market.write.spreadLiquidity([shardOf(carol), 0n, 4n, ONE]));
      } else {
        await record(
          (
            deployed.market as Awaited<ReturnType<typeof deployBaselineMarket>>["market"]
          ).write.accrueInterest(),
        );
      }
      const undeclared = await undeclaredAccesses(connection, hashes, [
        {
          name: which === "parallel" ? "ParallelLendingMarket" : "BaselineLendingMarket",
          address: market.address,
        },
        {
          name: which === "parallel" ? "LendingParallelToken" : "LendingStandardToken",
          address: asset.address,
        },
        { name: "LendingTestOracle", address: oracle.address },
      ]);
      expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);
      hashes.length = 0;
    }
  });
});
