/**
 * `connection.parallel`: the `analysis` of `batch()`, `analyse(block)` and the assertions bound
 * to the connection (accepting a batch, its promise, an analysis or a block number).
 */
import assert from "node:assert/strict";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { storageKey } from "../../sdk/engine/location.ts";

describe("connection.parallel: analyses and assertions", function () {
  let connection: NetworkConnection;

  before(async function () {
    connection = await network.create("parallel");
  });

  after(async function () {
    await connection.close();
  });

  async function deploy() {
    // By a plain string: the generated artifact types of this repository are not relied upon.
    const tally = await connection.viem.deployContract("ReportTally" as string);
    const users = (await connection.viem.getWalletClients()).slice(1, 6);
    return { tally, users };
  }

  it("analyses the mined block of a batch with contract and function names", async function () {
    const { tally, users } = await deploy();
    const { analysis, record } = await connection.parallel.batch(() =>
      Promise.all(users.map((user) => tally.write.bump([], { account: user.account }))),
    );
    assert.equal(analysis.kind, "achieved");
    assert.equal(analysis.blockNumber, record.blockNumber);
    assert.equal(analysis.transactionCount, 5);
    assert.equal(analysis.contention, 0.8);
    assert.equal(analysis.lanes, 2, "the network's configured lanes");
    assert.deepEqual(
      analysis.transactions.map((t) => `${t.contract}.${t.function}`),
      Array(5).fill("ReportTally.bump"),
    );
    const [hot] = analysis.hotLocations;
    assert.equal(hot.location, storageKey(tally.address, 0n));
    // Decoded with the storage layout of the access manifest the build writes.
    assert.equal(hot.label, "ReportTally.total");
    assert.equal(hot.contract, "ReportTally");
    assert.equal(hot.dependencies, 4);
    assert.deepEqual(hot.writers, [{ contract: "ReportTally", function: "bump", dependencies: 4 }]);
    // analyse(block) gives the same analysis as batch().
    assert.deepEqual(await connection.parallel.analyse(record.blockNumber), analysis);
    assert.deepEqual(
      await connection.parallel.analyse({ blockNumber: record.blockNumber }),
      analysis,
    );
  });

  it("asserts on a batch promise, a batch result, an analysis or a block number", async function () {
    const { tally, users } = await deploy();
    const shared = connection.parallel.batch(() =>
      Promise.all(users.map((user) => tally.write.bump([], { account: user.account }))),
    );
    await connection.parallel.assertions.maxContention(shared, 0.8);
    await assert.rejects(
      connection.parallel.assertions.maxContention(shared, 0.5),
      (error: Error) =>
        error.name === "AssertionError" &&
        /Expected contention at most 50%, but it was 80% \(4 of 5 transactions/.test(error.message),
    );
    await assert.rejects(
      connection.parallel.assertions.noDependencyOn(shared, "ReportTally", "total"),
      /Expected no dependency on ReportTally\.total, but it caused 4 dependencies/,
    );
    await connection.parallel.assertions.noDependencyOn(shared, "ReportTally", "mine");
    const { record } = await shared;
    await connection.parallel.assertions.minParallelism(record.blockNumber, 1);
    await assert.rejects(
      connection.parallel.assertions.minSpeedup(Number(record.blockNumber), {
        lanes: 16,
        speedup: 2,
      }),
      /speedup on 16 lanes at least 2x/,
    );

    const disjoint = await connection.parallel.batch(() =>
      Promise.all(users.map((user) => tally.write.own([], { account: user.account }))),
    );
    await connection.parallel.assertions.maxContention(disjoint, 0);
    await connection.parallel.assertions.minSpeedup(disjoint.analysis, { lanes: 16, speedup: 5 });
    // Default lanes: the network's 2. Five equal transactions on 2 lanes: makespan 3, speedup 5/3.
    await connection.parallel.assertions.minSpeedup(disjoint, { speedup: 1.66 });
    await assert.rejects(
      connection.parallel.assertions.minSpeedup(disjoint, { speedup: 1.7 }),
      /speedup on 2 lanes at least 1\.7x, but it was 1\.67x/,
    );
    // Declared access: `own` writes only what it declares; `bump` also writes the undeclared `total`.
    await connection.parallel.assertions.noAccessViolations(disjoint);
    const violations = (await shared).analysis.violations ?? [];
    assert.equal(violations.length, 5);
    assert.deepEqual(
      {
        contract: violations[0].contract,
        label: violations[0].label,
        access: violations[0].access,
        location: violations[0].location,
      },
      {
        contract: "ReportTally",
        label: "ReportTally.total",
        access: "write",
        location: storageKey(tally.address, 0n),
      },
    );
    await assert.rejects(
      connection.parallel.assertions.noAccessViolations(shared),
      /Expected no access violations, but found 5:\n {2}- block \d+ tx 0 ReportTally\.bump(\(\))? wrote ReportTally\.total/,
    );
    await assert.rejects(
      connection.parallel.assertions.maxContention({} as never, 0.1),
      /expected a parallelism analysis/,
    );
  });

  it("refuses to analyse on a network that is not parallel", async function () {
    const edr = await network.create();
    try {
      assert.equal(edr.parallel.enabled, false);
      await assert.rejects(
        edr.parallel.analyse(),
        /network "default" is not a parallel network: use network\.create\("parallel"\)/,
      );
      await assert.rejects(
        edr.parallel.assertions.maxContention(1n, 0.5),
        /is not a parallel network/,
      );
    } finally {
      await edr.close();
    }
  });
});
