import { expect } from "chai";
import fc from "fast-check";
import {
  analyseBlock,
  buildDependencyGraph,
  criticalPath,
  listSchedule,
  speedupAt,
} from "../../sdk/analysis/index.ts";
import type { AnalysedTransaction } from "../../sdk/analysis/types.ts";
import { loc, tx } from "./helpers.ts";

/** Random blocks over a small pool of locations so that dependencies are frequent. */
const arbitraryBlock = (maxLength: number): fc.Arbitrary<AnalysedTransaction[]> =>
  fc
    .array(
      fc.record({
        gas: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 200_000n })),
        reads: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
        writes: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
      }),
      { maxLength },
    )
    .map((specs) =>
      specs.map((s, i) =>
        tx(i, { gas: s.gas, reads: s.reads.map(loc), writes: s.writes.map(loc) }),
      ),
    );

const RUNS = { numRuns: 300 };

/** Every chain of the DAG by brute force: max gas, and the max length among max-gas chains. */
function bruteForceCriticalPath(gas: bigint[], preds: number[][]): { gas: bigint; length: number } {
  let best = { gas: 0n, length: 0 };
  const visit = (j: number, sum: bigint, length: number): void => {
    const g = sum + gas[j];
    if (g > best.gas || (g === best.gas && length + 1 > best.length))
      best = { gas: g, length: length + 1 };
    for (const p of preds[j]) visit(p, g, length + 1);
  };
  for (let j = 0; j < gas.length; j++) visit(j, 0n, 0);
  return best;
}

describe("analysis properties", () => {
  it("dependency edges match a backward scan for the latest writer", () => {
    fc.assert(
      fc.property(arbitraryBlock(20), (txs) => {
        const expected: Array<{ from: number; to: number; locations: string[] }> = [];
        txs.forEach((t, j) => {
          const byWriter = new Map<number, string[]>();
          for (const location of t.reads) {
            for (let i = j - 1; i >= 0; i--) {
              if (txs[i].writes.includes(location)) {
                byWriter.set(i, [...(byWriter.get(i) ?? []), location]);
                break;
              }
            }
          }
          for (const from of [...byWriter.keys()].sort((a, b) => a - b)) {
            expected.push({ from, to: j, locations: byWriter.get(from)!.sort() });
          }
        });
        expect(buildDependencyGraph(txs).dependencies).to.deep.equal(expected);
      }),
      RUNS,
    );
  });

  it("the critical path is the heaviest (then longest) chain and is a real chain", () => {
    fc.assert(
      fc.property(arbitraryBlock(12), (txs) => {
        const gas = txs.map((t) => t.gasUsed);
        const { predecessors } = buildDependencyGraph(txs);
        const path = criticalPath(gas, predecessors);
        expect({ gas: path.gas, length: path.length }).to.deep.equal(
          bruteForceCriticalPath(gas, predecessors),
        );
        expect(path.transactions).to.have.length(path.length);
        expect(path.transactions.reduce((sum, j) => sum + gas[j], 0n)).to.equal(path.gas);
        for (let k = 1; k < path.transactions.length; k++) {
          expect(predecessors[path.transactions[k]]).to.include(path.transactions[k - 1]);
        }
      }),
      RUNS,
    );
  });

  it("list schedules are valid: dependencies respected, lanes never overlap", () => {
    fc.assert(
      fc.property(arbitraryBlock(20), fc.integer({ min: 1, max: 8 }), (txs, lanes) => {
        const gas = txs.map((t) => t.gasUsed);
        const { predecessors } = buildDependencyGraph(txs);
        const schedule = listSchedule(gas, predecessors, lanes);
        const byLane = new Map<number, Array<[bigint, bigint]>>();
        schedule.transactions.forEach((s, j) => {
          expect(s.position).to.equal(j);
          expect(s.end - s.start).to.equal(gas[j]);
          expect(s.lane).to.be.within(0, lanes - 1);
          for (const p of predecessors[j])
            expect(s.start >= schedule.transactions[p].end).to.equal(true);
          byLane.set(s.lane, [...(byLane.get(s.lane) ?? []), [s.start, s.end]]);
        });
        for (const intervals of byLane.values()) {
          for (let k = 1; k < intervals.length; k++) {
            expect(intervals[k][0] >= intervals[k - 1][1]).to.equal(true);
          }
        }
        const makespan = schedule.transactions.reduce((m, s) => (s.end > m ? s.end : m), 0n);
        expect(schedule.makespan).to.equal(makespan);
      }),
      RUNS,
    );
  });

  it("speedup(1) = 1, speedup(P) <= min(P, parallelism), monotone in P, makespan >= critical path", () => {
    fc.assert(
      fc.property(arbitraryBlock(25), (txs) => {
        const analysis = analyseBlock(txs, { lanes: 1 });
        expect(analysis.speedup).to.equal(1);
        expect(analysis.makespan).to.equal(analysis.totalGas);
        let previous = analysis.makespan;
        for (let lanes = 1; lanes <= 20; lanes++) {
          const { makespan, speedup } = speedupAt(analysis, lanes);
          expect(makespan >= analysis.criticalPath.gas).to.equal(true);
          expect(makespan * BigInt(lanes) >= analysis.totalGas).to.equal(true);
          expect(makespan <= previous).to.equal(true);
          expect(speedup).to.be.at.most(Math.min(lanes, analysis.parallelism) + 1e-9);
          expect(speedup).to.be.at.least(1);
          previous = makespan;
        }
        // With a lane per transaction nothing waits for a lane: speedup reaches parallelism.
        const unlimited = speedupAt(analysis, Math.max(1, txs.length));
        expect(unlimited.makespan).to.equal(analysis.criticalPath.gas);
      }),
      RUNS,
    );
  });

  it("contention is the share of transactions with a predecessor", () => {
    fc.assert(
      fc.property(arbitraryBlock(20), (txs) => {
        const analysis = analyseBlock(txs);
        const dependent = analysis.transactions.filter((t) => t.dependsOn.length > 0).length;
        expect(analysis.contention).to.equal(txs.length === 0 ? 0 : dependent / txs.length);
        expect(analysis.contention).to.be.within(0, 1);
        const caused = analysis.hotLocations.reduce((sum, h) => sum + h.dependencies, 0);
        const expected = analysis.dependencies.reduce((sum, d) => sum + d.locations.length, 0);
        expect(caused).to.equal(expected);
      }),
      RUNS,
    );
  });
});
