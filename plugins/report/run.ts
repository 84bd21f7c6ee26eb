/**
 * The report's side of a `hardhat test` run (called from the `test` hooks, `plugins/hooks/test.ts`)
 * and the outputs shared with the `parallel-report` task.
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { styleText } from "node:util";
import type { HookContext } from "hardhat/types/hooks";
import { loadProjectContracts } from "../internal/project-contracts.ts";
import { buildReport } from "./build.ts";
import { collector, mergeRecordings, readWorkerRecordings, WORKER_DIR_ENV } from "./collector.ts";
import type { ParallelReportConfig } from "./config.ts";
import { formatReportHtml } from "./html.ts";
import {
  appendStepSummary,
  DEFAULT_WIDTH,
  formatReportMarkdown,
  formatReportTable,
  serializeReport,
  writeTextFile,
} from "./format.ts";
import { attributionInstalled, type MochaOptionsLike } from "./mocha-config.ts";
import {
  checkSnapshot,
  createSnapshot,
  formatSnapshotCheck,
  parseSnapshot,
  serializeSnapshot,
} from "./snapshot.ts";
import type { ParallelReport } from "./types.ts";

/** Where parallel mocha workers write their recordings during a run. */
export function workerDirectory(cacheDirectory: string): string {
  return path.join(cacheDirectory, "hardhat-parallel", "report-workers");
}

function mochaOptions(context: HookContext): MochaOptionsLike | undefined {
  return (context.config.test as unknown as { mocha?: MochaOptionsLike }).mocha;
}

/**
 * Start of a mocha run: in parallel mode, empties the workers' directory and names it in
 * `HARDHAT_PARALLEL_REPORT_WORKER_DIR` (workers inherit the environment); warns when the
 * attribution hooks were replaced by the user's own mocha `rootHooks`/`require`.
 */
export async function startMochaRun(context: HookContext): Promise<void> {
  const mocha = mochaOptions(context);
  if (!attributionInstalled(mocha)) {
    console.warn(
      styleText(
        "yellow",
        "hardhat-parallel: the per-test parallelism report cannot attribute blocks to tests because " +
          `test.mocha.${mocha?.parallel === true ? "require" : "rootHooks"} was replaced. List hardhatParallel after ` +
          "hardhatMocha in `plugins` of hardhat.config.ts.",
      ),
    );
  }
  if (mocha?.parallel === true) {
    const dir = workerDirectory(context.config.paths.cache);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    process.env[WORKER_DIR_ENV] = dir;
  }
}

/**
 * End of a mocha run: merges what this process and the workers recorded, builds the report
 * and, as configured and flagged, prints the table, writes the JSON, Markdown and HTML files (and
 * `$GITHUB_STEP_SUMMARY`), checks the budgets (`--parallel-check`; a failure sets a non-zero
 * exit code) and writes the snapshot (`--parallel-snapshot`).
 */
export async function finishMochaRun(context: HookContext): Promise<void> {
  const dir = workerDirectory(context.config.paths.cache);
  const recording = mergeRecordings([collector.take(), ...(await readWorkerRecordings(dir))]);
  await rm(dir, { recursive: true, force: true });
  const config = context.config.parallel.report;
  const { noParallelReport, parallelSnapshot, parallelCheck } = context.globalOptions;
  const used = recording.buckets.some((b) =>
    b.blocks.some((block) => block.transactions.length > 0),
  );
  if (!used && !parallelSnapshot && !parallelCheck) return;
  const { index } = await loadProjectContracts(context.artifacts);
  const report = await buildReport(recording, { index });
  if (config.enabled && noParallelReport !== true && report.tests.length > 0) {
    await emitReport(report, config, { color: process.stdout.isTTY === true });
  }
  if (parallelCheck === true && !(await checkBudgets(report, config))) process.exitCode = 1;
  if (parallelSnapshot === true) {
    await writeTextFile(config.snapshot, serializeSnapshot(createSnapshot(report)));
    console.log(
      `Wrote the parallelism budgets of ${report.tests.length} tests to ${displayPath(config.snapshot)}; commit it.`,
    );
  }
}

/**
 * Prints the table and writes the configured files (JSON, Markdown, HTML, `$GITHUB_STEP_SUMMARY`).
 * @param options.write false to only print (the `parallel-report` task).
 * @param options.print false to only write (`parallel-report --merge --markdown`).
 */
export async function emitReport(
  report: ParallelReport,
  config: ParallelReportConfig,
  options: { color?: boolean; write?: boolean; print?: boolean } = {},
): Promise<void> {
  const formatOptions = {
    columns: config.columns,
    hotLocations: config.hotLocations,
    color: options.color,
  };
  if (options.print !== false)
    console.log(formatReportTable(report, { ...formatOptions, width: terminalWidth() }));
  if (options.write === false) return;
  const written: string[] = [];
  if (config.json !== undefined) {
    await writeTextFile(config.json, serializeReport(report));
    written.push(displayPath(config.json));
  }
  const markdown = formatReportMarkdown(report, formatOptions);
  if (config.markdown !== undefined) {
    await writeTextFile(config.markdown, markdown);
    written.push(displayPath(config.markdown));
  }
  if (config.html !== undefined) {
    await writeTextFile(config.html, formatReportHtml(report, { columns: config.columns }));
    written.push(displayPath(config.html));
  }
  if (await appendStepSummary(markdown)) written.push("$GITHUB_STEP_SUMMARY");
  if (written.length > 0) console.log(`Parallelism report written to ${written.join(", ")}.`);
  console.log();
}

/**
 * Checks a report against the snapshot file and prints the outcome.
 * @returns whether the budgets hold (false also when there is no readable snapshot).
 */
export async function checkBudgets(
  report: ParallelReport,
  config: ParallelReportConfig,
): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(config.snapshot, "utf8");
  } catch {
    console.error(
      styleText(
        "red",
        `Parallelism budgets: no snapshot at ${displayPath(config.snapshot)}. Run \`hardhat test --parallel-snapshot\` ` +
          "and commit the file, then check with `--parallel-check`.",
      ),
    );
    return false;
  }
  let check: ReturnType<typeof checkSnapshot>;
  try {
    check = checkSnapshot(
      parseSnapshot(text, displayPath(config.snapshot)),
      report,
      config.tolerance,
    );
  } catch (error) {
    console.error(styleText("red", `Parallelism budgets: ${(error as Error).message}`));
    return false;
  }
  const output = formatSnapshotCheck(check, config.tolerance, displayPath(config.snapshot));
  if (check.pass) console.log(output);
  else console.error(styleText("red", output));
  console.log();
  return check.pass;
}

/**
 * Width the table must fit: the terminal's columns when stdout is a terminal, else
 * `DEFAULT_WIDTH` (120).
 */
export function terminalWidth(stdout: NodeJS.WriteStream = process.stdout): number {
  return stdout.isTTY === true && typeof stdout.columns === "number" && stdout.columns > 0
    ? stdout.columns
    : DEFAULT_WIDTH;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}
