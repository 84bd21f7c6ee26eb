import assert, { AssertionError } from "node:assert/strict";
import {
  analyseBlock,
  formatSummary,
  maxContention,
  mergeAnalyses,
  minParallelism,
  minSpeedup,
  noAccessViolations,
  noDependencyOn,
} from "../../sdk/analysis/index.ts";
import { ALICE, TOKEN, VAULT } from "./helpers.ts";
import { BAL_A, HOT_LINES, SUPPLY, balanceAnalysis, decode, vaultAnalysis } from "./fixtures.ts";

/** Asserts that `promise` rejects with node's AssertionError carrying exactly `message`. */
async function rejectsWith(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AssertionError, `expected an AssertionError, got ${String(error)}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe("analysis assertions", () => {
  describe("maxContention", () => {
    it("passes at or under the bound, for values and promises", async () => {
      await maxContention(vaultAnalysis(), 0.5);
      await maxContention(Promise.resolve(vaultAnalysis()), 1);
    });

    it("fails above the bound and names the hot locations", async () => {
      await rejectsWith(
        maxContention(Promise.resolve(vaultAnalysis()), 0.25),
        "Expected contention at most 25%, but it was 50% (2 of 4 transactions depend on an earlier one).\n" +
          HOT_LINES,
      );
    });

    it("labels potential analyses and validates its input", async () => {
      await rejectsWith(
        maxContention(vaultAnalysis({ decode, kind: "potential" }), 0),
        /^Expected contention of the potential block at most 0%, but it was 50%/,
      );
      await assert.rejects(maxContention(vaultAnalysis(), 5), RangeError);
      await assert.rejects(maxContention({} as never, 0.5), TypeError);
    });
  });

  describe("minSpeedup", () => {
    it("passes at or over the bound at the given lanes", async () => {
      await minSpeedup(vaultAnalysis(), { lanes: 16, speedup: 84 / 63 });
      await minSpeedup(vaultAnalysis({ lanes: 2, decode }), { speedup: 1.3 });
      await minSpeedup(vaultAnalysis(), { lanes: 1, speedup: 1 });
    });

    it("fails under the bound with the schedule's figures", async () => {
      await rejectsWith(
        minSpeedup(vaultAnalysis(), { lanes: 16, speedup: 2 }),
        "Expected speedup on 16 lanes at least 2x, but it was 1.33x (total 84,000 gas, makespan " +
          "63,000 gas, critical path 63,000 gas).\n" +
          HOT_LINES,
      );
      await rejectsWith(
        minSpeedup(vaultAnalysis(), { lanes: 1, speedup: 1.01 }),
        /^Expected speedup on 1 lane at least 1.01x, but it was 1x \(total 84,000 gas, makespan 84,000 gas/,
      );
      await assert.rejects(minSpeedup(vaultAnalysis(), { lanes: 0, speedup: 1 }), RangeError);
    });
  });

  describe("minParallelism", () => {
    it("passes and fails on total gas / critical-path gas", async () => {
      await minParallelism(vaultAnalysis(), 1.3);
      await rejectsWith(
        minParallelism(vaultAnalysis(), 1.5),
        "Expected parallelism at least 1.5x, but it was 1.33x (total 84,000 gas, critical path " +
          "63,000 gas over 3 transactions).\n" +
          HOT_LINES,
      );
    });
  });

  describe("noDependencyOn", () => {
    it("fails on a decoded variable, by name or by address, including mapping entries", async () => {
      await rejectsWith(
        noDependencyOn(vaultAnalysis(), "Vault", "totalSupply"),
        "Expected no dependency on Vault.totalSupply, but it caused 2 dependencies:\n" +
          "  - Vault.totalSupply: 2 dependencies (written by Vault.deposit ×2; read by Vault.deposit ×1, Vault.withdraw ×1)\n" +
          HOT_LINES,
      );
      await rejectsWith(
        noDependencyOn(vaultAnalysis(), VAULT, "totalSupply"),
        /caused 2 dependencies/,
      );
      await rejectsWith(
        noDependencyOn(vaultAnalysis(), "Vault", "balanceOf"),
        /^Expected no dependency on Vault.balanceOf, but it caused 1 dependency:\n {2}- Vault.balanceOf\[/,
      );
      await rejectsWith(
        noDependencyOn(vaultAnalysis(), "Vault", `balanceOf[${ALICE}]`),
        /caused 1 dependency/,
      );
    });

    it("passes for other variables, other contracts and prefixes that are not the variable", async () => {
      await noDependencyOn(vaultAnalysis(), "Vault", "paused");
      await noDependencyOn(vaultAnalysis(), "Vault", "balance");
      await noDependencyOn(vaultAnalysis(), "Vault", "totalSupplyCap");
      await noDependencyOn(vaultAnalysis(), "Token", "totalSupply");
      await noDependencyOn(vaultAnalysis(), TOKEN, "totalSupply");
    });

    it("matches account fields by name", async () => {
      await rejectsWith(
        noDependencyOn(balanceAnalysis(), "Vault", "balance"),
        /caused 1 dependency/,
      );
      await noDependencyOn(balanceAnalysis(), VAULT, "nonce");
    });

    it("fails when undecoded storage of the contract might be the variable", async () => {
      await rejectsWith(
        noDependencyOn(vaultAnalysis({}), "Vault", "totalSupply"),
        /^Cannot tell whether Vault.totalSupply caused dependencies: 2 hot storage locations of Vault have no decoded label/,
      );
      await noDependencyOn(vaultAnalysis({}), "Token", "totalSupply");
      await assert.rejects(noDependencyOn(vaultAnalysis(), "", "x"), TypeError);
    });
  });

  describe("noAccessViolations", () => {
    it("passes on an empty record and lists violations otherwise", async () => {
      await noAccessViolations(vaultAnalysis({ decode, violations: [] }));
      await rejectsWith(
        noAccessViolations(
          vaultAnalysis({
            decode,
            blockNumber: 3n,
            violations: [
              {
                txIndex: 1,
                contract: "Vault",
                function: "deposit",
                location: SUPPLY,
                access: "write",
              },
              {
                txIndex: 2,
                contract: "Vault",
                function: "withdraw",
                location: BAL_A,
                access: "read",
              },
            ],
          }),
        ),
        "Expected no access violations, but found 2:\n" +
          `  - block 3 tx 1 Vault.deposit wrote Vault.totalSupply (${SUPPLY}), not declared\n` +
          `  - block 3 tx 2 Vault.withdraw read Vault.balanceOf[${ALICE}] (${BAL_A}), not declared`,
      );
    });

    it("fails when the analysis was made without declared-access checking", async () => {
      await rejectsWith(noAccessViolations(vaultAnalysis()), /carries no access-violation record/);
    });
  });

  it("works on merged analyses", async () => {
    const merged = mergeAnalyses([vaultAnalysis(), vaultAnalysis()]);
    await maxContention(merged, 0.5);
    await rejectsWith(
      maxContention(merged, 0.4),
      /^Expected contention at most 40%, but it was 50% \(4 of 8 transactions depend on an earlier one\)\.\nTop hot locations:\n {2}1\. Vault\.totalSupply: 4 dependencies \(written by Vault\.deposit ×4;/,
    );
    await rejectsWith(
      noDependencyOn(merged, "Vault", "totalSupply"),
      /^Expected no dependency on Vault.totalSupply, but it caused 4 dependencies/,
    );
    await minSpeedup(merged, { lanes: 3, speedup: 84 / 63 });
  });

  it("summarises an analysis in one line", () => {
    assert.equal(
      formatSummary(vaultAnalysis()),
      "4 transactions (achieved), contention 50% (2 dependent), critical path 63,000 gas over 3 " +
        "transactions, parallelism 1.33x, speedup 1.33x on 16 lanes",
    );
    assert.equal(
      formatSummary(analyseBlock([], { lanes: 1, kind: "potential" })),
      "0 transactions (potential), contention 0% (0 dependent), critical path 0 gas over 0 " +
        "transactions, parallelism 1x, speedup 1x on 1 lane",
    );
  });
});
