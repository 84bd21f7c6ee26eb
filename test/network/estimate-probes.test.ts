/**
 * Gas estimation skips probes whose outcome is known (sdk/rpc/methods/call.ts `estimate`,
 * `TransactionOutcome.minimumGasLimit`): the estimates must equal those obtained by running every
 * probe, for gas-oblivious calls (refunds, SSTORE stipend, precompiles, creates, capped gas) and
 * gas-dependent ones (calls, creates), and an oblivious call must cost one execution.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { encodeDeployData, encodeFunctionData, type Hex } from "viem";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import { nonceKey } from "../../sdk/engine/location.ts";

const ARTIFACTS = path.join(import.meta.dirname, "../../artifacts/test/fixtures/contracts/network");
const artifact = (file: string, name: string) =>
  JSON.parse(readFileSync(path.join(ARTIFACTS, `${file}.sol`, `${name}.json`), "utf8"));

describe("eth_estimateGas: known probe outcomes", function () {
  this.timeout(120_000);
  let p: ParallelProvider;
  let from: Hex;
  let other: Hex;
  const cases: Array<[string, Record<string, unknown>]> = [];

  before(async () => {
    p = await createParallelProvider({ executor: "sequential" });
    [from, other] = await p.request({ method: "eth_accounts" });
    const deploy = async (file: string, name: string, args: unknown[] = []) => {
      const a = artifact(file, name);
      const hash = await p.request({
        method: "eth_sendTransaction",
        params: [{ from, data: encodeDeployData({ abi: a.abi, bytecode: a.bytecode, args }) }],
      });
      const receipt = await p.request({ method: "eth_getTransactionReceipt", params: [hash] });
      return { address: receipt.contractAddress as Hex, abi: a.abi };
    };
    const counter = await deploy("NetCounter", "NetCounter");
    const refunds = await deploy("NetRefunds", "NetRefunds");
    const target = await deploy("NetCaller", "NetTarget");
    const caller = await deploy("NetCaller", "NetCaller");
    const factory = await deploy("NetFactory", "NetFactory");
    const call = (
      c: { address: Hex; abi: unknown[] },
      functionName: string,
      args: unknown[] = [],
      extra = {},
    ) => ({
      from,
      to: c.address,
      data: encodeFunctionData({ abi: c.abi, functionName, args } as Parameters<
        typeof encodeFunctionData
      >[0]),
      ...extra,
    });
    await p.request({ method: "eth_sendTransaction", params: [call(counter, "set", [7n])] });
    cases.push(
      ["increment", call(counter, "increment")],
      ["set to the same value (noop SSTORE: binary search)", call(counter, "set", [7n])],
      [
        "divideInto to the same value (cold noop SSTORE near the stipend)",
        call(counter, "divideInto", [7n, 1n]),
      ],
      ["burn 5", call(counter, "burn", [5n])],
      ["clear 8 (refunds)", call(refunds, "clear", [8n])],
      ["toggle (refund)", call(refunds, "toggle", [2n, 99n])],
      ["nested call", call(caller, "callSet", [target.address, 3n])],
      ["create", call(factory, "create", [5n])],
      ["plain transfer", { from, to: other, value: "0x1" }],
      [
        "precompile",
        { from, to: "0x0000000000000000000000000000000000000002", data: `0x${"ab".repeat(100)}` },
      ],
      ["deployment", { from, data: artifact("NetCounter", "NetCounter").bytecode }],
      [
        "with a fee (not predicted)",
        call(counter, "increment", [], { maxFeePerGas: "0xb2d05e00" }),
      ],
      ["capped gas", call(counter, "increment", [], { gas: "0x9c40" })],
      ["capped below need", call(refunds, "clear", [8n], { gas: "0xea60" })],
    );
  });

  after(async () => p.dispose());

  /** The estimate (or error) and the number of executions it took. */
  async function estimate(
    tx: Record<string, unknown>,
    predict: boolean,
  ): Promise<{ result: string; runs: number }> {
    p.chain.lane.gasUse.tracked = predict;
    const chain = p.chain as unknown as { call: (...args: unknown[]) => Promise<unknown> };
    const original = chain.call;
    let runs = 0;
    chain.call = (...args: unknown[]) => {
      runs++;
      return original.apply(p.chain, args);
    };
    try {
      return { result: String(await p.request({ method: "eth_estimateGas", params: [tx] })), runs };
    } catch (error) {
      return { result: `error ${(error as Error).message}`, runs };
    } finally {
      chain.call = original;
      p.chain.lane.gasUse.tracked = true;
    }
  }

  it("gives the estimates of running every probe", async () => {
    for (const [name, tx] of cases) {
      const predicted = await estimate(tx, true);
      const probed = await estimate(tx, false);
      expect(predicted.result, name).to.equal(probed.result);
      expect(predicted.runs, name).to.be.at.most(probed.runs);
    }
  });

  it("minimumGasLimit is the smallest gas limit that succeeds", async () => {
    let checked = 0;
    for (const [name, tx] of cases) {
      const txData = (gasLimit: bigint) => ({
        type: 2,
        nonce: BigInt(p.chain.state.read(nonceKey(from))),
        gasLimit,
        to: tx.to as Hex | undefined,
        value: BigInt((tx.value as string | undefined) ?? 0),
        data: (tx.data as Hex | undefined) ?? "0x",
        maxFeePerGas: 0n,
        maxPriorityFeePerGas: 0n,
        accessList: [],
      });
      const run = (gasLimit: bigint, knowledge = false) =>
        p.chain.call({
          data: txData(gasLimit) as never,
          from,
          zeroBaseFee: true,
          gasLimitKnowledge: knowledge,
        });
      const full = await run(16_000_000n, true);
      if (full.kind !== "executed" || full.minimumGasLimit === undefined) continue;
      const at = await run(full.minimumGasLimit);
      const below = await run(full.minimumGasLimit - 1n);
      expect(at.kind === "executed" && at.status === 1, `${name} at the minimum`).to.equal(true);
      expect(below.kind === "executed" && below.status === 1, `${name} one below`).to.equal(false);
      if (at.kind === "executed" && full.kind === "executed")
        expect(at.gasUsed, name).to.equal(full.gasUsed);
      checked++;
    }
    expect(checked).to.be.greaterThan(5);
  });

  it("runs a gas-oblivious call once", async () => {
    const [, increment] = cases[0];
    expect((await estimate(increment, true)).runs).to.equal(1);
    expect((await estimate(increment, false)).runs).to.equal(2);
  });
});
