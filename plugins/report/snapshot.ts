/**
 * Contention budgets for CI: a committed snapshot of each test's deterministic figures
 * (`.parallel-snapshot.json`, written by `hardhat test --parallel-snapshot`) and a check that
 * fails when a test got worse (`hardhat test --parallel-check`).
 *
 * Only deterministic figures (docs/design.md §3) are kept: contention, parallelism, speedup(16) and the
 * analysed transaction count — never wall-clock time. A test regresses when its contention rises
 * by more than `tolerance.contention` (absolute, default 0.01 = one percentage point) or its
 * parallelism falls by more than `tolerance.parallelism` (relative, default 0.01 = 1%).
 * Tests new in the run or missing from it, and changes of kind or transaction count, are
 * reported but do not fail the check (a run may be filtered with `--grep`).
 */
import { formatTable, type TableItem } from "@nomicfoundation/hardhat-utils/format";
import { formatPercent, formatRatio } from "../../sdk/analysis/format.ts";
import type { AnalysisKind } from "../../sdk/analysis/types.ts";
import type { ParallelReport } from "./types.ts";

export const SNAPSHOT_FORMAT = "hardhat-parallel-snapshot";
export const SNAPSHOT_VERSION = 1;

/** The figures kept per test. */
export interface SnapshotEntry {
  kind: AnalysisKind;
  /** Analysed transactions. */
  transactions: number;
  /** 0..1, rounded to 6 decimals. */
  contention: number;
  /** Ratio, rounded to 6 decimals. */
  parallelism: number;
  /** speedup(16), rounded to 6 decimals. */
  speedup16: number;
}

/** The committed snapshot file. */
export interface ParallelSnapshot {
  _format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** By test title, sorted. */
  tests: Record<string, SnapshotEntry>;
}

/** Allowed drift before the check fails. */
export interface SnapshotTolerance {
  /** Absolute rise of contention allowed (0..1). Default 0.01. */
  contention: number;
  /** Relative fall of parallelism allowed (0..1). Default 0.01 (1%). */
  parallelism: number;
}

export const DEFAULT_TOLERANCE: SnapshotTolerance = { contention: 0.01, parallelism: 0.01 };

/** One metric of one test that moved beyond the tolerance. */
export interface SnapshotChange {
  title: string;
  metric: "contention" | "parallelism";
  before: number;
  after: number;
}

/** Outcome of {@link checkSnapshot}. */
export interface SnapshotCheck {
  pass: boolean;
  regressions: SnapshotChange[];
  improvements: SnapshotChange[];
  /** Tests of the run that the snapshot does not have. */
  added: string[];
  /** Tests of the snapshot that did not run. */
  missing: string[];
  /** Tests compared and within tolerance. */
  unchanged: number;
  /** Other differences (kind, transaction count), informational. */
  notes: string[];
}

const EPSILON = 1e-9;
const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The snapshot of a report: every test's deterministic figures, keys sorted. */
export function createSnapshot(report: ParallelReport): ParallelSnapshot {
  const tests: Record<string, SnapshotEntry> = {};
  for (const test of [...report.tests].sort((a, b) =>
    a.title < b.title ? -1 : a.title > b.title ? 1 : 0,
  )) {
    tests[test.title] = {
      kind: test.kind,
      transactions: test.analysedTransactions,
      contention: round(test.contention),
      parallelism: round(test.parallelism),
      speedup16: round(test.speedup16),
    };
  }
  return { _format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, tests };
}

/** 2-space JSON with a trailing newline (stable, diff-friendly). */
export function serializeSnapshot(snapshot: ParallelSnapshot): string {
  return `${JSON.stringify(snapshot, undefined, 2)}\n`;
}

/**
 * Parses a snapshot file.
 * @param source the file name, for error messages.
 * @throws {Error} when it is not JSON or not a snapshot of this version, saying how to rewrite it.
 */
export function parseSnapshot(text: string, source: string): ParallelSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source} is not valid JSON (${(error as Error).message}); rewrite it with \`hardhat test --parallel-snapshot\``,
    );
  }
  const snapshot = value as Partial<ParallelSnapshot> | null;
  if (snapshot === null || typeof snapshot !== "object" || snapshot._format !== SNAPSHOT_FORMAT) {
    throw new Error(
      `${source} is not a hardhat-parallel snapshot (no "_format": "${SNAPSHOT_FORMAT}")`,
    );
  }
  if (snapshot.version !== SNAPSHOT_VERSION) {
    throw new Error(
      `${source} has version ${String(snapshot.version)}; this plugin reads version ${SNAPSHOT_VERSION}. Rewrite it with \`hardhat test --parallel-snapshot\``,
    );
  }
  if (snapshot.tests === undefined || typeof snapshot.tests !== "object") {
    throw new Error(
      `${source} has no "tests"; rewrite it with \`hardhat test --parallel-snapshot\``,
    );
  }
  for (const [title, entry] of Object.entries(snapshot.tests)) {
    if (typeof entry?.contention !== "number" || typeof entry.parallelism !== "number") {
      throw new Error(`${source}: test "${title}" lacks a numeric contention or parallelism`);
    }
  }
  return snapshot as ParallelSnapshot;
}

/**
 * Compares a run with the snapshot (see the module doc for the rules).
 * @throws {RangeError} when a tolerance is negative or not finite.
 */
export function checkSnapshot(
  snapshot: ParallelSnapshot,
  report: ParallelReport,
  tolerance: SnapshotTolerance = DEFAULT_TOLERANCE,
): SnapshotCheck {
  for (const [name, value] of Object.entries(tolerance)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`tolerance.${name} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  const current = createSnapshot(report).tests;
  const result: SnapshotCheck = {
    pass: true,
    regressions: [],
    improvements: [],
    added: [],
    missing: [],
    unchanged: 0,
    notes: [],
  };
  for (const [title, now] of Object.entries(current)) {
    const before = snapshot.tests[title];
    if (before === undefined) {
      result.added.push(title);
      continue;
    }
    let moved = false;
    if (now.contention - before.contention > tolerance.contention + EPSILON) {
      result.regressions.push({
        title,
        metric: "contention",
        before: before.contention,
        after: now.contention,
      });
      moved = true;
    } else if (before.contention - now.contention > tolerance.contention + EPSILON) {
      result.improvements.push({
        title,
        metric: "contention",
        before: before.contention,
        after: now.contention,
      });
      moved = true;
    }
    if (now.parallelism < before.parallelism * (1 - tolerance.parallelism) - EPSILON) {
      result.regressions.push({
        title,
        metric: "parallelism",
        before: before.parallelism,
        after: now.parallelism,
      });
      moved = true;
    } else if (now.parallelism > before.parallelism * (1 + tolerance.parallelism) + EPSILON) {
      result.improvements.push({
        title,
        metric: "parallelism",
        before: before.parallelism,
        after: now.parallelism,
      });
      moved = true;
    }
    if (!moved) result.unchanged++;
    if (before.kind !== now.kind)
      result.notes.push(`"${title}": analysed as ${now.kind}, was ${before.kind}`);
    if (before.transactions !== now.transactions) {
      result.notes.push(
        `"${title}": ${now.transactions} analysed transactions, was ${before.transactions}`,
      );
    }
  }
  for (const title of Object.keys(snapshot.tests))
    if (current[title] === undefined) result.missing.push(title);
  result.pass = result.regressions.length === 0;
  return result;
}

/**
 * Human-readable outcome: a table of the regressions and improvements, the other differences,
 * and what to do next.
 */
export function formatSnapshotCheck(
  check: SnapshotCheck,
  tolerance: SnapshotTolerance,
  snapshotFile: string,
): string {
  const lines: string[] = [];
  const changes = [
    ...check.regressions.map((c) => ({ ...c, status: "REGRESSED" })),
    ...check.improvements.map((c) => ({ ...c, status: "improved" })),
  ];
  if (changes.length > 0) {
    const items: TableItem[] = [
      { type: "section-header", text: `Parallelism budgets (${snapshotFile})` },
      { type: "header", cells: ["Test", "Metric", "Snapshot", "Now", "Change", "Status"] },
      ...changes.map(
        (c): TableItem => ({
          type: "row",
          cells: [
            c.title,
            c.metric,
            formatMetric(c.metric, c.before),
            formatMetric(c.metric, c.after),
            formatChange(c),
            c.status,
          ],
        }),
      ),
    ];
    lines.push(formatTable(items));
  }
  const points = Number((tolerance.contention * 100).toFixed(2));
  const tol =
    `tolerance: contention may rise ${points} percentage point${points === 1 ? "" : "s"}, ` +
    `parallelism may fall ${formatPercent(tolerance.parallelism)}`;
  if (check.added.length > 0)
    lines.push(`New tests not in the snapshot (${check.added.length}): ${quoteList(check.added)}`);
  if (check.missing.length > 0)
    lines.push(
      `Snapshot tests that did not run (${check.missing.length}): ${quoteList(check.missing)}`,
    );
  for (const note of check.notes) lines.push(`Note: ${note}`);
  if (check.pass) {
    lines.push(
      `Parallelism budgets: OK — ${check.unchanged} test${check.unchanged === 1 ? "" : "s"} within budget, ` +
        `${new Set(check.improvements.map((c) => c.title)).size} improved (${tol}).`,
    );
    if (check.improvements.length > 0 || check.added.length > 0) {
      lines.push(
        `Run \`hardhat test --parallel-snapshot\` and commit ${snapshotFile} to lock in the new figures.`,
      );
    }
  } else {
    const tests = new Set(check.regressions.map((c) => c.title)).size;
    lines.push(
      `Parallelism budgets: FAILED — ${check.regressions.length} regression${check.regressions.length === 1 ? "" : "s"} in ` +
        `${tests} test${tests === 1 ? "" : "s"} (${tol}).`,
      `Fix the contention (see the hot locations in the report), or, if the change is intended, run ` +
        `\`hardhat test --parallel-snapshot\` and commit ${snapshotFile}.`,
    );
  }
  return lines.join("\n");
}

function formatMetric(metric: SnapshotChange["metric"], value: number): string {
  return metric === "contention" ? formatPercent(value) : formatRatio(value);
}

function formatChange(change: SnapshotChange): string {
  if (change.metric === "contention") {
    const points = (change.after - change.before) * 100;
    return `${points >= 0 ? "+" : "−"}${Number(Math.abs(points).toFixed(2))} pt`;
  }
  const relative = change.before === 0 ? 0 : (change.after / change.before - 1) * 100;
  return `${relative >= 0 ? "+" : "−"}${Number(Math.abs(relative).toFixed(2))}%`;
}

function quoteList(titles: readonly string[], limit = 5): string {
  const shown = titles.slice(0, limit).map((t) => `"${t}"`);
  if (titles.length > limit) shown.push(`… and ${titles.length - limit} more`);
  return shown.join(", ");
}
