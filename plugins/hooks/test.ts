/**
 * Test hooks: the per-test parallelism report (DESIGN §4). Blocks are attributed to tests by the
 * root hooks the config hook installs (`plugins/report/collector.ts`); here the run is prepared
 * (`onTestRunStart`) and, once mocha is done, the report is printed and written and the budgets
 * checked (`onTestRunDone`). Other test runners (`solidity`, `nodejs`) are left alone.
 */
import type { TestHooks } from "hardhat/types/hooks";
import { finishMochaRun, startMochaRun } from "../report/run.ts";

export default async (): Promise<Partial<TestHooks>> => ({
  onTestRunStart: async (context, id, next) => {
    await next(context, id);
    if (id === "mocha") await startMochaRun(context);
  },
  onTestRunDone: async (context, id, next) => {
    await next(context, id);
    if (id === "mocha") await finishMochaRun(context);
  },
});
