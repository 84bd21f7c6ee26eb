/**
 * Installs the per-test attribution hooks into the resolved mocha config (`test.mocha`, the
 * options hardhat-mocha passes to `new Mocha()`):
 * - serial runs: the root hooks are merged into `test.mocha.rootHooks` (ours first in
 *   `beforeAll`/`beforeEach`, last in `afterEach`/`afterAll`, the user's kept);
 * - parallel runs (`test.mocha.parallel: true`): functions cannot reach mocha's worker
 *   processes, so `mocha-hooks.ts` is added to `test.mocha.require` (a root hook plugin).
 *
 * Plugin order: Hardhat runs the config hooks of later plugins first. List `hardhatParallel`
 * after `hardhatMocha` in `plugins`, otherwise a `rootHooks`/`require` of the user's own
 * replaces ours (the test hook then warns, see {@link attributionInstalled}).
 */
import { collector, createRootHooks, type AttributionHooks } from "./collector.ts";

/** The root hooks of this process's collector (serial runs). */
export const ROOT_HOOKS: AttributionHooks = createRootHooks(collector, false);

/** `file://` URL of the root hook plugin required by parallel workers (`.js` in the compiled package). */
export const MOCHA_HOOKS_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./mocha-hooks.ts" : "./mocha-hooks.js",
  import.meta.url,
).href;

type HookFunction = (...args: never[]) => unknown;
type HookList = HookFunction | HookFunction[] | undefined;

/** The parts of mocha's options this module reads and writes. */
export interface MochaOptionsLike {
  parallel?: boolean;
  require?: string[];
  rootHooks?: {
    beforeAll?: HookList;
    beforeEach?: HookList;
    afterEach?: HookList;
    afterAll?: HookList;
  };
  [key: string]: unknown;
}

/**
 * Returns `config` with the attribution hooks installed in `config.test.mocha` (created when
 * absent, e.g. when hardhat-mocha's own config hook runs after this one). Idempotent.
 */
export function withAttributionHooks<T extends object>(config: T): T {
  const test = ((config as { test?: Record<string, unknown> }).test ?? {}) as {
    mocha?: MochaOptionsLike;
  };
  const mocha: MochaOptionsLike = { ...(test.mocha ?? {}) };
  if (mocha.parallel === true) {
    const require = [...(mocha.require ?? [])];
    if (!require.includes(MOCHA_HOOKS_URL)) require.push(MOCHA_HOOKS_URL);
    mocha.require = require;
  } else {
    const hooks = { ...(mocha.rootHooks ?? {}) };
    hooks.beforeAll = merge(ROOT_HOOKS.beforeAll, hooks.beforeAll, "first");
    hooks.beforeEach = merge(ROOT_HOOKS.beforeEach, hooks.beforeEach, "first");
    hooks.afterEach = merge(ROOT_HOOKS.afterEach, hooks.afterEach, "last");
    hooks.afterAll = merge(ROOT_HOOKS.afterAll, hooks.afterAll, "last");
    mocha.rootHooks = hooks;
  }
  return { ...config, test: { ...test, mocha } };
}

/** Whether the resolved mocha options carry the attribution hooks (see the module doc). */
export function attributionInstalled(mocha: MochaOptionsLike | undefined): boolean {
  if (mocha === undefined) return false;
  if (mocha.parallel === true) return (mocha.require ?? []).includes(MOCHA_HOOKS_URL);
  const list = mocha.rootHooks?.beforeEach;
  return Array.isArray(list)
    ? list.includes(ROOT_HOOKS.beforeEach as HookFunction)
    : list === (ROOT_HOOKS.beforeEach as HookFunction);
}

function merge(ours: unknown, theirs: HookList, position: "first" | "last"): HookFunction[] {
  const list = theirs === undefined ? [] : Array.isArray(theirs) ? [...theirs] : [theirs];
  const fn = ours as HookFunction;
  if (list.includes(fn)) return list;
  return position === "first" ? [fn, ...list] : [...list, fn];
}
