/**
 * Benchmark of the Block-STM and declared executors against the sequential one (not a test: wall-clock
 * figures are machine-dependent). Workloads: raw ETH transfers and ERC-20 transfers between
 * distinct users, ERC-20 transfers where a share of transactions ("hot ratio") pays one hot
 * recipient, and swaps on one constant-product pool (fully dependent).
 *
 * Run: `bash scripts/with-node22.sh node bench/block-stm.ts [--large] [--size=N] [--blocks=N] [--warmup=N] [--contended]`
 * (`--large` adds 10,000-transaction blocks; slow; `--contended` runs only the raw-signed hot,
 * disjoint and alternating sequences). Prints a table and writes
 * `bench/results/block-stm.json` with ratios vs sequential (sequential time / executor time).
 * Per workload, every configuration has its own chain; each mines `--warmup` (default 5) blocks
 * of the workload first (lane start, JIT: each lane is a V8 isolate that compiles the EVM on its
 * own and stays cold for its first few thousand transactions; the dependency statistics the
 * fallback uses), then `--blocks` (default 5) measured blocks, the configurations taking turns
 * block by block so that a change of machine load hits all of them. The figure is the median
 * executor wall time (`record.wallTimeMs`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { formatTable } from "@nomicfoundation/hardhat-utils/format";
import { createTx } from "@ethereumjs/tx";
import {
  bytesToHex,
  encodeAbiParameters,
  encodeFunctionData,
  hexToBytes,
  keccak256,
  type Hex,
} from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { decodeRawTransaction } from "../sdk/engine/transactions.ts";
import type { MinedBlock } from "../sdk/engine/chain.ts";
import type { ExecutorName } from "../sdk/engine/options.ts";
import { artifacts, createTestChain, GAS_PRICE, type TestChain } from "../test/engine/helpers.ts";
import { nonceKey } from "../sdk/engine/location.ts";

const args = process.argv.slice(2);
const sizeArg = args.find((a) => a.startsWith("--size="));
const SIZES =
  sizeArg !== undefined
    ? [Number(sizeArg.slice(7))]
    : args.includes("--large")
      ? [1_000, 10_000]
      : [1_000];
const BLOCKS = Number(args.find((a) => a.startsWith("--blocks="))?.slice(9) ?? 5);
const WARMUP = Number(args.find((a) => a.startsWith("--warmup="))?.slice(9) ?? 5);

type Workload = { name: string; hot?: number; kind: "eth" | "erc20" | "swap" };
const ONLY_CONTENDED = args.includes("--contended");
const WORKLOADS: Workload[] = ONLY_CONTENDED
  ? []
  : [
      { name: "eth transfers", kind: "eth" },
      { name: "erc20 hot 0%", kind: "erc20", hot: 0 },
      { name: "erc20 hot 10%", kind: "erc20", hot: 0.1 },
      { name: "erc20 hot 30%", kind: "erc20", hot: 0.3 },
      { name: "erc20 hot 100%", kind: "erc20", hot: 1 },
      { name: "swaps one pool", kind: "swap" },
    ];
const CONFIGS: Array<{ label: string; executor: ExecutorName; lanes: number }> = [
  { label: "sequential", executor: "sequential", lanes: 1 },
  { label: "block-stm 1 lane", executor: "block-stm", lanes: 1 },
  { label: "block-stm 2 lanes", executor: "block-stm", lanes: 2 },
  { label: "declared 2 lanes", executor: "declared", lanes: 2 },
];

const user = (i: number): Hex => `0x${(0x10000 + i).toString(16).padStart(40, "0")}` as Hex;

async function setup(config: (typeof CONFIGS)[number], size: number): Promise<TestChain> {
  // Every chain has the fixtures' declarations, as a project with annotated contracts does: the
  // `declared` executor schedules with them, and every executor checks declared access per frame.
  const t = await createTestChain(
    config.executor,
    { lanes: config.lanes, blockGasLimit: 2_000_000_000n },
    { withDeclarations: true },
  );
  for (let i = 0; i < 2 * size + 1; i++) {
    t.chain.setBalance(user(i), 10n ** 21n);
    const slot = BigInt(
      keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [user(i), 0n])),
    );
    t.chain.setStorageAt(t.fixtures.token, slot, 10n ** 24n);
  }
  return t;
}

async function submitBlock(t: TestChain, w: Workload, size: number, round: number): Promise<void> {
  const a = artifacts();
  for (let i = 0; i < size; i++) {
    const from = user(i);
    const hot = w.hot !== undefined && (i * 7919 + round) % 100 < w.hot * 100;
    const to = hot ? user(2 * size) : user(size + i);
    let tx: { to: Hex; data: Hex; value: bigint; gasLimit: bigint };
    if (w.kind === "eth") tx = { to, data: "0x", value: 1n, gasLimit: 21_000n };
    else if (w.kind === "erc20")
      tx = {
        to: t.fixtures.token,
        data: encodeFunctionData({ abi: a.EngToken.abi, functionName: "transfer", args: [to, 1n] }),
        value: 0n,
        gasLimit: 60_000n,
      };
    else
      tx = {
        to: t.fixtures.pool,
        data: encodeFunctionData({ abi: a.EngPool.abi, functionName: "swap", args: [10n ** 15n] }),
        value: 0n,
        gasLimit: 100_000n,
      };
    const nonce = t.chain.state.read(nonceKey(from));
    await t.chain.submit(
      t.chain.buildTransaction(
        { type: 2, nonce, maxFeePerGas: GAS_PRICE, maxPriorityFeePerGas: 1n, ...tx },
        from,
      ),
    );
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const results: Array<Record<string, unknown>> = [];
await runContendedSequences();
for (const size of SIZES) {
  for (const w of WORKLOADS) {
    // Every configuration's chain lives through the whole workload, and the measured rounds
    // alternate between them: a change of machine load hits all of them alike.
    const chains = await Promise.all(CONFIGS.map((config) => setup(config, size)));
    const times: number[][] = CONFIGS.map(() => []);
    const last: Array<MinedBlock["record"] | undefined> = CONFIGS.map(() => undefined);
    try {
      for (let round = 0; round < WARMUP + BLOCKS; round++) {
        for (const [c, t] of chains.entries()) {
          await submitBlock(t, w, size, round);
          const block = await t.chain.mine(t.chain.latest().header.timestamp + 12n);
          if (block.transactions.length !== size)
            throw new Error(`${w.name}: ${block.transactions.length} of ${size} included`);
          if (round >= WARMUP) times[c].push(block.record.wallTimeMs);
          last[c] = block.record;
        }
      }
    } finally {
      for (const t of chains) await t.chain.dispose();
    }
    const sequentialMs = median(times[0]);
    for (const [c, config] of CONFIGS.entries()) {
      const ms = median(times[c]);
      const record = last[c]!;
      results.push({
        size,
        workload: w.name,
        config: config.label,
        ms: Number(ms.toFixed(1)),
        ratio: Number((sequentialMs / ms).toFixed(2)),
        executedBy: record.executedBy,
        fallbackReason: record.fallbackReason,
        incarnations: record.incarnations,
        aborts: record.aborts,
      });
      console.error(JSON.stringify(results[results.length - 1]));
    }
  }
}

/**
 * The contended workloads: raw-signed transactions from distinct senders (real keys, senders
 * recovered once), pooled and mined as one block each: a hot block (every transaction mints,
 * writing `totalSupply`), a disjoint block (ERC-20 transfers between distinct users) and the
 * sequence hot, disjoint, hot, disjoint. The figure of a sequence is the sum of its blocks'
 * wall times (median over the measured rounds).
 */
async function runContendedSequences(): Promise<void> {
  const size = SIZES[0];
  const sequences: Array<{ name: string; blocks: Array<"hot" | "disjoint"> }> = [
    { name: "raw mints, one hot total", blocks: ["hot"] },
    { name: "raw transfers, disjoint", blocks: ["disjoint"] },
    { name: "raw hot,disjoint,hot,disjoint", blocks: ["hot", "disjoint", "hot", "disjoint"] },
  ];
  const configs = CONFIGS.filter((c) => c.label !== "block-stm 1 lane");
  const a = artifacts();
  const keys = Array.from({ length: 2 * size }, (_, i) =>
    hexToBytes(keccak256(encodeAbiParameters([{ type: "uint256" }], [BigInt(i) + 1n]))),
  );
  const senders = keys.map((key) => privateKeyToAddress(bytesToHex(key)).toLowerCase() as Hex);
  const rounds = Math.max(2, Math.ceil(WARMUP / 2)) + BLOCKS;
  const warm = rounds - BLOCKS;
  for (const sequence of sequences) {
    const chains = await Promise.all(
      configs.map(async (config) => {
        const t = await createTestChain(
          config.executor,
          { lanes: config.lanes, blockGasLimit: 2_000_000_000n },
          { withDeclarations: true },
        );
        for (const sender of senders) {
          t.chain.setBalance(sender, 10n ** 21n);
          const slot = BigInt(
            keccak256(
              encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [sender, 0n]),
            ),
          );
          t.chain.setStorageAt(t.fixtures.token, slot, 10n ** 24n);
        }
        return t;
      }),
    );
    const token = chains[0].fixtures.token;
    const times: number[][] = configs.map(() => []);
    const incarnations: number[][] = configs.map(() => []);
    const last: Array<MinedBlock["record"][]> = configs.map(() => []);
    const nonces = new Map<string, bigint>();
    try {
      for (let round = 0; round < rounds; round++) {
        const sums = configs.map(() => 0);
        const incs = configs.map(() => 0);
        const records: MinedBlock["record"][][] = configs.map(() => []);
        for (const kind of sequence.blocks) {
          // One set of signed transactions per block, submitted to every configuration's chain.
          const signed = [];
          for (let i = 0; i < size; i++) {
            const k = kind === "hot" ? i : (i + round * 7) % (2 * size);
            const nonce = nonces.get(senders[k]) ?? 0n;
            nonces.set(senders[k], nonce + 1n);
            const data =
              kind === "hot"
                ? encodeFunctionData({
                    abi: a.EngToken.abi,
                    functionName: "mint",
                    args: [senders[k], 1n],
                  })
                : encodeFunctionData({
                    abi: a.EngToken.abi,
                    functionName: "transfer",
                    args: [senders[(k + size) % (2 * size)], 1n],
                  });
            const tx = createTx(
              {
                type: 2,
                nonce,
                gasLimit: 80_000n,
                maxFeePerGas: GAS_PRICE,
                maxPriorityFeePerGas: 1n,
                to: token,
                data,
              },
              { common: chains[0].chain.common },
            ).sign(keys[k]);
            signed.push(
              decodeRawTransaction(bytesToHex(tx.serialize()) as Hex, chains[0].chain.common, 0),
            );
          }
          for (const [c, t] of chains.entries()) {
            for (const etx of signed)
              await t.chain.submit({ ...etx, arrival: t.chain.nextArrival() });
            const block = await t.chain.mine(t.chain.latest().header.timestamp + 12n);
            if (block.transactions.length !== size)
              throw new Error(`${sequence.name}: ${block.transactions.length} of ${size} included`);
            sums[c] += block.record.wallTimeMs;
            incs[c] += block.record.incarnations;
            records[c].push(block.record);
          }
        }
        if (round < warm) continue;
        for (const c of configs.keys()) {
          times[c].push(sums[c]);
          incarnations[c].push(incs[c] / (size * sequence.blocks.length));
          last[c] = records[c];
        }
      }
    } finally {
      for (const t of chains) await t.chain.dispose();
    }
    const sequentialMs = median(times[0]);
    for (const [c, config] of configs.entries()) {
      const ms = median(times[c]);
      results.push({
        size,
        workload: sequence.name,
        config: config.label,
        ms: Number(ms.toFixed(1)),
        ratio: Number((sequentialMs / ms).toFixed(2)),
        timeVsSequential: Number((ms / sequentialMs).toFixed(2)),
        incarnationsPerTx: Number(median(incarnations[c]).toFixed(2)),
        executedBy: last[c].map((r) => r.executedBy).join(","),
        fallbackReason: last[c].map((r) => r.fallbackReason ?? "-").join(" | "),
        incarnations: last[c].reduce((n, r) => n + r.incarnations, 0),
        aborts: last[c].reduce((n, r) => n + r.aborts, 0),
      });
      console.error(JSON.stringify(results[results.length - 1]));
    }
  }
}

console.log(
  formatTable([
    {
      type: "header",
      cells: [
        "txs",
        "workload",
        "executor",
        "ms",
        "vs seq",
        "executed by",
        "incarnations",
        "aborts",
      ],
    },
    ...results.map((r) => ({
      type: "row" as const,
      cells: [
        String(r.size),
        String(r.workload),
        String(r.config),
        String(r.ms),
        `${r.ratio}x`,
        String(r.executedBy),
        String(r.incarnations),
        String(r.aborts),
      ],
    })),
  ]),
);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/block-stm.json", import.meta.url),
  JSON.stringify(
    {
      machine: {
        cores: (await import("node:os")).cpus().length,
        node: process.version,
        loadAverage: (await import("node:os")).loadavg(),
      },
      warmup: WARMUP,
      blocks: BLOCKS,
      results,
    },
    null,
    2,
  ),
);
