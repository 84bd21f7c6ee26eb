/**
 * End to end: CI shards. The two test files of `test/fixtures/report-shards/` run as two shards
 * (`hardhat test mocha test/a.ts`, `… test/b.ts`) and as one run (`hardhat test`); `hardhat
 * parallel-report --merge` of the shards' JSON reports must give the whole run's report (JSON,
 * Markdown and HTML alike, apart from the time stamp), check budgets with `--parallel-check`,
 * and reject missing, malformed, other-version and overlapping reports with clear errors. The
 * merged HTML is opened in headless Chromium (`browser.ts`; `HP_SKIP_BROWSER=1` skips that
 * part).
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ParallelReport } from "../../plugins/report/types.ts";
import { browserSkipped, launchBrowser } from "./browser.ts";
import { type HardhatRun, REPO_ROOT, runHardhat, subprocessEnv } from "./helpers.ts";
import { checkDrawing } from "./html-drawing.ts";

const PROJECT = path.join(REPO_ROOT, "test", "fixtures", "report-shards");

function explain(run: HardhatRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

async function readJson(dir: string): Promise<ParallelReport> {
  return JSON.parse(await readFile(path.join(dir, "parallel-report.json"), "utf8"));
}

/** A report without its time stamp. */
function timeless(report: ParallelReport): Omit<ParallelReport, "generatedAt"> {
  const { generatedAt, ...rest } = report;
  assert.match(generatedAt, /^\d{4}-\d\d-\d\dT/);
  return rest;
}

describe("parallelism report: merging CI shards (end to end)", function () {
  this.timeout(600_000);
  let root: string;
  const dirs = { whole: "", a: "", b: "", merged: "" };
  let env: (out: string) => NodeJS.ProcessEnv;
  let merge: HardhatRun;

  before(async function () {
    root = await mkdtemp(path.join(tmpdir(), "hp-report-shards-"));
    for (const key of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[key] = path.join(root, key);
    env = (out) =>
      subprocessEnv({
        HP_REPORT_OUT: out,
        HP_REPORT_BUILD: path.join(tmpdir(), "hardhat-parallel-report-shards-e2e"),
      });
    const whole = await runHardhat(PROJECT, ["test", "--parallel-snapshot"], env(dirs.whole));
    assert.equal(whole.code, 0, explain(whole));
    assert.match(whole.stdout, /4 passing/);
    for (const shard of ["a", "b"] as const) {
      const run = await runHardhat(
        PROJECT,
        ["test", "mocha", `test/${shard}.ts`],
        env(dirs[shard]),
      );
      assert.equal(run.code, 0, explain(run));
      assert.match(run.stdout, /2 passing/);
    }
    await copyFile(
      path.join(dirs.whole, ".parallel-snapshot.json"),
      path.join(root, "snapshot.json"),
    );
    merge = await runHardhat(
      PROJECT,
      [
        "parallel-report",
        "--merge",
        path.join(dirs.a, "parallel-report.json"),
        path.join(dirs.b, "parallel-report.json"),
      ],
      env(dirs.merged),
    );
  });

  after(async function () {
    await rm(root, { recursive: true, force: true });
  });

  it("each shard's report holds only its own tests", async function () {
    const a = await readJson(dirs.a);
    const b = await readJson(dirs.b);
    assert.ok(a.tests.every((t) => t.file === "test/a.ts"));
    assert.ok(b.tests.every((t) => t.file === "test/b.ts"));
    assert.equal(a.tests.length + b.tests.length, 6);
    // Both files' before hooks are "(before hooks) Shards": a shard does not tell them apart.
    assert.ok(a.tests.some((t) => t.title === "(before hooks) Shards"));
  });

  it("merges the shards into the whole run's report: JSON, Markdown and HTML", async function () {
    assert.equal(merge.code, 0, explain(merge));
    assert.match(merge.stdout, /Parallelism report merged from 2 reports/);
    assert.match(
      merge.stdout,
      /Parallelism report written to .*parallel-report\.json, .*parallel-report\.md, .*parallel-report\.html\./,
    );
    const whole = await readJson(dirs.whole);
    const merged = await readJson(dirs.merged);
    assert.deepEqual(timeless(merged), timeless(whole));
    // The titles the whole run gave the two hooks buckets.
    assert.deepEqual(
      merged.tests
        .map((t) => t.title)
        .filter((t) => t.startsWith("(before hooks)"))
        .sort(),
      ["(before hooks) Shards [test/a.ts]", "(before hooks) Shards [test/b.ts]"],
    );
    // One counter address is hot in both shards: the run's list sums them.
    assert.equal(merged.hotLocations[0].dependencies, 21);
    const text = async (dir: string, ext: string) =>
      (await readFile(path.join(dir, `parallel-report.${ext}`), "utf8")).replaceAll(
        /\d{4}-\d\d-\d\dT[\d:.]+Z/g,
        "<time>",
      );
    assert.equal(await text(dirs.merged, "md"), await text(dirs.whole, "md"));
    assert.equal(await text(dirs.merged, "html"), await text(dirs.whole, "html"));
  });

  it("draws the merged report in a headless browser as its JSON says", async function () {
    if (browserSkipped()) this.skip();
    const merged = await readJson(dirs.merged);
    const browser = await launchBrowser();
    try {
      const file = pathToFileURL(path.join(dirs.merged, "parallel-report.html")).href;
      await browser.page.goto(file);
      assert.equal(await checkDrawing(browser.page, merged), 6);
      assert.deepEqual(
        browser.requests.filter((url) => url !== file),
        [],
      );
    } finally {
      await browser.close();
    }
  });

  it("checks the merged report against the budgets with --parallel-check", async function () {
    const shards = [
      path.join(dirs.a, "parallel-report.json"),
      path.join(dirs.b, "parallel-report.json"),
    ];
    await copyFile(
      path.join(root, "snapshot.json"),
      path.join(dirs.merged, ".parallel-snapshot.json"),
    );
    const ok = await runHardhat(
      PROJECT,
      ["parallel-report", "--merge", ...shards, "--parallel-check"],
      env(dirs.merged),
    );
    assert.equal(ok.code, 0, explain(ok));
    assert.match(ok.stdout, /Parallelism budgets: OK — 6 tests within budget/);
    // A snapshot from better days: the shared counter of shard A regressed.
    const snapshot = JSON.parse(await readFile(path.join(root, "snapshot.json"), "utf8"));
    snapshot.tests["Shards a: 20 users bump one counter in one batch"].contention = 0.5;
    await writeFile(path.join(dirs.merged, ".parallel-snapshot.json"), JSON.stringify(snapshot));
    const bad = await runHardhat(
      PROJECT,
      ["parallel-report", "--merge", ...shards, "--parallel-check"],
      env(dirs.merged),
    );
    assert.equal(bad.code, 1, explain(bad));
    assert.match(bad.stderr, /Shards a: 20 users bump one counter in one batch │ contention/);
    assert.match(bad.stderr, /Parallelism budgets: FAILED — 1 regression in 1 test/);
  });

  it("rejects missing, malformed, other-version and overlapping reports", async function () {
    const a = path.join(dirs.a, "parallel-report.json");
    const malformed = path.join(root, "malformed.json");
    await writeFile(malformed, "{ not json");
    const old = path.join(root, "old.json");
    await writeFile(old, JSON.stringify({ ...(await readJson(dirs.a)), version: 2 }));
    const cases: [string[], RegExp][] = [
      [
        [a, path.join(root, "missing.json")],
        /No report at .*missing\.json: pass the JSON files the shards wrote/,
      ],
      [[a, malformed], /malformed\.json is not valid JSON/],
      [[a, old], /old\.json is a version 2 report; this plugin reads version 3/],
      [
        [a, a],
        /The test "Shards a: .*" of test\/a\.ts is in both .*parallel-report\.json and .*parallel-report\.json: merge reports of disjoint test files/,
      ],
      [[], /parallel-report --merge needs the report JSON files of the shards/],
    ];
    for (const [files, message] of cases) {
      const run = await runHardhat(
        PROJECT,
        ["parallel-report", "--merge", ...files],
        env(path.join(root, "errors")),
      );
      assert.notEqual(run.code, 0, explain(run));
      assert.match(run.stderr + run.stdout, message, explain(run));
    }
    const noMerge = await runHardhat(PROJECT, ["parallel-report", a], env(dirs.a));
    assert.notEqual(noMerge.code, 0);
    assert.match(
      noMerge.stderr + noMerge.stdout,
      /takes report files as arguments only with --merge/,
    );
  });
});
