/**
 * Run-time check of declared access (DESIGN §5): each call frame's storage accesses against the
 * `@custom:reads` / `@custom:writes` of the function it runs, on the `parallel` network, and
 * strict mode on a network configured with `parallel: { strict: true }`.
 */
import assert from "node:assert/strict";
import { network } from "hardhat";
import type { Hex } from "viem";

interface Conformance {
  violations: Array<{ contract: string; function: string; label: string; access: "read" | "write"; location: string }>;
  checkedFrames: number;
  undeclaredFrames: number;
}

async function conformanceOf(provider: { request(a: { method: string; params?: unknown[] }): Promise<unknown> }, hash: Hex): Promise<Conformance> {
  const access = (await provider.request({ method: "parallel_getTransactionAccess", params: [hash] })) as { conformance?: Conformance };
  assert.ok(access.conformance !== undefined, "the network checks declared access when the project has manifests");
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
      Promise.all(wallets.map((w, i) => (i % 2 === 0 ? counter.write.mine({ account: w.account }) : counter.write.liar({ account: w.account })))),
    );
    // The suite also runs on the reference executor (HP_EXECUTOR=sequential, see hardhat.config.ts).
    const configured = process.env.HP_EXECUTOR === "sequential" ? "sequential" : "block-stm";
    assert.equal(record.executor, configured);
    assert.equal(record.executedBy, configured, `executed by ${configured} (fallback: ${record.fallbackReason})`);
    for (const [i, hash] of hashes.entries()) {
      const c = await conformanceOf(provider, hash);
      assert.equal(c.checkedFrames, 1);
      const expected = i % 2 === 0 ? [] : [["liar()", "LyingCounter.other", "write"]];
      assert.deepEqual(c.violations.map((v) => [v.function, v.label, v.access]), expected, `transaction ${i}`);
    }
  });

  it("strict mode fails a violating transaction with an error naming the function and the location", async function () {
    const { viem } = await network.create("parallelStrict");
    const counter = await viem.deployContract("LyingCounter");
    await counter.write.honest();
    await assert.rejects(counter.write.liar(), (error: Error) => {
      assert.match(error.message, /Strict access mode: LyingCounter\.liar\(\) wrote LyingCounter\.other, which its @custom:writes does not declare/);
      return true;
    });
    assert.equal(await counter.read.count(), 1n, "the violating transaction changed nothing");
  });
});
