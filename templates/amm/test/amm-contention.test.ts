/**
 * Contention of the two AMMs on hardhat-parallel's `parallel` network: one block of 100 users'
 * swaps (50 in each direction, interleaved), mined as ONE block and analysed, plus a check that
 * every transaction touched only the storage its function's annotation declares.
 *
 * - BatchAuctionAMM: the 100 commits of a batch; then the settlement (one transaction); then the
 *   100 claims, again in one block.
 * - BaselinePairAMM: the same 100 swaps, executed against the reserves one after the other.
 *
 * Users: for the batch AMM, 100 users on pairwise distinct shards (`usersOnDistinctShards`) — the
 * best case; a second block with 100 unchosen users checks that exactly the users whose shard an
 * earlier user of the block took conflict (about 17 of 100 random users for 256 shards).
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, type Hex, maxUint256 } from "viem";
import { speedupAt } from "hardhat-parallel/sdk";

import { formatUndeclared, undeclaredAccesses } from "./declared-access.ts";
import {
  ONE,
  activate,
  ascending,
  collidingKeys,
  deployBaselinePair,
  deployBatchAMM,
  expectedCollidingKeys,
  mappingPreimage,
  seededAddresses,
  usersOnDistinctShards,
} from "./helpers.ts";

/** Gas limit of every batched transaction (no estimation; 100 of them fit the 60M block). */
const GAS = 500_000n;
/** What each user swaps in the measured block. */
const AMOUNT = 100n * ONE;

type Token = Awaited<ReturnType<typeof deployBatchAMM>>["token0"];

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

describe("AMM contention on the parallel network (100 users in one block)", function () {
  this.timeout(900_000);
  let connection: NetworkConnection;

  before(async function () {
    connection = await network.create("parallel");
  });

  after(async function () {
    await connection.close();
  });

  /** Sends `calls` (each returning a tx hash) as one block, in order. */
  function oneBlock(calls: (() => Promise<Hex>)[]) {
    return connection.parallel.batch(async () => {
      const hashes: Hex[] = [];
      for (const call of calls) hashes.push(await call());
      return hashes;
    });
  }

  /** Asserts that every transaction of a batch succeeded, naming the failures. */
  function expectAllSucceeded(batch: Awaited<ReturnType<typeof oneBlock>>): void {
    const failed = batch.transactions
      .filter((t) => t.status !== "success")
      .map((t) => `#${t.transactionIndex} (${t.gasUsed} gas)`);
    expect(
      failed,
      `failed transactions; block executed by ${batch.record.executedBy} with ${batch.record.reExecutions} re-executions`,
    ).to.deep.equal([]);
  }

  /** Gives each user 10,000 of both tokens, approved for `spender` (four blocks). */
  async function fundMany(tokens: readonly Token[], users: readonly Address[], spender: Address) {
    await activate(connection, users);
    for (const token of tokens) {
      await oneBlock(users.map((u) => () => token.write.mint([u, 10_000n * ONE], { gas: GAS })));
      await oneBlock(
        users.map(
          (u) => () => token.write.approve([spender, maxUint256], { account: u, gas: GAS }),
        ),
      );
    }
  }

  /** 50 sellers of token0 and 50 of token1, interleaved. */
  function swaps(
    users: readonly Address[],
    swap: (user: Address, zeroForOne: boolean) => Promise<Hex>,
  ) {
    return users.map((u, i) => () => swap(u, i % 2 === 0));
  }

  async function batchPool(users: readonly Address[]) {
    const { viem } = connection;
    const deployed = await deployBatchAMM(viem);
    const { token0, token1, pool } = deployed;
    await fundMany([token0, token1], users, pool.address);
    const [admin] = await viem.getWalletClients();
    for (const token of [token0, token1]) {
      await token.write.mint([admin.account.address, 1_000_000n * ONE]);
      await token.write.approve([pool.address, maxUint256]);
    }
    await pool.write.initialize([1_000_000n * ONE, 1_000_000n * ONE]);
    return deployed;
  }

  describe("BatchAuctionAMM, 100 users on distinct shards", function () {
    const users = usersOnDistinctShards("hardhat-parallel/amm-user", 100);
    let pool: Awaited<ReturnType<typeof batchPool>>["pool"];
    const touched: (Hex | Awaited<ReturnType<typeof oneBlock>>["transactions"][number])[] = [];

    before(async function () {
      ({ pool } = await batchPool(users));
    });

    it("100 commits in one block do not conflict", async function () {
      const commits = await oneBlock(
        swaps(users, (u, zeroForOne) =>
          pool.write.commitSwap([zeroForOne, AMOUNT, 0n], { account: u, gas: GAS }),
        ),
      );
      expectAllSucceeded(commits);
      touched.push(...commits.transactions);
      const { analysis, record } = commits;
      expectDeclaredSchedule(record);
      console.log(
        `      BatchAuctionAMM commits: contention ${analysis.contention}, critical path ${analysis.criticalPath.length} tx, ` +
          `parallelism ${analysis.parallelism.toFixed(2)}, speedup@16 ${speedupAt(analysis, 16).speedup.toFixed(2)}, ${analysis.totalGas} gas, ` +
          `executed by ${record.executedBy} (${record.reExecutions} re-executions)`,
      );
      await connection.parallel.assertions.maxContention(analysis, 0.05);
      await connection.parallel.assertions.minSpeedup(analysis, { lanes: 16, speedup: 12 });
      for (const variable of ["_requestCounts", "_orders", "reserve0", "reserve1", "_clock"]) {
        await connection.parallel.assertions.noDependencyOn(analysis, "BatchAuctionAMM", variable);
      }
      if (analysis.violations !== undefined)
        await connection.parallel.assertions.noAccessViolations(analysis);
    });

    it("one settlement clears the batch at one price", async function () {
      const publicClient = await connection.viem.getPublicClient();
      const hash = await pool.write.settle([0n, ascending(users), []], { gas: 16_000_000n });
      touched.push(hash);
      const receipt = await publicClient.getTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      const [base, quote] = await pool.read.batchPrice([0n]);
      console.log(
        `      BatchAuctionAMM settle of 100 orders: ${receipt.gasUsed} gas; price ${Number((quote * 10n ** 9n) / base) / 1e9} token1/token0`,
      );
      expect(await pool.read.pendingCommitments()).to.equal(0n);
      // One distribute (any page size) places every output in its claimant's token shard.
      const placed = await pool.write.distribute([ascending(users)], { gas: 16_000_000n });
      touched.push(placed);
      const distributed = await publicClient.getTransactionReceipt({ hash: placed });
      expect(distributed.status).to.equal("success");
      console.log(`      BatchAuctionAMM distribute of 100 orders: ${distributed.gasUsed} gas`);
    });

    it("100 claims in one block do not conflict", async function () {
      const claims = await oneBlock(
        users.map((u) => () => pool.write.claim({ account: u, gas: GAS })),
      );
      expectAllSucceeded(claims);
      touched.push(...claims.transactions);
      expectDeclaredSchedule(claims.record);
      console.log(
        `      BatchAuctionAMM claims: contention ${claims.analysis.contention}, speedup@16 ${speedupAt(claims.analysis, 16).speedup.toFixed(2)}`,
      );
      await connection.parallel.assertions.maxContention(claims.analysis, 0.05);
    });

    it("the commits, the settlement and the claims touched only declared storage", async function () {
      expect(touched.length).to.equal(202);
      const preimages = new Map(users.map((u) => mappingPreimage(u, 5n)));
      const undeclared = await undeclaredAccesses(
        connection,
        touched,
        [{ name: "BatchAuctionAMM", address: pool.address }],
        preimages,
      );
      expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);
    });
  });

  describe("BatchAuctionAMM, 100 unchosen users", function () {
    const users = seededAddresses("hardhat-parallel/amm-random-user", 100);
    let pool: Awaited<ReturnType<typeof batchPool>>["pool"];

    before(async function () {
      ({ pool } = await batchPool(users));
    });

    it("exactly the users whose shard an earlier user of the block took conflict", async function () {
      const commits = await oneBlock(
        swaps(users, (u, zeroForOne) =>
          pool.write.commitSwap([zeroForOne, AMOUNT, 0n], { account: u, gas: GAS }),
        ),
      );
      expectAllSucceeded(commits);
      expectDeclaredSchedule(commits.record);
      const predicted = collidingKeys(commits.transactions.map((t) => t.from));
      console.log(
        `      BatchAuctionAMM commits, unchosen users: ${predicted} of 100 share a shard with an earlier user ` +
          `(expected for random users: ${expectedCollidingKeys(100, 256).toFixed(1)}); contention ${commits.analysis.contention}, ` +
          `speedup@16 ${speedupAt(commits.analysis, 16).speedup.toFixed(2)}`,
      );
      expect(commits.analysis.dependentTransactions).to.equal(predicted);
      for (const hot of commits.analysis.hotLocations) expect(hot.label).to.match(/shards\[\d+\]/);
    });
  });

  describe("BaselinePairAMM, the same 100 users", function () {
    const users = usersOnDistinctShards("hardhat-parallel/amm-user", 100);
    let pair: Awaited<ReturnType<typeof deployBaselinePair>>["pair"];

    before(async function () {
      const { viem } = connection;
      const deployed = await deployBaselinePair(viem);
      pair = deployed.pair;
      await fundMany([deployed.token0, deployed.token1], users, pair.address);
      const [admin] = await viem.getWalletClients();
      for (const token of [deployed.token0, deployed.token1]) {
        await token.write.mint([admin.account.address, 1_000_000n * ONE]);
        await token.write.approve([pair.address, maxUint256]);
      }
      await pair.write.addLiquidity([1_000_000n * ONE, 1_000_000n * ONE, 1n]);
      await connection.networkHelpers.time.increase(60);
    });

    it("100 swaps in one block form one chain of dependencies on reserve0 / reserve1", async function () {
      const batch = await oneBlock(
        swaps(users, (u, zeroForOne) =>
          pair.write.swap([zeroForOne, AMOUNT, 0n, u], { account: u, gas: GAS }),
        ),
      );
      expectAllSucceeded(batch);
      const { analysis } = batch;
      const labels = analysis.hotLocations.map((h) => `${h.label} (${h.dependencies})`);
      console.log(
        `      BaselinePairAMM swaps: contention ${analysis.contention}, critical path ${analysis.criticalPath.length} tx, ` +
          `speedup@16 ${speedupAt(analysis, 16).speedup.toFixed(2)}, ${analysis.totalGas} gas; hot: ${labels.slice(0, 5).join(", ")}`,
      );
      expect(analysis.contention).to.be.at.least(0.95);
      const hot = new Set(analysis.hotLocations.map((h) => h.label));
      for (const variable of ["reserve0", "reserve1"]) {
        expect(
          hot.has(`BaselinePairAMM.${variable}`),
          `${variable} is a hot location: ${labels.join(", ")}`,
        ).to.equal(true);
      }
      expect(
        analysis.hotLocations.find((h) => h.label === "BaselinePairAMM.reserve0")?.dependencies,
      ).to.equal(99);
      let refused = false;
      try {
        await connection.parallel.assertions.noDependencyOn(
          analysis,
          "BaselinePairAMM",
          "reserve0",
        );
      } catch {
        refused = true;
      }
      expect(refused, "noDependencyOn(reserve0) fails on the baseline").to.equal(true);
      const undeclared = await undeclaredAccesses(connection, batch.transactions, [
        { name: "BaselinePairAMM", address: pair.address },
      ]);
      expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);
    });
  });

  it("every function of both AMMs touches only the storage its annotation declares", async function () {
    const { viem } = connection;
    const [alice, bob, carol] = (await viem.getWalletClients())
      .slice(1, 4)
      .map((w) => w.account.address);
    const hashes: Hex[] = [];
    const record = async (hash: Promise<Hex>) => {
      hashes.push(await hash);
    };
    const { token0, token1, pool } = await deployBatchAMM(viem);
    for (const token of [token0, token1]) {
      for (const u of [alice, bob, carol]) {
        await record(token.write.mint([u, 1_000_000n * ONE]));
        await record(token.write.approve([pool.address, maxUint256], { account: u }));
      }
    }
    // initialize is the deployer's (the admin); alice gets shares by adding liquidity first.
    const [admin] = (await viem.getWalletClients()).map((w) => w.account.address);
    for (const token of [token0, token1]) {
      await record(token.write.mint([admin, 1_000_000n * ONE]));
      await record(token.write.approve([pool.address, maxUint256]));
    }
    await record(pool.write.initialize([100_000n * ONE, 100_000n * ONE]));
    await record(
      pool.write.commitAddLiquidity([10_000n * ONE, 10_000n * ONE, 1n], { account: alice }),
    );
    await record(pool.write.settle([0n, [], [alice]]));
    await record(pool.write.claimLiquidity({ account: alice }));
    await record(pool.write.commitSwap([true, 1_000n * ONE, 0n], { account: bob }));
    await record(pool.write.commitSwap([false, 1_000n * ONE, 10n ** 30n], { account: carol })); // refunded
    await record(
      pool.write.commitAddLiquidity([1_000n * ONE, 2_000n * ONE, 1n], { account: carol }),
    );
    await record(pool.write.commitRemoveLiquidity([1_000n * ONE, 0n, 0n], { account: alice }));
    // carol's swap took her commitment shard's place in batch 1: her addition waits for batch 2.
    await record(pool.write.closeBatch([1n]));
    await record(pool.write.settle([1n, ascending([bob, carol]), [alice]]));
    await record(pool.write.settle([2n, [], [carol]]));
    await record(pool.write.distribute([ascending([bob, carol])]));
    for (const u of [bob, carol]) await record(pool.write.claim({ account: u }));
    for (const u of [alice, carol]) await record(pool.write.claimLiquidity({ account: u }));
    await record(pool.write.transfer([bob, ONE], { account: carol }));
    await record(pool.write.approve([bob, ONE], { account: carol }));
    await record(pool.write.transferFrom([carol, alice, ONE], { account: bob }));
    const preimages = new Map(
      [alice, bob, carol].flatMap((u) => [mappingPreimage(u, 5n), mappingPreimage(u, 6n)]),
    );
    let undeclared = await undeclaredAccesses(
      connection,
      hashes,
      [
        { name: "BatchAuctionAMM", address: pool.address },
        { name: "AmmParallelToken", address: token0.address },
        { name: "AmmParallelToken", address: token1.address },
      ],
      preimages,
    );
    expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);

    hashes.length = 0;
    const baseline = await deployBaselinePair(viem);
    for (const token of [baseline.token0, baseline.token1]) {
      await record(token.write.mint([alice, 1_000_000n * ONE]));
      await record(token.write.approve([baseline.pair.address, maxUint256], { account: alice }));
    }
    await record(
      baseline.pair.write.addLiquidity([100_000n * ONE, 100_000n * ONE, 1n], { account: alice }),
    );
    await record(baseline.pair.write.swap([true, ONE, 0n, bob], { account: alice }));
    await record(baseline.pair.write.swap([false, ONE, 0n, alice], { account: alice }));
    await record(baseline.pair.write.removeLiquidity([ONE, 0n, 0n], { account: alice }));
    undeclared = await undeclaredAccesses(connection, hashes, [
      { name: "BaselinePairAMM", address: baseline.pair.address },
      { name: "AmmStandardToken", address: baseline.token0.address },
      { name: "AmmStandardToken", address: baseline.token1.address },
    ]);
    expect(undeclared, formatUndeclared(undeclared)).to.deep.equal([]);
  });
});
