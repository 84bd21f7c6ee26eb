import * as chai from "chai";
import { parallelChai } from "../../sdk/chai/index.ts";
import { mergeAnalyses } from "../../sdk/analysis/index.ts";
import { ALICE } from "./helpers.ts";
import { HOT_LINES, SUPPLY, balanceAnalysis, decode, vaultAnalysis } from "./fixtures.ts";

chai.use(parallelChai);
const { expect, AssertionError } = chai;

/** Runs `fn`, expects a chai AssertionError and returns its message. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AssertionError) return error.message;
    throw error;
  }
  throw new Error("expected the assertion to fail, but it passed");
}

describe("chai plugin", () => {
  describe("contention", () => {
    it("compares with below, atMost, above and atLeast", () => {
      const a = vaultAnalysis();
      expect(a).to.have.contention.below(0.6);
      expect(a).to.have.contention.atMost(0.5);
      expect(a).to.have.contention.above(0.4);
      expect(a).to.have.contention.atLeast(0.5);
      expect(a).to.have.contention.at.most(0.5);
      expect(a).not.to.have.contention.below(0.25);
    });

    it("fails with the contention and the top hot locations", () => {
      expect(failure(() => expect(vaultAnalysis()).to.have.contention.below(0.5))).to.equal(
        "Expected contention below 50%, but it was 50% (2 of 4 transactions depend on an earlier one).\n" +
          HOT_LINES,
      );
      expect(failure(() => expect(vaultAnalysis()).not.to.have.contention.below(0.6))).to.equal(
        "Expected contention not below 60%, but it was 50% (2 of 4 transactions depend on an earlier one).\n" +
          HOT_LINES,
      );
      expect(
        failure(() => expect(vaultAnalysis()).to.have.contention.below(0.1, "vault deposits")),
      ).to.match(/^vault deposits: Expected contention below 10%/);
    });
  });

  describe("speedup and parallelism", () => {
    it("compare speedup at the given lanes", () => {
      const a = vaultAnalysis();
      expect(a).to.have.speedup.atLeast(1.3, { lanes: 16 });
      expect(a).to.have.speedup.atMost(1, { lanes: 1 });
      expect(a).to.have.speedup.at.least(1.3);
      expect(failure(() => expect(a).to.have.speedup.atLeast(8, { lanes: 16 }))).to.equal(
        "Expected speedup on 16 lanes at least 8x, but it was 1.33x (total 84,000 gas, makespan " +
          "63,000 gas, critical path 63,000 gas).\n" +
          HOT_LINES,
      );
      expect(failure(() => expect(a).to.have.speedup.above(1, { lanes: 1 }))).to.match(
        /^Expected speedup on 1 lane above 1x, but it was 1x/,
      );
    });

    it("compare parallelism", () => {
      const a = vaultAnalysis();
      expect(a).to.have.parallelism.atLeast(1.33);
      expect(a).to.have.parallelism.below(1.34);
      expect(failure(() => expect(a).to.have.parallelism.atLeast(4))).to.match(
        /^Expected parallelism at least 4x, but it was 1.33x \(total 84,000 gas, critical path 63,000 gas over 3 transactions\)/,
      );
    });

    it("work on merged analyses and chain", () => {
      const merged = mergeAnalyses([vaultAnalysis(), vaultAnalysis()]);
      expect(merged)
        .to.have.contention.atMost(0.5)
        .and.to.have.speedup.atLeast(1.3, { lanes: 4 })
        .and.to.have.property("transactionCount")
        .that.is.below(9);
    });
  });

  describe("noDependencyOn and noAccessViolations", () => {
    it("checks decoded variables", () => {
      expect(vaultAnalysis()).to.have.noDependencyOn("Token", "totalSupply");
      expect(vaultAnalysis()).not.to.have.noDependencyOn("Vault", "totalSupply");
      expect(
        failure(() => expect(vaultAnalysis()).to.have.noDependencyOn("Vault", "balanceOf")),
      ).to.equal(
        "Expected no dependency on Vault.balanceOf, but it caused 1 dependency:\n" +
          `  - Vault.balanceOf[${ALICE}]: 1 dependency (written by Vault.deposit ×1; read by Vault.withdraw ×1)\n` +
          HOT_LINES,
      );
      expect(
        failure(() => expect(vaultAnalysis()).not.to.have.noDependencyOn("Vault", "paused")),
      ).to.equal(`Expected a dependency on Vault.paused, but there was none.\n${HOT_LINES}`);
      expect(balanceAnalysis()).not.to.have.noDependencyOn("Vault", "balance");
    });

    it("fails undecidable checks even when negated", () => {
      for (const negate of [false, true]) {
        const message = failure(() => {
          const assertion = expect(vaultAnalysis({}));
          (negate ? assertion.not : assertion).to.have.noDependencyOn("Vault", "totalSupply");
        });
        expect(message).to.match(/^Cannot tell whether Vault.totalSupply caused dependencies/);
      }
      expect(failure(() => expect(vaultAnalysis()).not.to.have.noAccessViolations())).to.match(
        /carries no access-violation record/,
      );
    });

    it("checks violations", () => {
      expect(vaultAnalysis({ decode, violations: [] })).to.have.noAccessViolations();
      const bad = vaultAnalysis({
        decode,
        violations: [
          { txIndex: 0, contract: "Vault", function: "deposit", location: SUPPLY, access: "write" },
        ],
      });
      expect(bad).not.to.have.noAccessViolations();
      expect(failure(() => expect(bad).to.have.noAccessViolations())).to.equal(
        "Expected no access violations, but found 1:\n" +
          `  - tx 0 Vault.deposit wrote Vault.totalSupply (${SUPPLY}), not declared`,
      );
    });
  });

  describe("misuse and compatibility", () => {
    it("leaves chai's own comparisons working", () => {
      expect(5).to.be.below(6);
      expect(5).to.be.at.least(5);
      expect(failure(() => expect(5).to.be.above(6))).to.equal("expected 5 to be above 6");
      expect(failure(() => expect(5).to.be.at.most(4))).to.equal("expected 5 to be at most 4");
    });

    it("rejects non-analyses, promises and comparisons without a metric", () => {
      expect(() => expect(Promise.resolve(vaultAnalysis())).to.have.contention.below(1)).to.throw(
        TypeError,
        /await it first/,
      );
      expect(() => expect({ a: 1 }).to.have.noAccessViolations()).to.throw(
        TypeError,
        /parallelism analysis/,
      );
      expect(() =>
        (expect(vaultAnalysis()) as unknown as { atLeast(n: number): void }).atLeast(1),
      ).to.throw(TypeError, /must follow .contention, .speedup or .parallelism/);
      expect(() => expect(vaultAnalysis()).to.have.contention.below(2)).to.throw(RangeError);
      expect(() => expect(vaultAnalysis()).to.have.parallelism.below(2, { lanes: 2 })).to.throw(
        TypeError,
        /lanes only applies to speedup/,
      );
    });
  });
});
