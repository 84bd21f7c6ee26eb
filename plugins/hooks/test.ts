/**
 * Test hooks: the per-test parallelism report (docs/design.md §4), for the mocha and node:test
 * runners. Blocks are attributed to mocha tests by the root hooks the config hook installs
 * (`plugins/report/collector.ts`), and to node:test tests by following its run's events
 * (`plugins/report/node-test-attribution.ts`, installed here at `onTestRunStart`); once the
 * runner is done, the report is printed and written and the budgets checked (`onTestRunDone`).
 * The `solidity` runner is left alone (its tests do not use network connections).
 */
import type { HookContext, TestHooks } from "hardhat/types/hooks";
import { disposeLiveProviders } from "../internal/connections.ts";
import { prepareNodeTestAttribution } from "../report/node-test-attribution.ts";
import { finishMochaRun, startMochaRun } from "../report/run.ts";

/** Runners whose tests get the report. */
const REPORTED_RUNNERS = new Set(["mocha", "nodejs"]);

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

let cancelNodeTestAttribution: (() => void) | undefined;

/**
 * Set while `hardhat test` runs all its runners (the `test` task override,
 * `plugins/tasks/test.ts`): the report then covers every runner and is made once, at the end,
 * instead of once per runner.
 */
export const combinedTestRun = { active: false };

/**
 * End of a test run: prints and writes the report and checks the budgets (`finishMochaRun`),
 * releases the engines the tests left open (lanes are worker threads), then makes sure nothing
 * else keeps the process from exiting.
 */
export async function finishTestRun(context: HookContext): Promise<void> {
  await finishMochaRun(context);
  await disposeLiveProviders();
  exitWatchdog();
}

export default async (): Promise<Partial<TestHooks>> => ({
  onTestRunStart: async (context, id, next) => {
    await next(context, id);
    if (id === "mocha") await startMochaRun(context);
    if (id === "nodejs") {
      const tests = (context.config.paths.tests as { nodejs?: string }).nodejs;
      if (tests !== undefined) cancelNodeTestAttribution ??= prepareNodeTestAttribution(tests);
    }
  },
  onTestRunDone: async (context, id, next) => {
    await next(context, id);
    if (id === "nodejs") {
      cancelNodeTestAttribution?.();
      cancelNodeTestAttribution = undefined;
    }
    if (REPORTED_RUNNERS.has(id) && !combinedTestRun.active) await finishTestRun(context);
  },
});
