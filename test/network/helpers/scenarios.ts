/**
 * The scenarios of the differential suite (`test/network/differential.test.ts`). Each is a
 * deterministic sequence of requests over the fixtures of `test/fixtures/contracts/network/`;
 * each comes with `check`, assertions on the reference (EDR) observation that prove the
 * scenario exercises what its name says (so a comparison of two empty observations cannot pass).
 */
import type { Address, Hex } from "viem";

import assert from "node:assert/strict";

import {
  concat,
  encodeDeployData,
  getContractAddress,
  hexToBigInt,
  keccak256,
  numberToHex,
  pad,
  parseEther,
  parseGwei,
  parseSignature,
  toFunctionSelector,
  toHex,
} from "viem";

import { DEV_CHAIN_ID, devAccount } from "./accounts.ts";
import type { Observation, ScenarioRun, StepRecord } from "./harness.ts";
import { SCENARIO_BLOCK_TIME, SCENARIO_START_TIME, encodeCall, readArtifact } from "./harness.ts";
import { METHOD_SCENARIOS } from "./method-scenarios.ts";
import { TRACE_SCENARIOS } from "./trace-scenarios.ts";
import { SIGNING_SCENARIOS } from "./signing-scenarios.ts";
import { mappingSlot, nestedMappingSlot, slot } from "./slots.ts";

/** A differential scenario plus sanity checks of what it must have produced on EDR. */
export interface CheckedScenario {
  name: string;
  run(run: ScenarioRun): Promise<void>;
  /** Assertions on the reference observation; throw when the scenario did not do its job. */
  check(observation: Observation): void;
}

/** Address of dev account `i`. */
const A = (i: number): Address => devAccount(i).address;

/** `NetCounter.MAX`. */
const COUNTER_MAX = 1_000_000n;

/** An address no scenario funds beforehand. */
const FRESH: Address = "0x00000000000000000000000000000000c0ffee01";

/** An EIP-2612 permit of dev account 0 to dev account 1, as eth_signTypedData_v4 takes it. */
const PERMIT = {
  types: {
    EIP712Domain: [
      { name: "name", type: "string" },
      { name: "version", type: "string" },
      { name: "chainId", type: "uint256" },
      { name: "verifyingContract", type: "address" },
    ],
    Permit: [
      { name: "owner", type: "address" },
      { name: "spender", type: "address" },
      { name: "value", type: "uint256" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  },
  primaryType: "Permit",
  domain: {
    name: "Token",
    version: "1",
    chainId: DEV_CHAIN_ID,
    verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  },
  message: {
    owner: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    spender: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    value: "1000000000000000000",
    nonce: 0,
    deadline: "4102444800",
  },
};

/** Selector of `Error(string)`, `Panic(uint256)`, and custom errors used below. */
const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

const step = (o: Observation, label: string): StepRecord => {
  const s = o.steps.find((x) => x.label === label);
  assert.ok(s, `no step labelled "${label}"`);
  return s;
};
const allReceipts = (o: Observation) =>
  o.blocks.flatMap((b) => b.transactions.map((t) => t.receipt));
const failedSteps = (o: Observation) => o.steps.filter((s) => s.error !== undefined);

/** Asserts that step `label` failed with revert data starting with `prefix`. */
function assertRevertData(o: Observation, label: string, prefix: string): void {
  const s = step(o, label);
  assert.ok(s.error, `step "${label}" should have failed`);
  assert.equal(
    typeof s.error.data,
    "string",
    `step "${label}" should carry revert data: ${JSON.stringify(s.error)}`,
  );
  assert.ok(
    (s.error.data as string).startsWith(prefix),
    `step "${label}" revert data ${String(s.error.data)} should start with ${prefix}`,
  );
}

export const SCENARIOS: CheckedScenario[] = [
  {
    name: "ETH transfers (default and explicit gas, new account, self, rejected)",
    async run(r) {
      await r.send("1 ETH, default gas", { from: A(0), to: A(1), value: parseEther("1") });
      await r.send("to a fresh address", { from: A(0), to: FRESH, value: 12_345n, gas: 21_000n });
      await r.send("zero value to self", { from: A(2), to: A(2), value: 0n });
      await r.send("to a precompile", {
        from: A(3),
        to: "0x0000000000000000000000000000000000000004",
        value: 7n,
      });
      await r.send("gas below intrinsic", { from: A(0), to: A(1), value: 1n, gas: 20_999n });
      await r.send("value above balance", {
        from: A(4),
        to: A(1),
        value: parseEther("1000000"),
        gas: 21_000n,
      });
      r.watchAccount(FRESH);
    },
    check(o) {
      assert.equal(o.blocks.length, 4, "four transfers mined");
      assert.ok(
        allReceipts(o).every((rc) => rc.status === "0x1"),
        "all succeed",
      );
      assert.deepEqual(
        allReceipts(o)
          .slice(0, 3)
          .map((rc) => rc.gasUsed),
        ["0x5208", "0x5208", "0x5208"],
        "plain transfers cost 21,000",
      );
      assert.equal(
        allReceipts(o)[3].gasUsed,
        numberToHex(21_015n),
        "the identity precompile adds 15 gas",
      );
      assert.equal(o.accounts[FRESH.toLowerCase()]?.balance, "0x3039");
      assert.equal(failedSteps(o).length, 2, "two rejected transfers");
    },
  },
  {
    name: "ERC-20 transfers, approve, transferFrom and custom-error failures",
    async run(r) {
      const token = await r.deploy("deploy NetToken", A(0), "NetToken", [10n ** 24n]);
      r.watchSlots(token, [
        mappingSlot(A(0), 0n),
        mappingSlot(A(1), 0n),
        mappingSlot(A(2), 0n),
        nestedMappingSlot(A(0), A(2), 1n),
        slot(2),
      ]);
      await r.send("transfer", {
        from: A(0),
        to: token,
        data: await encodeCall("NetToken", "transfer", [A(1), 10n ** 21n]),
      });
      await r.send("approve", {
        from: A(0),
        to: token,
        data: await encodeCall("NetToken", "approve", [A(2), 5n * 10n ** 20n]),
      });
      await r.send("transferFrom", {
        from: A(2),
        to: token,
        data: await encodeCall("NetToken", "transferFrom", [A(0), A(2), 3n * 10n ** 20n]),
      });
      await r.send("transfer above balance (mined, reverts)", {
        from: A(1),
        to: token,
        data: await encodeCall("NetToken", "transfer", [A(2), 10n ** 22n]),
        gas: 100_000n,
      });
      await r.send("transferFrom above allowance (mined, reverts)", {
        from: A(2),
        to: token,
        data: await encodeCall("NetToken", "transferFrom", [A(0), A(1), 10n ** 21n]),
        gas: 100_000n,
      });
      await r.call("balanceOf", {
        from: A(0),
        to: token,
        data: await encodeCall("NetToken", "balanceOf", [A(2)]),
      });
    },
    check(o) {
      const receipts = allReceipts(o);
      assert.deepEqual(
        receipts.map((rc) => rc.status),
        ["0x1", "0x1", "0x1", "0x1", "0x0", "0x0"],
      );
      assertRevertData(
        o,
        "transfer above balance (mined, reverts)",
        toFunctionSelector("InsufficientBalance(address,uint256,uint256)"),
      );
      assert.equal(hexToBigInt(step(o, "balanceOf").result as Hex), 3n * 10n ** 20n);
    },
  },
  {
    name: "reverts: reason string, panic, custom error, bubbled custom error, empty data",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      const target = await r.deploy("deploy NetTarget", A(0), "NetTarget");
      const caller = await r.deploy("deploy NetCaller", A(0), "NetCaller");
      r.watchSlots(counter, [slot(0)]);
      const reason = await encodeCall("NetCounter", "setPositive", [0n]);
      const panic = await encodeCall("NetCounter", "divideInto", [1n, 0n]);
      const custom = await encodeCall("NetCounter", "set", [COUNTER_MAX + 1n]);
      const bubbled = await encodeCall("NetCaller", "callAndBubble", [target, 7n]);
      await r.call("call: reason", { from: A(1), to: counter, data: reason });
      await r.call("call: panic", {
        from: A(1),
        to: counter,
        data: await encodeCall("NetCounter", "divide", [1n, 0n]),
      });
      await r.call("call: custom", { from: A(1), to: counter, data: custom });
      await r.call("call: bubbled", { from: A(1), to: caller, data: bubbled });
      await r.estimate("estimate: custom", { from: A(1), to: counter, data: custom });
      await r.send("send: reason (mined)", {
        from: A(1),
        to: counter,
        data: reason,
        gas: 100_000n,
      });
      await r.send("send: panic (mined)", { from: A(1), to: counter, data: panic, gas: 100_000n });
      await r.send("send: custom (mined)", {
        from: A(1),
        to: counter,
        data: custom,
        gas: 100_000n,
      });
      await r.send("send: bubbled (mined)", {
        from: A(1),
        to: caller,
        data: bubbled,
        gas: 100_000n,
      });
      await r.send("send: ETH to a contract without receive (mined)", {
        from: A(1),
        to: counter,
        value: 1n,
        gas: 100_000n,
      });
      await r.send("send: reason, default gas (estimation fails)", {
        from: A(1),
        to: counter,
        data: reason,
      });
      await r.send("send: succeeds after the failures", {
        from: A(1),
        to: counter,
        data: await encodeCall("NetCounter", "setPositive", [5n]),
      });
    },
    check(o) {
      assertRevertData(o, "call: reason", ERROR_STRING);
      assertRevertData(o, "call: panic", `${PANIC}${"0".repeat(62)}12`);
      assertRevertData(o, "call: custom", "0x"); // TooLarge selector checked by the next line
      assert.equal(
        (step(o, "call: custom").error!.data as string).length,
        2 + 8 + 128,
        "TooLarge(uint256,uint256)",
      );
      assertRevertData(o, "send: bubbled (mined)", step(o, "call: bubbled").error!.data as string);
      assert.equal(
        step(o, "send: ETH to a contract without receive (mined)").error?.data ?? "0x",
        "0x",
      );
      const statuses = allReceipts(o).map((rc) => rc.status);
      assert.deepEqual(statuses, ["0x1", "0x1", "0x1", "0x0", "0x0", "0x0", "0x0", "0x0", "0x1"]);
    },
  },
  {
    name: "out of gas: loop, creation, call with only intrinsic gas",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      const burn = await encodeCall("NetCounter", "burn", [100n]);
      await r.send("burn(100) with 150k gas", {
        from: A(0),
        to: counter,
        data: burn,
        gas: 150_000n,
      });
      await r.send("increment with intrinsic gas only", {
        from: A(0),
        to: counter,
        data: await encodeCall("NetCounter", "increment"),
        gas: 21_160n, // EIP-7623 floor of 4 calldata bytes: enough to be valid, not to run
      });
      const { abi, bytecode } = await readArtifact("NetChild");
      await r.send("deploy NetChild with 100k gas", {
        from: A(0),
        data: encodeDeployData({ abi, bytecode, args: [1n] }),
        gas: 100_000n,
      });
      await r.estimate("estimate burn(20)", {
        from: A(0),
        to: counter,
        data: await encodeCall("NetCounter", "burn", [20n]),
      });
      r.watchSlots(counter, [
        slot(0),
        mappingSlot("0x0000000000000000000000000000000000000001", 1n),
      ]);
    },
    check(o) {
      const receipts = allReceipts(o);
      assert.equal(receipts.length, 4);
      for (const rc of receipts.slice(1))
        assert.equal(rc.status, "0x0", "out-of-gas transactions fail");
      assert.equal(
        receipts[1].gasUsed,
        numberToHex(150_000n),
        "an out-of-gas transaction uses its whole gas limit",
      );
      assert.equal(receipts[3].gasUsed, numberToHex(100_000n));
      assert.ok(step(o, "estimate burn(20)").result, "estimation of a feasible burn succeeds");
    },
  },
  {
    name: "CREATE and CREATE2 (value, collision, reverting constructor, direct deployment)",
    async run(r) {
      const factory = await r.deploy("deploy NetFactory", A(0), "NetFactory");
      const salt = keccak256(toHex("salt-1"));
      await r.send("create(7) with 1000 wei", {
        from: A(0),
        to: factory,
        value: 1000n,
        data: await encodeCall("NetFactory", "create", [7n]),
      });
      await r.send("create2(salt, 8)", {
        from: A(1),
        to: factory,
        data: await encodeCall("NetFactory", "create2", [salt, 8n]),
      });
      const predicted = await r.call("predict(salt, 8)", {
        from: A(1),
        to: factory,
        data: await encodeCall("NetFactory", "predict", [salt, 8n]),
      });
      await r.send("create2(salt, 8) again: collision", {
        from: A(1),
        to: factory,
        data: await encodeCall("NetFactory", "create2", [salt, 8n]),
        gas: 500_000n,
      });
      await r.send("create(13): constructor reverts", {
        from: A(1),
        to: factory,
        data: await encodeCall("NetFactory", "create", [13n]),
        gas: 500_000n,
      });
      const child = await readArtifact("NetChild");
      await r.deploy("deploy NetChild(5) directly", A(2), "NetChild", [5n]);
      await r.send("deploy NetChild(13) directly: constructor reverts", {
        from: A(2),
        data: encodeDeployData({ abi: child.abi, bytecode: child.bytecode, args: [13n] }),
        gas: 300_000n,
      });
      const created = getContractAddress({ from: factory, nonce: 1n });
      const created2 = `0x${(predicted ?? "0x".padEnd(66, "0")).slice(26)}` as Address;
      for (const a of [created, created2]) {
        r.watchAccount(a);
        r.watchSlots(a, [slot(0), slot(1)]);
      }
      r.watchSlots(factory, [slot(0)]);
    },
    check(o) {
      const statuses = allReceipts(o).map((rc) => rc.status);
      assert.deepEqual(statuses, ["0x1", "0x1", "0x1", "0x0", "0x0", "0x1", "0x0"]);
      const withCode = Object.values(o.accounts).filter((a) => a.code !== "0x").length;
      assert.equal(
        withCode,
        4,
        "factory, CREATE child, CREATE2 child and the direct child have code",
      );
      const createdBalance = Object.values(o.accounts).some(
        (a) => a.balance === "0x3e8" && a.code !== "0x",
      );
      assert.ok(createdBalance, "the CREATE child holds the 1000 wei");
    },
  },
  {
    name: "nested calls, DELEGATECALL, recursion and caught reverts",
    async run(r) {
      const target = await r.deploy("deploy NetTarget", A(0), "NetTarget");
      const caller = await r.deploy("deploy NetCaller", A(0), "NetCaller");
      r.watchSlots(target, [slot(0), slot(1)]);
      r.watchSlots(caller, [slot(0), slot(1), slot(2), slot(3)]);
      await r.send("callSet(11)", {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "callSet", [target, 11n]),
      });
      await r.send("delegateSet(22)", {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "delegateSet", [target, 22n]),
      });
      await r.send("recurse(5)", {
        from: A(2),
        to: caller,
        data: await encodeCall("NetCaller", "recurse", [target, 5n]),
      });
      await r.send("callAndCatch(3)", {
        from: A(2),
        to: caller,
        data: await encodeCall("NetCaller", "callAndCatch", [target, 3n]),
      });
      await r.call("value() of caller", {
        from: A(2),
        to: caller,
        data: await encodeCall("NetCaller", "value"),
      });
    },
    check(o) {
      assert.ok(allReceipts(o).every((rc) => rc.status === "0x1"));
      const callerSlots = Object.values(o.storage).find((s) => s[slot(3)] !== undefined)!;
      assert.equal(
        hexToBigInt(callerSlots[slot(0)] as Hex),
        22n,
        "DELEGATECALL wrote the caller's slot 0",
      );
      assert.equal(hexToBigInt(callerSlots[slot(2)] as Hex), 5n, "recursion reached depth 5");
      assert.equal(hexToBigInt(callerSlots[slot(3)] as Hex), 1n, "one revert caught");
    },
  },
  {
    name: "SSTORE refunds (clear, restore original, clear then set, clear all, refill)",
    async run(r) {
      const refunds = await r.deploy("deploy NetRefunds", A(0), "NetRefunds");
      r.watchSlots(refunds, [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
      await r.send("clear(4)", {
        from: A(0),
        to: refunds,
        data: await encodeCall("NetRefunds", "clear", [4n]),
      });
      await r.send("toggle(5, 99)", {
        from: A(0),
        to: refunds,
        data: await encodeCall("NetRefunds", "toggle", [5n, 99n]),
      });
      await r.send("clearThenSet(6, 42)", {
        from: A(0),
        to: refunds,
        data: await encodeCall("NetRefunds", "clearThenSet", [6n, 42n]),
      });
      await r.send("fill(0)", {
        from: A(0),
        to: refunds,
        data: await encodeCall("NetRefunds", "fill", [0n]),
      });
      await r.send("fill(7)", {
        from: A(0),
        to: refunds,
        data: await encodeCall("NetRefunds", "fill", [7n]),
      });
    },
    check(o) {
      const receipts = allReceipts(o);
      assert.ok(receipts.every((rc) => rc.status === "0x1"));
      const clearAll = hexToBigInt(receipts[4].gasUsed as Hex);
      const fill = hexToBigInt(receipts[5].gasUsed as Hex);
      assert.ok(
        clearAll < fill,
        `clearing (${clearAll} gas, refunded) costs less than refilling (${fill})`,
      );
    },
  },
  {
    name: "precompiles (ecrecover, sha256, ripemd160, identity, modexp, bn254, blake2f, KZG, BLS, P-256)",
    async run(r) {
      const pre = await r.deploy("deploy NetPrecompiles", A(0), "NetPrecompiles");
      r.watchSlots(pre, [0n, 1n, 2n, 3n, 4n]);
      const digest = keccak256(toHex("hardhat-parallel"));
      const sig = parseSignature(await devAccount(3).sign({ hash: digest }));
      const v = Number(sig.v ?? 27n + BigInt(sig.yParity));
      await r.send("recover (valid)", {
        from: A(0),
        to: pre,
        data: await encodeCall("NetPrecompiles", "recover", [digest, v, sig.r, sig.s]),
      });
      await r.send("recover (v = 30: invalid)", {
        from: A(0),
        to: pre,
        data: await encodeCall("NetPrecompiles", "recover", [digest, 30, sig.r, sig.s]),
        gas: 200_000n,
      });
      await r.send("sha256", {
        from: A(0),
        to: pre,
        data: await encodeCall("NetPrecompiles", "digestSha256", [toHex("hello")]),
      });
      const u = (n: bigint | number) => numberToHex(BigInt(n), { size: 32 });
      const inputs: Array<[string, Address, Hex]> = [
        [
          "ecrecover raw",
          "0x0000000000000000000000000000000000000001",
          concat([digest, u(v), sig.r, sig.s]),
        ],
        ["sha256 raw", "0x0000000000000000000000000000000000000002", toHex("abc")],
        ["ripemd160", "0x0000000000000000000000000000000000000003", toHex("abc")],
        ["identity", "0x0000000000000000000000000000000000000004", "0xdeadbeef"],
        [
          "modexp 3^5 mod 7",
          "0x0000000000000000000000000000000000000005",
          concat([u(1), u(1), u(1), "0x03", "0x05", "0x07"]),
        ],
        [
          "bn254 add G+G",
          "0x0000000000000000000000000000000000000006",
          concat([u(1), u(2), u(1), u(2)]),
        ],
        ["bn254 mul 2G", "0x0000000000000000000000000000000000000007", concat([u(1), u(2), u(2)])],
        ["bn254 pairing (empty)", "0x0000000000000000000000000000000000000008", "0x"],
        [
          "blake2f (EIP-152 vector 5)",
          "0x0000000000000000000000000000000000000009",
          BLAKE2F_VECTOR_5,
        ],
        [
          "KZG point evaluation (invalid)",
          "0x000000000000000000000000000000000000000a",
          pad("0x01", { size: 192 }),
        ],
        ["BLS12-381 G1ADD (empty: invalid)", "0x000000000000000000000000000000000000000b", "0x"],
        [
          "P-256 verify (invalid signature)",
          "0x0000000000000000000000000000000000000100",
          pad("0x01", { size: 160 }),
        ],
      ];
      for (const [label, address, input] of inputs) {
        await r.send(label, {
          from: A(0),
          to: pre,
          data: await encodeCall("NetPrecompiles", "callPrecompile", [address, input, 100_000n]),
          gas: 400_000n,
        });
      }
    },
    check(o) {
      assert.ok(allReceipts(o).every((rc) => rc.status === "0x1"));
      const storage = Object.values(o.storage)[0];
      assert.equal(
        storage[slot(0)],
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "invalid v recovers zero",
      );
      const outputs = o.blocks.flatMap((b) =>
        b.transactions.flatMap((t) => t.receipt.logs as Array<{ data: Hex }>),
      );
      assert.equal(outputs.length, 12, "one PrecompileResult per precompile call");
      const okFlags = outputs.map((l) => hexToBigInt(`0x${l.data.slice(2, 66)}`));
      assert.deepEqual(okFlags, [1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n, 1n], "success flags");
    },
  },
  {
    name: "raw transactions: legacy, EIP-2930, EIP-1559 (call and deployment) and rejected ones",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      r.watchSlots(counter, [slot(0)]);
      const chainId = Number(await r.rpc("eth_chainId"));
      assert.equal(chainId, DEV_CHAIN_ID);
      const increment = await encodeCall("NetCounter", "increment");
      const accessList = [{ address: counter, storageKeys: [slot(0)] }];
      const [legacy, t2930, t1559] = [devAccount(5), devAccount(6), devAccount(7)];
      const gasPrice = parseGwei("2");
      const fees = { maxFeePerGas: parseGwei("3"), maxPriorityFeePerGas: parseGwei("1") };
      await r.sendRaw(
        "legacy transfer",
        await legacy.signTransaction({
          type: "legacy",
          chainId,
          nonce: 0,
          gasPrice,
          gas: 21_000n,
          to: A(1),
          value: 10n ** 15n,
        }),
      );
      await r.sendRaw(
        "legacy call",
        await legacy.signTransaction({
          type: "legacy",
          chainId,
          nonce: 1,
          gasPrice,
          gas: 100_000n,
          to: counter,
          data: increment,
        }),
      );
      await r.sendRaw(
        "EIP-2930 call with access list",
        await t2930.signTransaction({
          type: "eip2930",
          chainId,
          nonce: 0,
          gasPrice,
          gas: 100_000n,
          to: counter,
          data: increment,
          accessList,
        }),
      );
      const set42 = await encodeCall("NetCounter", "set", [42n]);
      await r.sendRaw(
        "EIP-1559 call with access list",
        await t1559.signTransaction({
          type: "eip1559",
          chainId,
          nonce: 0,
          ...fees,
          gas: 100_000n,
          to: counter,
          data: set42,
          accessList,
        }),
      );
      const child = await readArtifact("NetChild");
      const childInit = encodeDeployData({ abi: child.abi, bytecode: child.bytecode, args: [9n] });
      const deploy = await t1559.signTransaction({
        type: "eip1559",
        chainId,
        nonce: 1,
        maxFeePerGas: parseGwei("3"),
        maxPriorityFeePerGas: 0n,
        gas: 300_000n,
        data: childInit,
        value: 5n,
      });
      await r.sendRaw("EIP-1559 deployment", deploy);
      await r.sendRaw("replay of the deployment: nonce too low", deploy);
      /** A transfer from t1559 at nonce 2 that the network must reject. */
      const rejected = (changes: {
        chainId?: number;
        maxFeePerGas?: bigint;
        maxPriorityFeePerGas?: bigint;
        gas?: bigint;
      }) =>
        t1559.signTransaction({
          type: "eip1559",
          chainId,
          nonce: 2,
          ...fees,
          gas: 21_000n,
          to: A(1),
          ...changes,
        });
      await r.sendRaw(
        "max fee below base fee",
        await rejected({ maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }),
      );
      await r.sendRaw("wrong chain id", await rejected({ chainId: chainId + 1 }));
      await r.sendRaw(
        "gas limit above the transaction gas cap",
        await rejected({ gas: 100_000_000n }),
      );
      await r.sendRaw("intrinsic gas too low", await rejected({ gas: 20_000n }));
      r.watchAccount(getContractAddress({ from: t1559.address, nonce: 1n }));
    },
    check(o) {
      const txs = o.blocks.flatMap((b) => b.transactions);
      assert.deepEqual(
        txs.map((t) => t.transaction.type),
        ["0x2", "0x0", "0x0", "0x1", "0x2", "0x2"],
      );
      assert.ok(
        txs.slice(1).every((t) => typeof t.transaction.hash === "string"),
        "raw hashes are compared",
      );
      assert.ok(txs.every((t) => t.receipt.status === "0x1"));
      assert.equal(failedSteps(o).length, 5, "five rejected raw transactions");
    },
  },
  {
    name: "block-dependent values: timestamps decide a time lock",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      r.watchSlots(counter, [slot(3), mappingSlot(A(1), 2n)]);
      // Blocks: 0 deploy, 1 setUnlockTime, 2 deposit, 3 early withdraw, 4 withdraw at the unlock time.
      const unlock = BigInt(SCENARIO_START_TIME + 4 * SCENARIO_BLOCK_TIME);
      await r.send("setUnlockTime", {
        from: A(0),
        to: counter,
        data: await encodeCall("NetCounter", "setUnlockTime", [unlock]),
      });
      await r.send("deposit 1 ETH", {
        from: A(1),
        to: counter,
        value: parseEther("1"),
        data: await encodeCall("NetCounter", "deposit"),
      });
      await r.send("withdraw too early (Locked)", {
        from: A(1),
        to: counter,
        data: await encodeCall("NetCounter", "withdraw"),
        gas: 100_000n,
      });
      await r.send("withdraw at the unlock time", {
        from: A(1),
        to: counter,
        data: await encodeCall("NetCounter", "withdraw"),
        gas: 100_000n,
      });
      await r.send("withdraw again (NothingToWithdraw)", {
        from: A(1),
        to: counter,
        data: await encodeCall("NetCounter", "withdraw"),
        gas: 100_000n,
      });
    },
    check(o) {
      assert.deepEqual(
        allReceipts(o).map((rc) => rc.status),
        ["0x1", "0x1", "0x1", "0x0", "0x1", "0x0"],
      );
      assertRevertData(o, "withdraw too early (Locked)", "0x");
      const data = step(o, "withdraw too early (Locked)").error!.data as string;
      assert.equal(
        hexToBigInt(`0x${data.slice(10, 74)}`),
        BigInt(SCENARIO_START_TIME + 3 * SCENARIO_BLOCK_TIME),
        "Locked carries the fixed block timestamp",
      );
    },
  },
  {
    name: "many senders in one block (automine off, evm_mine)",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      const token = await r.deploy("deploy NetToken", A(0), "NetToken", [10n ** 24n]);
      for (const i of [3, 7]) {
        await r.send(`fund token holder ${i}`, {
          from: A(0),
          to: token,
          data: await encodeCall("NetToken", "transfer", [A(i), 10n ** 20n]),
        });
      }
      const increment = await encodeCall("NetCounter", "increment");
      const hit = await encodeCall("NetCounter", "hit");
      const chainId = Number(await r.rpc("eth_chainId"));
      r.watchSlots(counter, [
        slot(0),
        ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => mappingSlot(A(i), 1n)),
      ]);
      r.watchSlots(
        token,
        [0, 3, 7, 19].map((i) => mappingSlot(A(i), 0n)),
      );
      const tokenToShared = await encodeCall("NetToken", "transfer", [A(19), 10n ** 18n]);
      const tooLarge = await encodeCall("NetCounter", "set", [COUNTER_MAX + 1n]);
      const burn50 = await encodeCall("NetCounter", "burn", [50n]);
      await r.inOneBlock(async () => {
        for (let i = 0; i < 10; i++) {
          const from = A(i);
          if (i % 4 === 0)
            await r.send(`${i}: ETH transfer`, {
              from,
              to: A(i + 10),
              value: 10n ** 16n * BigInt(i + 1),
            });
          if (i % 4 === 1)
            await r.send(`${i}: increment (shared slot)`, {
              from,
              to: counter,
              data: increment,
              gas: 100_000n,
            });
          if (i % 4 === 2)
            await r.send(`${i}: hit (own slot)`, { from, to: counter, data: hit, gas: 100_000n });
          if (i % 4 === 3)
            await r.send(`${i}: token transfer to a shared recipient`, {
              from,
              to: token,
              data: tokenToShared,
              gas: 100_000n,
            });
        }
        await r.send("0: second transaction (nonce + 1)", {
          from: A(0),
          to: counter,
          data: increment,
          gas: 100_000n,
        });
        await r.send("12: reverting set (custom error)", {
          from: A(12),
          to: counter,
          data: tooLarge,
          gas: 100_000n,
        });
        await r.send("13: out of gas", { from: A(13), to: counter, data: burn50, gas: 60_000n });
        const raw = devAccount(11);
        await r.sendRaw(
          "11: raw EIP-1559 with a high tip",
          await raw.signTransaction({
            type: "eip1559",
            chainId,
            nonce: 0,
            maxFeePerGas: parseGwei("50"),
            maxPriorityFeePerGas: parseGwei("10"),
            gas: 100_000n,
            to: counter,
            data: increment,
          }),
        );
        await r.sendRaw(
          "14: raw legacy",
          await devAccount(14).signTransaction({
            type: "legacy",
            chainId,
            nonce: 0,
            gasPrice: parseGwei("5"),
            gas: 100_000n,
            to: counter,
            data: hit,
          }),
        );
      });
    },
    check(o) {
      const last = o.blocks.at(-1)!;
      assert.equal(last.transactions.length, 15, "all fifteen pooled transactions in one block");
      const statuses = last.transactions.map((t) => t.receipt.status);
      assert.equal(
        statuses.filter((s) => s === "0x0").length,
        2,
        "the reverting and the out-of-gas transaction fail",
      );
      assert.equal(
        last.transactions[0].transaction.from,
        A(11).toLowerCase(),
        "the highest tip comes first",
      );
    },
  },
  {
    name: "signing: eth_sign, personal_sign, eth_signTypedData_v4 (permit), unknown and impersonated accounts, bad typed data",
    async run(r) {
      const hello = toHex("hello");
      await r.record("eth_sign text", "eth_sign", [A(0), hello]);
      await r.record("eth_sign bytes", "eth_sign", [A(1), "0x00ff10"]);
      await r.record("eth_sign empty", "eth_sign", [A(0), "0x"]);
      await r.record("personal_sign text", "personal_sign", [hello, A(0)]);
      await r.record("personal_sign bytes", "personal_sign", ["0xdeadbeef", A(2)]);
      await r.record("permit as JSON", "eth_signTypedData_v4", [A(0), JSON.stringify(PERMIT)]);
      await r.record("permit as object", "eth_signTypedData_v4", [A(0), PERMIT]);
      await r.record("eth_sign unknown", "eth_sign", [FRESH, hello]);
      await r.record("personal_sign unknown", "personal_sign", [hello, FRESH]);
      await r.record("typed unknown", "eth_signTypedData_v4", [FRESH, JSON.stringify(PERMIT)]);
      await r.rpc("hardhat_impersonateAccount", [FRESH]);
      await r.record("eth_sign impersonated", "eth_sign", [FRESH, hello]);
      await r.record("personal_sign impersonated", "personal_sign", [hello, FRESH]);
      await r.record("typed impersonated", "eth_signTypedData_v4", [FRESH, PERMIT]);
      await r.record("typed unknown primaryType", "eth_signTypedData_v4", [
        A(0),
        JSON.stringify({ ...PERMIT, primaryType: "Nope" }),
      ]);
    },
    check(o) {
      for (const label of [
        "eth_sign text",
        "eth_sign bytes",
        "eth_sign empty",
        "personal_sign text",
        "personal_sign bytes",
        "permit as JSON",
        "permit as object",
      ]) {
        const s = step(o, label);
        assert.match(String(s.result), /^0x[0-9a-f]{130}$/, `${label}: ${JSON.stringify(s)}`);
      }
      assert.equal(step(o, "eth_sign text").result, step(o, "personal_sign text").result);
      assert.equal(step(o, "permit as JSON").result, step(o, "permit as object").result);
      for (const label of [
        "eth_sign unknown",
        "personal_sign unknown",
        "typed unknown",
        "eth_sign impersonated",
        "personal_sign impersonated",
        "typed impersonated",
      ]) {
        const s = step(o, label);
        assert.equal(s.error?.code, -32000, `${label}: ${JSON.stringify(s)}`);
        assert.match(String(s.error?.message), /^Unknown account 0x/);
      }
      assert.equal(step(o, "typed unknown primaryType").error?.code, -32000);
    },
  },
  ...METHOD_SCENARIOS,
  ...TRACE_SCENARIOS,
  ...SIGNING_SCENARIOS,
];

/**
 * Input of EIP-152's test vector 5: 12 rounds of BLAKE2b-512's compression over "abc"
 * (rounds ‖ h ‖ m ‖ t ‖ f = 4 + 64 + 128 + 16 + 1 = 213 bytes).
 */
const BLAKE2F_VECTOR_5: Hex = concat([
  "0x0000000c",
  "0x48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b",
  pad("0x616263", { dir: "right", size: 128 }),
  pad("0x03", { dir: "right", size: 16 }),
  "0x01",
]);
