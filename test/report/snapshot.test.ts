/**
 * Contention budgets: the snapshot file and the check that fails on a regression beyond the
 * tolerance (and passes otherwise).
 */
import assert from "node:assert/strict";
import {
  DEFAULT_TOLERANCE,
  checkSnapshot,
  createSnapshot,
  formatSnapshotCheck,
  parseSnapshot,
  serializeSnapshot,
  type ParallelSnapshot,
} from "../../plugins/report/snapshot.ts";
import type { ParallelReport, TestReport } from "../../plugins/report/types.ts";

function test(title: string, figures: Partial<TestReport>): TestReport {
  return {
    title,
    bucket: "test",
    kind: "achieved",
    blocks: 1,
    achievedBlocks: 1,
    transactions: 10,
    analysedTransactions: 10,
    dependentTransactions: 0,
    dependencies: 0,
    contention: 0,
    criticalPath: { gas: "21000", length: 1 },
    totalGas: "210000",
    parallelism: 10,
    lanes: 2,
    speedup: 2,
    speedup16: 10,
    reExecutions: 0,
    violations: null,
    hotLocations: [],
    graphs: [],
    graphsOmitted: 0,
    order: { sender: 0, creation: 0, orderOnlyTransactions: 0, senders: 10 },
    includingOrder: {
      dependentTransactions: 0,
      dependencies: 0,
      contention: 0,
      criticalPath: { gas: "21000", length: 1 },
      parallelism: 10,
      speedup: 2,
      speedup16: 10,
      hotLocations: [],
    },
    ...figures,
  };
}

function report(tests: TestReport[]): ParallelReport {
  return {
    _format: "hardhat-parallel-report",
    version: 3,
    generatedAt: "2026-01-01T00:00:00.000Z",
    lanes: 2,
    tests,
    hotLocations: [],
    allHotLocations: [],
    includingOrder: { hotLocations: [], allHotLocations: [] },
    totals: {
      tests: tests.length,
      blocks: tests.length,
      transactions: 10 * tests.length,
      achievedBlocks: tests.length,
    },
  };
}

const BASELINE = report([
  test("Vault deposits", { contention: 0.1, parallelism: 5, speedup16: 4.2 }),
  test("AMM swaps", { contention: 0.98, parallelism: 1.0204081632653061, speedup16: 1.02 }),
]);

describe("parallelism budgets (snapshot)", function () {
  it("keeps each test's deterministic figures, rounded, keys sorted", function () {
    const snapshot = createSnapshot(BASELINE);
    assert.deepEqual(Object.keys(snapshot.tests), ["AMM swaps", "Vault deposits"]);
    assert.deepEqual(snapshot.tests["AMM swaps"], {
      kind: "achieved",
      transactions: 10,
      contention: 0.98,
      parallelism: 1.020408,
      speedup16: 1.02,
    });
    assert.deepEqual(parseSnapshot(serializeSnapshot(snapshot), "s.json"), snapshot);
    assert.ok(serializeSnapshot(snapshot).endsWith("}\n"));
  });

  it("passes for the same figures and for drift within the tolerance", function () {
    const snapshot = createSnapshot(BASELINE);
    const same = checkSnapshot(snapshot, BASELINE);
    assert.equal(same.pass, true);
    assert.equal(same.unchanged, 2);
    const drift = report([
      test("Vault deposits", { contention: 0.109, parallelism: 4.96, speedup16: 4 }),
      test("AMM swaps", { contention: 0.98, parallelism: 1.0204081632653061 }),
    ]);
    const check = checkSnapshot(snapshot, drift, DEFAULT_TOLERANCE);
    assert.equal(check.pass, true);
    assert.deepEqual(check.regressions, []);
    assert.match(
      formatSnapshotCheck(check, DEFAULT_TOLERANCE, ".parallel-snapshot.json"),
      /^Parallelism budgets: OK — 2 tests within budget, 0 improved/m,
    );
  });

  it("fails on a deliberate contention regression and names the test, the metric and the change", function () {
    const snapshot = createSnapshot(BASELINE);
    const worse = report([
      test("Vault deposits", { contention: 0.12, parallelism: 5 }),
      test("AMM swaps", { contention: 0.98, parallelism: 1.0204081632653061 }),
    ]);
    const check = checkSnapshot(snapshot, worse);
    assert.equal(check.pass, false);
    assert.deepEqual(check.regressions, [
      { title: "Vault deposits", metric: "contention", before: 0.1, after: 0.12 },
    ]);
    const text = formatSnapshotCheck(check, DEFAULT_TOLERANCE, ".parallel-snapshot.json");
    assert.match(text, /║ Vault deposits │ contention │ 10% +│ 12% │ \+2 pt +│ REGRESSED ║/);
    assert.match(text, /Parallelism budgets: FAILED — 1 regression in 1 test/);
    assert.match(
      text,
      /run `hardhat test --parallel-snapshot` and commit \.parallel-snapshot\.json/,
    );
  });

  it("fails when parallelism falls by more than the relative tolerance", function () {
    const snapshot = createSnapshot(BASELINE);
    const worse = report([
      test("Vault deposits", { contention: 0.1, parallelism: 4.9 }),
      test("AMM swaps", { contention: 0.98, parallelism: 1.0204081632653061 }),
    ]);
    const check = checkSnapshot(snapshot, worse);
    assert.equal(check.pass, false);
    assert.deepEqual(check.regressions, [
      { title: "Vault deposits", metric: "parallelism", before: 5, after: 4.9 },
    ]);
    assert.match(
      formatSnapshotCheck(check, DEFAULT_TOLERANCE, "s.json"),
      /│ parallelism │ 5x +│ 4\.9x │ −2% +│ REGRESSED/,
    );
    // A looser tolerance lets the same run pass.
    assert.equal(
      checkSnapshot(snapshot, worse, { contention: 0.01, parallelism: 0.05 }).pass,
      true,
    );
  });

  it("reports improvements, new and missing tests without failing", function () {
    const snapshot = createSnapshot(BASELINE);
    const better = report([
      test("Vault deposits", {
        contention: 0.02,
        parallelism: 8,
        analysedTransactions: 12,
        kind: "potential",
      }),
      test("Lending borrow", { contention: 0.3 }),
    ]);
    const check = checkSnapshot(snapshot, better);
    assert.equal(check.pass, true);
    assert.deepEqual(
      check.improvements.map((c) => c.metric),
      ["contention", "parallelism"],
    );
    assert.deepEqual(check.added, ["Lending borrow"]);
    assert.deepEqual(check.missing, ["AMM swaps"]);
    assert.deepEqual(check.notes, [
      '"Vault deposits": analysed as potential, was achieved',
      '"Vault deposits": 12 analysed transactions, was 10',
    ]);
    const text = formatSnapshotCheck(check, DEFAULT_TOLERANCE, "s.json");
    assert.match(text, /║ Vault deposits │ contention +│ 10% +│ 2% +│ −8 pt +│ improved ║/);
    assert.match(
      text,
      /Parallelism budgets: OK — 0 tests within budget, 1 improved \(tolerance: contention may rise 1 percentage point, parallelism may fall 1%\)/,
    );
    assert.match(text, /New tests not in the snapshot \(1\): "Lending borrow"/);
    assert.match(text, /Snapshot tests that did not run \(1\): "AMM swaps"/);
    assert.match(text, /to lock in the new figures/);
  });

  it("rejects malformed snapshots and tolerances with what to do next", function () {
    assert.throws(
      () => parseSnapshot("{", "s.json"),
      /s\.json is not valid JSON .*rewrite it with `hardhat test --parallel-snapshot`/,
    );
    assert.throws(() => parseSnapshot("{}", "s.json"), /not a hardhat-parallel snapshot/);
    assert.throws(
      () =>
        parseSnapshot(
          JSON.stringify({ _format: "hardhat-parallel-snapshot", version: 9, tests: {} }),
          "s.json",
        ),
      /version 9/,
    );
    const bad = {
      _format: "hardhat-parallel-snapshot",
      version: 1,
      tests: { t: { contention: "high" } },
    };
    assert.throws(
      () => parseSnapshot(JSON.stringify(bad), "s.json"),
      /test "t" lacks a numeric contention/,
    );
    const snapshot: ParallelSnapshot = createSnapshot(BASELINE);
    assert.throws(
      () => checkSnapshot(snapshot, BASELINE, { contention: -1, parallelism: 0 }),
      /tolerance\.contention must be a finite number >= 0/,
    );
  });
});
