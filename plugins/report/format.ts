/**
 * Output of the parallelism report: the terminal table printed after `hardhat test` (in the
 * style of Hardhat's `--gas-stats`, drawn with `formatTable` of `@nomicfoundation/hardhat-utils`),
 * the Markdown summary for CI (`$GITHUB_STEP_SUMMARY`) and the JSON file.
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { styleText } from "node:util";
import { formatTable, type TableItem } from "@nomicfoundation/hardhat-utils/format";
import { formatPercent, formatRatio } from "../../sdk/analysis/format.ts";
import { formatFunctionRef } from "../../sdk/analysis/labels.ts";
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
}

/** Longest test title shown in the terminal table (longer ones are cut with `…`). */
const MAX_TITLE = 64;

const HEADERS: Record<ReportColumn, (report: ParallelReport) => string> = {
  kind: () => "Kind",
  blocks: () => "Blocks",
  transactions: () => "Txs",
  contention: () => "Contention",
  criticalPath: () => "Critical path",
  parallelism: () => "Parallelism",
  speedup: (report) => `Speedup@${report.lanes}`,
  speedup16: () => "Speedup@16",
  reExecutions: () => "Re-exec",
  violations: () => "Violations",
  hotLocation: () => "Top hot location",
};

const CELLS: Record<ReportColumn, (test: TestReport, report: ParallelReport) => string> = {
  kind: (t) => t.kind,
  blocks: (t) => String(t.blocks),
  transactions: (t) => String(t.transactions),
  contention: (t) =>
    `${formatPercent(t.contention)} (${t.dependentTransactions}/${t.analysedTransactions})`,
  criticalPath: (t) => `${t.criticalPath.length} tx, ${compactGas(BigInt(t.criticalPath.gas))} gas`,
  parallelism: (t) => formatRatio(t.parallelism),
  speedup: (t, r) =>
    t.lanes === r.lanes ? formatRatio(t.speedup) : `${formatRatio(t.speedup)} @${t.lanes}`,
  speedup16: (t) => formatRatio(t.speedup16),
  reExecutions: (t) => (t.reExecutions === null ? "—" : String(t.reExecutions)),
  violations: (t) => (t.violations === null ? "—" : String(t.violations)),
  hotLocation: (t) => {
    const hot = t.hotLocations[0];
    return hot === undefined ? "—" : `${shortenLabel(hot.label)} (${hot.dependencies})`;
  },
};

/** The legend printed under the table and the Markdown summary. */
export const LEGEND =
  "achieved: blocks that held ≥2 transactions (executed in parallel); potential: the test mined one " +
  "transaction per block (automine), analysed as if they had been one block. Contention: share of " +
  "transactions that read a location an earlier one wrote. Speedup@P: gas / makespan of a greedy " +
  "schedule on P lanes (deterministic, not wall-clock).";

/**
 * The terminal table: one row per test (worst first, as sorted in the report), then the top hot
 * locations of the run. Returns an empty string when no test used a parallel network.
 */
export function formatReportTable(report: ParallelReport, options: FormatOptions = {}): string {
  if (report.tests.length === 0) return "";
  const columns = options.columns ?? REPORT_COLUMNS;
  const bold = (text: string) => (options.color === true ? styleText("bold", text) : text);
  const tests: TableItem[] = [
    { type: "title", text: bold("Parallelism report") },
    {
      type: "section-header",
      text: bold(`Tests on parallel networks, worst first (${report.tests.length})`),
      subtitle: `${report.totals.transactions} transactions in ${report.totals.blocks} blocks, ${report.totals.achievedBlocks} of them with ≥2 transactions`,
    },
    { type: "header", cells: ["Test", ...columns.map((c) => HEADERS[c](report))] },
    ...report.tests.map(
      (test): TableItem => ({
        type: "row",
        cells: [
          truncate(test.title, MAX_TITLE),
          ...columns.map((c) =>
            colourCell(c, CELLS[c](test, report), test, options.color === true),
          ),
        ],
      }),
    ),
  ];
  const parts = [formatTable(tests)];
  const limit = options.hotLocations ?? 5;
  const hot = report.hotLocations.slice(0, limit);
  if (hot.length > 0) {
    const labels = displayLabels(hot);
    parts.push(
      formatTable([
        {
          type: "section-header",
          text: bold(
            `Top hot locations of the run (${hot.length} of ${report.hotLocations.length})`,
          ),
        },
        { type: "header", cells: ["#", "Location", "Dependencies", "Written by", "Read by"] },
        ...hot.map(
          (h, i): TableItem => ({
            type: "row",
            cells: [
              String(i + 1),
              labels[i],
              String(h.dependencies),
              formatCounts(h.writers),
              formatCounts(h.readers),
            ],
          }),
        ),
      ]),
    );
  } else {
    parts.push(
      "No hot locations: no transaction read a location an earlier one of its block wrote.",
    );
  }
  parts.push(LEGEND);
  return parts.join("\n");
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
  const left = new Set<ReportColumn>(["kind", "criticalPath", "hotLocation"]);
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

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
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
