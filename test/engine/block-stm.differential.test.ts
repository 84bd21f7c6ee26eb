/**
 * Differential property tests: random blocks of mixed transactions mined by the `sequential`
 * executor and by `block-stm` with 1, 2, 4 and 8 lanes on two chains built from the same
 * genesis must give identical blocks (header hash, receipts/outcomes incl. read and write sets),
 * identical pools and identical post-state.
 *
 * Runs: HP_BLOCKSTM_RUNS (default 1000) random blocks per run in total, split over the lane
 * counts; e.g. `HP_BLOCKSTM_RUNS=100000` for a long run. HP_BLOCKSTM_SEED fixes the seed.
 */
import fc from "fast-check";
import { expect } from "chai";
import { createTestChain, mineOpsAndCompare, type Op } from "./helpers.ts";

const RUNS = Number(process.env.HP_BLOCKSTM_RUNS ?? 1000);
const SEED = process.env.HP_BLOCKSTM_SEED === undefined ? undefined : Number(process.env.HP_BLOCKSTM_SEED);
const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n, maxDependencyRatio: 1 };

const account = fc.integer({ min: 0, max: 19 });
/** Senders concentrated on a few accounts give same-sender nonce chains. */
const sender = fc.oneof({ weight: 3, arbitrary: account }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("eth" as const), from: sender, to: account, value: fc.bigInt({ min: 0n, max: 10n ** 18n }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("erc20" as const), from: sender, to: account, value: fc.bigInt({ min: 0n, max: 2n * 10n ** 24n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mint" as const), from: sender, to: account }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("swap" as const), from: sender, dx: fc.bigInt({ min: 0n, max: 10n ** 20n }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("counter" as const), from: sender }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revert" as const), from: sender }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("oog" as const), from: sender }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("create" as const), from: sender, v: fc.bigInt({ min: 0n, max: 1000n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bumpLast" as const), from: sender }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("readBalance" as const), from: sender, who: account }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("readCoinbase" as const), from: sender }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("payCoinbase" as const), from: sender, value: fc.bigInt({ min: 1n, max: 10n ** 15n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drain" as const), from: sender, to: account }) },
);
const blockArb = fc.array(opArb, { minLength: 5, maxLength: 40 });

/** Lane counts and block gas limits (a small one makes later transactions not fit). */
const CONFIGS: Array<{ lanes: number; blockGasLimit?: bigint }> = [
  { lanes: 1, blockGasLimit: 1_500_000n },
  { lanes: 2 },
  { lanes: 4, blockGasLimit: 3_000_000n },
  { lanes: 8 },
];

describe("block-stm differential (random blocks vs sequential)", function () {
  this.timeout(0);
  for (const config of CONFIGS) {
    it(`${config.lanes} lane(s)${config.blockGasLimit ? `, block gas limit ${config.blockGasLimit}` : ""}: ${Math.ceil(RUNS / CONFIGS.length)} random blocks`, async function () {
      const options = { blockGasLimit: config.blockGasLimit };
      const reference = await createTestChain("sequential", options);
      const subject = await createTestChain("block-stm", { ...options, lanes: config.lanes, fallback: PARALLEL_ALWAYS });
      let parallelBlocks = 0;
      let aborts = 0;
      try {
        await fc.assert(
          fc.asyncProperty(blockArb, (ops) =>
            mineOpsAndCompare(reference, subject, ops, (sub) => {
              expect(sub.record.executor).to.equal("block-stm");
              expect(sub.record.faults).to.deep.equal([]);
              if (sub.record.executedBy === "block-stm") parallelBlocks++;
              aborts += sub.record.aborts;
            }),
          ),
          { numRuns: Math.ceil(RUNS / CONFIGS.length), seed: SEED, endOnFailure: true },
        );
      } finally {
        await reference.chain.dispose();
        await subject.chain.dispose();
      }
      expect(parallelBlocks).to.be.greaterThan(0);
      console.log(`      ${parallelBlocks} blocks on the lanes, ${aborts} aborts`);
    });
  }
});
