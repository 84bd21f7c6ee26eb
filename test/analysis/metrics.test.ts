import { expect } from "chai";
import {
  analyseBlock,
  contention,
  criticalPath,
  listSchedule,
  mergeAnalyses,
  readWriteKeys,
  parallelism,
  speedupAt,
  speedupFromMakespan,
} from "../../sdk/analysis/index.ts";
import { block, loc } from "./helpers.ts";

/** [lane, start, end] per position. */
const placements = (schedule: ReturnType<typeof listSchedule>) =>
  schedule.transactions.map((t) => [t.lane, Number(t.start), Number(t.end)]);

describe("critical path", () => {
  it("follows a fully dependent chain", () => {
    expect(criticalPath([10n, 20n, 30n], [[], [0], [1]])).to.deep.equal({
      gas: 60n,
      length: 3,
      transactions: [0, 1, 2],
    });
  });

  it("is the heaviest single transaction when writes are disjoint", () => {
    expect(criticalPath([10n, 40n, 30n, 40n], [[], [], [], []])).to.deep.equal({
      gas: 40n,
      length: 1,
      transactions: [1],
    });
  });

  it("breaks gas ties by length, then by the lowest positions", () => {
    // Diamond 0 -> {1, 2} -> 3 with equal branches: the lower predecessor wins.
    expect(criticalPath([10n, 20n, 20n, 5n], [[], [0], [0], [1, 2]])).to.deep.equal({
      gas: 35n,
      length: 3,
      transactions: [0, 1, 3],
    });
    // Equal gas 30: the chain 0 -> 1 (two transactions) beats the lone transaction 2.
    expect(criticalPath([10n, 20n, 30n], [[], [0], []])).to.deep.equal({
      gas: 30n,
      length: 2,
      transactions: [0, 1],
    });
    // A zero-gas transaction lengthens a chain without adding gas.
    expect(criticalPath([0n, 10n, 10n], [[], [0], []])).to.deep.equal({
      gas: 10n,
      length: 2,
      transactions: [0, 1],
    });
  });

  it("handles a single transaction, zero gas and the empty block", () => {
    expect(criticalPath([21_000n], [[]])).to.deep.equal({
      gas: 21_000n,
      length: 1,
      transactions: [0],
    });
    expect(criticalPath([0n, 0n], [[], [0]])).to.deep.equal({
      gas: 0n,
      length: 2,
      transactions: [0, 1],
    });
    expect(criticalPath([], [])).to.deep.equal({ gas: 0n, length: 0, transactions: [] });
  });

  it("rejects malformed input", () => {
    expect(() => criticalPath([1n], [])).to.throw(RangeError);
    expect(() => criticalPath([1n, 1n], [[], [1]])).to.throw(RangeError, /does not point forward/);
    expect(() => criticalPath([-1n], [[]])).to.throw(RangeError, /negative gas/);
  });
});

describe("list schedule", () => {
  it("places disjoint transactions on the lane that frees earliest", () => {
    const schedule = listSchedule([10n, 20n, 30n, 40n], [[], [], [], []], 2);
    expect(placements(schedule)).to.deep.equal([
      [0, 0, 10],
      [1, 0, 20],
      [0, 10, 40],
      [1, 20, 60],
    ]);
    expect(schedule.makespan).to.equal(60n);
    expect(listSchedule([10n, 20n, 30n, 40n], [[], [], [], []], 4).makespan).to.equal(40n);
    expect(listSchedule([10n, 20n, 30n, 40n], [[], [], [], []], 1).makespan).to.equal(100n);
  });

  it("waits for dependencies and takes the lowest lane on ties", () => {
    const schedule = listSchedule([10n, 20n, 20n, 5n], [[], [0], [0], [1, 2]], 2);
    expect(placements(schedule)).to.deep.equal([
      [0, 0, 10],
      [1, 10, 30],
      [0, 10, 30],
      [0, 30, 35],
    ]);
    expect(schedule.makespan).to.equal(35n);
  });

  it("does not backfill idle gaps", () => {
    // tx1 waits for tx0 on lane 1; tx2 then takes lane 0 at 10, not lane 1's idle gap at 0.
    const schedule = listSchedule([10n, 5n, 10n], [[], [0], []], 2);
    expect(placements(schedule)).to.deep.equal([
      [0, 0, 10],
      [1, 10, 15],
      [0, 10, 20],
    ]);
    expect(schedule.makespan).to.equal(20n);
  });

  it("runs a fully dependent chain serially whatever the lanes", () => {
    for (const lanes of [1, 2, 16]) {
      expect(listSchedule([10n, 20n, 30n], [[], [0], [1]], lanes).makespan).to.equal(60n);
    }
  });

  it("handles zero-gas transactions, a single transaction and the empty block", () => {
    const zero = listSchedule([0n, 0n, 7n], [[], [0], [1]], 2);
    expect(placements(zero)).to.deep.equal([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 7],
    ]);
    expect(listSchedule([21_000n], [[]], 8).makespan).to.equal(21_000n);
    expect(listSchedule([], [], 3)).to.deep.equal({ lanes: 3, makespan: 0n, transactions: [] });
  });

  it("rejects invalid lanes", () => {
    for (const lanes of [0, -1, 1.5, Number.NaN]) {
      expect(() => listSchedule([], [], lanes)).to.throw(RangeError, /lanes must be an integer/);
    }
  });
});

describe("scalar metrics", () => {
  it("defines contention, parallelism and speedup with empty and zero-gas conventions", () => {
    expect(contention(0, 0)).to.equal(0);
    expect(contention(1, 4)).to.equal(0.25);
    expect(() => contention(5, 4)).to.throw(RangeError);
    expect(parallelism(0n, 0n)).to.equal(1);
    expect(parallelism(100n, 40n)).to.equal(2.5);
    expect(() => parallelism(100n, 0n)).to.throw(RangeError);
    expect(() => parallelism(10n, 20n)).to.throw(RangeError);
    expect(speedupFromMakespan(0n, 0n)).to.equal(1);
    expect(speedupFromMakespan(100n, 60n)).to.equal(100 / 60);
  });
});

describe("analyseBlock", () => {
  it("reports every figure of a diamond block", () => {
    const txs = block([
      { gas: 10n, writes: [loc(1), loc(2)] },
      { gas: 20n, reads: [loc(1)], writes: [loc(3)] },
      { gas: 20n, reads: [loc(2)], writes: [loc(4)] },
      { gas: 5n, reads: [loc(3), loc(4)] },
    ]);
    const a = analyseBlock(txs, { lanes: 2, blockNumber: 5n });
    expect(a.kind).to.equal("achieved");
    expect(a.blockNumber).to.equal(5n);
    expect(a.transactionCount).to.equal(4);
    expect(a.totalGas).to.equal(55n);
    expect(a.dependentTransactions).to.equal(3);
    expect(a.dependencyCount).to.equal(4);
    expect(a.contention).to.equal(0.75);
    expect(a.criticalPath).to.deep.equal({ gas: 35n, length: 3, transactions: [0, 1, 3] });
    expect(a.parallelism).to.equal(55 / 35);
    expect(a.lanes).to.equal(2);
    expect(a.makespan).to.equal(35n);
    expect(a.speedup).to.equal(55 / 35);
    expect(a.speedups).to.deep.equal([
      { lanes: 2, makespan: 35n, speedup: 55 / 35 },
      { lanes: 16, makespan: 35n, speedup: 55 / 35 },
    ]);
    expect(a.transactions.map((t) => t.dependsOn)).to.deep.equal([[], [0], [0], [1, 2]]);
    expect(a.transactions[1]).to.include({
      position: 1,
      index: 1,
      gasUsed: 20n,
      function: "(transfer)",
    });
    expect(a.schedule.lanes).to.equal(2);
  });

  it("computes speedup at 2 and 16 lanes for disjoint writes", () => {
    const a = analyseBlock(
      block([
        { gas: 10n, writes: [loc(1)] },
        { gas: 20n, writes: [loc(2)] },
        { gas: 30n, writes: [loc(3)] },
        { gas: 40n, writes: [loc(4)] },
      ]),
      { lanes: 2 },
    );
    expect(a.contention).to.equal(0);
    expect(a.parallelism).to.equal(2.5);
    expect(a.speedup).to.equal(100 / 60);
    expect(a.speedups.map((s) => [s.lanes, s.makespan])).to.deep.equal([
      [2, 60n],
      [16, 40n],
    ]);
    expect(speedupAt(a, 3)).to.deep.equal({ lanes: 3, makespan: 50n, speedup: 2 });
    expect(speedupAt(a, 1).speedup).to.equal(1);
    expect(a.hotLocations).to.deep.equal([]);
  });

  it("reports a fully dependent chain as serial", () => {
    const a = analyseBlock(
      block([
        { gas: 30_000n, reads: [loc(0)], writes: [loc(0)] },
        { gas: 30_000n, reads: [loc(0)], writes: [loc(0)] },
        { gas: 30_000n, reads: [loc(0)], writes: [loc(0)] },
      ]),
    );
    expect(a.lanes).to.equal(16);
    expect(a.speedups).to.have.length(1);
    expect(a.contention).to.equal(2 / 3);
    expect(a.parallelism).to.equal(1);
    expect(a.speedup).to.equal(1);
    expect(a.hotLocations.map((h) => [h.location, h.dependencies])).to.deep.equal([[loc(0), 2]]);
  });

  it("handles the empty block, a single transaction and zero gas", () => {
    const empty = analyseBlock([], { lanes: 4 });
    expect(empty).to.deep.include({
      transactionCount: 0,
      totalGas: 0n,
      contention: 0,
      criticalPath: { gas: 0n, length: 0, transactions: [] },
      parallelism: 1,
      makespan: 0n,
      speedup: 1,
      hotLocations: [],
    });
    const single = analyseBlock(block([{ gas: 21_000n }]));
    expect(single).to.deep.include({
      contention: 0,
      parallelism: 1,
      speedup: 1,
      makespan: 21_000n,
    });
    const zero = analyseBlock(
      block([
        { gas: 0n, writes: [loc(1)] },
        { gas: 0n, reads: [loc(1)] },
      ]),
    );
    expect(zero).to.deep.include({ contention: 0.5, parallelism: 1, speedup: 1, makespan: 0n });
    expect(zero.criticalPath.length).to.equal(2);
  });

  it("takes location keys from engine read/write sets", () => {
    const keys = readWriteKeys({
      reads: [{ location: loc(1), value: "0x01" }],
      writes: [
        { location: loc(2), value: "0x02" },
        { location: loc(3), value: "0x03" },
      ],
    });
    expect(keys).to.deep.equal({ reads: [loc(1)], writes: [loc(2), loc(3)] });
  });

  it("labels potential analyses and rejects bad input", () => {
    expect(analyseBlock(block([{}]), { kind: "potential" }).kind).to.equal("potential");
    expect(() => analyseBlock([], { lanes: 0 })).to.throw(RangeError);
    expect(() => analyseBlock(block([{ gas: -1n }]))).to.throw(RangeError, /gasUsed/);
  });
});

describe("mergeAnalyses", () => {
  const chain = () =>
    analyseBlock(
      block([
        { gas: 10n, writes: [loc(1)] },
        { gas: 10n, reads: [loc(1)] },
      ]),
      {
        lanes: 2,
        blockNumber: 1n,
        violations: [],
      },
    );
  const disjoint = () =>
    analyseBlock(
      block([
        { gas: 10n, writes: [loc(2)] },
        { gas: 10n, writes: [loc(3)] },
      ]),
      {
        lanes: 2,
        blockNumber: 2n,
        violations: [
          { txIndex: 1, contract: "Vault", function: "f", location: loc(3), access: "write" },
        ],
      },
    );

  it("adds up critical paths and makespans of sequential blocks", () => {
    const merged = mergeAnalyses([chain(), disjoint()]);
    expect(merged).to.deep.include({
      kind: "achieved",
      transactionCount: 4,
      totalGas: 40n,
      dependentTransactions: 1,
      dependencyCount: 1,
      contention: 0.25,
      criticalPath: { gas: 30n, length: 3 },
      parallelism: 40 / 30,
      lanes: 2,
      makespan: 30n,
      speedup: 40 / 30,
    });
    expect(merged.speedups).to.deep.equal([
      { lanes: 2, makespan: 30n, speedup: 40 / 30 },
      { lanes: 16, makespan: 30n, speedup: 40 / 30 },
    ]);
    expect(speedupAt(merged, 1)).to.deep.equal({ lanes: 1, makespan: 40n, speedup: 1 });
    expect(merged.blocks).to.have.length(2);
    expect(merged.hotLocations.map((h) => [h.location, h.dependencies])).to.deep.equal([
      [loc(1), 1],
    ]);
    expect(merged.violations).to.have.length(1);
    expect(merged.violations![0].blockNumber).to.equal(2n);
  });

  it("takes the headline lanes from options, and handles no blocks", () => {
    expect(mergeAnalyses([chain(), disjoint()], { lanes: 1 }).speedup).to.equal(1);
    const none = mergeAnalyses([], { kind: "potential" });
    expect(none).to.deep.include({
      kind: "potential",
      transactionCount: 0,
      contention: 0,
      parallelism: 1,
      speedup: 1,
      lanes: 16,
    });
    expect(none.violations).to.equal(undefined);
  });

  it("refuses to mix achieved and potential analyses", () => {
    const potential = analyseBlock(block([{}]), { kind: "potential" });
    expect(() => mergeAnalyses([chain(), potential])).to.throw(TypeError, /achieved and potential/);
  });
});
