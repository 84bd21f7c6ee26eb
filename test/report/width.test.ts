/**
 * The report's sender- and creation-order figures, and the terminal table fitted to 80, 120 and
 * 200 columns (every line at most that wide, the least useful columns dropped first, titles
 * wrapped).
 */
import assert from "node:assert/strict";
import type { Address } from "viem";
import { buildReport } from "../../plugins/report/build.ts";
import { fitColumns, visibleWidth, wrap } from "../../plugins/report/fit.ts";
import { formatReportMarkdown, formatReportTable, runHints } from "../../plugins/report/format.ts";
import { REMEDY_HINTS } from "../../sdk/analysis/remedies.ts";
import type { ParallelReport } from "../../plugins/report/types.ts";
import { terminalWidth } from "../../plugins/report/run.ts";
import { balanceKey, codeKey, nonceKey } from "../../sdk/engine/location.ts";
import {
  COUNTER,
  COUNT_KEY,
  USERS,
  block,
  bucket,
  bumps,
  counterIndex,
  disjoint,
  recording,
  tx,
} from "./helpers.ts";

const own = (user: Address) => [nonceKey(user), balanceKey(user)];
const DEPLOYER = USERS[0];
const PAYER = USERS[1];

const LONG_TITLE =
  "Counters the deployer deploys the counter and bumps it three times with automine, one block each";
const ONE_SENDER = "Payments one account pays three others";

/** Four tests: a shared counter, a deployer's automined bumps, one sender's payments, disjoint writes. */
async function orderReport(): Promise<ParallelReport> {
  const deploy = tx(DEPLOYER, {
    to: null,
    selector: undefined,
    created: COUNTER,
    reads: own(DEPLOYER),
    writes: [...own(DEPLOYER), codeKey(COUNTER), nonceKey(COUNTER)],
  });
  const bump = () =>
    tx(DEPLOYER, {
      reads: [...own(DEPLOYER), codeKey(COUNTER), COUNT_KEY],
      writes: [...own(DEPLOYER), COUNT_KEY],
    });
  const pay = (to: Address) =>
    tx(PAYER, {
      to,
      selector: undefined,
      reads: [...own(PAYER), balanceKey(to)],
      writes: [...own(PAYER), balanceKey(to)],
    });
  return buildReport(
    recording([
      bucket("Counters 50 users bump one shared counter in one batch", [
        block(2, bumps(4), { reExecutions: 3 }),
      ]),
      bucket(LONG_TITLE, [
        block(3, [deploy]),
        block(4, [bump()]),
        block(5, [bump()]),
        block(6, [bump()]),
      ]),
      bucket(ONE_SENDER, [block(7, [pay(USERS[2]), pay(USERS[3]), pay(USERS[4])])]),
      bucket("Counters 50 users write disjoint slots in one batch", [block(8, disjoint(4))]),
    ]),
    { index: counterIndex(), now: new Date("2026-01-02T03:04:05Z") },
  );
}

/** Header cells of the tests table. */
function headerCells(table: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith("║ Test "))!;
  return line
    .slice(1, -1)
    .split("│")
    .map((c) => c.trim());
}

describe("parallelism report: sender and creation order", function () {
  it("counts state dependencies, keeps order apart and the old figures in includingOrder", async function () {
    const report = await orderReport();
    const byTitle = new Map(report.tests.map((t) => [t.title, t]));
    const payments = byTitle.get(ONE_SENDER)!;
    assert.equal(payments.contention, 0);
    assert.equal(payments.dependentTransactions, 0);
    assert.deepEqual(payments.hotLocations, []);
    assert.deepEqual(payments.order, {
      sender: 2,
      creation: 0,
      orderOnlyTransactions: 2,
      senders: 1,
    });
    assert.equal(payments.includingOrder.contention, 2 / 3);
    assert.equal(payments.includingOrder.parallelism, 1);
    assert.deepEqual(
      payments.includingOrder.hotLocations.map((h) => h.label),
      [balanceKey(PAYER), nonceKey(PAYER)].map(
        (k) => `${k[0] === "b" ? "balance" : "nonce"}(${PAYER})`,
      ),
    );
    const deployer = byTitle.get(LONG_TITLE)!;
    assert.equal(deployer.kind, "potential");
    // bump → bump through Counter.count is state; deploy → each bump (its code) is creation order.
    assert.equal(deployer.dependentTransactions, 2);
    assert.deepEqual(deployer.order, {
      sender: 0,
      creation: 3,
      orderOnlyTransactions: 1,
      senders: 1,
    });
    assert.deepEqual(
      deployer.hotLocations.map((h) => [h.label, h.dependencies]),
      [["Counter.count", 2]],
    );
    assert.equal(deployer.includingOrder.dependentTransactions, 3);
    assert.deepEqual(
      report.hotLocations.map((h) => h.label),
      ["Counter.count"],
      "the run's hot locations are state only",
    );
    assert.ok(report.includingOrder.hotLocations.some((h) => h.label === `nonce(${PAYER})`));
  });

  it("says when a test's only dependencies are one sender's order", async function () {
    const report = await orderReport();
    const table = formatReportTable(report, { width: 200 });
    const row = table.split("\n").find((l) => l.startsWith("║ Payments one account"))!;
    assert.match(row, /│ 0% \(0\/3\) +│ 2 sender +│ .*│ — \(one sender: order only\) +║$/);
    assert.match(
      table,
      /Not counted as contention: 2 sender-order dependencies in 1 test \(from one sender\), 3 creation-order dependencies in 1 test\./,
    );
    assert.match(
      table,
      /Hints:\n {2}1\. Counter\.count — a total written by every transaction: keep it in shards/,
    );
    assert.match(table, /\n {2}Sender order — one sender's own order .*several accounts\./);
    assert.match(table, /\n {2}Creation order — calls after a deployment in the same block/);
    assert.equal(report.hotLocations[0].remedy?.pattern, "shared-total");
    // Two hot locations of one pattern share one hint line.
    const twice = {
      ...report,
      hotLocations: [report.hotLocations[0], { ...report.hotLocations[0], label: "Other.total" }],
    };
    assert.deepEqual(runHints(twice, ["Counter.count", "Other.total"]).slice(0, 1), [
      `1, 2. Counter.count, Other.total — ${REMEDY_HINTS["shared-total"]}`,
    ]);
    const markdown = formatReportMarkdown(report);
    assert.match(markdown, /\*\*Hints\*\*\n\n- 1\. `Counter\.count` — a total written/);
    assert.match(markdown, /\| 0% \(0\/3\) \| 2 sender \| .* \| — \(one sender: order only\) \|/);
    assert.match(markdown, /Not counted as contention: 2 sender-order/);
  });
});

describe("parallelism report: fits the terminal", function () {
  it("fits columns: drops by rank, cuts to the minimum, wraps at spaces", function () {
    const fitted = fitColumns(
      [
        { header: "Name", cells: ["a long name that wraps"], min: 8, overflow: "wrap" },
        { header: "Note", cells: ["cut me please"], min: 6 },
        { header: "Extra", cells: ["x"], drop: 1 },
      ],
      24,
    );
    assert.deepEqual(fitted.kept, [0, 1]);
    assert.deepEqual(fitted.dropped, [2]);
    // 22 + 13 content columns must become 17: the widest shrinks first, then both in turn.
    assert.deepEqual(fitted.rows, [
      ["a long", "cut me p…"],
      ["name", ""],
      ["that wr…", ""],
    ]);
    assert.deepEqual(fitted.source, [0, 0, 0]);
    assert.deepEqual(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert.deepEqual(wrap("one two three four five", 5, 2), ["one", "two …"]);
    assert.equal(visibleWidth("\u001b[31mred\u001b[39m"), 3);
  });

  it("uses the terminal's columns, else 120", function () {
    const tty = { isTTY: true, columns: 87 } as unknown as NodeJS.WriteStream;
    const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;
    assert.equal(terminalWidth(tty), 87);
    assert.equal(terminalWidth(pipe), 120);
  });

  const expected: Record<number, string[]> = {
    80: ["Test", "Contention", "Top hot location"],
    120: ["Test", "Kind", "Txs", "Contention", "Order deps", "Speedup@2", "Top hot location"],
    200: [
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
    ],
  };
  for (const width of [80, 120, 200]) {
    it(`fits ${width} columns`, async function () {
      const table = formatReportTable(await orderReport(), { width });
      for (const line of table.split("\n")) {
        assert.ok(visibleWidth(line) <= width, `${visibleWidth(line)} > ${width}: ${line}`);
      }
      assert.deepEqual(headerCells(table), expected[width]);
      const dropped =
        width === 200 ? [] : expected[200].filter((c) => !expected[width].includes(c));
      if (dropped.length === 0) assert.doesNotMatch(table, /Columns left out/);
      else
        assert.match(
          table.replace(/\n/g, " "),
          new RegExp(`Columns left out to fit ${width} columns: ${dropped.join(", ")}`),
        );
      // A long title wraps instead of being cut at a fixed length.
      assert.match(table, /║ Counters the deployer deploys/);
      assert.match(table, /│ 75% \(3\/4\) /);
    });
  }
});
