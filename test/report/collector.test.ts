/**
 * Per-test attribution: blocks mined by an engine go to the test, hooks or top-level bucket that
 * was open; suite `before`/`after` hooks are wrapped; parallel workers write their recordings
 * to files that the main process merges. Uses a real engine (`createParallelProvider`) and real
 * mocha suites, but its own collector (not the one of this run).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Mocha, { type Context } from "mocha";
import type { Address, Hex } from "viem";
import {
  Collector,
  WORKER_DIR_ENV,
  createRootHooks,
  mergeRecordings,
  readWorkerRecordings,
} from "../../plugins/report/collector.ts";
import {
  MOCHA_HOOKS_URL,
  ROOT_HOOKS,
  attributionInstalled,
  withAttributionHooks,
} from "../../plugins/report/mocha-config.ts";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import { balanceKey } from "../../sdk/engine/location.ts";

describe("parallelism report: per-test attribution", function () {
  let provider: ParallelProvider;
  let accounts: Address[];

  before(async function () {
    provider = await createParallelProvider();
    accounts = await provider.request({ method: "eth_accounts" });
  });

  after(async function () {
    await provider.dispose();
  });

  /** Sends 1 wei from account `i` to account `i + 1` (automine: one block). */
  const send = async (i: number): Promise<Hex> =>
    provider.request({
      method: "eth_sendTransaction",
      params: [{ from: accounts[i], to: accounts[i + 1], value: "0x1" }],
    });

  const file = (name: string) => path.join(process.cwd(), "test", name);

  it("puts blocks in the open test's bucket and waiting top-level blocks in the file's before-hooks bucket", async function () {
    const collector = new Collector(() => true);
    collector.attach(provider.chain);
    collector.attach(provider.chain); // idempotent
    const early = await send(0); // top-level code: waits for the chain's next window
    collector.enterTest("Vault deposits", file("vault.ts"));
    const inTest = await send(1);
    collector.leave();
    const late = await send(2); // no window: waits, then goes to take()'s file
    const run = collector.take(file("other.ts"));
    assert.deepEqual(
      run.buckets.map((b) => [
        b.title,
        b.file,
        b.kind,
        b.blocks.flatMap((block) => block.transactions.map((t) => t.hash)),
      ]),
      [
        ["(before hooks) test/vault.ts", "test/vault.ts", "hooks", [early]],
        ["Vault deposits", "test/vault.ts", "test", [inTest]],
        ["(before hooks) test/other.ts", "test/other.ts", "hooks", [late]],
      ],
    );
    const recorded = run.buckets[1].blocks[0];
    assert.equal(recorded.lanes, 2);
    assert.equal(recorded.transactions[0].from, accounts[1].toLowerCase());
    assert.ok(recorded.transactions[0].reads.includes(balanceKey(accounts[1])));
    assert.deepEqual(recorded.codeHashes, {}); // no contract involved
    assert.equal(collector.take().buckets.length, 0, "take() starts afresh");
  });

  it("records nothing while inactive (outside a hardhat test run)", async function () {
    const collector = new Collector(() => false);
    collector.attach(provider.chain);
    collector.enterTest("t", undefined);
    await send(3);
    assert.equal(collector.take().buckets.length, 0);
  });

  it("wraps suite hooks and follows root beforeEach/afterEach", async function () {
    const collector = new Collector(() => true);
    collector.attach(provider.chain);
    const hooks = createRootHooks(collector);
    const root = new (
      Mocha.Suite as unknown as new (
        title: string,
        context: undefined,
        isRoot: boolean,
      ) => Mocha.Suite
    )("", undefined, true);
    const suite = Mocha.Suite.create(root, "Vault");
    suite.file = file("vault.ts");
    let beforeHash: Hex | undefined;
    let afterHash: Hex | undefined;
    suite.beforeAll("deploy", async () => {
      beforeHash = await send(4);
    });
    suite.afterAll("cleanup", function (done: Mocha.Done) {
      send(5).then((hash) => {
        afterHash = hash;
        done();
      }, done);
    });
    root.afterAll("ours", hooks.afterAll);
    root.afterAll("file's own after", () => {});
    const rootContext = { test: { parent: root } } as unknown as Context;
    hooks.beforeAll.call(rootContext);
    // Our afterAll moved after the file's own top-level after hooks.
    const rootAfter = (root as unknown as { _afterAll: Mocha.Hook[] })._afterAll;
    assert.equal(rootAfter[rootAfter.length - 1].fn, hooks.afterAll);
    const internals = suite as unknown as { _beforeAll: Mocha.Hook[]; _afterAll: Mocha.Hook[] };
    assert.equal(internals._afterAll[0].fn!.length, 1, "callback-style hooks keep their arity");
    await (internals._beforeAll[0].fn as () => Promise<void>).call(rootContext);
    hooks.beforeEach.call({
      currentTest: { fullTitle: () => "Vault deposits", file: file("vault.ts") },
    } as unknown as Context);
    const inTest = await send(6);
    hooks.afterEach.call(rootContext);
    await new Promise<void>((resolve, reject) =>
      (internals._afterAll[0].fn as (done: (e?: unknown) => void) => void).call(rootContext, (e) =>
        e === undefined ? resolve() : reject(e),
      ),
    );
    const run = collector.take();
    assert.deepEqual(
      run.buckets.map((b) => [b.title, b.blocks.map((block) => block.transactions[0].hash)]),
      [
        ["(before hooks) Vault", [beforeHash]],
        ["Vault deposits", [inTest]],
        ["(after hooks) Vault", [afterHash]],
      ],
    );
  });

  it("writes a worker's recording to the directory named by the main process and merges them", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "hp-workers-"));
    const previous = process.env[WORKER_DIR_ENV];
    process.env[WORKER_DIR_ENV] = dir;
    try {
      const collector = new Collector(() => true);
      collector.attach(provider.chain);
      const hooks = createRootHooks(collector, true);
      const root = new (
        Mocha.Suite as unknown as new (
          title: string,
          context: undefined,
          isRoot: boolean,
        ) => Mocha.Suite
      )("", undefined, true);
      const suite = Mocha.Suite.create(root, "Pool");
      suite.file = file("pool.ts");
      const rootContext = { test: { parent: root } } as unknown as Context;
      const early = await send(7); // top-level code of the worker's file
      hooks.beforeAll.call(rootContext);
      hooks.beforeEach.call({
        currentTest: { fullTitle: () => "Pool swaps", file: file("pool.ts") },
      } as unknown as Context);
      const swap = await send(8);
      hooks.afterEach.call(rootContext);
      hooks.afterAll.call(rootContext);
      const runs = await readWorkerRecordings(dir);
      assert.equal(runs.length, 1);
      assert.deepEqual(
        runs[0].buckets.map((b) => [b.title, b.blocks[0].transactions[0].hash]),
        [
          ["(before hooks) test/pool.ts", early],
          ["Pool swaps", swap],
        ],
      );
      const merged = mergeRecordings([runs[0], runs[0]]);
      assert.deepEqual(
        merged.buckets.map((b) => b.blocks.length),
        [2, 2],
      );
      assert.deepEqual(await readWorkerRecordings(path.join(dir, "missing")), []);
    } finally {
      if (previous === undefined) delete process.env[WORKER_DIR_ENV];
      else process.env[WORKER_DIR_ENV] = previous;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("installs root hooks in serial mode and the hooks file in parallel mode, keeping the user's", function () {
    const mine = () => {};
    const serial = withAttributionHooks({
      test: { mocha: { rootHooks: { beforeEach: mine, afterEach: [mine] } } },
    });
    const hooks = serial.test.mocha.rootHooks as unknown as Record<string, unknown[]>;
    assert.deepEqual(hooks.beforeEach, [ROOT_HOOKS.beforeEach, mine]);
    assert.deepEqual(hooks.afterEach, [mine, ROOT_HOOKS.afterEach]);
    assert.deepEqual(hooks.beforeAll, [ROOT_HOOKS.beforeAll]);
    assert.equal(attributionInstalled(serial.test.mocha), true);
    assert.deepEqual(withAttributionHooks(serial), serial, "idempotent");
    const parallel = withAttributionHooks({
      test: { mocha: { parallel: true, require: ["x.js"] } },
    });
    assert.deepEqual(parallel.test.mocha.require, ["x.js", MOCHA_HOOKS_URL]);
    assert.equal(attributionInstalled(parallel.test.mocha), true);
    assert.equal(attributionInstalled({ rootHooks: { beforeEach: mine } }), false);
    assert.equal(attributionInstalled(undefined), false);
  });
});
