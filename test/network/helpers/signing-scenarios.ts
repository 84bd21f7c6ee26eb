/**
 * Differential scenarios for how transactions are signed and who may send them (issue 13 items
 * 1b, 5 and 6): dev accounts' `eth_sendTransaction` signed with their keys (hashes and v/r/s as
 * EDR's), impersonated senders with EDR's fake signature, an impersonated contract and a dev
 * account with code sending (EDR switches EIP-3607 off), and EIP-7702 set-code transactions —
 * delegate, call through the delegated account, re-delegate, clear, in one block with their
 * dependants, raw and through eth_sendTransaction, with EDR's errors. Part of
 * {@link SCENARIOS} in `scenarios.ts`. The harness compares every transaction's hash, v, r, s
 * and authorization list.
 */
import type { Address, Hex } from "viem";

import assert from "node:assert/strict";

import {
  encodeFunctionData,
  formatTransactionRequest,
  numberToHex,
  parseGwei,
  zeroAddress,
} from "viem";

import { DEV_CHAIN_ID, devAccount } from "./accounts.ts";
import type { Observation, ScenarioRun } from "./harness.ts";
import { readArtifact } from "./harness.ts";
import type { CheckedScenario } from "./scenarios.ts";

/** Address of dev account `i`. */
const A = (i: number): Address => devAccount(i).address;

/** An address without a key: only impersonation lets it send. */
const WHALE: Address = "0x000000000000000000000000000000000000d00d";

const HUNDRED_ETH = numberToHex(10n ** 20n);

/** Every mined transaction of an observation. */
const mined = (o: Observation) => o.blocks.flatMap((b) => b.transactions.map((t) => t.transaction));
const receipts = (o: Observation) => o.blocks.flatMap((b) => b.transactions.map((t) => t.receipt));
const stepOf = (o: Observation, label: string) => {
  const s = o.steps.find((x) => x.label === label);
  assert.ok(s, `no step labelled "${label}"`);
  return s;
};

/** eth_sendTransaction of a request given in viem's form, sent as viem formats it. */
async function sendViem(
  r: ScenarioRun,
  label: string,
  request: Parameters<typeof formatTransactionRequest>[0],
): Promise<Hex | undefined> {
  await r.rpc("evm_setNextBlockTimestamp", [numberToHex(r.nextTimestamp())]);
  return (await r.record(label, "eth_sendTransaction", [formatTransactionRequest(request)])) as
    | Hex
    | undefined;
}

/** The `NetCounter.increment()` calldata. */
async function incrementData(): Promise<Hex> {
  const { abi } = await readArtifact("NetCounter");
  return encodeFunctionData({ abi, functionName: "increment" });
}

/** An EIP-7702 authorization of dev account `i` for `address` at `nonce`, signed with its key. */
async function authorize(i: number, address: Address, nonce: number, chainId = DEV_CHAIN_ID) {
  const account = devAccount(i);
  assert.ok(account.signAuthorization, "viem local accounts sign EIP-7702 authorizations");
  return await account.signAuthorization({ address, chainId, nonce });
}

export const SIGNING_SCENARIOS: CheckedScenario[] = [
  {
    name: "dev-account eth_sendTransaction signed with the accounts' keys (legacy, EIP-2930, EIP-1559, creation)",
    async run(r) {
      await sendViem(r, "legacy", { from: A(0), to: A(1), value: 1n, gasPrice: parseGwei("3") });
      await sendViem(r, "EIP-2930", {
        from: A(0),
        to: A(1),
        value: 2n,
        gasPrice: parseGwei("3"),
        accessList: [{ address: A(2), storageKeys: [numberToHex(1, { size: 32 })] }],
      });
      await sendViem(r, "EIP-1559", { from: A(1), to: A(0), value: 3n });
      await sendViem(r, "EIP-1559 with fees", {
        from: A(1),
        to: A(0),
        value: 4n,
        maxFeePerGas: parseGwei("9"),
        maxPriorityFeePerGas: parseGwei("2"),
      });
      // EDR ignores `type`: gasPrice decides, and type 1 without an access list is legacy.
      await r.record("type 1 without access list", "eth_sendTransaction", [
        { from: A(2), to: A(0), value: "0x5", gasPrice: numberToHex(parseGwei("3")), type: "0x1" },
      ]);
      await r.record("type 0 without gasPrice", "eth_sendTransaction", [
        { from: A(2), to: A(0), value: "0x6", type: "0x0" },
      ]);
      await r.deploy("deploy NetCounter", A(3), "NetCounter");
      await r.inOneBlock(async () => {
        for (let i = 0; i < 3; i++)
          await r.record(`in one block ${i}`, "eth_sendTransaction", [
            { from: A(4 + i), to: A(0), value: numberToHex(i + 1) },
          ]);
      });
    },
    check(o) {
      const txs = mined(o);
      assert.equal(txs.length, 10, "ten transactions mined");
      for (const tx of txs) {
        assert.notEqual(BigInt(tx.r as Hex), BigInt(tx.from as Hex), "a real signature");
        assert.match(String(tx.hash), /^0x[0-9a-f]{64}$/);
      }
      assert.deepEqual(
        txs.map((t) => t.type),
        ["0x0", "0x1", "0x2", "0x2", "0x0", "0x2", "0x2", "0x2", "0x2", "0x2"],
      );
      const v = Number(BigInt(txs[0].v as Hex));
      assert.ok(v === DEV_CHAIN_ID * 2 + 35 || v === DEV_CHAIN_ID * 2 + 36, `EIP-155 v, got ${v}`);
    },
  },
  {
    name: "impersonated senders carry EDR's fake signature; an impersonated dev account too",
    async run(r) {
      await r.rpc("hardhat_setBalance", [WHALE, HUNDRED_ETH]);
      await r.record("impersonate whale", "hardhat_impersonateAccount", [WHALE]);
      await sendViem(r, "whale legacy", {
        from: WHALE,
        to: A(1),
        value: 1n,
        gasPrice: parseGwei("3"),
      });
      await sendViem(r, "whale EIP-2930", {
        from: WHALE,
        to: A(1),
        value: 2n,
        gasPrice: parseGwei("3"),
        accessList: [],
      });
      await sendViem(r, "whale EIP-1559", { from: WHALE, to: A(1), value: 3n });
      await r.record("impersonate dev 5", "hardhat_impersonateAccount", [A(5)]);
      await sendViem(r, "impersonated dev 5", { from: A(5), to: A(1), value: 4n });
      await r.record("stop impersonating dev 5", "hardhat_stopImpersonatingAccount", [A(5)]);
      await sendViem(r, "dev 5 signs again", { from: A(5), to: A(1), value: 5n });
      await r.record("stop impersonating whale", "hardhat_stopImpersonatingAccount", [WHALE]);
      await sendViem(r, "whale no longer impersonated", { from: WHALE, to: A(1), value: 6n });
      await r.inOneBlock(async () => {
        await r.record("impersonate whale again", "hardhat_impersonateAccount", [WHALE]);
        await sendViem(r, "whale in a block", { from: WHALE, to: A(2), value: 7n });
        await sendViem(r, "whale in a block, next nonce", { from: WHALE, to: A(3), value: 8n });
      });
    },
    check(o) {
      const txs = mined(o);
      assert.equal(txs.length, 7, "seven transactions mined");
      const fake = txs.filter((t) => BigInt(t.r as Hex) === BigInt(t.from as Hex));
      assert.equal(fake.length, 6, "whale's five and impersonated dev 5's carry r = sender");
      assert.equal(stepOf(o, "whale no longer impersonated").error?.code, -32000);
    },
  },
  {
    name: "an impersonated contract and a dev account with code send transactions (no EIP-3607)",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      await r.rpc("hardhat_setBalance", [counter, HUNDRED_ETH]);
      await r.record("impersonate the contract", "hardhat_impersonateAccount", [counter]);
      await sendViem(r, "contract sends ETH", { from: counter, to: A(1), value: 10n });
      await sendViem(r, "contract calls itself", {
        from: counter,
        to: counter,
        data: await incrementData(),
      });
      await r.call("eth_call from the contract", {
        from: counter,
        to: counter,
        data: await incrementData(),
      });
      await r.estimate("estimate from the contract", { from: counter, to: A(1), value: 1n });
      await r.record("dev 6 gets code", "hardhat_setCode", [A(6), "0x6001600055"]);
      await sendViem(r, "dev 6 with code sends", { from: A(6), to: A(1), value: 11n });
      const raw = await devAccount(6).signTransaction({
        type: "eip1559",
        chainId: DEV_CHAIN_ID,
        nonce: 1,
        to: A(1),
        value: 12n,
        gas: 21_000n,
        maxFeePerGas: parseGwei("20"),
        maxPriorityFeePerGas: parseGwei("1"),
      });
      await r.sendRaw("dev 6 with code sends raw", raw);
      r.watchSlots(counter, [0n]);
    },
    check(o) {
      const rc = receipts(o);
      assert.equal(rc.length, 5, "deployment and four transactions mined");
      assert.ok(
        rc.every((x) => x.status === "0x1"),
        "all succeeded",
      );
      assert.equal(stepOf(o, "eth_call from the contract").error, undefined);
    },
  },
  {
    name: "EIP-7702: delegate, call through the account, re-delegate, clear; raw and in one block",
    async run(r) {
      const counter = await r.deploy("deploy counter 1", A(0), "NetCounter");
      const other = await r.deploy("deploy counter 2", A(0), "NetCounter");
      const inc = await incrementData();
      const code = (label: string, i: number) => r.record(label, "eth_getCode", [A(i), "latest"]);
      // Sponsored: dev 0 pays, dev 7's authorization (nonce 0) delegates it to counter 1.
      await sendViem(r, "delegate dev 7", {
        from: A(0),
        to: A(7),
        data: inc,
        authorizationList: [await authorize(7, counter, 0)],
      });
      await code("dev 7 delegated", 7);
      await r.record("dev 7's count", "eth_getStorageAt", [A(7), "0x0", "latest"]);
      await sendViem(r, "call through dev 7", { from: A(1), to: A(7), data: inc });
      await r.call("eth_call through dev 7", { from: A(1), to: A(7), data: inc });
      // Self-sponsored: dev 8 sends its own authorization (its nonce is the transaction's + 1).
      await sendViem(r, "dev 8 delegates itself", {
        from: A(8),
        to: A(8),
        data: inc,
        authorizationList: [await authorize(8, counter, 1)],
      });
      await sendViem(r, "re-delegate dev 7", {
        from: A(0),
        to: A(7),
        data: inc,
        authorizationList: [await authorize(7, other, 1)],
      });
      await code("dev 7 re-delegated", 7);
      await sendViem(r, "stale authorization is skipped", {
        from: A(0),
        to: A(1),
        authorizationList: [await authorize(7, counter, 0)],
      });
      await sendViem(r, "other chain's authorization is skipped", {
        from: A(0),
        to: A(1),
        authorizationList: [await authorize(7, counter, 2, 1)],
      });
      await sendViem(r, "chain 0 authorization applies", {
        from: A(0),
        to: A(1),
        authorizationList: [await authorize(9, counter, 0, 0)],
      });
      await sendViem(r, "clear dev 7", {
        from: A(0),
        to: A(7),
        authorizationList: [await authorize(7, zeroAddress, 2)],
      });
      await code("dev 7 cleared", 7);
      // Raw: dev 10 signs a set-code transaction delegating dev 11.
      const raw = await devAccount(10).signTransaction({
        type: "eip7702",
        chainId: DEV_CHAIN_ID,
        nonce: 0,
        to: A(11),
        data: inc,
        gas: 200_000n,
        maxFeePerGas: parseGwei("20"),
        maxPriorityFeePerGas: parseGwei("1"),
        authorizationList: [await authorize(11, counter, 0)],
      });
      await r.sendRaw("raw set-code transaction", raw);
      await code("dev 11 delegated", 11);
      // One block: the delegation of dev 12, a call through it and one through dev 11.
      await r.inOneBlock(async () => {
        await r.record("delegate dev 12 in a block", "eth_sendTransaction", [
          formatTransactionRequest({
            from: A(0),
            to: A(1),
            gas: 200_000n,
            authorizationList: [await authorize(12, counter, 0)],
          }),
        ]);
        await r.record("call dev 12 in the same block", "eth_sendTransaction", [
          formatTransactionRequest({ from: A(1), to: A(12), data: inc, gas: 200_000n }),
        ]);
        await r.record("call dev 11 in the same block", "eth_sendTransaction", [
          formatTransactionRequest({ from: A(2), to: A(11), data: inc, gas: 200_000n }),
        ]);
      });
      await r.record("eth_estimateGas with an authorization", "eth_estimateGas", [
        formatTransactionRequest({
          from: A(3),
          to: A(13),
          data: inc,
          authorizationList: [await authorize(13, counter, 0)],
        }),
      ]);
      await r.record("eth_call with an authorization", "eth_call", [
        formatTransactionRequest({
          from: A(3),
          to: A(13),
          data: inc,
          authorizationList: [await authorize(13, counter, 0)],
        }),
        "latest",
      ]);
      for (const i of [7, 8, 9, 11, 12, 13]) r.watchAccount(A(i));
      for (const i of [7, 8, 11, 12]) r.watchSlots(A(i), [0n]);
      r.watchSlots(counter, [0n]);
      r.watchSlots(other, [0n]);
    },
    check(o) {
      const txs = mined(o);
      assert.ok(txs.filter((t) => t.type === "0x4").length >= 8, "set-code transactions mined");
      assert.ok(
        receipts(o).every((x) => x.status === "0x1"),
        "all succeeded",
      );
      assert.match(String(stepOf(o, "dev 7 delegated").result), /^0xef0100/);
      assert.equal(stepOf(o, "dev 7 cleared").result, "0x");
      assert.equal(
        stepOf(o, "dev 7's count").result,
        numberToHex(1, { size: 32 }),
        "the delegate's code ran in dev 7's storage",
      );
    },
  },
  {
    name: "EIP-7702 and blob requests refused as EDR refuses them",
    async run(r) {
      const counter = await r.deploy("deploy NetCounter", A(0), "NetCounter");
      const auth = await authorize(7, counter, 0);
      const base = { from: A(0), to: A(7) } as const;
      await r.record("gasPrice and authorizationList", "eth_sendTransaction", [
        {
          ...formatTransactionRequest({ ...base, authorizationList: [auth] }),
          gasPrice: "0x3b9aca00",
        },
      ]);
      await r.record("empty authorizationList", "eth_sendTransaction", [
        { ...formatTransactionRequest(base), authorizationList: [] },
      ]);
      await r.record("authorizationList without to", "eth_sendTransaction", [
        formatTransactionRequest({ from: A(0), authorizationList: [auth] }),
      ]);
      await r.record("empty authorizationList in eth_call", "eth_call", [
        { ...formatTransactionRequest(base), authorizationList: [] },
        "latest",
      ]);
      await r.record("blobHashes", "eth_sendTransaction", [
        { ...base, blobHashes: [numberToHex(1, { size: 32 })] },
      ]);
      await r.record("blobHashes with gas", "eth_sendTransaction", [
        { ...base, gas: "0x5208", blobHashes: [numberToHex(1, { size: 32 })] },
      ]);
      await r.record("type 3", "eth_sendTransaction", [{ ...base, type: "0x3" }]);
      await r.record("blobHashes in eth_call", "eth_call", [
        { ...base, blobHashes: [numberToHex(1, { size: 32 })] },
        "latest",
      ]);
    },
    check(o) {
      for (const label of [
        "gasPrice and authorizationList",
        "empty authorizationList",
        "authorizationList without to",
        "empty authorizationList in eth_call",
        "blobHashes",
        "blobHashes with gas",
        "type 3",
        "blobHashes in eth_call",
      ]) {
        assert.equal(stepOf(o, label).error?.code, -32000, label);
      }
    },
  },
];
