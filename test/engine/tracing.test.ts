/**
 * Tracing on the SDK's provider (no Hardhat network): solc source-map decoding, the check that
 * a re-executed transaction reproduces its mined outcome, tracing a transaction of a block that
 * Block-STM executed on lanes, and what a plain SDK user (no artifacts) gets for a revert.
 * The traces themselves are compared with EDR's in `test/network/trace-scenarios.ts`.
 */
import type { Hex } from "viem";

import assert from "node:assert/strict";

import hre from "hardhat";
import { describe, it } from "mocha";
import { encodeDeployData, encodeFunctionData } from "viem";

import { decodeSourceMap } from "../../sdk/contracts/source-maps.ts";
import { createParallelProvider } from "../../sdk/rpc/provider.ts";

async function contract(name: string) {
  const artifact = await hre.artifacts.readArtifact(name);
  return { abi: artifact.abi, bytecode: artifact.bytecode as Hex };
}

describe("tracing", function () {
  this.timeout(120_000);

  it("decodes solc's compressed source maps (empty fields repeat the previous entry)", function () {
    assert.deepEqual(decodeSourceMap("1:2:0:-:0;;3:4;:5:-1;6"), [
      { start: 1, length: 2, file: 0 },
      { start: 1, length: 2, file: 0 },
      { start: 3, length: 4, file: 0 },
      { start: 3, length: 5, file: -1 },
      { start: 6, length: 5, file: -1 },
    ]);
  });

  it("refuses to trace a transaction whose re-execution no longer gives its mined outcome", async function () {
    const provider = await createParallelProvider({ executor: "sequential" });
    try {
      const [from] = (await provider.request({ method: "eth_accounts" })) as Hex[];
      const target = await contract("NetTarget");
      const deployed = await provider.request({
        method: "eth_sendTransaction",
        params: [{ from, data: encodeDeployData({ abi: target.abi, bytecode: target.bytecode }) }],
      });
      const { contractAddress } = await provider.request({
        method: "eth_getTransactionReceipt",
        params: [deployed],
      });
      const set = await provider.request({
        method: "eth_sendTransaction",
        params: [
          {
            from,
            to: contractAddress,
            data: encodeFunctionData({ abi: target.abi, functionName: "set", args: [3n] }),
          },
        ],
      });
      const before = await provider.request({ method: "debug_traceTransaction", params: [set] });
      assert.equal(before.failed, false);
      // The code the transaction ran is replaced after its block: history keeps no old code.
      await provider.request({ method: "hardhat_setCode", params: [contractAddress, "0x00"] });
      await assert.rejects(
        provider.request({ method: "debug_traceTransaction", params: [set] }),
        (e: { code: number; message: string }) =>
          e.code === -32603 && e.message.includes("did not reproduce its mined outcome"),
      );
    } finally {
      await provider.dispose();
    }
  });

  it("traces a transaction of a block Block-STM ran on lanes like the same block run sequentially", async function () {
    const traces: unknown[] = [];
    for (const executor of ["block-stm", "sequential"] as const) {
      const provider = await createParallelProvider({
        executor,
        lanes: 2,
        initialDate: new Date(0),
      });
      try {
        const accounts = (await provider.request({ method: "eth_accounts" })) as Hex[];
        const target = await contract("NetTarget");
        const deployed = await provider.request({
          method: "eth_sendTransaction",
          params: [
            {
              from: accounts[0],
              data: encodeDeployData({ abi: target.abi, bytecode: target.bytecode }),
            },
          ],
        });
        const { contractAddress } = await provider.request({
          method: "eth_getTransactionReceipt",
          params: [deployed],
        });
        await provider.request({ method: "evm_setAutomine", params: [false] });
        const hashes: Hex[] = [];
        for (let i = 1; i <= 8; i++)
          hashes.push(
            await provider.request({
              method: "eth_sendTransaction",
              params: [
                {
                  from: accounts[i],
                  to: contractAddress,
                  gas: "0x20000",
                  data: encodeFunctionData({
                    abi: target.abi,
                    functionName: "set",
                    args: [BigInt(i)],
                  }),
                },
              ],
            }),
          );
        await provider.request({ method: "evm_mine", params: [] });
        const record = await provider.request({
          method: "parallel_getBlockRecord",
          params: ["latest"],
        });
        if (executor === "block-stm") {
          assert.equal(record.transactions, 8);
          // Lanes ran it, some transactions more than once: the traces must not show that.
          assert.equal(record.executedBy, "block-stm");
          assert.ok(record.reExecutions > 0);
        }
        traces.push(
          await Promise.all(
            hashes.map((h) =>
              provider.request({
                method: "debug_traceTransaction",
                params: [h, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }],
              }),
            ),
          ),
        );
      } finally {
        await provider.dispose();
      }
    }
    assert.deepEqual(traces[0], traces[1]);
  });

  it("gives a plain SDK user the revert reason without Solidity frames", async function () {
    const provider = await createParallelProvider({ executor: "sequential" });
    try {
      const [from] = (await provider.request({ method: "eth_accounts" })) as Hex[];
      const inner = await contract("NetTraceInner");
      const deployed = await provider.request({
        method: "eth_sendTransaction",
        params: [{ from, data: encodeDeployData({ abi: inner.abi, bytecode: inner.bytecode }) }],
      });
      const { contractAddress } = await provider.request({
        method: "eth_getTransactionReceipt",
        params: [deployed],
      });
      const data = encodeFunctionData({ abi: inner.abi, functionName: "failReason", args: [1n] });
      await assert.rejects(
        provider.request({ method: "eth_call", params: [{ from, to: contractAddress, data }] }),
        (e: Error & { code: number }) =>
          e.code === 3 &&
          e.message ===
            "VM Exception while processing transaction: reverted with reason string 'NetTraceInner: nonzero'" &&
          !(e.stack ?? "").includes(".sol"),
      );
    } finally {
      await provider.dispose();
    }
  });
});
