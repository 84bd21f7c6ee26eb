/**
 * Contracts behind proxies (OpenZeppelin Contracts Upgradeable 5.x, a UUPS implementation
 * behind OpenZeppelin's `ERC1967Proxy`): DELEGATECALL frames are checked against the
 * implementation's declarations applied to the proxy's storage, violations are named by the
 * implementation's layout (EIP-7201 namespaced storage), strict mode refuses them, and the
 * `declared` executor schedules calls through the proxy from the implementation's declarations.
 */
import assert from "node:assert/strict";
import { network } from "hardhat";
import { encodeFunctionData, type Hex } from "viem";

interface Conformance {
  violations: Array<{
    contract: string;
    function: string;
    label: string;
    access: string;
    address: string;
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
  assert.ok(access.conformance !== undefined, "the transaction has a conformance record");
  return access.conformance;
}

async function deployBehindProxy(viem: Awaited<ReturnType<typeof network.create>>["viem"]) {
  const [owner] = await viem.getWalletClients();
  const implementation = await viem.deployContract("UpgradeableTally");
  const data = encodeFunctionData({
    abi: implementation.abi,
    functionName: "initialize",
    args: [owner.account.address],
  });
  const proxy = await viem.deployContract("TallyProxy", [implementation.address, data]);
  return viem.getContractAt("UpgradeableTally", proxy.address);
}

describe("declared access through ERC-1967 proxies (OpenZeppelin upgradeable)", function () {
  this.timeout(120_000);

  it("checks the implementation's frame on the proxy's storage, and names a violation by its layout", async function () {
    const { viem, provider } = await network.create("parallel");
    const tally = await deployBehindProxy(viem);
    assert.equal(
      (await tally.read.owner()).toLowerCase(),
      (await viem.getWalletClients())[0].account.address.toLowerCase(),
    );
    const honest = await conformanceOf(provider, await tally.write.mark());
    // The proxy's own frame (its fallback: no annotations) and the implementation's, checked.
    assert.equal(honest.checkedFrames, 1);
    assert.deepEqual(honest.violations, []);
    assert.equal(
      await tally.read.marksOf([(await viem.getWalletClients())[0].account.address]),
      1n,
    );
    const lying = await conformanceOf(provider, await tally.write.sneak());
    assert.deepEqual(
      lying.violations.map((v) => [v.contract, v.function, v.label, v.access, v.address]),
      [
        [
          "UpgradeableTally",
          "sneak()",
          "UpgradeableTally.TallyStorage.total",
          "write",
          tally.address.toLowerCase(),
        ],
      ],
    );
  });

  it("strict mode refuses a proxied call that writes outside its declaration", async function () {
    const { viem } = await network.create("parallelStrict");
    const tally = await deployBehindProxy(viem);
    await tally.write.mark();
    await assert.rejects(tally.write.sneak(), (error: Error) => {
      assert.match(
        error.message,
        /Strict access mode: UpgradeableTally\.sneak\(\) wrote UpgradeableTally\.TallyStorage\.total, which its @custom:writes does not declare/,
      );
      return true;
    });
    assert.equal(await tally.read.total(), 0n, "the refused transaction changed nothing");
  });

  it("the declared executor schedules calls through the proxy from the implementation's declarations", async function () {
    const override = { parallel: { executor: "declared" as const, fallback: { minGas: 0n } } };
    const { viem, parallel } = await network.create({ network: "parallel", override });
    const tally = await deployBehindProxy(viem);
    const wallets = (await viem.getWalletClients()).slice(0, 6);
    const disjoint = await parallel.batch(() =>
      Promise.all(wallets.map((w) => tally.write.mark({ account: w.account }))),
    );
    assert.equal(
      disjoint.record.executedBy,
      "declared",
      `fallback: ${disjoint.record.fallbackReason}`,
    );
    assert.deepEqual(disjoint.record.schedule, { declared: 6, undeclared: 0, longestChain: 1 });
    const shared = await parallel.batch(() =>
      Promise.all(wallets.map((w) => tally.write.bump({ account: w.account }))),
    );
    // Known from the declarations before execution: all six write `total`, one chain, so the
    // block runs sequentially (nothing to gain from lanes).
    assert.equal(shared.record.executedBy, "sequential");
    assert.match(shared.record.fallbackReason ?? "", /one chain of 6 transactions/);
    assert.equal(await tally.read.total(), 6n);
    // The report's analysis of the shared block: the hot location, by the implementation's layout.
    assert.equal(shared.analysis.hotLocations[0]?.label, "UpgradeableTally.TallyStorage.total");
  });
});
