import { expect } from "chai";
import { network } from "hardhat";
import { encodeAbiParameters, keccak256, type Address } from "viem";

// `parallel` is the network hardhat-parallel adds: a local EVM that executes each block's
// transactions in parallel (Block-STM) and records what every transaction read and wrote.
const { viem, networkHelpers, parallel } = await network.create("parallel");
const publicClient = await viem.getPublicClient();
const testClient = await viem.getTestClient();

/** Number of shards of ParallelCounter's total (its `SHARDS`). */
const SHARDS = 16n;

/** ParallelCounter's `shard(user)`, computed off-chain: keccak256(abi.encode(user)) % 16. */
function shardOf(user: Address): bigint {
  return BigInt(keccak256(encodeAbiParameters([{ type: "address" }], [user]))) % SHARDS;
}

/** Dev accounts whose addresses fall on pairwise different shards (at most 16). */
async function usersOnDistinctShards(count: number) {
  const seen = new Set<bigint>();
  const users = [];
  for (const wallet of await viem.getWalletClients()) {
    const s = shardOf(wallet.account.address);
    if (seen.has(s)) continue;
    seen.add(s);
    users.push(wallet);
  }
  expect(users.length, `dev accounts on distinct shards`).to.be.at.least(count);
  return users.slice(0, count);
}

/**
 * Mines the transactions that `send` submits in one block (automine off meanwhile) and returns
 * their receipts, checking that all succeeded and landed in that same block.
 */
async function inOneBlock(send: () => Promise<`0x${string}`[]>) {
  await testClient.setAutomine(false);
  let hashes: `0x${string}`[];
  try {
    hashes = await send();
    await networkHelpers.mine();
  } finally {
    await testClient.setAutomine(true);
  }
  const receipts = await Promise.all(
    hashes.map((hash) => publicClient.getTransactionReceipt({ hash })),
  );
  for (const receipt of receipts) expect(receipt.status).to.equal("success");
  expect(new Set(receipts.map((r) => r.blockNumber)).size, "blocks used").to.equal(1);
  return receipts;
}

describe("ParallelCounter", function () {
  it("counts each user's calls, in their shard and in the total", async function () {
    const counter = await viem.deployContract("ParallelCounter");
    const users = (await viem.getWalletClients()).slice(0, 5);

    // User i calls increment() i + 1 times.
    for (const [i, user] of users.entries()) {
      for (let call = 1; call <= i + 1; call++) {
        await viem.assertions.emitWithArgs(
          counter.write.increment({ account: user.account }),
          counter,
          "Incremented",
          [user.account.address, BigInt(call)],
        );
      }
    }

    const expectedShards = new Array<bigint>(Number(SHARDS)).fill(0n);
    for (const [i, user] of users.entries()) {
      expect(await counter.read.counts([user.account.address])).to.equal(BigInt(i + 1));
      expect(await counter.read.shard([user.account.address])).to.equal(
        shardOf(user.account.address),
      );
      expectedShards[Number(shardOf(user.account.address))] += BigInt(i + 1);
    }
    for (let s = 0n; s < SHARDS; s++) {
      expect(await counter.read.shards([s]), `shard ${s}`).to.equal(expectedShards[Number(s)]);
    }
    expect(await counter.read.total()).to.equal(15n); // 1 + 2 + 3 + 4 + 5
    expect(await counter.read.unshardedTotal()).to.equal(0n);
  });

  it("counts incrementUnsharded() calls in the single-slot total only", async function () {
    const counter = await viem.deployContract("ParallelCounter");
    const [alice, bob] = await viem.getWalletClients();

    await counter.write.incrementUnsharded({ account: alice.account });
    await counter.write.incrementUnsharded({ account: bob.account });
    await viem.assertions.emitWithArgs(
      counter.write.incrementUnsharded({ account: alice.account }),
      counter,
      "Incremented",
      [alice.account.address, 2n],
    );

    expect(await counter.read.counts([alice.account.address])).to.equal(2n);
    expect(await counter.read.counts([bob.account.address])).to.equal(1n);
    expect(await counter.read.unshardedTotal()).to.equal(3n);
    expect(await counter.read.total()).to.equal(0n);
  });

  it("runs a block of sharded increments without conflicts, unlike the unsharded ones", async function () {
    const counter = await viem.deployContract("ParallelCounter");
    const users = await usersOnDistinctShards(8);

    // Block A: 8 users on 8 different shards call increment(). Each writes its own
    // counts[user] and its own shards[shard(user)]: no transaction reads what another wrote.
    const sharded = await inOneBlock(() =>
      Promise.all(users.map((user) => counter.write.increment({ account: user.account }))),
    );
    // Block B: the same users call incrementUnsharded(). Each reads and writes unshardedTotal,
    // so each transaction depends on the one before it.
    const unsharded = await inOneBlock(() =>
      Promise.all(users.map((user) => counter.write.incrementUnsharded({ account: user.account }))),
    );
    expect(unsharded[0].blockNumber).to.equal(sharded[0].blockNumber + 1n);

    expect(await counter.read.total()).to.equal(8n);
    expect(await counter.read.unshardedTotal()).to.equal(8n);
    for (const user of users) {
      expect(await counter.read.counts([user.account.address])).to.equal(2n);
      expect(await counter.read.shards([shardOf(user.account.address)])).to.equal(1n);
    }

    // Parallelism of the two blocks (both held 8 transactions: achieved figures).
    // Block A (sharded): no transaction reads what another wrote.
    const a = sharded[0].blockNumber;
    await parallel.assertions.maxContention(a, 0);
    await parallel.assertions.noDependencyOn(a, "ParallelCounter", "shards");
    await parallel.assertions.noDependencyOn(a, "ParallelCounter", "counts");
    await parallel.assertions.minParallelism(a, 8);
    await parallel.assertions.minSpeedup(a, { lanes: 8, speedup: 8 });
    await parallel.assertions.noAccessViolations(a);
    // Block B (unsharded): every transaction but the first depends on its predecessor through
    // the one hot slot.
    const b = await parallel.analyse(unsharded[0].blockNumber);
    expect(b.contention).to.equal(7 / 8);
    expect(b.hotLocations.map((h) => h.label)).to.deep.equal(["ParallelCounter.unshardedTotal"]);
    expect(b.criticalPath.length).to.equal(8);
    expect(b.parallelism).to.equal(1);
    await parallel.assertions.noAccessViolations(b);
  });
});
