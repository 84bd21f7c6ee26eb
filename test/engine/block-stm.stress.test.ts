/**
 * Stress mode of the differential tests: large pooled blocks of raw-signed transactions from
 * distinct senders (real keys), with a share of "hot" transactions that all write one location
 * (`EngToken.mint` writes `totalSupply`) and the rest disjoint (token transfers between distinct
 * users, ETH transfers to fresh addresses). Every block is mined by the `sequential` executor
 * and by `block-stm` on 1, 2, 4 and 8 lanes — once with the default fallback (what users get:
 * per-block prediction, sequential finish) and once always on the lanes (Block-STM's worst
 * case) — and must equal the sequential block byte for byte (header hash, outcomes with read and
 * write sets, post-state) and be mined within a time bound (a liveness check, not a speed test).
 *
 * Knobs: `HP_STRESS=long` (blocks of 500, 1,000 and 2,000 transactions, 3 random blocks per hot
 * ratio and lane count) — the default is CI's short version (300 transactions, 1 block each);
 * `HP_STRESS_SEED` fixes fast-check's seed; `HP_STRESS_BLOCK_TIMEOUT` (ms, default 120,000)
 * bounds one block.
 */
import fc from "fast-check";
import { expect } from "chai";
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
import { decodeRawTransaction, type EngineTransaction } from "../../sdk/engine/transactions.ts";
import type { MinedBlock } from "../../sdk/engine/chain.ts";
import {
  artifacts,
  blockSummary,
  createTestChain,
  GAS_PRICE,
  stateOf,
  type TestChain,
} from "./helpers.ts";

const LONG = process.env.HP_STRESS === "long";
const SIZES = LONG ? [500, 1_000, 2_000] : [300];
const BLOCKS_PER_CASE = LONG ? 3 : 1;
const HOT_RATIOS = [0, 0.1, 0.5, 1];
const LANES = [1, 2, 4, 8];
const SEED =
  process.env.HP_STRESS_SEED === undefined ? undefined : Number(process.env.HP_STRESS_SEED);
const BLOCK_TIMEOUT_MS = Number(process.env.HP_STRESS_BLOCK_TIMEOUT ?? 120_000);
const ALWAYS_PARALLEL = {
  minTransactions: 0,
  minGas: 0n,
  minPredictedSpeedup: 0,
  maxAbortShare: Infinity,
};

/** One transaction of a stress block: `hot` mints; the others transfer to a distinct user. */
type StressTx = { kind: "hot" | "token" | "eth" };

function stressBlock(size: number, hot: number): fc.Arbitrary<StressTx[]> {
  const hotShare = Math.round(hot * 100);
  const tx = fc
    .integer({ min: 0, max: 99 })
    .chain((roll) =>
      roll < hotShare
        ? fc.constant<StressTx>({ kind: "hot" })
        : fc.constantFrom<StressTx>({ kind: "token" }, { kind: "eth" }),
    );
  return fc.array(tx, { minLength: size, maxLength: size });
}

/** Resolves `work`, or fails once it has taken `ms` milliseconds. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

describe(`block-stm stress (${LONG ? "long" : "short"}: large raw-signed blocks vs sequential)`, function () {
  this.timeout(0);
  const a = artifacts();

  for (const size of SIZES) {
    // Distinct senders with real keys: the first `size` send, the next `size` receive.
    const keys = Array.from({ length: 2 * size }, (_, i) =>
      hexToBytes(
        keccak256(
          encodeAbiParameters([{ type: "uint256" }, { type: "string" }], [BigInt(i), "stress"]),
        ),
      ),
    );
    const users = keys.map((key) => privateKeyToAddress(bytesToHex(key)).toLowerCase() as Hex);

    for (const lanes of LANES) {
      it(`${size} transactions, ${lanes} lane(s), hot ${HOT_RATIOS.map((h) => `${h * 100}%`).join("/")}: ${BLOCKS_PER_CASE} block(s) each, default and always-parallel fallback`, async function () {
        const options = { blockGasLimit: 2_000_000_000n };
        const chains: TestChain[] = [
          await createTestChain("sequential", options),
          await createTestChain("block-stm", { ...options, lanes }),
          await createTestChain("block-stm", { ...options, lanes, fallback: ALWAYS_PARALLEL }),
        ];
        const token = chains[0].fixtures.token;
        const nonces = new Map<Hex, bigint>();
        const seen = { parallel: 0, sequential: 0, restSequential: 0 };
        try {
          for (const t of chains) {
            for (const user of users) {
              t.chain.setBalance(user, 10n ** 21n);
              t.chain.setStorageAt(
                token,
                BigInt(
                  keccak256(
                    encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [user, 0n]),
                  ),
                ),
                10n ** 24n,
              );
            }
          }
          for (const hot of HOT_RATIOS) {
            await fc.assert(
              fc.asyncProperty(stressBlock(size, hot), async (txs) => {
                const signed: EngineTransaction[] = txs.map((tx, i) => {
                  const sender = users[i];
                  const nonce = nonces.get(sender) ?? 0n;
                  nonces.set(sender, nonce + 1n);
                  const recipient = users[size + i];
                  const fields =
                    tx.kind === "eth"
                      ? { to: recipient, value: 1n, gasLimit: 21_000n }
                      : {
                          to: token,
                          gasLimit: 80_000n,
                          data: encodeFunctionData({
                            abi: a.EngToken.abi,
                            functionName: tx.kind === "hot" ? "mint" : "transfer",
                            args: [recipient, 1n],
                          }),
                        };
                  const raw = createTx(
                    {
                      type: 2,
                      nonce,
                      maxFeePerGas: GAS_PRICE,
                      maxPriorityFeePerGas: 1n,
                      ...fields,
                    },
                    { common: chains[0].chain.common },
                  ).sign(keys[i]);
                  return decodeRawTransaction(
                    bytesToHex(raw.serialize()) as Hex,
                    chains[0].chain.common,
                    0,
                  );
                });
                const timestamp = chains[0].chain.latest().header.timestamp + 12n;
                const blocks: MinedBlock[] = [];
                for (const t of chains) {
                  for (const etx of signed)
                    await t.chain.submit({ ...etx, arrival: t.chain.nextArrival() });
                  blocks.push(
                    await within(
                      BLOCK_TIMEOUT_MS,
                      `a block of ${size} (hot ${hot * 100}%) on ${t.chain.options.executor}`,
                      t.chain.mine(timestamp),
                    ),
                  );
                }
                const [reference, ...subjects] = blocks;
                expect(reference.transactions).to.have.length(size);
                for (const [s, block] of subjects.entries()) {
                  expect(blockSummary(block)).to.deep.equal(blockSummary(reference));
                  expect(stateOf(chains[s + 1].chain)).to.deep.equal(stateOf(chains[0].chain));
                  expect(block.record.faults).to.deep.equal([]);
                  if (block.record.executedBy === "block-stm") seen.parallel++;
                  else seen.sequential++;
                  if (block.record.sequentialFrom !== undefined) seen.restSequential++;
                }
              }),
              { numRuns: BLOCKS_PER_CASE, seed: SEED, endOnFailure: true },
            );
          }
        } finally {
          for (const t of chains) await t.chain.dispose();
        }
        // The always-parallel chain ran every block on the lanes.
        expect(seen.parallel).to.be.at.least(HOT_RATIOS.length * BLOCKS_PER_CASE);
        console.log(
          `        blocks on the lanes ${seen.parallel}, sequential by prediction ${seen.sequential}, finished sequentially ${seen.restSequential}`,
        );
      });
    }
  }
});
