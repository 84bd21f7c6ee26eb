/**
 * Processes that used a parallel network exit by themselves once their work is done, as they do
 * on Hardhat's EDR network (issue: the lanes' message ports held the event loop after a pooled
 * block). Each case spawns a real process — `hardhat run`, `hardhat console` fed on stdin,
 * `node --test`, a plain `node` script with `createParallelProvider()` and no `dispose()` — on
 * Block-STM and on `declared`, mines a pooled block on the lanes (automine off, interval mining
 * off unless the case is about it), and asserts that the process printed the right line and
 * exited with code 0 within {@link EXIT_WITHIN_MS} of printing it.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { explain, FIXTURES, HARDHAT_CLI, runUntilExit } from "./helpers.ts";

const EXECUTORS = ["block-stm", "declared"] as const;

describe("exit: processes that used a parallel network exit by themselves", function () {
  this.timeout(180_000);

  it("the harness tells a process that stays alive from one that exits (control)", async function () {
    const run = await runUntilExit({
      args: ["-e", "console.log('work done'); setInterval(() => {}, 1000);"],
      doneWhen: /work done/,
      exitWithinMs: 1_000,
    });
    assert.equal(run.exitedByItself, false, explain(run));
    assert.equal(run.code, null);
  });

  for (const executor of EXECUTORS) {
    describe(executor, function () {
      const env = { HP_EXECUTOR: executor };
      const minedLine = new RegExp(`mined 20 calls in block \\d+ by ${executor}`);

      for (const mine of ["evm_mine", "hardhat_mine", "interval"]) {
        it(`hardhat run: a script that mines a pooled block with ${mine}${mine === "interval" ? " (left on)" : ""}`, async function () {
          const run = await runUntilExit({
            args: [HARDHAT_CLI, "run", "--no-compile", path.join(FIXTURES, "hardhat-run.ts")],
            env: { ...env, HP_EXIT_MINE: mine },
            doneWhen: minedLine,
          });
          assert.ok(run.exitedByItself, explain(run));
          assert.equal(run.code, 0, explain(run));
        });
      }

      it("hardhat console: commands on stdin mine a pooled block, then stdin ends", async function () {
        const run = await runUntilExit({
          args: [HARDHAT_CLI, "console", "--no-compile"],
          env,
          input: await readFile(path.join(FIXTURES, "console-input.txt"), "utf8"),
          doneWhen: new RegExp(`mined 20 calls by ${executor}`),
        });
        assert.ok(run.exitedByItself, explain(run));
        assert.equal(run.code, 0, explain(run));
      });

      it("node --test: a test on createParallelProvider() that never disposes it", async function () {
        const run = await runUntilExit({
          args: ["--test", "--test-reporter=tap", path.join(FIXTURES, "node-test.ts")],
          env,
          doneWhen: /# fail \d+/,
        });
        assert.ok(run.exitedByItself, explain(run));
        assert.equal(run.code, 0, explain(run));
        assert.match(
          run.stdout,
          new RegExp(`mined 20 transfers in block 1 by ${executor}`),
          explain(run),
        );
        assert.match(run.stdout, /# pass 1\n# fail 0/, explain(run));
      });

      it("node: a plain script with createParallelProvider() and no dispose()", async function () {
        const run = await runUntilExit({
          args: [path.join(FIXTURES, "sdk-script.ts")],
          env,
          doneWhen: new RegExp(`mined 20 transfers in block 1 by ${executor}`),
        });
        assert.ok(run.exitedByItself, explain(run));
        assert.equal(run.code, 0, explain(run));
      });
    });
  }
});
