/**
 * `hardhat test --gas-stats` and `--coverage` include tests that ran on parallel networks
 * (issue 13 item 7): the fixture project `test/fixtures/observability-project` runs its tests
 * once on Hardhat's EDR network and once on the parallel network (`HP_OBS_NETWORK`), in a
 * `hardhat test` subprocess each, and the gas statistics (`--gas-stats-json`, and the table
 * `--gas-stats` prints) and the coverage (`coverage/lcov.info` and the printed table) are
 * the same: deployments, calls of varying gas, an overload, a view read with eth_call, calls
 * through a proxy, a block of several transactions, a failing call and an uncovered function.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { after, before, describe, it } from "mocha";

import { REPO_ROOT, runHardhat, subprocessEnv } from "../report/helpers.ts";

const PROJECT = path.join(REPO_ROOT, "test", "fixtures", "observability-project");
const NETWORKS = ["default", "parallel"] as const;

/** The lines of a printed table (from its title on), without timing lines. */
function tableOf(stdout: string, title: string): string {
  const start = stdout.indexOf(title);
  assert.ok(start >= 0, `"${title}" printed:\n${stdout}`);
  return stdout.slice(start);
}

describe("gas stats and coverage of tests on parallel networks (e2e)", function () {
  this.timeout(600_000);
  const build = mkdtempSync(path.join(os.tmpdir(), "hp-observability-"));
  const env = (network: string) => subprocessEnv({ HP_OBS_NETWORK: network, HP_OBS_BUILD: build });
  const gas = new Map<string, { json: unknown; table: string }>();
  const coverage = new Map<string, { lcov: string; table: string; gas: unknown }>();

  before(async () => {
    rmSync(path.join(PROJECT, "coverage"), { recursive: true, force: true });
    for (const network of NETWORKS) {
      const json = path.join(build, `gas-${network}.json`);
      const run = await runHardhat(
        PROJECT,
        ["test", "mocha", "--gas-stats", "--gas-stats-json", json],
        env(network),
      );
      assert.equal(run.code, 0, `${network}: ${run.stdout}\n${run.stderr}`);
      gas.set(network, {
        json: JSON.parse(readFileSync(json, "utf8")),
        table: tableOf(run.stdout, "Gas Usage Statistics"),
      });
    }
    for (const network of NETWORKS) {
      rmSync(path.join(PROJECT, "coverage"), { recursive: true, force: true });
      // With gas stats: instrumented code must use EDR's gas (coverage calls answered alike).
      const json = path.join(build, `coverage-gas-${network}.json`);
      const run = await runHardhat(
        PROJECT,
        ["test", "mocha", "--coverage", "--gas-stats-json", json],
        env(network),
      );
      assert.equal(run.code, 0, `${network}: ${run.stdout}\n${run.stderr}`);
      coverage.set(network, {
        gas: JSON.parse(readFileSync(json, "utf8")),
        lcov: readFileSync(path.join(PROJECT, "coverage", "lcov.info"), "utf8"),
        table: tableOf(run.stdout, "Coverage Report"),
      });
    }
  });

  after(() => {
    rmSync(path.join(PROJECT, "coverage"), { recursive: true, force: true });
    rmSync(build, { recursive: true, force: true });
  });

  it("EDR's gas statistics cover what the fixture does (the reference itself)", () => {
    const { contracts } = gas.get("default")!.json as {
      contracts: Record<
        string,
        {
          deployment: { count: number } | null;
          functions: Record<string, { count: number }> | null;
        }
      >;
    };
    const tally = contracts["contracts/Tally.sol:Tally"];
    assert.equal(tally.deployment?.count, 3);
    // 7 successful add(uint256) calls (the failing one is left out), the overload, the views.
    assert.equal(tally.functions?.["add(uint256)"].count, 8);
    assert.equal(tally.functions?.["add(address,uint256)"].count, 1);
    assert.ok(tally.functions?.doubled !== undefined);
    assert.ok(
      contracts["contracts/Tally.sol:Tally (via contracts/Tally.sol:Forwarder)"] !== undefined,
    );
  });

  it("gives EDR's gas statistics (JSON and the printed table)", () => {
    assert.deepEqual(gas.get("parallel")!.json, gas.get("default")!.json);
    assert.equal(gas.get("parallel")!.table, gas.get("default")!.table);
  });

  it("EDR's coverage shows covered and uncovered lines (the reference itself)", () => {
    const lcov = coverage.get("default")!.lcov;
    assert.match(lcov, /DA:\d+,0/);
    assert.match(lcov, /DA:\d+,[1-9]/);
  });

  it("gives EDR's coverage (lcov and the printed table)", () => {
    assert.equal(coverage.get("parallel")!.lcov, coverage.get("default")!.lcov);
    assert.equal(coverage.get("parallel")!.table, coverage.get("default")!.table);
  });

  it("runs instrumented code with EDR's gas under coverage", () => {
    const edr = coverage.get("default")!.gas;
    const plain = gas.get("default")!.json;
    // Instrumentation costs gas: the comparison below is not between plain runs.
    assert.notDeepEqual(edr, plain);
    assert.deepEqual(coverage.get("parallel")!.gas, edr);
  });
});
