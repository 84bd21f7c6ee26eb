/**
 * Builds the parallelism report of a test run ({@link ParallelReport}) from the recorded
 * per-test blocks: one analysis per test (achieved or potential, `sdk/analysis/recorded-analysis.ts`), hot locations
 * per test and for the whole run, sorted so the worst tests come first.
 */
import { REFERENCE_LANES, mergeHotLocations, speedupAt } from "../../sdk/analysis/index.ts";
import type { HotLocation } from "../../sdk/analysis/types.ts";
import type { NamingEnvironment } from "../../sdk/analysis/naming.ts";
import { DEFAULT_LANES } from "../../sdk/analysis/recorded-block.ts";
import { analyseTestBlocks } from "../../sdk/analysis/recorded-analysis.ts";
import type { ContractIndex } from "../../sdk/contracts/contract-index.ts";
import { reportGraphs } from "./graphs.ts";
import type { ParallelReport, RecordedRun, ReportHotLocation, TestReport } from "./types.ts";

export const REPORT_FORMAT = "hardhat-parallel-report";
export const REPORT_VERSION = 3;

/** Hot locations kept per test in the report. */
export const HOT_LOCATIONS_PER_TEST = 5;
/** Hot locations kept for the whole run. */
export const HOT_LOCATIONS_PER_RUN = 10;

export interface BuildReportOptions {
  /** Project artifacts for contract, function and storage names. */
  index?: ContractIndex;
  /** Time stamped into the report. Default: now. */
  now?: Date;
}

/**
 * Analyses every bucket of a recording and assembles the report. Buckets without any
 * transaction are left out. When two buckets of different files share a title, the file is
 * appended to the title (`title [test/a.ts]`) so titles stay unique (they key the snapshot).
 */
export async function buildReport(
  run: RecordedRun,
  options: BuildReportOptions = {},
): Promise<ParallelReport> {
  const env: NamingEnvironment = { index: options.index, codes: run.codes };
  const titleCount = new Map<string, number>();
  for (const bucket of run.buckets)
    titleCount.set(bucket.title, (titleCount.get(bucket.title) ?? 0) + 1);
  const tests: TestReport[] = [];
  const hot: HotLocation[][] = [];
  const hotIncludingOrder: HotLocation[][] = [];
  for (const bucket of run.buckets) {
    const result = await analyseTestBlocks(bucket.blocks, env);
    if (result === undefined) continue;
    const { analysis } = result;
    // A potential pseudo-block holds one transaction of each block with transactions.
    const blockNumbers = bucket.blocks
      .filter((b) => b.transactions.length > 0)
      .map((b) => b.number);
    const { graphs, omitted } = reportGraphs(analysis, blockNumbers, result.decode);
    hot.push(analysis.hotLocations);
    hotIncludingOrder.push(analysis.includingOrder.hotLocations);
    const all = analysis.includingOrder;
    const title =
      (titleCount.get(bucket.title) ?? 0) > 1 && bucket.file !== undefined
        ? `${bucket.title} [${bucket.file}]`
        : bucket.title;
    tests.push({
      title,
      ...(bucket.file === undefined ? {} : { file: bucket.file }),
      bucket: bucket.kind,
      kind: result.kind,
      blocks: result.blocks,
      achievedBlocks: result.achievedBlocks,
      transactions: result.transactions,
      analysedTransactions: analysis.transactionCount,
      dependentTransactions: analysis.dependentTransactions,
      dependencies: analysis.dependencyCount,
      contention: analysis.contention,
      criticalPath: {
        gas: analysis.criticalPath.gas.toString(),
        length: analysis.criticalPath.length,
      },
      totalGas: analysis.totalGas.toString(),
      parallelism: analysis.parallelism,
      lanes: result.lanes,
      speedup: analysis.speedup,
      speedup16: speedupAt(analysis, REFERENCE_LANES).speedup,
      reExecutions: result.reExecutions,
      violations: analysis.violations === undefined ? null : analysis.violations.length,
      hotLocations: analysis.hotLocations.slice(0, HOT_LOCATIONS_PER_TEST).map(toReportHotLocation),
      graphs,
      graphsOmitted: omitted,
      order: {
        sender: analysis.order.senderDependencies,
        creation: analysis.order.creationDependencies,
        orderOnlyTransactions: analysis.order.orderOnlyTransactions,
        senders: analysis.order.senders,
      },
      includingOrder: {
        dependentTransactions: all.dependentTransactions,
        dependencies: all.dependencyCount,
        contention: all.contention,
        criticalPath: { gas: all.criticalPath.gas.toString(), length: all.criticalPath.length },
        parallelism: all.parallelism,
        speedup: all.speedup,
        speedup16: speedupAt(analysis, REFERENCE_LANES, { includingOrder: true }).speedup,
        hotLocations: all.hotLocations.slice(0, HOT_LOCATIONS_PER_TEST).map(toReportHotLocation),
      },
    });
  }
  return assembleReport(
    tests,
    mergeHotLocations(hot).map(toReportHotLocation),
    mergeHotLocations(hotIncludingOrder).map(toReportHotLocation),
    options.now,
  );
}

/**
 * The report of some tests and the run's complete hot-location lists (already merged and
 * ranked): sorts the tests worst first, takes the run's lanes and totals from them and the
 * top {@link HOT_LOCATIONS_PER_RUN} hot locations. Shared by {@link buildReport} and the merge
 * of shard reports (`merge.ts`), so both give the same report for the same tests.
 */
export function assembleReport(
  tests: TestReport[],
  allHotLocations: ReportHotLocation[],
  allIncludingOrder: ReportHotLocation[],
  now: Date = new Date(),
): ParallelReport {
  sortTests(tests);
  return {
    _format: REPORT_FORMAT,
    version: REPORT_VERSION,
    generatedAt: now.toISOString(),
    lanes: mostCommon(tests.map((t) => t.lanes)) ?? DEFAULT_LANES,
    tests,
    hotLocations: allHotLocations.slice(0, HOT_LOCATIONS_PER_RUN),
    allHotLocations,
    includingOrder: {
      hotLocations: allIncludingOrder.slice(0, HOT_LOCATIONS_PER_RUN),
      allHotLocations: allIncludingOrder,
    },
    totals: {
      tests: tests.length,
      blocks: tests.reduce((n, t) => n + t.blocks, 0),
      transactions: tests.reduce((n, t) => n + t.transactions, 0),
      achievedBlocks: tests.reduce((n, t) => n + t.achievedBlocks, 0),
    },
  };
}

/**
 * Sorts tests worst first: highest contention, then lowest speedup at the configured lanes,
 * then lowest parallelism, then by title. In place; returns the array.
 */
export function sortTests(tests: TestReport[]): TestReport[] {
  return tests.sort(
    (a, b) =>
      b.contention - a.contention ||
      a.speedup - b.speedup ||
      a.parallelism - b.parallelism ||
      (a.title < b.title ? -1 : a.title > b.title ? 1 : 0),
  );
}

/**
 * Checks that a parsed JSON value is a report of this version.
 * @throws {Error} saying what to do when it is not.
 */
export function assertReport(value: unknown, source: string): asserts value is ParallelReport {
  const report = value as Partial<ParallelReport> | null;
  if (report === null || typeof report !== "object" || report._format !== REPORT_FORMAT) {
    throw new Error(
      `${source} is not a hardhat-parallel report (no "_format": "${REPORT_FORMAT}")`,
    );
  }
  if (report.version !== REPORT_VERSION) {
    throw new Error(
      `${source} is a version ${String(report.version)} report; this plugin reads version ${REPORT_VERSION}. Run \`hardhat test\` again to rewrite it.`,
    );
  }
  if (
    !Array.isArray(report.tests) ||
    !Array.isArray(report.hotLocations) ||
    !Array.isArray(report.allHotLocations) ||
    !Array.isArray(report.includingOrder?.allHotLocations)
  ) {
    throw new Error(
      `${source} is missing "tests", "hotLocations" or "allHotLocations"; run \`hardhat test\` again to rewrite it`,
    );
  }
}

/** The report's form of a hot location (without the address, which its key holds). */
export function toReportHotLocation(hot: HotLocation): ReportHotLocation {
  return {
    label: hot.label,
    decoded: hot.decoded,
    ...(hot.likely === undefined ? {} : { likely: hot.likely }),
    location: hot.location,
    ...(hot.contract === undefined ? {} : { contract: hot.contract }),
    dependencies: hot.dependencies,
    writers: hot.writers,
    readers: hot.readers,
    ...(hot.remedy === undefined ? {} : { remedy: hot.remedy }),
  };
}

function mostCommon(values: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  for (const [v, n] of counts)
    if (best === undefined || n > counts.get(best)! || (n === counts.get(best)! && v < best))
      best = v;
  return best;
}
