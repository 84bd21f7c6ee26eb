/**
 * Merging the reports of separate runs of one test suite — CI matrix shards, mocha workers on
 * different machines — into the report one run of all their tests gives
 * (`hardhat parallel-report --merge a.json b.json …`).
 *
 * Each test's figures are its own, so tests are taken as they are; what spans tests is redone:
 * titles shared by tests of different files get their file appended (as `buildReport` does),
 * the run's hot locations are merged from each report's complete lists (`allHotLocations`),
 * and the order, lanes and totals are recomputed (`assembleReport`).
 */
import { readFile } from "node:fs/promises";
import { mergeHotLocations } from "../../sdk/analysis/hot-locations.ts";
import type { HotLocation } from "../../sdk/analysis/types.ts";
import { locationAddress } from "../../sdk/engine/location.ts";
import { assembleReport, assertReport, toReportHotLocation } from "./build.ts";
import type { ParallelReport, ReportHotLocation, TestReport } from "./types.ts";

/** A report and where it came from (for error messages). */
export interface SourcedReport {
  source: string;
  report: ParallelReport;
}

/**
 * Reads and checks report files, in the given order.
 * @throws {Error} naming the file when it is missing, not JSON, not a report, or of another
 *   version than this plugin writes.
 */
export async function readReports(files: readonly string[]): Promise<SourcedReport[]> {
  const reports: SourcedReport[] = [];
  for (const source of files) {
    let text: string;
    try {
      text = await readFile(source, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === "ENOENT"
          ? `No report at ${source}: pass the JSON files the shards wrote (parallel.report.json, default reports/parallel-report.json).`
          : `Cannot read ${source}: ${(error as Error).message}`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
    }
    assertReport(value, source);
    reports.push({ source, report: value });
  }
  return reports;
}

/**
 * Merges reports of disjoint sets of tests into one.
 *
 * Equal to the report of one run of all the tests when each test ran in exactly one of them and
 * the reports are given in the order the whole run would have run their tests (the order only
 * decides which label a location gets when two runs labelled it differently).
 *
 * @param now time stamped into the merged report. Default: now.
 * @throws {Error} when no report is given, or when a test (same file and title) is in two
 *   reports — shards must run disjoint tests.
 */
export function mergeReports(reports: readonly SourcedReport[], now?: Date): ParallelReport {
  if (reports.length === 0) throw new Error("No report to merge: pass at least one JSON file.");
  const seen = new Map<string, string>();
  const tests: TestReport[] = [];
  for (const { source, report } of reports) {
    for (const test of report.tests) {
      const title = ownTitle(test);
      const key = `${test.file ?? ""}\u0000${title}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new Error(
          `The test "${title}"${test.file === undefined ? "" : ` of ${test.file}`} is in both ${earlier} and ${source}: merge reports of disjoint test files (one per shard).`,
        );
      }
      seen.set(key, source);
      tests.push({ ...test, title });
    }
  }
  // As buildReport: a title shared by tests of different files gets its file appended.
  const count = new Map<string, number>();
  for (const t of tests) count.set(t.title, (count.get(t.title) ?? 0) + 1);
  for (const t of tests) {
    if ((count.get(t.title) ?? 0) > 1 && t.file !== undefined) t.title = `${t.title} [${t.file}]`;
  }
  return assembleReport(
    tests,
    mergeReportHotLocations(reports.map((r) => r.report.allHotLocations)),
    mergeReportHotLocations(reports.map((r) => r.report.includingOrder.allHotLocations)),
    now,
  );
}

/** A test's title without the ` [file]` its report appended to tell it from a namesake. */
function ownTitle(test: TestReport): string {
  const suffix = test.file === undefined ? undefined : ` [${test.file}]`;
  return suffix !== undefined && test.title.endsWith(suffix)
    ? test.title.slice(0, -suffix.length)
    : test.title;
}

function mergeReportHotLocations(lists: readonly ReportHotLocation[][]): ReportHotLocation[] {
  const asHot = (h: ReportHotLocation): HotLocation => ({
    ...h,
    address: locationAddress(h.location),
  });
  return mergeHotLocations(lists.map((list) => list.map(asHot))).map(toReportHotLocation);
}
