/**
 * Per-test attribution for Hardhat's node:test runner (`@nomicfoundation/hardhat-node-test-runner`,
 * `hardhat test nodejs`), the counterpart of mocha's root hooks in `collector.ts`.
 *
 * How the current test is known: that runner calls node:test's `run()` with
 * `isolation: "none"` and `concurrency: false`, so every test file is imported into this process
 * and its tests run one at a time under one root. A `beforeEach`/`afterEach` pair registered on
 * that root applies to every test of every file; its context names the test (`t.fullName`,
 * `t.filePath`). The root only exists once `run()` imports the files — registering earlier would
 * start a second, stand-alone test harness — so {@link prepareNodeTestAttribution} (called at
 * the start of the run) installs a module resolve hook (`module.registerHooks`, Node ≥ 22.15)
 * that registers the pair when the first test file is resolved, then removes itself.
 *
 * What goes where:
 * - blocks mined in a test (its `beforeEach`/`afterEach` hooks included) go to the test, titled
 *   like mocha's `fullTitle()` (the names of its suites and its own, joined by spaces), so
 *   budget snapshots keep their keys across runners;
 * - blocks mined elsewhere — a file's top-level code, `describe` bodies, suites' `before`/`after`
 *   hooks (node:test gives no event for those in time) — wait per chain, as with mocha, and go to
 *   `(before hooks) <file>` of the chain's next test.
 */
import { AsyncResource } from "node:async_hooks";
import { createRequire, registerHooks } from "node:module";
import { pathToFileURL } from "node:url";
import { type Collector, collector } from "./collector.ts";

/** The fields of node:test's `TestContext` the hooks read. */
interface TestContextLike {
  /** Names of the enclosing suites and the test's own, joined by ` > `. */
  fullName: string;
  filePath?: string;
}

/**
 * Prepares the attribution of the node:test run about to start: the root hooks are registered
 * when the first file under `testsDirectory` is resolved. Returns a function that removes the
 * resolve hook if no file was resolved (the hooks themselves live as long as the run's root).
 *
 * @param testsDirectory absolute path of the runner's test directory (`paths.tests.nodejs`).
 */
export function prepareNodeTestAttribution(
  testsDirectory: string,
  target: Collector = collector,
): () => void {
  const prefix = pathToFileURL(testsDirectory).href;
  let registered = false;
  const hooks = registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (!registered && resolved.url.startsWith(prefix)) {
        registered = true;
        registerRootHooks(target);
        queueMicrotask(() => hooks.deregister());
      }
      return resolved;
    },
  });
  return () => {
    if (!registered) hooks.deregister();
    registered = true;
  };
}

/**
 * Registers the `beforeEach`/`afterEach` pair on the run's root. The call runs in an async
 * scope of its own: node:test attaches a hook to the test or suite of the current async
 * context, and falls back to the root only outside any of them.
 */
function registerRootHooks(target: Collector): void {
  // node:test is loaded only now: importing it is harmless, but its hook functions must not be
  // called before `run()` created the root (see the module doc).
  const { beforeEach, afterEach } = createRequire(import.meta.url)(
    "node:test",
  ) as typeof import("node:test");
  new AsyncResource("hardhat-parallel.report").runInAsyncScope(() => {
    beforeEach((context) => {
      const t = context as Partial<TestContextLike>;
      if (t.fullName !== undefined) target.enterTest(mochaTitle(t.fullName), t.filePath);
    });
    afterEach(() => target.leave());
  });
}

/** `Suite > inner > test` → `Suite inner test`, as mocha's `fullTitle()` joins titles. */
export function mochaTitle(fullName: string): string {
  return fullName.split(" > ").join(" ");
}
