/**
 * Test hooks: the per-test parallelism report (docs/design.md §4). Blocks are attributed to tests by the
 * root hooks the config hook installs (`plugins/report/collector.ts`); here the run is prepared
 * (`onTestRunStart`) and, once mocha is done, the report is printed and written and the budgets
 * checked (`onTestRunDone`). Other test runners (`solidity`, `nodejs`) are left alone.
 */
import type { TestHooks } from "hardhat/types/hooks";
import { disposeLiveProviders } from "../internal/connections.ts";
import { finishMochaRun, startMochaRun } from "../report/run.ts";

/** How long after the run the process may stay alive before it is ended (milliseconds). */
const EXIT_GRACE_MS = 10_000;

/**
 * If something still keeps the process alive well after the test run (a worker thread or child
 * process that was not released), say what it is and end the process with the run's exit code,
 * so CI never hangs. The timer is unref'd: it never delays a process that exits by itself.
 */
function exitWatchdog(): void {
  setTimeout(() => {
    const resources = process.getActiveResourcesInfo().filter((r) => r !== "Timeout");
    console.error(
      `hardhat-parallel: the test run finished ${EXIT_GRACE_MS / 1000} s ago but the process is still kept alive by ${resources.join(", ") || "unknown resources"}; exiting.`,
    );
    process.exit(process.exitCode ?? 0);
  }, EXIT_GRACE_MS).unref();
}

export default async (): Promise<Partial<TestHooks>> => ({
  onTestRunStart: async (context, id, next) => {
    await next(context, id);
    if (id === "mocha") await startMochaRun(context);
  },
  onTestRunDone: async (context, id, next) => {
    await next(context, id);
    if (id === "mocha") {
      await finishMochaRun(context);
      // The run is over: release the engines of connections the tests left open (lanes are
      // worker threads), then make sure nothing else keeps the process from exiting.
      await disposeLiveProviders();
      exitWatchdog();
    }
  },
});
