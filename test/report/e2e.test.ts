/**
 * End to end: `hardhat test` in a small project that uses the plugin
 * (`test/fixtures/report-project/`), run in a subprocess. Checks the printed table, the JSON
 * and Markdown files, `$GITHUB_STEP_SUMMARY`, the budget snapshot and check (exit code), the
 * `parallel-report` task and mocha's parallel mode.
 *
 * The fixture's tests: 50 users write disjoint slots in one batch (contention 0), 50 users bump
 * one counter in one batch (contention 49/50 on `SharedCounter.count`), an automined sequence
 * (potential: the deployment, then three calls; creation order apart from contention), and a
 * transfer in a `before` hook. The subprocess's stdout is not a terminal: the table fits 120
 * columns.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ParallelReport, TestReport } from "../../plugins/report/types.ts";
import { FIXTURE_PROJECT, HARDHAT_CLI, subprocessEnv } from "./helpers.ts";

const DISJOINT = "Counters 50 users write disjoint slots in one batch";
const SHARED = "Counters 50 users bump one shared counter in one batch";
const AUTOMINED = "Counters the deployer bumps three times with automine";
const HOOKS = "(before hooks) Counters";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the Hardhat CLI in the fixture project; never rejects on a non-zero exit. */
function hardhat(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
      cwd: FIXTURE_PROJECT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`hardhat ${args.join(" ")} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function explain(run: Run): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

/**
 * The rows of the tests table, each as its cells, a wrapped title joined again (a continuation
 * line has only its first cell filled).
 */
function tableRows(output: string): string[][] {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => l.startsWith("║ Test "));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("║ ")) break;
    const cells = line
      .slice(1, -1)
      .split("│")
      .map((c) => c.trim());
    if (rows.length > 0 && cells.slice(1).every((c) => c === "")) {
      rows[rows.length - 1][0] += ` ${cells[0]}`;
    } else rows.push(cells);
  }
  return rows;
}

/** The table row of a test, as ` │ `-joined cells after the title. */
function row(output: string, title: string): string {
  const found = tableRows(output).find((cells) => cells[0] === title);
  assert.ok(found !== undefined, `no table row for "${title}" in:\n${output}`);
  return `│ ${found.slice(1).join(" │ ")} ║`;
}

function byTitle(report: ParallelReport, title: string): TestReport {
  const test = report.tests.find((t) => t.title === title);
  assert.ok(
    test !== undefined,
    `no test "${title}" in the report: ${report.tests.map((t) => t.title).join(", ")}`,
  );
  return test;
}

describe("parallelism report: end to end (hardhat test in a fixture project)", function () {
  this.timeout(600_000);
  let out: string;
  let env: NodeJS.ProcessEnv;
  let first: Run;

  before(async function () {
    out = await mkdtemp(path.join(tmpdir(), "hp-report-e2e-"));
    env = subprocessEnv({
      HP_REPORT_OUT: out,
      // Artifacts and cache outside this repository's test folder, reused across runs.
      HP_REPORT_BUILD: path.join(tmpdir(), "hardhat-parallel-report-project-e2e"),
      GITHUB_STEP_SUMMARY: path.join(out, "step-summary.md"),
    });
    await writeFile(path.join(out, "step-summary.md"), "# Earlier step\n");
    first = await hardhat(["test", "--parallel-snapshot"], env);
  });

  after(async function () {
    await rm(out, { recursive: true, force: true });
  });

  it("passes the fixture's own tests, which use the connection's assertions", function () {
    assert.equal(first.code, 0, explain(first));
    assert.match(first.stdout, /3 passing/);
  });

  it("prints the table fitted to 120 columns (not a terminal), worst test first, the hot counter named", function () {
    const output = first.stdout;
    assert.match(output, /║ +Parallelism report +║/);
    assert.match(output, /Tests on parallel networks, worst first \(4\)/);
    assert.match(output, /107 transactions in 9 blocks, 2 of them with ≥2 transactions/);
    const start = output.indexOf("╔");
    const end = output.indexOf("Parallelism report written");
    for (const line of output.slice(start, end).split("\n")) {
      assert.ok([...line].length <= 120, `wider than 120 columns: ${line}`);
    }
    const header = output.split("\n").find((l) => l.startsWith("║ Test "))!;
    assert.match(
      header,
      /║ Test +│ Kind +│ Txs +│ Contention +│ Order deps +│ Speedup@2 +│ Top hot location +║/,
    );
    assert.match(
      output.replace(/\n/g, " "),
      /Columns left out to fit 120 columns: Blocks, Critical path, Parallelism, Speedup@16, Re-exec, Violations/,
    );
    assert.deepEqual(
      tableRows(output).map((cells) => cells[0]),
      [SHARED, AUTOMINED, HOOKS, DISJOINT],
    );
    assert.equal(
      row(output, SHARED),
      "│ achieved │ 51 │ 98% (49/50) │ — │ 1x │ SharedCounter.count (49) ║",
    );
    assert.equal(row(output, DISJOINT), "│ achieved │ 51 │ 0% (0/50) │ — │ 2x │ — ║");
    // The deployer's calls depend on its deployment (creation order, not counted) and on each
    // other through SharedCounter.count (state).
    assert.match(
      row(output, AUTOMINED),
      /^│ potential │ 4 │ 50% \(2\/4\) │ 3 creation │ [\d.]+x │ SharedCounter\.count \(2\) ║$/,
    );
    assert.match(output, /Not counted as contention: 3 creation-order dependencies in 1 test\./);
    assert.match(
      output,
      /║ 1 │ SharedCounter\.count @0x[0-9a-f]{4}…[0-9a-f]{4} +│ 49 +│ SharedCounter\.bump ×49 +│ SharedCounter\.bump ×49 +║/,
    );
    assert.match(
      output,
      /Parallelism report written to .*parallel-report\.json, .*parallel-report\.md, .*parallel-report\.html, \$GITHUB_STEP_SUMMARY\./,
    );
  });

  it("writes the JSON report with every test's figures", async function () {
    const report = JSON.parse(
      await readFile(path.join(out, "parallel-report.json"), "utf8"),
    ) as ParallelReport;
    assert.equal(report._format, "hardhat-parallel-report");
    assert.equal(report.lanes, 2);
    const shared = byTitle(report, SHARED);
    assert.equal(shared.kind, "achieved");
    assert.equal(shared.file, "test/counters.ts");
    assert.equal(shared.contention, 0.98);
    assert.equal(shared.dependentTransactions, 49);
    assert.equal(shared.analysedTransactions, 50);
    assert.equal(shared.transactions, 51);
    assert.equal(shared.criticalPath.length, 50);
    assert.equal(shared.hotLocations[0].label, "SharedCounter.count");
    assert.equal(shared.hotLocations[0].dependencies, 49);
    assert.deepEqual(shared.hotLocations[0].writers, [
      { contract: "SharedCounter", function: "bump", dependencies: 49 },
    ]);
    const disjoint = byTitle(report, DISJOINT);
    assert.equal(disjoint.contention, 0);
    assert.equal(disjoint.parallelism, 50);
    assert.equal(disjoint.speedup, 2);
    assert.equal(disjoint.speedup16, 12.5);
    assert.deepEqual(disjoint.hotLocations, []);
    const automined = byTitle(report, AUTOMINED);
    assert.equal(automined.kind, "potential");
    assert.equal(automined.reExecutions, null);
    assert.equal(automined.contention, 0.5);
    assert.deepEqual(automined.order, {
      sender: 0,
      creation: 3,
      orderOnlyTransactions: 1,
      senders: 1,
    });
    // The figures of version 1, order included: every call depends on an earlier transaction.
    assert.equal(automined.includingOrder.contention, 0.75);
    assert.equal(automined.includingOrder.parallelism, 1);
    assert.deepEqual(
      automined.includingOrder.hotLocations.map((h) => h.label).sort(),
      [
        "SharedCounter.count",
        "balance(0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266)",
        "code(SharedCounter)",
        "nonce(0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266)",
        "nonce(SharedCounter)",
      ].sort(),
    );
    assert.equal(byTitle(report, HOOKS).bucket, "hooks");
    assert.equal(report.hotLocations[0].label, "SharedCounter.count");
  });

  it("writes the Markdown summary and appends it to $GITHUB_STEP_SUMMARY", async function () {
    const markdown = await readFile(path.join(out, "parallel-report.md"), "utf8");
    assert.match(markdown, /^## Parallelism report\n/);
    assert.match(
      markdown,
      new RegExp(`\\| ${SHARED} \\| achieved \\| 2 \\| 51 \\| 98% \\(49/50\\) \\|`),
    );
    assert.match(
      markdown,
      /1\. `SharedCounter\.count @0x[0-9a-f]{4}…[0-9a-f]{4}`: 49 dependencies \(written by SharedCounter\.bump ×49; read by SharedCounter\.bump ×49\)/,
    );
    const summary = await readFile(path.join(out, "step-summary.md"), "utf8");
    assert.equal(summary, `# Earlier step\n${markdown}\n`);
  });

  it("writes the budget snapshot", async function () {
    assert.match(
      first.stdout,
      /Wrote the parallelism budgets of 4 tests to .*\.parallel-snapshot\.json; commit it\./,
    );
    const snapshot = JSON.parse(await readFile(path.join(out, ".parallel-snapshot.json"), "utf8"));
    assert.deepEqual(snapshot.tests[SHARED], {
      kind: "achieved",
      transactions: 50,
      contention: 0.98,
      parallelism: 1,
      speedup16: 1,
    });
    assert.deepEqual(snapshot.tests[DISJOINT], {
      kind: "achieved",
      transactions: 50,
      contention: 0,
      parallelism: 50,
      speedup16: 12.5,
    });
  });

  it("prints the last report again with `hardhat parallel-report` and checks it against the snapshot", async function () {
    const run = await hardhat(["parallel-report", "--check"], env);
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stdout, /Parallelism report of \d{4}-\d\d-\d\dT/);
    assert.equal(row(run.stdout, SHARED), row(first.stdout, SHARED));
    assert.match(run.stdout, /Parallelism budgets: OK — 4 tests within budget, 0 improved/);
  });

  it("fails `--parallel-check` on a regression against the snapshot and prints the diff", async function () {
    const file = path.join(out, ".parallel-snapshot.json");
    const snapshot = JSON.parse(await readFile(file, "utf8"));
    // Pretend the shared counter used to be better than it is now.
    snapshot.tests[SHARED].contention = 0.5;
    snapshot.tests[DISJOINT].parallelism = 60;
    await writeFile(file, JSON.stringify(snapshot, undefined, 2));
    const run = await hardhat(["test", "--parallel-check", "--no-parallel-report"], env);
    assert.equal(run.code, 1, explain(run));
    assert.match(run.stdout, /3 passing/);
    assert.doesNotMatch(run.stdout, /Parallelism report/, "--no-parallel-report hides the table");
    assert.match(
      run.stderr,
      new RegExp(`║ ${SHARED} │ contention +│ 50% +│ 98% │ \\+48 pt +│ REGRESSED ║`),
    );
    assert.match(
      run.stderr,
      new RegExp(`║ ${DISJOINT} +│ parallelism │ 60x +│ 50x +│ −16\\.67% │ REGRESSED ║`),
    );
    assert.match(run.stderr, /Parallelism budgets: FAILED — 2 regressions in 2 tests/);
  });

  it("gives the same figures in mocha's parallel mode (workers)", async function () {
    const parallelOut = path.join(out, "parallel-mode");
    const parallelEnv: NodeJS.ProcessEnv = {
      ...env,
      HP_MOCHA_PARALLEL: "true",
      HP_REPORT_OUT: parallelOut,
    };
    delete parallelEnv.GITHUB_STEP_SUMMARY;
    const run = await hardhat(["test"], parallelEnv);
    assert.equal(run.code, 0, explain(run));
    const serial = JSON.parse(
      await readFile(path.join(out, "parallel-report.json"), "utf8"),
    ) as ParallelReport;
    const parallel = JSON.parse(
      await readFile(path.join(parallelOut, "parallel-report.json"), "utf8"),
    ) as ParallelReport;
    // Re-executions depend on thread timing (Block-STM); every other figure is deterministic.
    const deterministic = (r: ParallelReport) =>
      r.tests.map(({ reExecutions, ...rest }) => ({
        ...rest,
        reExecutions: reExecutions === null ? null : "n",
      }));
    assert.deepEqual(deterministic(parallel), deterministic(serial));
    assert.deepEqual(parallel.hotLocations, serial.hotLocations);
  });
});
