/**
 * Differential suite: every scenario of `helpers/scenarios.ts` runs on a fresh EDR chain
 * (`network.create()`, the reference) and on a fresh chain of each network of `NETWORKS`; the
 * two observations — request outcomes (error code, message and revert data included), blocks,
 * transactions, receipts (status, gas, logs, contract address…), balances, nonces, code and the
 * storage slots the scenario names — must be identical.
 *
 * With `NETWORKS = ["default"]` both sides are EDR: that proves the harness is deterministic
 * (fixed timestamps, nonces, signatures) and that each scenario does what it says (`check`).
 * The last test proves the comparison does detect a difference.
 */
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { parseEther } from "viem";

import { devAccount } from "./helpers/accounts.ts";
import { deepDiff, formatDiff } from "./helpers/diff.ts";
import type { Observation, Scenario } from "./helpers/harness.ts";
import { observeScenario } from "./helpers/harness.ts";
import { DEFAULT_NETWORK, NETWORKS, connect, networkLabel } from "./helpers/networks.ts";
import { SCENARIOS } from "./helpers/scenarios.ts";

/** Runs `scenario` on fresh chains of `reference` and `subject`, closing both connections. */
async function observeBoth(
  scenario: Scenario,
  subject: string,
): Promise<[Observation, Observation]> {
  const connections: NetworkConnection[] = [];
  try {
    const ref = await connect(DEFAULT_NETWORK);
    connections.push(ref);
    const expected = await observeScenario(scenario, ref);
    const sub = await connect(subject);
    connections.push(sub);
    const actual = await observeScenario(scenario, sub);
    return [expected, actual];
  } finally {
    for (const c of connections) await c.close();
  }
}

for (const name of NETWORKS) {
  describe(`network ${networkLabel(name)}: differential against default (EDR)`, function () {
    this.timeout(120_000);

    for (const scenario of SCENARIOS) {
      it(scenario.name, async function () {
        const [expected, actual] = await observeBoth(scenario, name);
        scenario.check(expected);
        const diffs = deepDiff(expected, actual);
        assert.equal(
          diffs.length,
          0,
          `${networkLabel(name)} differs from EDR in ${diffs.length} place(s):\n` +
            formatDiff(diffs, "EDR", networkLabel(name)),
        );
      });
    }
  });
}

describe("differential harness", function () {
  this.timeout(60_000);

  it("reports a difference in balances and receipts when the two sides do different things", async function () {
    // Same scenario code, but the amount depends on which side runs: the second run sends 1 wei more.
    let runs = 0;
    const skewed: Scenario = {
      name: "skewed transfer",
      async run(r) {
        const extra = BigInt(runs++);
        await r.send("transfer", {
          from: devAccount(0).address,
          to: devAccount(1).address,
          value: parseEther("1") + extra,
        });
      },
    };
    const [expected, actual] = await observeBoth(skewed, DEFAULT_NETWORK);
    const paths = deepDiff(expected, actual).map((d) => d.path);
    const recipient = devAccount(1).address.toLowerCase();
    assert.ok(
      paths.includes(`accounts.${recipient}.balance`),
      `recipient balance should differ; diff paths: ${paths.join(", ")}`,
    );
    assert.ok(
      paths.includes("blocks[0].transactions[0].transaction.value"),
      `tx value should differ; diff paths: ${paths.join(", ")}`,
    );
  });

  it("formats differences with both sides' values", function () {
    const text = formatDiff(
      deepDiff({ a: [1, { b: "0x1" }] }, { a: [1, { b: "0x2" }, 3] }),
      "EDR",
      "parallel",
    );
    assert.match(text, /a\.length:\n\s+EDR: 2\n\s+parallel: 3/);
    assert.match(text, /a\[1\]\.b:\n\s+EDR: "0x1"\n\s+parallel: "0x2"/);
    assert.match(text, /a\[2\]:\n\s+EDR: \(missing\)\n\s+parallel: 3/);
  });
});
