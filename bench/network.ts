/**
 * Network benchmark: the same workloads on Hardhat's EDR network and on the plugin's `parallel`
 * network, in one run. Not a test: it measures wall-clock time, which depends on the machine.
 *
 *   bash scripts/with-node22.sh hardhat run bench/network.ts
 *
 * Workloads (each on a fresh chain of each network):
 * - `automine-writes`: N automined `NetCounter.increment()` writes through hardhat-viem
 *   (`contract.write`, one block per transaction, awaited one by one). Timed: all N writes.
 * - `block-independent`: N pre-signed EIP-1559 `NetCounter.hit()` transactions from N distinct
 *   funded senders, each writing its own slot, pooled with automine off and mined as one block.
 *   Timed: the `evm_mine` only.
 * - `block-contended`: the same with `increment()`, so every transaction writes the same slot
 *   (a fully serial block: Block-STM's worst case). Timed: the `evm_mine` only.
 * - `block-transfers`: N plain ETH transfers from N distinct senders to N distinct fresh
 *   recipients, one block. Timed: the `evm_mine` only.
 *
 * Before each timed part a small warm-up (untimed) runs the same kind of work.
 *
 * Environment:
 * - `HP_NETWORKS` — comma-separated network names (default `default,parallel`; `default` is EDR).
 *   Names that are not configured are skipped with a message. Ratios are relative to `default`.
 * - `HP_BENCH_TXS` — transactions per workload (default 1000).
 * - `HP_BENCH_OUT` — output file (default `bench/results/network.json`).
 * - `HP_BENCH_WORKLOADS` — comma-separated workload ids to run (default: all of them), e.g.
 *   `automine-writes` when profiling that one.
 * - `HP_BENCH_RUNS` — runs of each workload on each network (default 1), in rounds that
 *   alternate the networks (EDR, parallel, EDR, parallel, …) so that a machine whose load
 *   changes affects both alike. Each network's reported time is its median run.
 *
 * Output: a table on stdout and JSON with, per workload and network, the time (ms), throughput
 * (transactions per second), and `timeRatioVsEdr` (network time / EDR time: below 1 is faster)
 * and `speedupVsEdr` (its inverse); with several runs, the median run's figures (the lower of
 * the two middle runs for an even count) plus `runsMs`, every run's time.
 */
import type { Address, Hex } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import { formatTable } from "@nomicfoundation/hardhat-utils/format";
import hre from "hardhat";
import {
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  numberToHex,
  parseEther,
  parseGwei,
} from "viem";

import { DEV_CHAIN_ID, devAccount, throwawayAccount } from "../test/network/helpers/accounts.ts";
import {
  CONFIGURED_NETWORKS,
  DEFAULT_NETWORK,
  connect,
  isConfigured,
  networkLabel,
  parseNetworkList,
} from "../test/network/helpers/networks.ts";

/** Transactions per workload. */
const TX_COUNT = Number(process.env.HP_BENCH_TXS ?? 1000);
/** Runs of each workload on each network (the median is reported). */
const RUNS = Math.max(1, Math.floor(Number(process.env.HP_BENCH_RUNS ?? 1)));
/** Transactions of each untimed warm-up. */
const WARMUP = 20;
/** Networks to run, in order. */
const NETWORK_NAMES = parseNetworkList(process.env.HP_NETWORKS ?? `${DEFAULT_NETWORK},parallel`);
/** Where the JSON goes. */
const OUT = process.env.HP_BENCH_OUT ?? path.join(import.meta.dirname, "results", "network.json");

/** The dev account that deploys the benchmark contract, as its first transaction. */
const DEPLOYER = devAccount(19);
/** Address of the NetCounter every workload uses (deployer nonce 0 on a fresh chain). */
const COUNTER: Address = getContractAddress({ from: DEPLOYER.address, nonce: 0n });

/** Measurement of one workload on one network. */
interface Measurement {
  /** Timed wall-clock duration (ms); with several runs, that of the median run. */
  ms: number;
  /** Timed duration of every run (ms), in run order; present with several runs. */
  runsMs?: number[];
  /** Transactions per second over the timed part. */
  txPerSecond: number;
  /** Transactions the timed part executed. */
  transactions: number;
  /** Gas used by them (sum). */
  gasUsed: string;
  /** `parallel_getBlockRecord` of the mined block, when the network has it (informative). */
  blockRecord?: unknown;
}

interface Workload {
  id: string;
  description: string;
  timed: string;
  /** Whether {@link Workload.run} uses the pre-signed transactions (signed only when one does). */
  usesPrepared: boolean;
  /** Runs the workload on a fresh connection and returns its measurement. */
  run(connection: NetworkConnection, prepared: PreparedBlocks | undefined): Promise<Measurement>;
}

/** Pre-signed transactions, shared by every network (same chain id, nonces and addresses). */
interface PreparedBlocks {
  independent: { warmup: Hex[]; timed: Hex[] };
  contended: { warmup: Hex[]; timed: Hex[] };
  transfers: { warmup: Hex[]; timed: Hex[] };
  senders: Address[];
}

const rpc = (c: NetworkConnection, method: string, params: unknown[] = []) =>
  c.provider.request({ method, params });

async function counterArtifact() {
  const artifact = await hre.artifacts.readArtifact("NetCounter");
  return { abi: artifact.abi, bytecode: artifact.bytecode as Hex };
}

/** Deploys NetCounter from {@link DEPLOYER} (its first transaction) and checks the address. */
async function deployCounter(c: NetworkConnection): Promise<void> {
  const { abi, bytecode } = await counterArtifact();
  const hash = (await rpc(c, "eth_sendTransaction", [
    { from: DEPLOYER.address, data: encodeDeployData({ abi, bytecode }) },
  ])) as Hex;
  const receipt = (await rpc(c, "eth_getTransactionReceipt", [hash])) as {
    contractAddress: string;
    status: string;
  };
  if (receipt.status !== "0x1" || receipt.contractAddress.toLowerCase() !== COUNTER.toLowerCase()) {
    throw new Error(
      `NetCounter deployment went wrong: ${JSON.stringify(receipt)} (expected at ${COUNTER})`,
    );
  }
}

/** Signs one transaction per sender; sender i sends the i-th. */
async function signAll(
  from: number,
  count: number,
  make: (i: number) => { to: Address; data?: Hex; value?: bigint; gas: bigint },
): Promise<Hex[]> {
  const out: Hex[] = [];
  for (let i = from; i < from + count; i++) {
    const { to, data, value, gas } = make(i);
    out.push(
      await throwawayAccount("bench", i).signTransaction({
        type: "eip1559",
        chainId: DEV_CHAIN_ID,
        nonce: 0,
        to,
        data,
        value,
        gas,
        maxFeePerGas: parseGwei("10"),
        maxPriorityFeePerGas: parseGwei("1"),
      }),
    );
  }
  return out;
}

/** Signs every pooled-block transaction once, before any network runs. */
async function prepare(): Promise<PreparedBlocks> {
  const { abi } = await counterArtifact();
  const hit = encodeFunctionData({ abi, functionName: "hit" });
  const increment = encodeFunctionData({ abi, functionName: "increment" });
  const total = TX_COUNT + WARMUP;
  // Senders: [0, total) for independent, [total, 2·total) contended, [2·total, 3·total) transfers.
  const independent = await signAll(0, total, () => ({ to: COUNTER, data: hit, gas: 55_000n }));
  const contended = await signAll(total, total, () => ({
    to: COUNTER,
    data: increment,
    gas: 55_000n,
  }));
  const transfers = await signAll(2 * total, total, (i) => ({
    to: throwawayAccount("bench-recipient", i).address,
    value: 1n,
    gas: 21_000n,
  }));
  const senders: Address[] = [];
  for (let i = 0; i < 3 * total; i++) senders.push(throwawayAccount("bench", i).address);
  const split = (txs: Hex[]) => ({ warmup: txs.slice(0, WARMUP), timed: txs.slice(WARMUP) });
  return {
    independent: split(independent),
    contended: split(contended),
    transfers: split(transfers),
    senders,
  };
}

/** Funds `senders` with 1 ETH each (hardhat_setBalance: no transactions, no blocks). */
async function fund(c: NetworkConnection, senders: Address[]): Promise<void> {
  for (const s of senders) await rpc(c, "hardhat_setBalance", [s, numberToHex(parseEther("1"))]);
}

/**
 * Pools `txs` with automine off and mines them as one block.
 * @returns Milliseconds spent in `evm_mine`, and the mined block's number.
 */
async function mineAsOneBlock(
  c: NetworkConnection,
  txs: Hex[],
): Promise<{ ms: number; block: bigint }> {
  await rpc(c, "evm_setAutomine", [false]);
  try {
    for (const tx of txs) await rpc(c, "eth_sendRawTransaction", [tx]);
    const start = performance.now();
    await rpc(c, "evm_mine");
    const ms = performance.now() - start;
    return { ms, block: BigInt((await rpc(c, "eth_blockNumber")) as Hex) };
  } finally {
    await rpc(c, "evm_setAutomine", [true]);
  }
}

/**
 * Checks that block `number` holds exactly `count` successful transactions.
 * @returns The gas they used.
 * @throws {Error} otherwise (a benchmark of a wrong result is worthless).
 */
async function checkBlock(c: NetworkConnection, number: bigint, count: number): Promise<bigint> {
  const block = (await rpc(c, "eth_getBlockByNumber", [numberToHex(number), false])) as {
    transactions: Hex[];
    gasUsed: Hex;
  };
  if (block.transactions.length !== count) {
    throw new Error(
      `block ${number} holds ${block.transactions.length} transactions, expected ${count}`,
    );
  }
  for (const hash of block.transactions) {
    const receipt = (await rpc(c, "eth_getTransactionReceipt", [hash])) as { status: string };
    if (receipt.status !== "0x1") throw new Error(`transaction ${hash} of block ${number} failed`);
  }
  return BigInt(block.gasUsed);
}

/** `parallel_getBlockRecord` of `block` when the network serves it, else undefined. */
async function blockRecord(c: NetworkConnection, block: bigint): Promise<unknown> {
  try {
    return await rpc(c, "parallel_getBlockRecord", [numberToHex(block)]);
  } catch {
    return undefined;
  }
}

/** A one-block workload over one of the prepared transaction sets. */
function blockWorkload(
  id: string,
  description: string,
  pick: (p: PreparedBlocks) => { warmup: Hex[]; timed: Hex[] },
): Workload {
  return {
    id,
    description,
    timed: "evm_mine of one block",
    usesPrepared: true,
    async run(c, prepared) {
      if (prepared === undefined) throw new Error(`${id} needs the pre-signed transactions`);
      await deployCounter(c);
      await fund(c, prepared.senders);
      const { warmup, timed } = pick(prepared);
      const w = await mineAsOneBlock(c, warmup);
      await checkBlock(c, w.block, warmup.length);
      const { ms, block } = await mineAsOneBlock(c, timed);
      const gasUsed = await checkBlock(c, block, timed.length);
      return {
        ms,
        txPerSecond: (timed.length / ms) * 1000,
        transactions: timed.length,
        gasUsed: gasUsed.toString(),
        blockRecord: await blockRecord(c, block),
      };
    },
  };
}

const WORKLOADS: Workload[] = [
  {
    id: "automine-writes",
    description: `${TX_COUNT} automined NetCounter.increment() writes through hardhat-viem`,
    timed: "all writes (send + automine), awaited one by one",
    usesPrepared: false,
    async run(c) {
      const counter = await c.viem.deployContract("NetCounter");
      for (let i = 0; i < WARMUP; i++) await counter.write.increment();
      const first = BigInt((await rpc(c, "eth_blockNumber")) as Hex) + 1n;
      const start = performance.now();
      for (let i = 0; i < TX_COUNT; i++) await counter.write.increment();
      const ms = performance.now() - start;
      const count = await counter.read.count();
      if (count !== BigInt(WARMUP + TX_COUNT))
        throw new Error(`counter is ${count}, expected ${WARMUP + TX_COUNT}`);
      let gasUsed = 0n;
      const last = BigInt((await rpc(c, "eth_blockNumber")) as Hex);
      for (let n = first; n <= last; n++) gasUsed += await checkBlock(c, n, 1);
      return {
        ms,
        txPerSecond: (TX_COUNT / ms) * 1000,
        transactions: TX_COUNT,
        gasUsed: gasUsed.toString(),
      };
    },
  },
  blockWorkload(
    "block-independent",
    `${TX_COUNT} senders, each NetCounter.hit() on its own slot, one block`,
    (p) => p.independent,
  ),
  blockWorkload(
    "block-contended",
    `${TX_COUNT} senders, all NetCounter.increment() on one slot, one block`,
    (p) => p.contended,
  ),
  blockWorkload(
    "block-transfers",
    `${TX_COUNT} ETH transfers, distinct senders and recipients, one block`,
    (p) => p.transfers,
  ),
];

/** The workloads to run: {@link WORKLOADS} filtered by `HP_BENCH_WORKLOADS` when it is set. */
function selectedWorkloads(): Workload[] {
  const wanted = process.env.HP_BENCH_WORKLOADS;
  if (wanted === undefined || wanted.trim() === "") return WORKLOADS;
  const ids = new Set(
    wanted
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
  );
  const unknown = [...ids].filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `unknown workload(s) in HP_BENCH_WORKLOADS: ${unknown.join(", ")} (known: ${WORKLOADS.map((w) => w.id).join(", ")})`,
    );
  }
  return WORKLOADS.filter((w) => ids.has(w.id));
}

type Outcome = { status: "ok"; measurement: Measurement } | { status: "failed"; error: string };

async function main(): Promise<void> {
  const networks: string[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  for (const name of NETWORK_NAMES) {
    if (isConfigured(name)) {
      networks.push(name);
    } else {
      const reason = `not configured in hardhat.config.ts (configured networks: ${CONFIGURED_NETWORKS.join(", ")})`;
      console.log(`Skipping network "${name}": ${reason}.`);
      skipped.push({ name, reason });
    }
  }
  if (networks.length === 0) {
    console.log("No configured network to benchmark.");
    process.exitCode = 1;
    return;
  }

  const workloads = selectedWorkloads();
  let prepared: PreparedBlocks | undefined;
  if (workloads.some((w) => w.usesPrepared)) {
    console.log(
      `Signing ${3 * (TX_COUNT + WARMUP)} transactions from ${3 * (TX_COUNT + WARMUP)} senders (untimed)…`,
    );
    prepared = await prepare();
  }

  const results = new Map<string, Map<string, Outcome>>();
  for (const workload of workloads) {
    const runs = new Map<string, Measurement[]>(networks.map((name) => [name, []]));
    const failures = new Map<string, string>();
    for (let round = 1; round <= RUNS; round++) {
      for (const name of networks) {
        if (failures.has(name)) continue;
        const label = RUNS > 1 ? ` (run ${round}/${RUNS})` : "";
        process.stdout.write(`${workload.id} on ${networkLabel(name)}${label}… `);
        let connection: NetworkConnection | undefined;
        try {
          connection = await connect(name);
          const measurement = await workload.run(connection, prepared);
          runs.get(name)!.push(measurement);
          console.log(`${measurement.ms.toFixed(1)} ms`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.set(name, message);
          console.log(`failed: ${message}`);
          process.exitCode = 1;
        } finally {
          await connection?.close();
        }
      }
    }
    const perNetwork = new Map<string, Outcome>();
    results.set(workload.id, perNetwork);
    for (const name of networks) {
      const failure = failures.get(name);
      if (failure !== undefined) {
        perNetwork.set(name, { status: "failed", error: failure });
        continue;
      }
      const measured = runs.get(name)!;
      const median = [...measured].sort((a, b) => a.ms - b.ms)[
        Math.floor((measured.length - 1) / 2)
      ];
      perNetwork.set(name, {
        status: "ok",
        measurement:
          measured.length > 1 ? { ...median, runsMs: measured.map((m) => m.ms) } : median,
      });
    }
  }

  const edrMs = (id: string): number | undefined => {
    const o = results.get(id)?.get(DEFAULT_NETWORK);
    return o?.status === "ok" ? o.measurement.ms : undefined;
  };

  const rows: Array<{ type: "row"; cells: string[] }> = [];
  const json = workloads.map((w) => {
    const perNetwork: Record<string, unknown> = {};
    for (const name of networks) {
      const o = results.get(w.id)!.get(name)!;
      const base = edrMs(w.id);
      if (o.status === "ok") {
        const ratio = base === undefined ? undefined : o.measurement.ms / base;
        perNetwork[name] = {
          ...o.measurement,
          timeRatioVsEdr: ratio,
          speedupVsEdr: ratio === undefined ? undefined : 1 / ratio,
        };
        rows.push({
          type: "row",
          cells: [
            w.id,
            networkLabel(name),
            o.measurement.ms.toFixed(1),
            o.measurement.txPerSecond.toFixed(0),
            ratio === undefined ? "n/a" : `${ratio.toFixed(2)}x`,
          ],
        });
      } else {
        perNetwork[name] = { error: o.error };
        rows.push({
          type: "row",
          cells: [w.id, networkLabel(name), "failed", "", o.error.slice(0, 60)],
        });
      }
    }
    return { id: w.id, description: w.description, timed: w.timed, results: perNetwork };
  });

  console.log();
  console.log(
    formatTable([
      {
        type: "title",
        text: `hardhat-parallel network benchmark (${TX_COUNT} transactions per workload${RUNS > 1 ? `, median of ${RUNS} runs` : ""})`,
      },
      {
        type: "section-header",
        text: "Results",
        subtitle: "time ratio vs EDR: network time / EDR time (below 1x is faster)",
      },
      { type: "header", cells: ["workload", "network", "time (ms)", "tx/s", "time vs EDR"] },
      ...rows,
    ]),
  );
  for (const w of workloads) console.log(`  ${w.id}: ${w.description}; timed: ${w.timed}.`);
  for (const s of skipped) console.log(`  skipped ${s.name}: ${s.reason}.`);

  const report = {
    generatedAt: new Date().toISOString(),
    transactionsPerWorkload: TX_COUNT,
    runsPerNetwork: RUNS,
    warmupTransactions: WARMUP,
    reference: DEFAULT_NETWORK,
    networks,
    skipped,
    environment: {
      node: process.version,
      hardhat: hre.versions.hardhat,
      edr: hre.versions.edr,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
    },
    workloads: json,
  };
  await mkdir(path.dirname(OUT), { recursive: true });
  await writeFile(
    OUT,
    `${JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`,
  );
  console.log(`\nWrote ${path.relative(process.cwd(), OUT)}`);
}

await main();
