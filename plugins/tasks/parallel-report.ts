/**
 * `hardhat parallel-report`: prints the parallelism report of the last `hardhat test` run again,
 * from its JSON file (`parallel.report.json`, default `reports/parallel-report.json`), and can
 * check it against the budget snapshot (`--check`) or write the snapshot from it (`--snapshot`)
 * without running the tests again.
 *
 * Exit code: non-zero when `--check` finds a regression or there is no snapshot.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { NewTaskActionFunction } from "hardhat/types/tasks";
import { HardhatPluginError } from "@nomicfoundation/hardhat-errors";
import { errorResult, successfulResult } from "hardhat/utils/result";
import { assertReport } from "../report/build.ts";
import { formatReportMarkdown, writeTextFile } from "../report/format.ts";
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
}

const action: NewTaskActionFunction<ParallelReportArguments> = async (args, hre) => {
  const config = hre.config.parallel.report;
  const file = args.file !== undefined ? path.resolve(args.file) : config.json;
  if (file === undefined) {
    throw new HardhatPluginError(
      "hardhat-parallel",
      "parallel.report.json is false, so no report file is written. Pass --file <path>, or set parallel.report.json in hardhat.config.ts and run `hardhat test`.",
    );
  }
  let report: ParallelReport;
  try {
    const value: unknown = JSON.parse(await readFile(file, "utf8"));
    assertReport(value, file);
    report = value;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HardhatPluginError(
      "hardhat-parallel",
      code === "ENOENT"
        ? `No parallelism report at ${file}. Run \`hardhat test\` with a test on a parallel network first (and without --no-parallel-report).`
        : `Cannot read the parallelism report ${file}: ${(error as Error).message}`,
    );
  }
  if (report.tests.length === 0)
    console.log("The last run sent no transaction to a parallel network.");
  else if (args.markdown)
    console.log(
      formatReportMarkdown(report, { columns: config.columns, hotLocations: config.hotLocations }),
    );
  else {
    console.log(
      `Parallelism report of ${report.generatedAt} (${path.relative(process.cwd(), file) || file})`,
    );
    await emitReport(report, config, { color: process.stdout.isTTY === true, write: false });
  }
  let pass = true;
  if (args.check) pass = await checkBudgets(report, config);
  if (args.snapshot) {
    await writeTextFile(config.snapshot, serializeSnapshot(createSnapshot(report)));
    console.log(
      `Wrote the parallelism budgets of ${report.tests.length} tests to ${config.snapshot}; commit it.`,
    );
  }
  return pass ? successfulResult() : errorResult();
};

export default action;
