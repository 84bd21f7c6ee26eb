/**
 * console.log (issue 13 item 2): what `hardhat/console.sol` calls print on the parallel network
 * is what Hardhat's EDR network prints — the same lines (every argument kind, format strings),
 * on the same stream (`console.log`), at the same moments: once per mined transaction (also
 * when Block-STM executed it more than once), once per eth_call, for a reverted transaction,
 * nothing for a successful eth_estimateGas and its probes, the run's lines for a failed one.
 *
 * Output is captured by replacing `console.log` around each step (EDR prints through it too),
 * then waiting a turn of the event loop for EDR's native callbacks.
 */
import type { Abi, Address } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { encodeDeployData, encodeFunctionData } from "viem";

import { readArtifact } from "./helpers/harness.ts";
import { DEFAULT_NETWORK, NETWORKS, connect, networkLabel } from "./helpers/networks.ts";

/** Runs `work` with `console.log` captured; returns its result and the lines printed. */
async function capture<T>(
  work: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; lines: string[] }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    const value = await work();
    await new Promise((resolve) => setImmediate(resolve));
    return { value, lines };
  } catch (error) {
    await new Promise((resolve) => setImmediate(resolve));
    return { error, lines };
  } finally {
    console.log = original;
  }
}

interface Deployed {
  connection: NetworkConnection;
  accounts: Address[];
  address: Address;
  abi: Abi;
}

async function deploy(name: string): Promise<Deployed> {
  const connection = await connect(name);
  const { provider } = connection;
  const accounts = (await provider.request({ method: "eth_accounts" })) as Address[];
  const { abi, bytecode } = await readArtifact("NetConsole");
  const hash = await provider.request({
    method: "eth_sendTransaction",
    params: [{ from: accounts[0], data: encodeDeployData({ abi, bytecode }) }],
  });
  const receipt = (await provider.request({
    method: "eth_getTransactionReceipt",
    params: [hash],
  })) as { contractAddress: Address };
  return { connection, accounts, address: receipt.contractAddress, abi };
}

/** What a scenario printed, step by step, on one network. */
type Printed = Record<string, string[]>;

/** The steps every network runs; each returns the lines it printed. */
async function runSteps(d: Deployed): Promise<Printed> {
  const { provider } = d.connection;
  const data = (functionName: string, args: unknown[] = []) =>
    encodeFunctionData({ abi: d.abi, functionName, args });
  const from = d.accounts[0];
  const to = d.address;
  const printed: Printed = {};
  const step = async (label: string, work: () => Promise<unknown>) => {
    printed[label] = (await capture(work)).lines;
  };
  await step("eth_call kinds", () =>
    provider.request({ method: "eth_call", params: [{ from, to, data: data("kinds") }] }),
  );
  await step("eth_call reverting", () =>
    provider.request({
      method: "eth_call",
      params: [{ from, to, data: data("logThenRevert", [3n]) }],
    }),
  );
  await step("eth_estimateGas succeeding", () =>
    provider.request({ method: "eth_estimateGas", params: [{ from, to, data: data("bump") }] }),
  );
  await step("eth_estimateGas failing", () =>
    provider.request({
      method: "eth_estimateGas",
      params: [{ from, to, data: data("logThenRevert", [4n]) }],
    }),
  );
  // A gas-dependent call (an external call inside): its estimate runs probes, which log too.
  await step("eth_estimateGas with probes", () =>
    provider.request({
      method: "eth_estimateGas",
      params: [{ from, to, data: data("logInCaughtRevert") }],
    }),
  );
  await step("sendTransaction without gas (estimated first)", () =>
    provider.request({ method: "eth_sendTransaction", params: [{ from, to, data: data("bump") }] }),
  );
  await step("sendTransaction of a failing tx without gas", () =>
    provider.request({
      method: "eth_sendTransaction",
      params: [{ from, to, data: data("logThenRevert", [6n]) }],
    }),
  );
  await step("mined reverted tx (gas given)", () =>
    provider.request({
      method: "eth_sendTransaction",
      params: [{ from, to, gas: "0x30000", data: data("logThenRevert", [7n]) }],
    }),
  );
  await step("log in a caught revert", () =>
    provider.request({
      method: "eth_sendTransaction",
      params: [{ from, to, gas: "0x40000", data: data("logInCaughtRevert") }],
    }),
  );
  await step("automine off: send", async () => {
    await provider.request({ method: "evm_setAutomine", params: [false] });
    for (let i = 1; i <= 8; i++)
      await provider.request({
        method: "eth_sendTransaction",
        params: [{ from: d.accounts[i], to, gas: "0x20000", data: data("bump") }],
      });
  });
  await step("evm_mine of conflicting txs", () =>
    provider.request({ method: "evm_mine", params: [] }),
  );
  await step("hardhat_mine with pending txs", async () => {
    await provider.request({
      method: "eth_sendTransaction",
      params: [{ from: d.accounts[9], to, gas: "0x20000", data: data("bump") }],
    });
    await provider.request({ method: "hardhat_mine", params: ["0x3"] });
  });
  await step("automine with another pending tx", async () => {
    await provider.request({
      method: "eth_sendTransaction",
      params: [{ from: d.accounts[10], to, gas: "0x20000", data: data("bump") }],
    });
    await provider.request({ method: "evm_setAutomine", params: [true] });
    await provider.request({
      method: "eth_sendTransaction",
      params: [{ from: d.accounts[11], to, gas: "0x20000", data: data("bump") }],
    });
  });
  return printed;
}

describe("console.log output: parallel network vs EDR", function () {
  this.timeout(120_000);
  const printed = new Map<string, Printed>();
  const deployed = new Map<string, Deployed>();

  before(async () => {
    for (const name of NETWORKS) {
      const d = await deploy(name);
      deployed.set(name, d);
      printed.set(name, await runSteps(d));
    }
  });
  after(async () => {
    for (const d of deployed.values()) await d.connection.close();
  });

  it("EDR prints what these tests expect (the reference itself)", () => {
    const edr = printed.get(DEFAULT_NETWORK);
    if (edr === undefined) return;
    const sender = deployed.get(DEFAULT_NETWORK)!.accounts[0].toLowerCase();
    assert.deepEqual(edr["eth_call kinds"], [
      "plain string",
      "123456789012345678901234567890",
      "-42",
      "true",
      "false",
      sender,
      "0x00ff10",
      "0xab",
      "0x7521d1cadbcfa91eec65aa16715b94ffc1c9654ba57ea2ef1a2127bca1127a83",
      "uint 7 and string seven",
      "escaped %d stays, 8 becomes",
      `${sender} is true`,
      "more 1 2 3",
      "ünïcode ✓",
      "",
    ]);
    assert.deepEqual(edr["eth_estimateGas succeeding"], []);
    assert.deepEqual(edr["eth_estimateGas failing"], ["before revert 4"]);
    assert.deepEqual(edr["eth_estimateGas with probes"], []);
    assert.deepEqual(edr["log in a caught revert"], ["before revert 5", "caught"]);
    // Automine that also mined a pending transaction prints the sent one a second time.
    const [, , third] = edr["automine with another pending tx"];
    assert.equal(third, edr["automine with another pending tx"][1]);
  });

  for (const name of NETWORKS.filter((n) => n !== DEFAULT_NETWORK)) {
    describe(networkLabel(name), () => {
      it("prints the same lines as EDR at every step", () => {
        const edr = printed.get(DEFAULT_NETWORK);
        if (edr === undefined) return;
        assert.deepEqual(printed.get(name), edr);
      });

      it("prints each mined transaction once though Block-STM re-executed some", async function () {
        const d = deployed.get(name)!;
        const { provider } = d.connection;
        const record = (await provider.request({
          method: "parallel_getBlockRecord",
          params: [`0x${(4n + 1n).toString(16)}`],
        })) as { transactions: number; executedBy: string; reExecutions: number };
        // Block 5 is the evm_mine of 8 transactions that all read and write `count`.
        assert.equal(record.transactions, 8);
        if (record.executedBy !== "block-stm") this.skip();
        assert.ok(record.reExecutions > 0, "the block had re-executions");
        const lines = printed.get(name)!["evm_mine of conflicting txs"];
        const bumps = d.accounts.slice(1, 9).map((a, i) => `bump ${i + 3} by ${a.toLowerCase()}`);
        assert.deepEqual(lines, bumps);
      });
    });
  }
});
