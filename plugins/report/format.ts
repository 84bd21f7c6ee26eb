/**
 * Output of the parallelism report: the terminal table printed after `hardhat test` (in the
 * style of Hardhat's `--gas-stats`, drawn with `formatTable` of `@nomicfoundation/hardhat-utils`
 * and fitted to the terminal's width by `fit.ts`, since `formatTable` has no width limit), the
 * Markdown summary for CI (`$GITHUB_STEP_SUMMARY`, every column) and the JSON file. Under the
 * hot locations: the order dependencies left out of the figures and the hints by pattern
 * (`sdk/analysis/remedies.ts`).
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { styleText } from "node:util";
import { formatTable, type TableItem } from "@nomicfoundation/hardhat-utils/format";
import { cut, type FitColumn, fitColumns, wrap } from "./fit.ts";
import { formatPercent, formatRatio } from "../../sdk/analysis/format.ts";
import { formatFunctionRef } from "../../sdk/analysis/labels.ts";
import { REMEDY_HINTS } from "../../sdk/analysis/remedies.ts";
import type { FunctionCount } from "../../sdk/analysis/types.ts";
import {
  REPORT_COLUMNS,
  type ParallelReport,
  type ReportColumn,
  type ReportHotLocation,
  type TestReport,
} from "./types.ts";
import { locationAddress } from "../../sdk/engine/location.ts";

/** Options of the table and the Markdown summary. */
export interface FormatOptions {
  /** Columns after the test title, in this order. Default: all ({@link REPORT_COLUMNS}). */
  columns?: readonly ReportColumn[];
  /** Hot locations of the run listed under the tests. Default 5. */
  hotLocations?: number;
  /** Colour the terminal table (bold title, red/yellow contention). Default false. */
  color?: boolean;
  /**
   * Terminal width the table must fit (columns), e.g. `process.stdout.columns`. Default
   * {@link DEFAULT_WIDTH}. The Markdown summary ignores it (it keeps every column).
   */
  width?: number;
}

/** Width of the table when the output is not a terminal (columns). */
export const DEFAULT_WIDTH = 120;

/** Narrowest the test-title column is wrapped to before columns are dropped. */
const MIN_TITLE = 30;
/** Narrowest a hot-location cell is cut to before columns are dropped. */
const MIN_HOT = 22;

/**
 * Drop ranks of the table's columns when the terminal is too narrow: the lowest goes first.
 * Re-executions (thread timing, informational) go first; violations and order first only when
 * every test has none; contention and the title are never dropped.
 */
function dropRank(column: ReportColumn, report: ParallelReport): number | undefined {
  const none = (f: (t: TestReport) => number | null) => report.tests.every((t) => !f(t));
  switch (column) {
    case "reExecutions":
      return 1;
    case "violations":
      return none((t) => t.violations) ? 2 : 11;
    case "order":
      return none((t) => t.order.sender + t.order.creation) ? 3 : 10;
    case "blocks":
      return 4;
    case "criticalPath":
      return 5;
    case "speedup16":
      return 6;
    case "parallelism":
      return 7;
    case "transactions":
      return 8;
    case "kind":
      return 9;
    case "speedup":
      return 12;
    case "hotLocation":
      return 13;
    case "contention":
      return undefined;
  }
}

/** Column headers of the table, the Markdown summary and the HTML report. */
export const HEADERS: Record<ReportColumn, (report: ParallelReport) => string> = {
  kind: () => "Kind",
  blocks: () => "Blocks",
  transactions: () => "Txs",
  contention: () => "Contention",
  order: () => "Order deps",
  criticalPath: () => "Critical path",
  parallelism: () => "Parallelism",
  speedup: (report) => `Speedup@${report.lanes}`,
  speedup16: () => "Speedup@16",
  reExecutions: () => "Re-exec",
  violations: () => "Violations",
  hotLocation: () => "Top hot location",
};

/** Cell text of each column (shared by the table, the Markdown summary and the HTML report). */
export const CELLS: Record<ReportColumn, (test: TestReport, report: ParallelReport) => string> = {
  kind: (t) => t.kind,
  blocks: (t) => String(t.blocks),
  transactions: (t) => String(t.transactions),
  contention: (t) =>
    `${formatPercent(t.contention)} (${t.dependentTransactions}/${t.analysedTransactions})`,
  order: (t) => {
    const { sender, creation } = t.order;
    if (sender > 0 && creation > 0) return `${sender} s + ${creation} c`;
    if (sender > 0) return `${sender} sender`;
    return creation > 0 ? `${creation} creation` : "—";
  },
  criticalPath: (t) => `${t.criticalPath.length} tx, ${compactGas(BigInt(t.criticalPath.gas))} gas`,
  parallelism: (t) => formatRatio(t.parallelism),
  speedup: (t, r) =>
    t.lanes === r.lanes ? formatRatio(t.speedup) : `${formatRatio(t.speedup)} @${t.lanes}`,
  speedup16: (t) => formatRatio(t.speedup16),
  reExecutions: (t) => (t.reExecutions === null ? "—" : String(t.reExecutions)),
  violations: (t) => (t.violations === null ? "—" : String(t.violations)),
  hotLocation: (t) => {
    const hot = t.hotLocations[0];
    if (hot !== undefined) return `${shortenLabel(hot.label)} (${hot.dependencies})`;
    if (t.order.sender + t.order.creation === 0) return "—";
    return t.order.senders === 1 ? "— (one sender: order only)" : "— (order only)";
  },
};

/** The legend printed under the table and the Markdown summary. */
export const LEGEND =
  "achieved: blocks that held ≥2 transactions (executed in parallel); potential: the test mined one " +
  "transaction per block (automine), analysed as if they had been one block. Contention: share of " +
  "transactions that read state an earlier one wrote. Order deps: dependencies that are only " +
  "sender order (s: one sender's nonce and balance) or creation order (c: calls after a deployment " +
  "in the same block), not counted as contention. Speedup@P: gas / makespan of a greedy schedule on " +
  "P lanes (deterministic, not wall-clock).";

/**
 * The terminal table: one row per test (worst first, as sorted in the report), then the top hot
 * locations of the run and the order dependencies left out. Every line fits `options.width`
 * (default {@link DEFAULT_WIDTH}, at least 60): titles wrap, hot locations and function lists are
 * cut, and the least useful columns are dropped (see `dropRank`), named in a line under the
 * table. Returns an empty string when no test used a parallel network.
 */
export function formatReportTable(report: ParallelReport, options: FormatOptions = {}): string {
  if (report.tests.length === 0) return "";
  const width = Math.max(60, Math.floor(options.width ?? DEFAULT_WIDTH));
  const columns = options.columns ?? REPORT_COLUMNS;
  const bold = (text: string) => (options.color === true ? styleText("bold", text) : text);
  const heading = (text: string) => cut(text, width - 4);
  const fitted = fitColumns(
    [
      {
        header: "Test",
        cells: report.tests.map((t) => t.title),
        min: MIN_TITLE,
        overflow: "wrap",
      },
      ...columns.map(
        (c): FitColumn => ({
          header: HEADERS[c](report),
          cells: report.tests.map((t) => CELLS[c](t, report)),
          ...(c === "hotLocation" ? { min: MIN_HOT } : {}),
          drop: dropRank(c, report),
        }),
      ),
    ],
    width,
  );
  const keptColumns = fitted.kept.map((i) => (i === 0 ? undefined : columns[i - 1]));
  const tests: TableItem[] = [
    { type: "title", text: bold("Parallelism report") },
    {
      type: "section-header",
      text: bold(heading(`Tests on parallel networks, worst first (${report.tests.length})`)),
      subtitle: cut(
        `${report.totals.transactions} transactions in ${report.totals.blocks} blocks, ${report.totals.achievedBlocks} of them with ≥2 transactions`,
        width - 6,
      ),
    },
    { type: "header", cells: fitted.header },
    ...fitted.rows.map(
      (cells, r): TableItem => ({
        type: "row",
        cells: cells.map((cell, k) => {
          const column = keptColumns[k];
          const test = report.tests[fitted.source[r]];
          return column === undefined || cell === ""
            ? cell
            : colourCell(column, cell, test, options.color === true);
        }),
      }),
    ),
  ];
  const parts = [formatTable(tests)];
  if (fitted.dropped.length > 0) {
    parts.push(
      wrapParagraph(
        `Columns left out to fit ${width} columns: ${fitted.dropped.map((i) => HEADERS[columns[i - 1]](report)).join(", ")} (all of them are in the JSON and Markdown reports).`,
        width,
      ),
    );
  }
  const limit = options.hotLocations ?? 5;
  const hot = report.hotLocations.slice(0, limit);
  if (hot.length > 0) {
    const labels = displayLabels(hot);
    const table = fitColumns(
      [
        { header: "#", cells: hot.map((_, i) => String(i + 1)) },
        { header: "Location", cells: labels, min: 24 },
        { header: "Dependencies", cells: hot.map((h) => String(h.dependencies)) },
        { header: "Written by", cells: hot.map((h) => formatCounts(h.writers)), min: 20, drop: 2 },
        { header: "Read by", cells: hot.map((h) => formatCounts(h.readers)), min: 20, drop: 1 },
      ],
      width,
    );
    parts.push(
      formatTable([
        {
          type: "section-header",
          text: bold(
            heading(
              `Top hot locations of the run (${hot.length} of ${report.hotLocations.length})`,
            ),
          ),
        },
        { type: "header", cells: table.header },
        ...table.rows.map((cells): TableItem => ({ type: "row", cells })),
      ]),
    );
  } else {
    parts.push(
      wrapParagraph(
        "No hot locations: no transaction read state an earlier one of its block wrote.",
        width,
      ),
    );
  }
  const order = formatRunOrder(report);
  if (order !== undefined) parts.push(wrapParagraph(order, width));
  const hints = runHints(report, hot.length > 0 ? displayLabels(hot) : []);
  if (hints.length > 0) {
    parts.push(
      [
        "Hints:",
        ...hints.map((h) =>
          wrap(h, width - 5, Number.POSITIVE_INFINITY)
            .map((line, i) => `${i === 0 ? "  " : "     "}${line}`)
            .join("\n"),
        ),
      ].join("\n"),
    );
  }
  parts.push(wrapParagraph(LEGEND, width));
  return parts.join("\n");
}

/**
 * The line on the order dependencies of the run (docs/design.md §3), or `undefined` when no test
 * had any, e.g. `Not counted as contention: 12 sender-order dependencies in 3 tests (2 of them
 * from one sender), 4 creation-order dependencies in 2 tests.`
 */
export function formatRunOrder(report: ParallelReport): string | undefined {
  const withSender = report.tests.filter((t) => t.order.sender > 0);
  const withCreation = report.tests.filter((t) => t.order.creation > 0);
  if (withSender.length === 0 && withCreation.length === 0) return undefined;
  const tests = (n: number) => `${n} test${n === 1 ? "" : "s"}`;
  const sum = (list: TestReport[], f: (t: TestReport) => number) =>
    list.reduce((n, t) => n + f(t), 0);
  const parts: string[] = [];
  if (withSender.length > 0) {
    const sender = sum(withSender, (t) => t.order.sender);
    const oneSender = withSender.filter((t) => t.order.senders === 1).length;
    parts.push(
      `${sender} sender-order ${sender === 1 ? "dependency" : "dependencies"} in ${tests(withSender.length)}` +
        (oneSender === 0
          ? ""
          : oneSender === withSender.length
            ? withSender.length === 1
              ? " (from one sender)"
              : " (all from one sender)"
            : ` (${oneSender} of them from one sender)`),
    );
  }
  if (withCreation.length > 0) {
    const creation = sum(withCreation, (t) => t.order.creation);
    parts.push(
      `${creation} creation-order ${creation === 1 ? "dependency" : "dependencies"} in ${tests(withCreation.length)}`,
    );
  }
  return `Not counted as contention: ${parts.join(", ")}.`;
}

/**
 * The hints under the hot locations: one per pattern among the listed hot locations
 * (`1. Counter.count — a total written by every transaction: …`), then one for sender order
 * and one for creation order when a test had any.
 * @param labels the labels of the listed hot locations, as displayed.
 */
export function runHints(report: ParallelReport, labels: readonly string[]): string[] {
  // Hot locations of one pattern share one line: `1, 2. A.total, B.total — …`.
  const byPattern = new Map<string, { numbers: number[]; labels: string[]; hint: string }>();
  labels.forEach((label, i) => {
    const remedy = report.hotLocations[i]?.remedy;
    if (remedy === undefined) return;
    const entry = byPattern.get(remedy.pattern) ?? { numbers: [], labels: [], hint: remedy.hint };
    entry.numbers.push(i + 1);
    entry.labels.push(label);
    byPattern.set(remedy.pattern, entry);
  });
  const hints = [...byPattern.values()].map(
    (e) => `${e.numbers.join(", ")}. ${e.labels.join(", ")} — ${e.hint}`,
  );
  if (report.tests.some((t) => t.order.sender > 0)) {
    hints.push(`Sender order — ${REMEDY_HINTS["sender-order"]}`);
  }
  if (report.tests.some((t) => t.order.creation > 0)) {
    hints.push(`Creation order — ${REMEDY_HINTS["creation-order"]}`);
  }
  return hints;
}

/** `text` word-wrapped into lines of at most `width` columns. */
export function wrapParagraph(text: string, width: number): string {
  return wrap(text, width, Number.POSITIVE_INFINITY).join("\n");
}

/** The Markdown summary (GitHub-flavoured): a table of the tests and the run's hot locations. */
export function formatReportMarkdown(report: ParallelReport, options: FormatOptions = {}): string {
  const columns = options.columns ?? REPORT_COLUMNS;
  const lines = ["## Parallelism report", ""];
  if (report.tests.length === 0) {
    lines.push("No test sent transactions to a parallel network.", "");
    return lines.join("\n");
  }
  lines.push(
    `${report.tests.length} tests on parallel networks, worst first; ${report.totals.transactions} transactions in ` +
      `${report.totals.blocks} blocks (${report.totals.achievedBlocks} with ≥2 transactions).`,
    "",
  );
  const header = ["Test", ...columns.map((c) => HEADERS[c](report))];
  lines.push(`| ${header.map(escapeCell).join(" | ")} |`);
  const left = new Set<ReportColumn>(["kind", "order", "criticalPath", "hotLocation"]);
  lines.push(`| ${["---", ...columns.map((c) => (left.has(c) ? "---" : "---:"))].join(" | ")} |`);
  for (const test of report.tests) {
    const cells = [
      test.title,
      ...columns.map((c) =>
        c === "hotLocation" && test.hotLocations.length > 0
          ? codeSpan(CELLS[c](test, report))
          : CELLS[c](test, report),
      ),
    ];
    lines.push(`| ${cells.map(escapeCell).join(" | ")} |`);
  }
  lines.push("");
  const hot = report.hotLocations.slice(0, options.hotLocations ?? 5);
  if (hot.length > 0) {
    lines.push("**Top hot locations of the run**", "");
    const labels = displayLabels(hot);
    hot.forEach((h, i) => {
      lines.push(
        `${i + 1}. \`${labels[i]}\`: ${h.dependencies} ${h.dependencies === 1 ? "dependency" : "dependencies"} ` +
          `(written by ${formatCounts(h.writers)}; read by ${formatCounts(h.readers)})`,
      );
    });
    lines.push("");
  }
  const order = formatRunOrder(report);
  if (order !== undefined) lines.push(order, "");
  const hints = runHints(report, hot.length > 0 ? displayLabels(hot).map((l) => `\`${l}\``) : []);
  if (hints.length > 0) lines.push("**Hints**", "", ...hints.map((h) => `- ${h}`), "");
  lines.push(`<sub>${LEGEND}</sub>`, "");
  return lines.join("\n");
}

/** Serialises a report (2-space JSON, trailing newline). */
export function serializeReport(report: ParallelReport): string {
  return `${JSON.stringify(report, undefined, 2)}\n`;
}

/** Writes `text` to `file`, creating its directory. */
export async function writeTextFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, "utf8");
}

/**
 * Appends the Markdown summary to the file named by `$GITHUB_STEP_SUMMARY` (GitHub Actions' job
 * summary), when that variable is set. Returns whether it did.
 */
export async function appendStepSummary(
  markdown: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === "") return false;
  await appendFile(file, `${markdown}\n`, "utf8");
  return true;
}

/** Shortens 20-byte and longer hex in a label: `0xf39fd6e5…2266` → `0xf39f…2266`. */
export function shortenLabel(label: string): string {
  return label.replace(/0x[0-9a-fA-F]{40,}/g, (hex) => `${hex.slice(0, 6)}…${hex.slice(-4)}`);
}

/**
 * Shortened labels of hot locations; a label shared by locations of different addresses (the
 * same contract deployed twice) gets the address appended: `Counter.count @0x5fbd…0aa3`.
 */
export function displayLabels(hot: readonly ReportHotLocation[]): string[] {
  const count = new Map<string, number>();
  for (const h of hot) count.set(h.label, (count.get(h.label) ?? 0) + 1);
  return hot.map((h) => {
    const label = shortenLabel(h.label);
    return (count.get(h.label) ?? 0) > 1
      ? `${label} @${shortenLabel(locationAddress(h.location))}`
      : label;
  });
}

/** `1234` → `1.2k`, `1234567` → `1.23M` (gas). */
export function compactGas(gas: bigint): string {
  const n = Number(gas);
  if (n < 1_000) return String(n);
  if (n < 1_000_000) return `${Number((n / 1_000).toFixed(n < 10_000 ? 2 : 1))}k`;
  return `${Number((n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1))}M`;
}

function formatCounts(counts: readonly FunctionCount[], limit = 2): string {
  if (counts.length === 0) return "—";
  const shown = counts
    .slice(0, limit)
    .map((c) => `${shortenLabel(formatFunctionRef(c))} ×${c.dependencies}`);
  if (counts.length > limit) shown.push(`+${counts.length - limit} more`);
  return shown.join(", ");
}

/** `SharedCounter.count (49)` → `` `SharedCounter.count` (49) ``. */
function codeSpan(cell: string): string {
  const match = /^(.*) \((\d+)\)$/.exec(cell);
  return match === null ? cell : `\`${match[1]}\` (${match[2]})`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function colourCell(column: ReportColumn, text: string, test: TestReport, color: boolean): string {
  if (!color || column !== "contention") return text;
  if (test.contention >= 0.5) return styleText("red", text);
  if (test.contention > 0) return styleText("yellow", text);
  return styleText("green", text);
}
