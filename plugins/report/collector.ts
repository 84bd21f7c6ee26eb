/**
 * Per-test attribution (docs/design.md §4): every block mined on a parallel network while `hardhat test`
 * runs is put in the bucket of the mocha test that was running.
 *
 * How the current test is known: root hooks (merged into `test.mocha.rootHooks` by the config
 * hook, or loaded from `mocha-hooks.ts` through `test.mocha.require` in mocha's parallel mode):
 * - root `beforeEach` sets the window to the test's full title; root `afterEach` clears it.
 *   Root hooks run first before and last after a test, so blocks mined by the suites' own
 *   `beforeEach`/`afterEach` hooks count for the test.
 * - root `beforeAll` wraps the `before`/`after` hooks of every suite so that their blocks go to
 *   `(before hooks) <suite>` / `(after hooks) <suite>`.
 * - blocks mined outside any window (top-level code of a test file, e.g. a deployment right
 *   after `network.create()`) wait, per chain, until that chain mines inside a window; they then
 *   go to `(before hooks) <file of that window>`. Blocks still waiting at the end go to
 *   `(before hooks) top-level code`.
 *
 * Which blocks: the collector subscribes to `chain.onBlock` of every parallel connection's
 * engine (`onConnectionRegistered`). It records only while a `hardhat test` run is in progress
 * (`HH_TEST=true`, set by hardhat-mocha), so scripts do not accumulate data.
 *
 * Mocha's parallel mode: each worker process records its own files and, in the root `afterAll`
 * of each file, writes them to a JSON file in the directory named by
 * {@link WORKER_DIR_ENV}; the main process merges those files at the end of the run.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Context, Hook, Suite } from "mocha";
import type { Chain, MinedBlock } from "../../sdk/engine/chain.ts";
import { onConnectionRegistered } from "../internal/connections.ts";
import { recordMinedBlock } from "../../sdk/analysis/record-mined-block.ts";
import type { CodeTable, RecordedBlock } from "../../sdk/analysis/recorded-block.ts";
import type { BucketKind, RecordedBucket, RecordedRun } from "./types.ts";

/** Environment variable naming the directory where parallel mocha workers write recordings. */
export const WORKER_DIR_ENV = "HARDHAT_PARALLEL_REPORT_WORKER_DIR";

/** Title of the bucket of blocks mined by top-level code whose file could not be told. */
export const UNKNOWN_SETUP_TITLE = "(before hooks) top-level code";

const WRAPPED = Symbol.for("hardhat-parallel.report.wrapped");

interface Window {
  title: string;
  file?: string;
  kind: BucketKind;
}

/** Collects recorded blocks into per-test buckets (see the module doc). */
export class Collector {
  #window: Window | undefined;
  #buckets = new Map<string, RecordedBucket>();
  #codes: CodeTable = {};
  /** Blocks mined outside any window, per chain, waiting for the chain's next window. */
  #pending = new Map<Chain, RecordedBlock[]>();
  #attached = new WeakSet<Chain>();
  /** Whether to record at all; default: while a `hardhat test` run is in progress. */
  readonly #active: () => boolean;

  constructor(active: () => boolean = () => process.env.HH_TEST === "true") {
    this.#active = active;
  }

  /** Subscribes to the blocks of `chain` (once per chain). */
  attach(chain: Chain): void {
    if (this.#attached.has(chain)) return;
    this.#attached.add(chain);
    chain.onBlock((block) => this.onBlock(chain, block));
  }

  /** Records a block mined on `chain` and attributes it (see the module doc). */
  onBlock(chain: Chain, block: MinedBlock): void {
    if (!this.#active()) return;
    const recorded = recordMinedBlock(block, chain, this.#codes);
    const window = this.#window;
    if (window === undefined) {
      const waiting = this.#pending.get(chain) ?? [];
      waiting.push(recorded);
      this.#pending.set(chain, waiting);
      return;
    }
    const waiting = this.#pending.get(chain);
    if (waiting !== undefined) {
      this.#pending.delete(chain);
      this.#bucket({
        title: setupTitle(window.file),
        file: window.file,
        kind: "hooks",
      }).blocks.push(...waiting);
    }
    this.#bucket(window).blocks.push(recorded);
  }

  /** Starts attributing blocks to a test (full title, file). */
  enterTest(title: string, file: string | undefined): void {
    this.#window = { title, file: relativeFile(file), kind: "test" };
  }

  /** Starts attributing blocks to the before or after hooks of a suite. */
  enterHooks(
    which: "before" | "after",
    suiteTitle: string | undefined,
    file: string | undefined,
  ): void {
    const relative = relativeFile(file);
    const name =
      suiteTitle !== undefined && suiteTitle !== "" ? suiteTitle : (relative ?? "top-level code");
    this.#window = { title: `(${which} hooks) ${name}`, file: relative, kind: "hooks" };
  }

  /** Stops attributing (blocks mined now wait for their chain's next window). */
  leave(): void {
    this.#window = undefined;
  }

  /**
   * Returns everything recorded so far and starts afresh. Blocks still waiting for a window go
   * to `(before hooks) <file>` when `file` is given, else to {@link UNKNOWN_SETUP_TITLE}.
   */
  take(file?: string): RecordedRun {
    const relative = relativeFile(file);
    for (const waiting of this.#pending.values()) {
      const title = relative === undefined ? UNKNOWN_SETUP_TITLE : setupTitle(relative);
      this.#bucket({ title, file: relative, kind: "hooks" }).blocks.push(...waiting);
    }
    const run: RecordedRun = {
      _format: "hardhat-parallel-recording",
      version: 1,
      buckets: [...this.#buckets.values()],
      codes: this.#codes,
    };
    this.#pending = new Map();
    this.#buckets = new Map();
    this.#codes = {};
    this.#window = undefined;
    return run;
  }

  #bucket(window: Window): RecordedBucket {
    const key = `${window.file ?? ""}\u0000${window.title}`;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        key,
        title: window.title,
        ...(window.file === undefined ? {} : { file: window.file }),
        kind: window.kind,
        blocks: [],
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }
}

/** The collector of this process, fed by every parallel connection. */
export const collector = new Collector();
onConnectionRegistered((provider) => collector.attach(provider.chain));

function setupTitle(file: string | undefined): string {
  return file === undefined ? UNKNOWN_SETUP_TITLE : `(before hooks) ${file}`;
}

function relativeFile(file: string | undefined): string | undefined {
  if (file === undefined || file === "") return undefined;
  const relative = path.relative(process.cwd(), file);
  return relative.split(path.sep).join("/");
}

// ---- mocha root hooks -------------------------------------------------------------------

/** The root hooks of the attribution; `mochaHooks` shape (see mocha's "root hook plugins"). */
export interface AttributionHooks {
  beforeAll: (this: Context) => void;
  beforeEach: (this: Context) => void;
  afterEach: (this: Context) => void;
  afterAll: (this: Context) => void;
}

/**
 * Root hooks feeding `target`.
 *
 * @param worker true in a mocha parallel worker: `afterAll` then writes the recording of the
 *   file to the directory in {@link WORKER_DIR_ENV} (when set) and resets the collector.
 */
export function createRootHooks(target: Collector = collector, worker = false): AttributionHooks {
  let rootFile: string | undefined;
  const hooks: AttributionHooks = {
    beforeAll(this: Context) {
      const root = this.test?.parent;
      if (root === undefined) return;
      rootFile = onlyFile(root);
      wrapSuiteHooks(root, target, rootFile, hooks);
      // Our afterAll must run after the file's own top-level `after` hooks (added later).
      moveHookLast(root, hooks.afterAll);
    },
    beforeEach(this: Context) {
      const test = this.currentTest;
      if (test !== undefined) target.enterTest(test.fullTitle(), test.file);
    },
    afterEach() {
      target.leave();
    },
    afterAll() {
      target.leave();
      if (!worker) return;
      const dir = process.env[WORKER_DIR_ENV];
      if (dir === undefined || dir === "") return;
      const run = target.take(rootFile);
      if (run.buckets.length === 0) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${process.pid}-${randomUUID()}.json`), JSON.stringify(run));
    },
  };
  return hooks;
}

/**
 * The file of a suite tree when all its suites and tests come from one file (always so in a
 * parallel worker, which runs one file per mocha instance), else undefined. Mocha's root suite
 * and the hooks declared at a file's top level carry no file of their own.
 */
function onlyFile(root: Suite): string | undefined {
  const files = new Set<string>();
  const visit = (suite: Suite): void => {
    if (suite.file !== undefined) files.add(suite.file);
    for (const test of suite.tests) if (test.file !== undefined) files.add(test.file);
    for (const child of suite.suites) visit(child);
  };
  visit(root);
  return files.size === 1 ? [...files][0] : undefined;
}

interface SuiteInternals {
  _beforeAll: Hook[];
  _afterAll: Hook[];
}

/**
 * Wraps the `before` and `after` hooks of `suite` and all its descendants (except ours) so that
 * they open a hooks window first. `Runnable` reads `fn` when it runs and decided sync vs
 * callback style at construction, so the wrapper keeps the arity and forwards `this` and args.
 */
function wrapSuiteHooks(
  suite: Suite,
  target: Collector,
  rootFile: string | undefined,
  ours: AttributionHooks,
): void {
  const internals = suite as unknown as SuiteInternals;
  const title = suite.root ? undefined : suite.fullTitle();
  const file = suite.file ?? rootFile;
  for (const [which, list] of [
    ["before", internals._beforeAll],
    ["after", internals._afterAll],
  ] as const) {
    for (const hook of list ?? []) {
      const fn = hook.fn as ((this: Context, ...args: unknown[]) => unknown) & { [WRAPPED]?: true };
      if (fn === undefined || fn[WRAPPED] === true || fn === ours.beforeAll || fn === ours.afterAll)
        continue;
      const enter = () => target.enterHooks(which, title, file);
      const wrapped =
        fn.length === 0
          ? function (this: Context) {
              enter();
              return fn.call(this);
            }
          : function (this: Context, done: unknown) {
              enter();
              return fn.call(this, done);
            };
      Object.defineProperty(wrapped, WRAPPED, { value: true });
      hook.fn = wrapped as Hook["fn"];
    }
  }
  for (const child of suite.suites) wrapSuiteHooks(child, target, rootFile, ours);
}

function moveHookLast(suite: Suite, fn: unknown): void {
  const list = (suite as unknown as SuiteInternals)._afterAll;
  const index = list.findIndex((hook) => hook.fn === fn);
  if (index >= 0 && index < list.length - 1) list.push(...list.splice(index, 1));
}

// ---- worker files ----------------------------------------------------------------------

/**
 * Reads the recordings parallel workers wrote to `dir` (none when it does not exist).
 * @throws {Error} naming the file when one is not a recording.
 */
export async function readWorkerRecordings(dir: string): Promise<RecordedRun[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return [];
  }
  const runs: RecordedRun[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const run = JSON.parse(await readFile(file, "utf8")) as RecordedRun;
    if (run?._format !== "hardhat-parallel-recording") {
      throw new Error(
        `${file} is not a hardhat-parallel recording; delete the directory ${dir} and run the tests again`,
      );
    }
    runs.push(run);
  }
  return runs;
}

/** Merges recordings: buckets with the same key are concatenated, code tables united. */
export function mergeRecordings(runs: readonly RecordedRun[]): RecordedRun {
  const buckets = new Map<string, RecordedBucket>();
  const codes: CodeTable = {};
  for (const run of runs) {
    Object.assign(codes, run.codes);
    for (const bucket of run.buckets) {
      const existing = buckets.get(bucket.key);
      if (existing === undefined)
        buckets.set(bucket.key, { ...bucket, blocks: [...bucket.blocks] });
      else existing.blocks.push(...bucket.blocks);
    }
  }
  return {
    _format: "hardhat-parallel-recording",
    version: 1,
    buckets: [...buckets.values()],
    codes,
  };
}
