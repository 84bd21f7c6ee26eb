/**
 * Override of Hardhat's `test` task (every runner, one after the other): the parallelism report
 * of such a run covers the tests of all runners (mocha and node:test) and is printed, written
 * and checked once, after Hardhat's own summary, instead of once per runner
 * (`plugins/hooks/test.ts`). `hardhat test mocha` / `hardhat test nodejs` are not affected.
 */
import type { TaskOverrideActionFunction } from "hardhat/types/tasks";
import { combinedTestRun, finishTestRun } from "../hooks/test.ts";

const runAllTestsWithReport: TaskOverrideActionFunction = async (args, hre, runSuper) => {
  combinedTestRun.active = true;
  try {
    return await runSuper(args);
  } finally {
    combinedTestRun.active = false;
    await finishTestRun(hre);
  }
};

export default runAllTestsWithReport;
