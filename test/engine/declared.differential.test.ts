/**
 * Differential property tests of the `declared` executor: random blocks of mixed transactions
 * (the Block-STM workload: annotated ERC-20 transfers, mints, `*`-declared balance reads, swaps
 * and counters; unannotated payments that run alone; calls that touch other accounts than they declare, which make the
 * block fall back to Block-STM; reverts, out-of-gas, contract creation, invalid and non-fitting
 * transactions) mined by `sequential` and by `declared` on chains built from the same genesis,
 * both with the fixtures' declarations, must give identical blocks, pools and post-state.
 *
 * Runs: HP_DECLARED_RUNS (default 1000) random blocks in total; HP_BLOCKSTM_SEED fixes the seed.
 */
import fc from "fast-check";
import { expect } from "chai";
import { DeclaredExecutor } from "../../sdk/engine/executors/declared/index.ts";
import { createTestChain, mineOpsAndCompare, weightedOp } from "./helpers.ts";

const RUNS = Number(process.env.HP_DECLARED_RUNS ?? 1000);
const SEED =
  process.env.HP_BLOCKSTM_SEED === undefined ? undefined : Number(process.env.HP_BLOCKSTM_SEED);
const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n };

/** Declared operations dominate, so that most blocks keep the declared schedule's result. */
const declaredOp = weightedOp({
  eth: 4,
  erc20: 6,
  mint: 1,
  snapshot: 2,
  swap: 2,
  counter: 2,
  guarded: 1,
  revert: 1,
  oog: 1,
  drain: 1,
});
/** Operations that run alone (payments, creation) or leave their declared access (probes, bumpLast). */
const otherOp = weightedOp({
  payCoinbase: 1,
  create: 1,
  readBalance: 1,
  readCoinbase: 1,
  bumpLast: 1,
});
const blockArb = fc.oneof(
  { weight: 3, arbitrary: fc.array(declaredOp, { minLength: 5, maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.array(
      fc.oneof({ weight: 12, arbitrary: declaredOp }, { weight: 1, arbitrary: otherOp }),
      { minLength: 5, maxLength: 40 },
    ),
  },
);

/** maxBatch 1: no two transactions share a batch, so only the schedule orders them. */
const CONFIGS: Array<{ lanes: number; blockGasLimit?: bigint; maxBatch?: number }> = [
  { lanes: 2 },
  { lanes: 2, maxBatch: 1 },
  { lanes: 4, blockGasLimit: 2_000_000n },
];

describe("declared differential (random blocks vs sequential)", function () {
  this.timeout(0);
  for (const config of CONFIGS) {
    const label = `${config.lanes} lanes${config.maxBatch ? `, batches of ${config.maxBatch}` : ""}${config.blockGasLimit ? `, block gas limit ${config.blockGasLimit}` : ""}`;
    it(`${label}: ${Math.ceil(RUNS / CONFIGS.length)} random blocks`, async function () {
      const options = { blockGasLimit: config.blockGasLimit };
      const reference = await createTestChain("sequential", options, { withDeclarations: true });
      const subject = await createTestChain(
        "declared",
        { ...options, lanes: config.lanes, fallback: PARALLEL_ALWAYS },
        { withDeclarations: true },
      );
      if (config.maxBatch !== undefined) {
        await subject.chain.replaceExecutor(
          new DeclaredExecutor(subject.chain, {
            lanes: config.lanes,
            fallback: PARALLEL_ALWAYS,
            maxBatch: config.maxBatch,
          }),
        );
      }
      const executedBy = { declared: 0, "block-stm": 0, sequential: 0 };
      let alone = 0;
      try {
        await fc.assert(
          fc.asyncProperty(blockArb, (ops) =>
            mineOpsAndCompare(reference, subject, ops, (sub) => {
              expect(sub.record.executor).to.equal("declared");
              expect(sub.record.faults).to.deep.equal([]);
              executedBy[sub.record.executedBy]++;
              alone += sub.record.schedule?.undeclared ?? 0;
              if (sub.record.executedBy === "block-stm")
                expect(sub.record.fallbackReason).to.match(
                  /outside its declared access|enumerated storage|does not declare/,
                );
            }),
          ),
          { numRuns: Math.ceil(RUNS / CONFIGS.length), seed: SEED, endOnFailure: true },
        );
      } finally {
        await reference.chain.dispose();
        await subject.chain.dispose();
      }
      console.log(
        `      executed by declared ${executedBy.declared}, block-stm ${executedBy["block-stm"]}, sequential ${executedBy.sequential}; ${alone} transactions ran alone`,
      );
      // Both paths of the executor ran: kept schedules, and fallbacks after an undeclared access.
      expect(executedBy.declared).to.be.greaterThan(0);
      expect(executedBy["block-stm"]).to.be.greaterThan(0);
    });
  }
});
