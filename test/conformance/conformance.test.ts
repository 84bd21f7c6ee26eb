/**
 * Run-time check of declared access (docs/design.md §5): each call frame's storage accesses against the
 * `@custom:reads` / `@custom:writes` of the function it runs, on the `parallel` network, and
 * strict mode on a network configured with `parallel: { strict: true }`.
 */
import assert from "node:assert/strict";
import { network } from "hardhat";
import type { Hex } from "viem";

interface Conformance {
  violations: Array<{
    contract: string;
    function: string;
    label: string;
    access: "read" | "write";
    location: string;
  }>;
  checkedFrames: number;
  undeclaredFrames: number;
}

async function conformanceOf(
  provider: { request(a: { method: string; params?: unknown[] }): Promise<unknown> },
  hash: Hex,
): Promise<Conformance> {
  const access = (await provider.request({
    method: "parallel_getTransactionAccess",
    params: [hash],
  })) as { conformance?: Conformance };
  assert.ok(
    access.conformance !== undefined,
    "the network checks declared access when the project has manifests",
  );
  return access.conformance;
}

describe("declared access at run time", function () {
  it("records no violation for functions that touch what they declare (including mapping[*])", async function () {
    const { viem, provider } = await network.create("parallel");
    const counter = await viem.deployContract("LyingCounter");
    const [, other] = await viem.getWalletClients();
    for (const hash of [
      await counter.write.honest(),
      await counter.write.mine(),
      await counter.write.anyone([other.account.address]),
    ]) {
      const c = await conformanceOf(provider, hash);
      assert.deepEqual(c.violations, []);
      assert.equal(c.checkedFrames, 1);
    }
  });

  it("records an undeclared write and an undeclared read, decoded to the variable", async function () {
    const { viem, provider } = await network.create("parallel");
    const counter = await viem.deployContract("LyingCounter");
    const write = await conformanceOf(provider, await counter.write.liar());
    assert.deepEqual(
      write.violations.map((v) => [v.contract, v.function, v.label, v.access]),
      [["LyingCounter", "liar()", "LyingCounter.other", "write"]],
    );
    const read = await conformanceOf(provider, await counter.write.sneakyRead());
    assert.deepEqual(
      read.violations.map((v) => [v.function, v.label, v.access]),
      [["sneakyRead()", "LyingCounter.other", "read"]],
    );
  });

  it("counts functions without annotations as undeclared, not as violations", async function () {
    const { viem, provider } = await network.create("parallel");
    const counter = await viem.deployContract("LyingCounter");
    const c = await conformanceOf(provider, await counter.write.unannotated());
    assert.deepEqual(c.violations, []);
    assert.equal(c.undeclaredFrames, 1);
    assert.equal(c.checkedFrames, 0);
  });

  it("checks declared access on Block-STM lanes too (a batch mined as one block)", async function () {
    const { viem, provider, parallel } = await network.create("parallel");
    const counter = await viem.deployContract("LyingCounter");
    const wallets = (await viem.getWalletClients()).slice(0, 6);
    // Even-indexed senders call mine() (honest), odd-indexed ones liar().
    const { result: hashes, record } = await parallel.batch(() =>
      Promise.all(
        wallets.map((w, i) =>
          i % 2 === 0
            ? counter.write.mine({ account: w.account })
            : counter.write.liar({ account: w.account }),
        ),
      ),
    );
    // The suite also runs on the other executors (HP_EXECUTOR, see hardhat.config.ts); the
    // declared executor sends this block to block-stm, since liar() writes what it does not declare.
    const configured = process.env.HP_EXECUTOR || "block-stm";
    assert.equal(record.executor, configured);
    const expected = configured === "declared" ? "block-stm" : configured;
    assert.equal(
      record.executedBy,
      expected,
      `executed by ${record.executedBy} (fallback: ${record.fallbackReason})`,
    );
    for (const [i, hash] of hashes.entries()) {
      const c = await conformanceOf(provider, hash);
      assert.equal(c.checkedFrames, 1);
      const expected = i % 2 === 0 ? [] : [["liar()", "LyingCounter.other", "write"]];
      assert.deepEqual(
        c.violations.map((v) => [v.function, v.label, v.access]),
        expected,
        `transaction ${i}`,
      );
    }
  });

  it("the declared executor schedules honest calls from their declarations and falls back when one lies", async function () {
    // minGas 0: these small blocks would otherwise run sequentially (the default is 200,000 gas).
    const override = { parallel: { executor: "declared" as const, fallback: { minGas: 0n } } };
    const { viem, parallel } = await network.create({ network: "parallel", override });
    const counter = await viem.deployContract("LyingCounter");
    const wallets = (await viem.getWalletClients()).slice(0, 6);
    // mine() writes perUser[msg.sender]: six disjoint declared sets.
    const honest = await parallel.batch(() =>
      Promise.all(wallets.map((w) => counter.write.mine({ account: w.account }))),
    );
    assert.equal(honest.record.executor, "declared");
    assert.equal(honest.record.executedBy, "declared", `fallback: ${honest.record.fallbackReason}`);
    assert.deepEqual(honest.record.schedule, { declared: 6, undeclared: 0, longestChain: 1 });
    // liar() declares `count` and writes `other`: the block's result comes from block-stm.
    const lying = await parallel.batch(() =>
      Promise.all(
        wallets.map((w, i) =>
          i === 3
            ? counter.write.liar({ account: w.account })
            : counter.write.mine({ account: w.account }),
        ),
      ),
    );
    assert.equal(lying.record.executedBy, "block-stm", `fallback: ${lying.record.fallbackReason}`);
    assert.match(
      lying.record.fallbackReason ?? "",
      /^transaction 3 \(LyingCounter\.liar\(\)\) wrote LyingCounter\.other \(slot 0x[0-9a-f]{64} of 0x[0-9a-f]{40}\), outside its declared access; block re-executed with block-stm$/,
    );
    for (let i = 0; i < wallets.length; i++)
      assert.equal(await counter.read.perUser([wallets[i].account.address]), i === 3 ? 1n : 2n);
  });

  it("strict mode fails a violating transaction with an error naming the function and the location", async function () {
    const { viem } = await network.create("parallelStrict");
    const counter = await viem.deployContract("LyingCounter");
    await counter.write.honest();
    await assert.rejects(counter.write.liar(), (error: Error) => {
      assert.match(
        error.message,
        /Strict access mode: LyingCounter\.liar\(\) wrote LyingCounter\.other, which its @custom:writes does not declare/,
      );
      return true;
    });
    assert.equal(await counter.read.count(), 1n, "the violating transaction changed nothing");
  });
});
