/**
 * The report writers: building the report from recorded blocks (achieved vs potential, names,
 * decoded labels, sorting), the terminal table, the Markdown summary, the JSON file and the
 * GitHub step summary.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { assertReport, buildReport, sortTests } from "../../plugins/report/build.ts";
import {
  appendStepSummary,
  compactGas,
  displayLabels,
  formatReportMarkdown,
  formatReportTable,
  serializeReport,
  shortenLabel,
} from "../../plugins/report/format.ts";
import type { ParallelReport, TestReport } from "../../plugins/report/types.ts";
import { USERS, block, bucket, bumps, counterIndex, disjoint, recording, tx } from "./helpers.ts";
import { storageKey } from "../../sdk/engine/location.ts";

/** Three tests: 4 bumps of one counter in one block, 4 disjoint credits, an automined pair. */
async function sampleReport(): Promise<ParallelReport> {
  return buildReport(
    recording([
      bucket("Vault disjoint credits", [block(2, disjoint(1)), block(3, disjoint(4))]),
      bucket("Vault shared counter | bumps", [block(4, bumps(4), { reExecutions: 3 })]),
      bucket("Vault automined bumps", [block(5, bumps(1)), block(6, bumps(1))]),
      bucket("Vault nothing mined", [block(7, [])]),
      bucket(
        "(before hooks) Vault",
        [block(1, [tx(USERS[0], { to: null, selector: undefined, created: USERS[7] })])],
        "hooks",
      ),
    ]),
    { index: counterIndex(), now: new Date("2026-01-02T03:04:05Z") },
  );
}

describe("parallelism report: build", function () {
  it("analyses achieved blocks, potential automined tests, and leaves out tests without transactions", async function () {
    const report = await sampleReport();
    assert.deepEqual(
      report.tests.map((t) => [t.title, t.kind]),
      [
        ["Vault shared counter | bumps", "achieved"],
        ["Vault automined bumps", "potential"],
        ["(before hooks) Vault", "potential"],
        ["Vault disjoint credits", "achieved"],
      ],
    );
    const shared = report.tests[0];
    assert.equal(shared.contention, 0.75);
    assert.equal(shared.dependentTransactions, 3);
    assert.equal(shared.analysedTransactions, 4);
    assert.deepEqual(shared.criticalPath, { gas: "120000", length: 4 });
    assert.equal(shared.parallelism, 1);
    assert.equal(shared.speedup, 1);
    assert.equal(shared.speedup16, 1);
    assert.equal(shared.reExecutions, 3);
    assert.equal(shared.violations, null);
    assert.equal(shared.hotLocations[0].label, "Counter.count");
    assert.equal(shared.hotLocations[0].decoded, true);
    assert.deepEqual(shared.hotLocations[0].writers, [
      { contract: "Counter", function: "bump", dependencies: 3 },
    ]);

    const disjointTest = report.tests[3];
    // The single-transaction block counts in blocks/transactions but not in the figures.
    assert.equal(disjointTest.blocks, 2);
    assert.equal(disjointTest.achievedBlocks, 1);
    assert.equal(disjointTest.transactions, 5);
    assert.equal(disjointTest.analysedTransactions, 4);
    assert.equal(disjointTest.contention, 0);
    assert.equal(disjointTest.parallelism, 4);
    assert.equal(disjointTest.speedup, 2);
    assert.equal(disjointTest.speedup16, 4);

    const automined = report.tests[1];
    assert.equal(automined.blocks, 2);
    assert.equal(automined.achievedBlocks, 0);
    assert.equal(automined.contention, 0.5);
    assert.equal(automined.reExecutions, null);
    assert.deepEqual(report.totals, { tests: 4, blocks: 6, transactions: 12, achievedBlocks: 2 });
    assert.equal(report.lanes, 2);
    assert.equal(report.generatedAt, "2026-01-02T03:04:05.000Z");
    // The run's hot locations merge the tests': 3 + 1 dependencies on Counter.count.
    assert.equal(report.hotLocations[0].label, "Counter.count");
    assert.equal(report.hotLocations[0].dependencies, 4);
  });

  it("decodes mapping keys from calldata candidates and names creations", async function () {
    const holder = USERS[5];
    const credits = [USERS[0], USERS[1]].map((from) =>
      tx(from, { reads: [], writes: [], keys: { addresses: [holder], integers: [] } }),
    );
    const { balanceOfKey } = await import("./helpers.ts");
    credits[0].writes = [balanceOfKey(holder)];
    credits[1].reads = [balanceOfKey(holder)];
    credits[1].writes = [balanceOfKey(holder)];
    const report = await buildReport(recording([bucket("credits", [block(1, credits)])]), {
      index: counterIndex(),
    });
    assert.equal(report.tests[0].hotLocations[0].label, `Counter.balanceOf[${holder}]`);
    // Without artifacts the default label is used.
    const bare = await buildReport(recording([bucket("credits", [block(1, credits)])]));
    assert.match(
      bare.tests[0].hotLocations[0].label,
      /^storage\(0x5fbdb2315678afecb367f032d93f642f64180aa3\)\[0x[0-9a-f]{64}\]$/,
    );
    assert.equal(bare.tests[0].hotLocations[0].decoded, false);
  });

  it("appends the file to titles that two files share", async function () {
    const a = {
      ...bucket("same title", [block(1, bumps(2))]),
      key: "a.ts\u0000same title",
      file: "a.ts",
    };
    const b = {
      ...bucket("same title", [block(2, bumps(2))]),
      key: "b.ts\u0000same title",
      file: "b.ts",
    };
    const report = await buildReport(recording([a, b]));
    assert.deepEqual(report.tests.map((t) => t.title).sort(), [
      "same title [a.ts]",
      "same title [b.ts]",
    ]);
  });

  it("sorts by contention, then lowest speedup, then parallelism, then title", function () {
    const base = { contention: 0, speedup: 1, parallelism: 1 } as TestReport;
    const tests = [
      { ...base, title: "b", contention: 0.5, speedup: 2 },
      { ...base, title: "a", contention: 0.5, speedup: 2 },
      { ...base, title: "c", contention: 0.5, speedup: 1.5 },
      { ...base, title: "d", contention: 0.9, speedup: 3 },
      { ...base, title: "e", contention: 0, speedup: 1 },
    ];
    assert.deepEqual(
      sortTests(tests).map((t) => t.title),
      ["d", "c", "a", "b", "e"],
    );
  });
});

describe("parallelism report: table, Markdown and JSON", function () {
  it("prints a table with every column, worst test first, and the run's hot locations", async function () {
    const table = formatReportTable(await sampleReport(), { width: 200 });
    const lines = table.split("\n");
    assert.match(lines[1], /Parallelism report/);
    const header = lines.find((l) => l.includes("│ Kind"))!;
    for (const cell of [
      "Test",
      "Kind",
      "Blocks",
      "Txs",
      "Contention",
      "Order deps",
      "Critical path",
      "Parallelism",
      "Speedup@2",
      "Speedup@16",
      "Re-exec",
      "Violations",
      "Top hot location",
    ]) {
      assert.ok(header.includes(cell), `header has ${cell}: ${header}`);
    }
    const rows = lines.filter((l) => l.startsWith("║ Vault") || l.startsWith("║ (before"));
    assert.equal(rows.length, 4);
    assert.match(
      rows[0],
      /Vault shared counter \| bumps +│ achieved +│ 1 +│ 4 +│ 75% \(3\/4\) +│ — +│ 4 tx, 120k gas +│ 1x +│ 1x +│ 1x +│ 3 +│ — +│ Counter\.count \(3\)/,
    );
    assert.match(
      rows[3],
      /Vault disjoint credits +│ achieved +│ 2 +│ 5 +│ 0% \(0\/4\) +│ — +│ .*│ 4x +│ 2x +│ 4x +│ 0 +│ — +│ — /,
    );
    assert.match(table, /Top hot locations of the run/);
    assert.match(table, /║ 1 │ Counter\.count +│ 4 +│ Counter\.bump ×4 +│ Counter\.bump ×4 +║/);
    assert.match(table, /potential: the test mined one transaction per block/);
  });

  it("shows only the configured columns", async function () {
    const table = formatReportTable(await sampleReport(), {
      columns: ["contention", "hotLocation"],
      hotLocations: 1,
    });
    const header = table.split("\n").find((l) => l.includes("│ Contention"))!;
    assert.match(header, /║ Test +│ Contention +│ Top hot location +║/);
    assert.doesNotMatch(table, /Speedup@16/);
    assert.match(table, /Top hot locations of the run \(1 of/);
  });

  it("prints nothing when no test used a parallel network", async function () {
    const empty = await buildReport(recording([]));
    assert.equal(formatReportTable(empty), "");
    assert.match(formatReportMarkdown(empty), /No test sent transactions to a parallel network/);
  });

  it("writes a GitHub-flavoured Markdown table with escaped cells", async function () {
    const markdown = formatReportMarkdown(await sampleReport());
    const lines = markdown.split("\n");
    assert.equal(lines[0], "## Parallelism report");
    const headerIndex = lines.findIndex((l) => l.startsWith("| Test |"));
    assert.equal(
      lines[headerIndex],
      "| Test | Kind | Blocks | Txs | Contention | Order deps | Critical path | Parallelism | Speedup@2 | Speedup@16 | Re-exec | Violations | Top hot location |",
    );
    assert.equal(
      lines[headerIndex + 1],
      "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    );
    assert.equal(
      lines[headerIndex + 2],
      "| Vault shared counter \\| bumps | achieved | 1 | 4 | 75% (3/4) | — | 4 tx, 120k gas | 1x | 1x | 1x | 3 | — | `Counter.count` (3) |",
    );
    assert.ok(
      lines.includes(
        "1. `Counter.count`: 4 dependencies (written by Counter.bump ×4; read by Counter.bump ×4)",
      ),
    );
  });

  it("round-trips through JSON and rejects files of another format or version", async function () {
    const report = await sampleReport();
    const parsed: unknown = JSON.parse(serializeReport(report));
    assertReport(parsed, "report.json");
    assert.deepEqual(parsed, report);
    assert.throws(
      () => assertReport({ _format: "other" }, "x.json"),
      /x\.json is not a hardhat-parallel report/,
    );
    assert.throws(
      () => assertReport({ ...report, version: 1 }, "x.json"),
      /version 1 report; this plugin reads version 3\. Run `hardhat test` again/,
    );
  });

  it("appends the Markdown to $GITHUB_STEP_SUMMARY when it is set", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "hp-report-"));
    try {
      const file = path.join(dir, "summary.md");
      await writeFile(file, "# earlier step\n");
      assert.equal(
        await appendStepSummary("## Parallelism report\n", { GITHUB_STEP_SUMMARY: file }),
        true,
      );
      assert.equal(await readFile(file, "utf8"), "# earlier step\n## Parallelism report\n\n");
      assert.equal(await appendStepSummary("x", {}), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("tells apart equal labels of different addresses", function () {
    const hot = (label: string, address: string) => ({
      label,
      decoded: true,
      location: storageKey(address, 0n),
      dependencies: 1,
      writers: [],
      readers: [],
    });
    assert.deepEqual(
      displayLabels([
        hot("Counter.count", `0x${"1".repeat(40)}`),
        hot("Counter.count", `0x${"2".repeat(40)}`),
        hot("Vault.total", `0x${"3".repeat(40)}`),
      ]),
      ["Counter.count @0x1111…1111", "Counter.count @0x2222…2222", "Vault.total"],
    );
  });

  it("shortens addresses and gas", function () {
    assert.equal(
      shortenLabel("Token.balanceOf[0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266]"),
      "Token.balanceOf[0xf39f…2266]",
    );
    assert.equal(compactGas(999n), "999");
    assert.equal(compactGas(43_783n), "43.8k");
    assert.equal(compactGas(1_337_950n), "1.34M");
  });
});
