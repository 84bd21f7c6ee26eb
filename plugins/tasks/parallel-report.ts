/**
 * `hardhat parallel-report`: prints the parallelism report of the last `hardhat test` run again,
 * from its JSON file (`parallel.report.json`, default `reports/parallel-report.json`), and can
 * check it against the budget snapshot (`--check`, or the global `--parallel-check`) or write
 * the snapshot from it (`--snapshot` / `--parallel-snapshot`) without running the tests again.
 *
 * `--merge a.json b.json …` merges the reports of separate runs (CI matrix shards, mocha on
 * several machines; `plugins/report/merge.ts`) into the report one run of all their tests
 * gives: it prints the table and writes the configured JSON, Markdown and HTML files; the
 * check and the snapshot then work on the merged report.
 *
 * Exit code: non-zero when the check finds a regression or there is no snapshot.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { NewTaskActionFunction } from "hardhat/types/tasks";
import { HardhatPluginError } from "@nomicfoundation/hardhat-errors";
import { errorResult, successfulResult } from "hardhat/utils/result";
import { assertReport } from "../report/build.ts";
import { formatReportMarkdown, writeTextFile } from "../report/format.ts";
import { mergeReports, readReports } from "../report/merge.ts";
import { checkBudgets, emitReport } from "../report/run.ts";
import { createSnapshot, serializeSnapshot } from "../report/snapshot.ts";
import type { ParallelReport } from "../report/types.ts";

interface ParallelReportArguments {
  /** Report file to read; default `parallel.report.json`. */
  file: string | undefined;
  /** Print Markdown instead of the table. */
  markdown: boolean;
  /** Check the report against the snapshot. */
  check: boolean;
  /** Write the snapshot from the report. */
  snapshot: boolean;
  /** Merge `files` instead of reading `file`. */
  merge: boolean;
  /** The shard reports of `--merge`. */
  files: string[];
}

const action: NewTaskActionFunction<ParallelReportArguments> = async (args, hre) => {
  const config = hre.config.parallel.report;
  const check = args.check || hre.globalOptions.parallelCheck === true;
  const snapshot = args.snapshot || hre.globalOptions.parallelSnapshot === true;
  let report: ParallelReport;
  if (args.merge) {
    report = await merged(args);
    const where = args.files.map((f) => path.relative(process.cwd(), f) || f).join(", ");
    console.log(`Parallelism report merged from ${args.files.length} reports (${where})`);
    if (args.markdown)
      console.log(
        formatReportMarkdown(report, {
          columns: config.columns,
          hotLocations: config.hotLocations,
        }),
      );
    await emitReport(report, config, {
      color: process.stdout.isTTY === true,
      print: !args.markdown,
    });
  } else {
    if (args.files.length > 0) {
      throw new HardhatPluginError(
        "hardhat-parallel",
        `parallel-report takes report files as arguments only with --merge (got ${args.files.join(", ")}); use --file <path> to print one report.`,
      );
    }
    const read = await single(args, config.json);
    report = read.report;
    if (report.tests.length === 0)
      console.log("The last run sent no transaction to a parallel network.");
    else if (args.markdown)
      console.log(
        formatReportMarkdown(report, {
          columns: config.columns,
          hotLocations: config.hotLocations,
        }),
      );
    else {
      const shown = path.relative(process.cwd(), read.file) || read.file;
      console.log(`Parallelism report of ${report.generatedAt} (${shown})`);
      await emitReport(report, config, { color: process.stdout.isTTY === true, write: false });
    }
  }
  let pass = true;
  if (check) pass = await checkBudgets(report, config);
  if (snapshot) {
    await writeTextFile(config.snapshot, serializeSnapshot(createSnapshot(report)));
    console.log(
      `Wrote the parallelism budgets of ${report.tests.length} tests to ${config.snapshot}; commit it.`,
    );
  }
  return pass ? successfulResult() : errorResult();
};

async function merged(args: ParallelReportArguments): Promise<ParallelReport> {
  if (args.files.length === 0) {
    throw new HardhatPluginError(
      "hardhat-parallel",
      "parallel-report --merge needs the report JSON files of the shards: hardhat parallel-report --merge a.json b.json",
    );
  }
  try {
    return mergeReports(await readReports(args.files.map((f) => path.resolve(f))));
  } catch (error) {
    throw new HardhatPluginError(
      "hardhat-parallel",
      `Cannot merge the parallelism reports: ${(error as Error).message}`,
    );
  }
}

async function single(
  args: ParallelReportArguments,
  configured: string | undefined,
): Promise<{ report: ParallelReport; file: string }> {
  const file = args.file !== undefined ? path.resolve(args.file) : configured;
  if (file === undefined) {
    throw new HardhatPluginError(
      "hardhat-parallel",
      "parallel.report.json is false, so no report file is written. Pass --file <path>, or set parallel.report.json in hardhat.config.ts and run `hardhat test`.",
    );
  }
  try {
    const value: unknown = JSON.parse(await readFile(file, "utf8"));
    assertReport(value, file);
    return { report: value, file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HardhatPluginError(
      "hardhat-parallel",
      code === "ENOENT"
        ? `No parallelism report at ${file}. Run \`hardhat test\` with a test on a parallel network first (and without --no-parallel-report).`
        : `Cannot read the parallelism report ${file}: ${(error as Error).message}`,
    );
  }
}

export default action;
