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
import { createTestChain, mineOpsAndCompare, weightedOp } from "./helpers.ts";

const RUNS = Number(process.env.HP_BLOCKSTM_RUNS ?? 1000);
const SEED =
  process.env.HP_BLOCKSTM_SEED === undefined ? undefined : Number(process.env.HP_BLOCKSTM_SEED);
const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n, minPredictedSpeedup: 0 };

const opArb = weightedOp({
  eth: 4,
  erc20: 4,
  mint: 1,
  swap: 3,
  counter: 2,
  revert: 1,
  oog: 1,
  create: 1,
  bumpLast: 1,
  readBalance: 2,
  readCoinbase: 1,
  payCoinbase: 1,
  drain: 1,
});
const blockArb = fc.array(opArb, { minLength: 5, maxLength: 40 });

/**
 * Lane counts and block gas limits (a small one makes later transactions not fit); with
 * `maxAbortShare: 0` the first abort sends the rest of the block to the sequential executor, on
 * top of the prefix committed so far.
 */
const CONFIGS: Array<{ lanes: number; blockGasLimit?: bigint; maxAbortShare?: number }> = [
  { lanes: 1, blockGasLimit: 1_500_000n },
  { lanes: 2 },
  { lanes: 2, maxAbortShare: 0 },
  { lanes: 4, blockGasLimit: 3_000_000n },
  { lanes: 8 },
];

describe("block-stm differential (random blocks vs sequential)", function () {
  this.timeout(0);
  for (const config of CONFIGS) {
    const title =
      `${config.lanes} lane(s)${config.blockGasLimit ? `, block gas limit ${config.blockGasLimit}` : ""}` +
      `${config.maxAbortShare === undefined ? "" : `, maxAbortShare ${config.maxAbortShare}`}: ${Math.ceil(RUNS / CONFIGS.length)} random blocks`;
    it(title, async function () {
      const options = { blockGasLimit: config.blockGasLimit };
      const reference = await createTestChain("sequential", options);
      const fallback = {
        ...PARALLEL_ALWAYS,
        ...(config.maxAbortShare === undefined ? {} : { maxAbortShare: config.maxAbortShare }),
      };
      const subject = await createTestChain("block-stm", {
        ...options,
        lanes: config.lanes,
        fallback,
      });
      let parallelBlocks = 0;
      let restBlocks = 0;
      let aborts = 0;
      try {
        await fc.assert(
          fc.asyncProperty(blockArb, (ops) =>
            mineOpsAndCompare(reference, subject, ops, (sub) => {
              expect(sub.record.executor).to.equal("block-stm");
              expect(sub.record.faults).to.deep.equal([]);
              if (sub.record.executedBy === "block-stm") parallelBlocks++;
              if (sub.record.sequentialFrom !== undefined) restBlocks++;
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
      if (config.maxAbortShare === 0)
        expect(restBlocks, "blocks whose rest ran sequentially").to.be.greaterThan(0);
      console.log(
        `      ${parallelBlocks} blocks on the lanes (${restBlocks} finished sequentially), ${aborts} aborts`,
      );
    });
  }
});
