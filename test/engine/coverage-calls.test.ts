/**
 * Coverage calls on a chain with `coverage: true` (`sdk/engine/observed-calls.ts`), EDR's
 * collector rules: a call to the coverage address is recorded and not run, and leaves as return
 * data the output of the last call that ended before it (not the empty output of a call to an
 * account without code, as without coverage); each observed execution reports its hits once.
 */
import assert from "node:assert/strict";

import { describe, it } from "mocha";

import { COVERAGE_ADDRESS } from "../../sdk/engine/observed-calls.ts";
import { createParallelProvider } from "../../sdk/rpc/provider.ts";

/**
 * Init code: calls the identity precompile with 5 bytes (5 bytes of return data), then the
 * coverage address with a 32-byte zero tag, and returns RETURNDATASIZE as a word.
 */
const CODE = `0x${[
  "60aa600053", // memory[0] = 0xaa
  "600060006005600060045afa50", // STATICCALL(gas, 0x04, 0, 5, 0, 0)
  `600060006020602073${COVERAGE_ADDRESS.slice(2)}5afa50`, // STATICCALL(gas, coverage, 32, 32, 0, 0)
  "3d60005260206000f3", // return RETURNDATASIZE
].join("")}`;

const TAG = `0x${"00".repeat(32)}`;

async function run(coverage: boolean) {
  const provider = await createParallelProvider({ executor: "sequential", coverage });
  const reports: string[][] = [];
  provider.observers.onCoverageHits = (tags) => reports.push(tags);
  try {
    const [from] = (await provider.request({ method: "eth_accounts" })) as string[];
    const returned = (await provider.request({
      method: "eth_call",
      params: [{ from, data: CODE }],
    })) as string;
    const afterCall = reports.length;
    await provider.request({ method: "eth_estimateGas", params: [{ from, data: CODE }] });
    const estimateRuns = reports.length - afterCall;
    await provider.request({
      method: "eth_sendTransaction",
      params: [{ from, data: CODE, gas: "0x30000" }],
    });
    return { size: BigInt(returned), reports, afterCall, estimateRuns };
  } finally {
    await provider.dispose();
  }
}

describe("coverage calls (coverage: true)", () => {
  it("leave the previous call's output as return data, as EDR's collector does", async () => {
    assert.equal((await run(true)).size, 5n);
    // Without coverage the call runs the empty code of the address: no return data.
    assert.equal((await run(false)).size, 0n);
  });

  it("report each execution's hits once: eth_call, every estimation run, the mined transaction", async () => {
    const { reports, afterCall, estimateRuns } = await run(true);
    assert.equal(afterCall, 1);
    // The run with the cap and at least the probe at the lower bound (the call reads GAS).
    assert.ok(estimateRuns >= 2, `estimate runs: ${estimateRuns}`);
    assert.equal(reports.length, afterCall + estimateRuns + 1);
    for (const tags of reports) assert.deepEqual(tags, [TAG]);
    assert.deepEqual((await run(false)).reports, []);
  });

  it("report the hits of transactions Block-STM ran on its lanes, once each", async () => {
    const provider = await createParallelProvider({
      executor: "block-stm",
      lanes: 2,
      coverage: true,
      fallback: { minTransactions: 0, minGas: 0n, minPredictedSpeedup: 0 },
      mining: { auto: false },
    });
    const reports: string[][] = [];
    provider.observers.onCoverageHits = (tags) => reports.push(tags);
    try {
      const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
      for (const from of accounts.slice(0, 6))
        await provider.request({
          method: "eth_sendTransaction",
          params: [{ from, data: CODE, gas: "0x30000" }],
        });
      await provider.request({ method: "evm_mine", params: [] });
      const record = (await provider.request({
        method: "parallel_getBlockRecord",
        params: ["latest"],
      })) as { executedBy: string; transactions: number };
      assert.equal(record.executedBy, "block-stm");
      assert.equal(record.transactions, 6);
      assert.deepEqual(
        reports,
        Array.from({ length: 6 }, () => [TAG]),
      );
    } finally {
      await provider.dispose();
    }
  });
});
