/**
 * Differential scenarios for the JSON-RPC methods of issue 13 item 4 (transactions by block and
 * index, pending transactions and their filter, web3_sha3, eth_blobBaseFee, the block gas limit,
 * hardhat_setMinGasPrice, hardhat_setLoggingEnabled), with their error cases. Part of
 * {@link SCENARIOS} in `scenarios.ts`.
 *
 * Block hashes differ between two chains (the genesis timestamp is the wall clock), so a result
 * that names a block hash is recorded with that hash replaced by `(block N)` when it is the hash
 * of block N on the same chain. Transactions are raw-signed so their hashes and signatures are
 * compared.
 */
import type { Hex } from "viem";

import assert from "node:assert/strict";

import { numberToHex, parseGwei } from "viem";

import { DEV_CHAIN_ID, devAccount } from "./accounts.ts";
import type { Observation, ScenarioRun, StepRecord } from "./harness.ts";
import { toErrorRecord } from "./harness.ts";
import type { CheckedScenario } from "./scenarios.ts";

const FRESH = "0x00000000000000000000000000000000c0ffee02";

/** A raw EIP-1559 transfer of `value` wei from dev account `i` with nonce `nonce`. */
async function rawTransfer(i: number, nonce: number, value: bigint, gas = 21_000n): Promise<Hex> {
  return await devAccount(i).signTransaction({
    type: "eip1559",
    chainId: DEV_CHAIN_ID,
    nonce,
    maxFeePerGas: parseGwei("20"),
    maxPriorityFeePerGas: parseGwei("1"),
    gas,
    to: FRESH,
    value,
  });
}

/** Replaces every block hash in `value` by `(block N)` (N its number on this chain). */
async function withBlockNames(r: ScenarioRun, value: unknown): Promise<unknown> {
  const latest = BigInt((await r.rpc("eth_blockNumber")) as Hex);
  const names = new Map<string, string>();
  for (let n = 0n; n <= latest; n++) {
    const block = (await r.rpc("eth_getBlockByNumber", [numberToHex(n), false])) as { hash: Hex };
    names.set(block.hash.toLowerCase(), `(block ${n})`);
  }
  const rename = (v: unknown): unknown => {
    if (typeof v === "string") return names.get(v.toLowerCase()) ?? v;
    if (Array.isArray(v)) return v.map(rename);
    if (typeof v === "object" && v !== null)
      return Object.fromEntries(
        Object.entries(v)
          // EDR leaves yParity out of typed transactions; format.ts adds it for every method
          // that returns transactions (a difference of its own, reported, not this suite's).
          .filter(([k]) => k !== "yParity")
          .map(([k, x]) => [k, rename(x)]),
      );
    return v;
  };
  return rename(value);
}

/** Records `method(params)` with block hashes named (see {@link withBlockNames}). */
async function recordNamed(
  r: ScenarioRun,
  label: string,
  method: string,
  params: unknown[],
): Promise<unknown> {
  try {
    const result = await r.rpc(method, params);
    r.steps.push({ label, method, result: await withBlockNames(r, result) });
    return result;
  } catch (error) {
    r.steps.push({ label, method, error: toErrorRecord(error) });
    return undefined;
  }
}

/**
 * Records only the error code of a request with malformed params: EDR's messages are its JSON
 * deserializer's (`invalid length 1, expected tuple variant … at line 1 column 92`), which
 * this project does not copy; the code (-32602) must match.
 */
async function recordCode(
  r: ScenarioRun,
  label: string,
  method: string,
  params: unknown[],
): Promise<void> {
  try {
    r.steps.push({ label, method, result: await r.rpc(method, params) });
  } catch (error) {
    r.steps.push({ label, method, error: { ...toErrorRecord(error), message: "(not compared)" } });
  }
}

/** Records the latest block's number and gas limit. */
async function recordLatestGasLimit(r: ScenarioRun, label: string): Promise<void> {
  const block = (await r.rpc("eth_getBlockByNumber", ["latest", false])) as Record<string, unknown>;
  r.steps.push({
    label,
    method: "eth_getBlockByNumber",
    result: {
      number: block.number,
      gasLimit: block.gasLimit,
      transactions: (block.transactions as unknown[]).length,
    },
  });
}

/** The hash of block `n` on this run's chain. */
async function blockHash(r: ScenarioRun, n: number): Promise<Hex> {
  return ((await r.rpc("eth_getBlockByNumber", [numberToHex(n), false])) as { hash: Hex }).hash;
}

const step = (o: Observation, label: string): StepRecord => {
  const s = o.steps.find((x) => x.label === label);
  assert.ok(s, `no step labelled "${label}"`);
  return s;
};
const failed = (o: Observation, label: string): void =>
  assert.ok(step(o, label).error, `step "${label}" should have failed`);
const resultOf = (o: Observation, label: string): unknown => {
  const s = step(o, label);
  assert.equal(s.error, undefined, `step "${label}" failed: ${JSON.stringify(s.error)}`);
  return s.result;
};

const UNKNOWN_HASH: Hex = `0x${"ab".repeat(32)}`;

export const METHOD_SCENARIOS: CheckedScenario[] = [
  {
    name: "transactions by block and index, block transaction count by hash (found, null, bad params)",
    async run(r) {
      await r.sendRaw("raw transfer", await rawTransfer(5, 0, 1_000n));
      await r.sendRaw("second raw transfer", await rawTransfer(6, 0, 2_000n));
      const mined = await blockHash(r, 1);
      await recordNamed(
        r,
        "by number and index: latest, 0",
        "eth_getTransactionByBlockNumberAndIndex",
        ["latest", "0x0"],
      );
      await recordNamed(r, "by number and index: 1, 0", "eth_getTransactionByBlockNumberAndIndex", [
        "0x1",
        "0x0",
      ]);
      await recordNamed(
        r,
        "by number and index: index out of range",
        "eth_getTransactionByBlockNumberAndIndex",
        ["0x1", "0x1"],
      );
      await recordNamed(
        r,
        "by number and index: genesis",
        "eth_getTransactionByBlockNumberAndIndex",
        ["earliest", "0x0"],
      );
      await recordNamed(
        r,
        "by number and index: unknown block",
        "eth_getTransactionByBlockNumberAndIndex",
        ["0x999", "0x0"],
      );
      await recordCode(
        r,
        "by number and index: bad tag",
        "eth_getTransactionByBlockNumberAndIndex",
        ["newest", "0x0"],
      );
      await recordCode(
        r,
        "by number and index: one param",
        "eth_getTransactionByBlockNumberAndIndex",
        ["0x1"],
      );
      await recordNamed(r, "by hash and index: 0", "eth_getTransactionByBlockHashAndIndex", [
        mined,
        "0x0",
      ]);
      await recordNamed(
        r,
        "by hash and index: out of range",
        "eth_getTransactionByBlockHashAndIndex",
        [mined, "0x5"],
      );
      await recordNamed(
        r,
        "by hash and index: unknown hash",
        "eth_getTransactionByBlockHashAndIndex",
        [UNKNOWN_HASH, "0x0"],
      );
      await recordCode(
        r,
        "by hash and index: short hash",
        "eth_getTransactionByBlockHashAndIndex",
        ["0x1234", "0x0"],
      );
      await recordNamed(r, "count by hash: mined block", "eth_getBlockTransactionCountByHash", [
        mined,
      ]);
      await recordNamed(r, "count by hash: genesis", "eth_getBlockTransactionCountByHash", [
        await blockHash(r, 0),
      ]);
      await recordNamed(r, "count by hash: unknown", "eth_getBlockTransactionCountByHash", [
        UNKNOWN_HASH,
      ]);
      await recordCode(r, "count by hash: a number", "eth_getBlockTransactionCountByHash", ["0x1"]);
      await recordCode(r, "count by hash: no params", "eth_getBlockTransactionCountByHash", []);
    },
    check(o) {
      const tx = resultOf(o, "by number and index: 1, 0") as Record<string, unknown>;
      assert.equal(tx.blockHash, "(block 1)");
      assert.equal(tx.transactionIndex, "0x0");
      assert.equal(resultOf(o, "by hash and index: 0") !== null, true);
      assert.equal(resultOf(o, "by number and index: index out of range"), null);
      assert.equal(resultOf(o, "by hash and index: unknown hash"), null);
      assert.equal(resultOf(o, "count by hash: mined block"), "0x1");
      assert.equal(resultOf(o, "count by hash: genesis"), "0x0");
      assert.equal(resultOf(o, "count by hash: unknown"), null);
      failed(o, "by number and index: bad tag");
      failed(o, "by hash and index: short hash");
      failed(o, "count by hash: no params");
    },
  },
  {
    name: "eth_pendingTransactions and eth_newPendingTransactionFilter (pooled, automined, polled, bad params)",
    async run(r) {
      await recordNamed(r, "pending: empty pool", "eth_pendingTransactions", []);
      const filter = await r.record("new pending filter", "eth_newPendingTransactionFilter", []);
      await recordCode(r, "new pending filter with a param", "eth_newPendingTransactionFilter", [
        "0x1",
      ]);
      await r.record("poll: nothing yet", "eth_getFilterChanges", [filter]);
      await r.sendRaw("automined raw transfer", await rawTransfer(7, 0, 1n));
      await r.record("poll: the automined one", "eth_getFilterChanges", [filter]);
      await r.inOneBlock(async () => {
        await r.sendRaw("pooled raw transfer A", await rawTransfer(8, 0, 2n));
        await r.sendRaw("pooled raw transfer B", await rawTransfer(9, 0, 3n));
        await r.sendRaw("pooled raw transfer A, nonce 1", await rawTransfer(8, 1, 4n));
        await r.sendRaw("pooled raw transfer, nonce gap", await rawTransfer(10, 3, 5n));
        await recordNamed(r, "pending: four pooled", "eth_pendingTransactions", []);
        await r.record("poll: four pooled", "eth_getFilterChanges", [filter]);
        await r.record("poll again: nothing new", "eth_getFilterChanges", [filter]);
        await recordCode(r, "pending with a param", "eth_pendingTransactions", ["latest"]);
      });
      await recordNamed(r, "pending: the gapped one is left", "eth_pendingTransactions", []);
      await r.record("poll after mining", "eth_getFilterChanges", [filter]);
      await r.record("filter logs of a pending filter", "eth_getFilterLogs", [filter]);
      await r.record("uninstall", "eth_uninstallFilter", [filter]);
      await r.record("poll an uninstalled filter", "eth_getFilterChanges", [filter]);
    },
    check(o) {
      assert.deepEqual(resultOf(o, "pending: empty pool"), []);
      assert.deepEqual(resultOf(o, "poll: nothing yet"), []);
      assert.deepEqual(resultOf(o, "poll: the automined one"), [
        resultOf(o, "automined raw transfer"),
      ]);
      assert.equal((resultOf(o, "pending: four pooled") as unknown[]).length, 4);
      assert.equal((resultOf(o, "poll: four pooled") as unknown[]).length, 4);
      assert.deepEqual(resultOf(o, "poll again: nothing new"), []);
      assert.equal((resultOf(o, "pending: the gapped one is left") as unknown[]).length, 1);
      failed(o, "pending with a param");
    },
  },
  {
    name: "web3_sha3 and eth_blobBaseFee (values and bad params)",
    async run(r) {
      await r.record("sha3 of hello", "web3_sha3", ["0x68656c6c6f"]);
      await r.record("sha3 of empty data", "web3_sha3", ["0x"]);
      await recordCode(r, "sha3 of text", "web3_sha3", ["hello"]);
      await recordCode(r, "sha3 of odd hex", "web3_sha3", ["0x123"]);
      await recordCode(r, "sha3 without params", "web3_sha3", []);
      await r.record("blob base fee", "eth_blobBaseFee", []);
      await r.send("a block", { from: devAccount(0).address, to: FRESH, value: 1n });
      await r.record("blob base fee after a block", "eth_blobBaseFee", []);
      await recordCode(r, "blob base fee with a param", "eth_blobBaseFee", ["latest"]);
    },
    check(o) {
      assert.equal(
        resultOf(o, "sha3 of hello"),
        "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8",
      );
      assert.equal(
        resultOf(o, "sha3 of empty data"),
        "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
      );
      assert.equal(typeof resultOf(o, "blob base fee"), "string");
      failed(o, "sha3 of text");
      failed(o, "sha3 without params");
    },
  },
  {
    name: "evm_setBlockGasLimit (next blocks, fitting, pool, revert), hardhat_setMinGasPrice, hardhat_setLoggingEnabled",
    async run(r) {
      const A0 = devAccount(0).address;
      await r.record("logging on", "hardhat_setLoggingEnabled", [true]);
      await r.record("logging off", "hardhat_setLoggingEnabled", [false]);
      await recordCode(r, "logging: not a boolean", "hardhat_setLoggingEnabled", ["yes"]);
      await r.record("min gas price after London", "hardhat_setMinGasPrice", ["0x1"]);
      await recordCode(r, "min gas price: bad quantity", "hardhat_setMinGasPrice", ["ten"]);
      await r.record("gas limit 0", "evm_setBlockGasLimit", ["0x0"]);
      await recordCode(r, "gas limit: not a quantity", "evm_setBlockGasLimit", ["lots"]);
      await r.record("gas limit: a number", "evm_setBlockGasLimit", [30_000_000]);
      await recordCode(r, "gas limit: no params", "evm_setBlockGasLimit", []);
      const snapshot = await r.rpc("evm_snapshot");
      await r.record("gas limit 30M", "evm_setBlockGasLimit", [numberToHex(30_000_000)]);
      await r.send("transfer under 30M", { from: A0, to: FRESH, value: 1n });
      await recordLatestGasLimit(r, "block after 30M");
      await r.record("gas limit 100k", "evm_setBlockGasLimit", [numberToHex(100_000)]);
      await r.send("transfer under 100k, estimated gas", { from: A0, to: FRESH, value: 2n });
      await recordLatestGasLimit(r, "block after 100k");
      await r.send("gas 150k above the 100k limit", {
        from: A0,
        to: FRESH,
        value: 3n,
        gas: 150_000n,
      });
      await r.estimate("estimate under 100k", { from: A0, to: FRESH, value: 4n });
      await r.record("call under 100k, default gas", "eth_call", [
        { from: A0, to: FRESH },
        "latest",
      ]);
      // Six 21,000-gas transfers: four fit in a 100,000-gas block, two wait for the next.
      await r.inOneBlock(async () => {
        for (let i = 0; i < 6; i++)
          await r.sendRaw(`pooled transfer ${i}`, await rawTransfer(11 + i, 0, BigInt(i + 1)));
      });
      await recordLatestGasLimit(r, "the full block");
      await recordNamed(r, "pending after the full block", "eth_pendingTransactions", []);
      await r.rpc("evm_setNextBlockTimestamp", [numberToHex(r.nextTimestamp())]);
      await r.record("mine the rest", "evm_mine", []);
      await recordLatestGasLimit(r, "the block with the rest");
      // A pooled transaction above a new, lower limit.
      await r.record("gas limit 200k", "evm_setBlockGasLimit", [numberToHex(200_000)]);
      await r.rpc("evm_setAutomine", [false]);
      await r.sendRaw("pooled 150k-gas transfer", await rawTransfer(17, 0, 5n, 150_000n));
      await r.sendRaw("pooled 50k-gas transfer", await rawTransfer(18, 0, 6n, 50_000n));
      await r.record("gas limit 100k with both pooled", "evm_setBlockGasLimit", [
        numberToHex(100_000),
      ]);
      await recordNamed(r, "pending after lowering the limit", "eth_pendingTransactions", []);
      await r.rpc("evm_setNextBlockTimestamp", [numberToHex(r.nextTimestamp())]);
      await r.record("mine with the lower limit", "evm_mine", []);
      await recordLatestGasLimit(r, "the block with the lower limit");
      await r.rpc("evm_setAutomine", [true]);
      await recordNamed(r, "pending after mining", "eth_pendingTransactions", []);
      await r.record("revert to before the limits", "evm_revert", [snapshot]);
      await r.send("transfer after revert", { from: A0, to: FRESH, value: 7n });
    },
    check(o) {
      assert.equal(resultOf(o, "logging on"), true);
      failed(o, "min gas price after London");
      failed(o, "gas limit 0");
      failed(o, "gas limit: not a quantity");
      assert.equal(resultOf(o, "gas limit 30M"), true);
      type Latest = { gasLimit: string; transactions: number };
      const latest = (label: string) => resultOf(o, label) as Latest;
      assert.equal(latest("block after 30M").gasLimit, numberToHex(30_000_000));
      assert.equal(latest("block after 100k").gasLimit, numberToHex(100_000));
      failed(o, "gas 150k above the 100k limit");
      assert.equal(latest("the full block").transactions, 4, "four fit in 100,000 gas");
      assert.equal((resultOf(o, "pending after the full block") as unknown[]).length, 2);
      assert.equal(latest("the block with the rest").transactions, 2);
      assert.equal(o.blocks.length, 1, "evm_revert removed the blocks; one transfer after it");
    },
  },
];
