/**
 * End to end: the per-test report under Hardhat's node:test runner
 * (`@nomicfoundation/hardhat-node-test-runner`), in a small project run in a subprocess
 * (`test/fixtures/report-project-node/`): connections made at top level, in a `describe` body (a
 * bare `network.create()` made parallel by `--network parallel`) and inside a test.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ParallelReport } from "../../plugins/report/types.ts";
import { type HardhatRun, REPO_ROOT, runHardhat, subprocessEnv } from "./helpers.ts";

const PROJECT = path.join(REPO_ROOT, "test", "fixtures", "report-project-node");
const SHARED = "Top-level connection 20 users bump one counter in one batch";
const DISJOINT = "Top-level connection nested suite 20 users write disjoint slots in one batch";
const AUTOMINED = "Describe-body connection the deployer bumps three times with automine";
const INSIDE = "a connection made inside a test";
const SETUP = "(before hooks) test/counters.ts";

function explain(run: HardhatRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

async function readReport(dir: string): Promise<ParallelReport> {
  return JSON.parse(await readFile(path.join(dir, "parallel-report.json"), "utf8"));
}

describe("parallelism report: end to end under the node:test runner", function () {
  this.timeout(600_000);
  let out: string;
  let env: NodeJS.ProcessEnv;
  let run: HardhatRun;

  before(async function () {
    out = await mkdtemp(path.join(tmpdir(), "hp-report-node-e2e-"));
    env = subprocessEnv({
      HP_REPORT_OUT: out,
      HP_REPORT_BUILD: path.join(tmpdir(), "hardhat-parallel-report-project-node-e2e"),
    });
    run = await runHardhat(PROJECT, ["test", "nodejs", "--network", "parallel"], env);
  });

  after(async function () {
    await rm(out, { recursive: true, force: true });
  });

  it("passes the fixture's tests and exits by itself", function () {
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stdout, /4 passing/);
    assert.doesNotMatch(run.stderr, /still kept alive/, "the exit watchdog had to end the run");
  });

  it("attributes every block to its test, named like mocha's full titles", async function () {
    const report = await readReport(out);
    const byTitle = new Map(report.tests.map((t) => [t.title, t]));
    assert.deepEqual(
      [...byTitle.keys()].sort(),
      [SETUP, AUTOMINED, INSIDE, SHARED, DISJOINT].sort(),
    );
    for (const test of report.tests) assert.equal(test.file, "test/counters.ts");
    const shared = byTitle.get(SHARED)!;
    assert.equal(shared.kind, "achieved");
    assert.equal(shared.transactions, 20);
    assert.equal(shared.dependentTransactions, 19);
    assert.equal(shared.hotLocations[0].label, "NodeRunnerCounter.count");
    const disjoint = byTitle.get(DISJOINT)!;
    assert.equal(disjoint.transactions, 20);
    assert.equal(disjoint.contention, 0);
    // The describe body's connection is the default network made parallel by `--network`.
    const automined = byTitle.get(AUTOMINED)!;
    assert.equal(automined.kind, "potential");
    assert.equal(automined.transactions, 3);
    // A connection made inside a test: its deployment and its batch.
    assert.equal(byTitle.get(INSIDE)!.transactions, 11);
    // Top-level code, describe bodies and a suite's `before` hook: the three deployments.
    assert.equal(byTitle.get(SETUP)!.transactions, 3);
    assert.equal(byTitle.get(SETUP)!.bucket, "hooks");
  });

  it("prints the table after the runner's summary", function () {
    const summary = run.stdout.indexOf("4 passing");
    const table = run.stdout.indexOf("Parallelism report");
    assert.ok(summary >= 0 && table > summary, explain(run));
    assert.ok(
      run.stdout.split("\n").some((l) => l.startsWith(`║ ${SHARED}`)),
      `no row for "${SHARED}"`,
    );
    assert.match(run.stdout, /Parallelism report written to .*parallel-report\.json/);
  });

  it("makes one report of all runners under `hardhat test`", async function () {
    const allOut = path.join(out, "all-runners");
    const all = await runHardhat(PROJECT, ["test", "--network", "parallel"], {
      ...env,
      HP_REPORT_OUT: allOut,
    });
    assert.equal(all.code, 0, explain(all));
    assert.match(all.stdout, /4 passing \(4 nodejs\)/);
    assert.equal(all.stdout.split("Tests on parallel networks").length - 1, 1, explain(all));
    assert.ok(
      all.stdout.indexOf("Parallelism report") > all.stdout.indexOf("4 passing (4 nodejs)"),
    );
    const strip = (r: ParallelReport) =>
      r.tests.map(({ reExecutions, ...rest }) => ({
        ...rest,
        reExecutions: reExecutions !== null,
      }));
    assert.deepEqual(strip(await readReport(allOut)), strip(await readReport(out)));
  });
});
