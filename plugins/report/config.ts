/**
 * The `parallel.report` config section: what the report prints and writes, where the snapshot
 * lives and how much drift the budget check allows.
 *
 * ```ts
 * parallel: {
 *   report: {
 *     enabled: true,                            // print the table after `hardhat test`
 *     columns: ["contention", "speedup16", "hotLocation"],
 *     json: "reports/parallel-report.json",     // false: do not write
 *     markdown: "reports/parallel-report.md",   // false: do not write
 *     html: "reports/parallel-report.html",     // false: do not write
 *     snapshot: ".parallel-snapshot.json",
 *     tolerance: { contention: 0.01, parallelism: 0.01 },
 *     hotLocations: 5,
 *   },
 * }
 * ```
 */
import path from "node:path";
import { DEFAULT_TOLERANCE, type SnapshotTolerance } from "./snapshot.ts";
import { REPORT_COLUMNS, type ReportColumn } from "./types.ts";

/** The user's `parallel.report` (all optional). */
export interface ParallelReportUserConfig {
  /** Print the report after `hardhat test` and write its files. Default true. */
  enabled?: boolean;
  /** Table and Markdown columns after the test title, in order. Default: all. */
  columns?: ReportColumn[];
  /** JSON report path (relative to the project root), or false. Default `reports/parallel-report.json`. */
  json?: string | false;
  /** Markdown summary path, or false. Default `reports/parallel-report.md`. */
  markdown?: string | false;
  /** HTML report path (graphs and schedules, `html.ts`), or false. Default `reports/parallel-report.html`. */
  html?: string | false;
  /** Budget snapshot path. Default `.parallel-snapshot.json`. */
  snapshot?: string;
  /**
   * Allowed drift for `--parallel-check`: `contention` absolute (0.01 = one percentage point),
   * `parallelism` relative (0.01 = 1%). Defaults 0.01 and 0.01.
   */
  tolerance?: Partial<SnapshotTolerance>;
  /** Hot locations of the run listed under the table. Default 5. */
  hotLocations?: number;
}

/** The resolved `parallel.report`: absolute paths, every field set. */
export interface ParallelReportConfig {
  enabled: boolean;
  columns: ReportColumn[];
  /** Absolute path, or undefined when disabled. */
  json?: string;
  /** Absolute path, or undefined when disabled. */
  markdown?: string;
  /** Absolute path, or undefined when disabled. */
  html?: string;
  /** Absolute path. */
  snapshot: string;
  tolerance: SnapshotTolerance;
  hotLocations: number;
}

export const DEFAULT_JSON_PATH = "reports/parallel-report.json";
export const DEFAULT_MARKDOWN_PATH = "reports/parallel-report.md";
export const DEFAULT_HTML_PATH = "reports/parallel-report.html";
export const DEFAULT_SNAPSHOT_PATH = ".parallel-snapshot.json";

/** Resolves `parallel.report` against the project root. */
export function resolveReportConfig(
  user: ParallelReportUserConfig | undefined,
  root: string,
): ParallelReportConfig {
  const json =
    user?.json === false ? undefined : path.resolve(root, user?.json ?? DEFAULT_JSON_PATH);
  const markdown =
    user?.markdown === false
      ? undefined
      : path.resolve(root, user?.markdown ?? DEFAULT_MARKDOWN_PATH);
  const html =
    user?.html === false ? undefined : path.resolve(root, user?.html ?? DEFAULT_HTML_PATH);
  return {
    enabled: user?.enabled ?? true,
    columns: [...(user?.columns ?? REPORT_COLUMNS)],
    ...(json === undefined ? {} : { json }),
    ...(markdown === undefined ? {} : { markdown }),
    ...(html === undefined ? {} : { html }),
    snapshot: path.resolve(root, user?.snapshot ?? DEFAULT_SNAPSHOT_PATH),
    tolerance: { ...DEFAULT_TOLERANCE, ...stripUndefined(user?.tolerance ?? {}) },
    hotLocations: user?.hotLocations ?? 5,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
