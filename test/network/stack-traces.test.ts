/**
 * Solidity stack traces (issue 13 item 3): a revert in a nested call throws, on the parallel
 * network, what EDR throws — a `SolidityError` with the same message, code, revert data and the
 * same Solidity frames (`at NetTraceInner.failReason (test/fixtures/…/NetTrace.sol:20)`) at the
 * top of its stack, and for a mined transaction its hash — for a reason string, a custom error,
 * a panic and a reverting constructor, sent as transactions and as calls.
 */
import type { Abi, Address, Hex } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { encodeDeployData, encodeFunctionData } from "viem";

import { readArtifact } from "./helpers/harness.ts";
import {
  DEFAULT_NETWORK,
  NON_DEFAULT_NETWORKS,
  connect,
  networkLabel,
} from "./helpers/networks.ts";

/** What a thrown revert looks like to a test: everything compared across networks. */
interface ThrownRevert {
  name: string;
  code: unknown;
  message: string;
  data: unknown;
  /** The stack lines that name a Solidity source of the project. */
  frames: string[];
  /** Whether the error carries the hash of the mined transaction (compared with the block's). */
  hasMinedHash: boolean;
}

interface Deployed {
  connection: NetworkConnection;
  from: Address;
  inner: Address;
  outer: Address;
  outerAbi: Abi;
  target: Address;
  caller: Address;
  callerAbi: Abi;
}

async function deploy(name: string): Promise<Deployed> {
  const connection = await connect(name);
  const provider = connection.provider;
  const [from] = (await provider.request({ method: "eth_accounts" })) as Address[];
  const create = async (contract: string, args: unknown[] = []) => {
    const { abi, bytecode } = await readArtifact(contract);
    const hash = await provider.request({
      method: "eth_sendTransaction",
      params: [{ from, data: encodeDeployData({ abi, bytecode, args }) }],
    });
    const receipt = (await provider.request({
      method: "eth_getTransactionReceipt",
      params: [hash],
    })) as { contractAddress: Address };
    return { address: receipt.contractAddress, abi };
  };
  const inner = await create("NetTraceInner");
  const outer = await create("NetTraceOuter", [inner.address]);
  const target = await create("NetTarget");
  const caller = await create("NetCaller");
  return {
    connection,
    from,
    inner: inner.address,
    outer: outer.address,
    outerAbi: outer.abi,
    target: target.address,
    caller: caller.address,
    callerAbi: caller.abi,
  };
}

/** Sends (or calls) and returns what it threw. */
async function thrown(
  d: Deployed,
  method: string,
  to: Address,
  data: Hex,
  gas: Hex | undefined = "0x100000",
): Promise<ThrownRevert> {
  const provider = d.connection.provider;
  const tx = { from: d.from, to, data, ...(gas === undefined ? {} : { gas }) };
  try {
    await provider.request({ method, params: method === "eth_call" ? [tx, "latest"] : [tx] });
  } catch (error) {
    const e = error as {
      name: string;
      code: unknown;
      message: string;
      data: unknown;
      stack?: string;
      transactionHash?: string;
    };
    let hasMinedHash = false;
    if (method === "eth_sendTransaction" && gas !== undefined) {
      const block = (await provider.request({
        method: "eth_getBlockByNumber",
        params: ["latest", false],
      })) as { transactions: Hex[] };
      assert.equal(e.transactionHash, block.transactions[0], "the failed transaction's hash");
      hasMinedHash = true;
    } else assert.equal(e.transactionHash ?? null, null);
    return {
      name: e.name,
      code: e.code,
      message: e.message,
      data: e.data,
      frames: (e.stack ?? "").split("\n").filter((l) => /^\s+at .*\.sol(:\d+)?\)$/.test(l)),
      hasMinedHash,
    };
  }
  throw new Error(`${method} did not fail`);
}

/** Every failure of the fixture, by label. */
async function failures(d: Deployed): Promise<Record<string, ThrownRevert>> {
  const out: Record<string, ThrownRevert> = {};
  for (const method of ["eth_sendTransaction", "eth_call"]) {
    for (const fn of ["callReason", "callCustom", "callPanic", "createBroken"]) {
      const args = fn === "createBroken" ? [13n] : [1n];
      const data = encodeFunctionData({ abi: d.outerAbi, functionName: fn, args });
      out[`${method} ${fn}`] = await thrown(d, method, d.outer, data);
    }
    const bubble = encodeFunctionData({
      abi: d.callerAbi,
      functionName: "callAndBubble",
      args: [d.target, 7n],
    });
    out[`${method} callAndBubble`] = await thrown(d, method, d.caller, bubble);
  }
  // Without a gas limit the estimate fails first: nothing is mined, no hash.
  const custom = encodeFunctionData({ abi: d.outerAbi, functionName: "callCustom", args: [2n] });
  out["eth_sendTransaction, estimated"] = await thrown(
    d,
    "eth_sendTransaction",
    d.outer,
    custom,
    undefined,
  );
  out.eth_estimateGas = await thrown(d, "eth_estimateGas", d.outer, custom, undefined);
  return out;
}

describe("Solidity stack traces", function () {
  this.timeout(120_000);
  let expected: Record<string, ThrownRevert>;
  const open: NetworkConnection[] = [];

  before(async function () {
    const edr = await deploy(DEFAULT_NETWORK);
    open.push(edr.connection);
    expected = await failures(edr);
  });
  after(async function () {
    for (const c of open) await c.close();
  });

  it("EDR gives frames for every failure of the fixture (the comparison is not empty)", function () {
    for (const [label, revert] of Object.entries(expected)) {
      assert.equal(revert.name, "SolidityError", label);
      assert.ok(revert.frames.length >= 2, `${label}: ${JSON.stringify(revert.frames)}`);
    }
  });

  for (const name of NON_DEFAULT_NETWORKS) {
    it(`${networkLabel(name)} throws what EDR throws`, async function () {
      const d = await deploy(name);
      open.push(d.connection);
      const actual = await failures(d);
      assert.deepEqual(actual, expected);
    });
  }
});
