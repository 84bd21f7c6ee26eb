/**
 * Chai plugin for parallelism analyses (`hardhat-parallel/chai`, docs/design.md §2).
 *
 * ```ts
 * import * as chai from "chai";
 * import { parallelChai } from "hardhat-parallel/chai";
 * chai.use(parallelChai);
 *
 * expect(analysis).to.have.contention.below(0.05);
 * expect(analysis).to.have.speedup.atLeast(8, { lanes: 16 });
 * expect(analysis).to.have.parallelism.atLeast(4);
 * expect(analysis).to.have.noDependencyOn("Vault", "totalSupply");
 * expect(analysis).to.have.noAccessViolations();
 * ```
 *
 * The subject is a `BlockAnalysis` or `MergedAnalysis` (from `analyseBlock`/`mergeAnalyses`),
 * not a Promise: await it first. `.contention`, `.speedup` and `.parallelism` select the metric
 * for the next comparison: `below` (<), `above` (>), `atMost` (≤), `atLeast` (≥), and chai's
 * own `lt`, `lessThan`, `gt`, `greaterThan`, `least` (`at.least`), `gte`, `most` (`at.most`),
 * `lte`. Contention bounds are shares 0..1; speedup takes `{ lanes }` as second argument (default:
 * the analysis's lanes). `.not` negates as usual. Messages are those of
 * `sdk/analysis/assertions.ts` and name the top hot locations.
 *
 * Errors: chai `AssertionError` on failure and when a check cannot be decided (no decoded labels,
 * no violation record — also under `.not`); `TypeError` when the subject is not an analysis or a
 * comparison is used without a metric; `RangeError` for invalid bounds or lanes.
 */
// Loads chai's global `Chai` types (the declaration merging below extends them); erased at run time.
import type {} from "chai";
import {
  assertAnalysis,
  checkMetric,
  checkNoAccessViolations,
  checkNoDependencyOn,
  type CheckResult,
  type Comparison,
  type Metric,
} from "../analysis/checks.ts";

declare global {
  namespace Chai {
    interface Assertion {
      /** Selects contention (share of dependent transactions, 0..1) for the next comparison. */
      contention: ParallelMetricAssertion;
      /** Selects speedup(P) (deterministic list schedule) for the next comparison. */
      speedup: ParallelMetricAssertion;
      /** Selects parallelism (total gas / critical-path gas) for the next comparison. */
      parallelism: ParallelMetricAssertion;
      /** No hot location of `contract` (name or address) matches `variable` (decoded label). */
      noDependencyOn(contract: string, variable: string): Assertion;
      /** The analysis has a violation record and it is empty. */
      noAccessViolations(): Assertion;
    }

    /** Comparisons available after `.contention`, `.speedup` or `.parallelism`. */
    interface ParallelMetricAssertion {
      /** metric < bound. */
      below(bound: number, options?: ParallelMetricOptions | string): Assertion;
      /** metric > bound. */
      above(bound: number, options?: ParallelMetricOptions | string): Assertion;
      /** metric ≥ bound. */
      atLeast(bound: number, options?: ParallelMetricOptions | string): Assertion;
      /** metric ≤ bound. */
      atMost(bound: number, options?: ParallelMetricOptions | string): Assertion;
      /** chai's language chain: `.at.least(n)` (≥), `.at.most(n)` (≤). */
      at: {
        least(bound: number, options?: ParallelMetricOptions | string): Assertion;
        most(bound: number, options?: ParallelMetricOptions | string): Assertion;
      };
    }

    interface ParallelMetricOptions {
      /** Lanes P of speedup(P); default the analysis's `lanes`. Speedup only. */
      lanes?: number;
    }
  }
}

const METRIC_FLAG = "hardhatParallel.metric";

/** Chai's comparison methods (and aliases) that the metric chains take over. */
const OVERWRITTEN: Record<string, Comparison> = {
  below: "below",
  lt: "below",
  lessThan: "below",
  above: "above",
  gt: "above",
  greaterThan: "above",
  least: "atLeast",
  gte: "atLeast",
  greaterThanOrEqual: "atLeast",
  most: "atMost",
  lte: "atMost",
  lessThanOrEqual: "atMost",
};

/** The chai plugin: `chai.use(parallelChai)`. */
export const parallelChai: Chai.ChaiPlugin = (chai, utils) => {
  const proto = chai.Assertion.prototype;

  const report = (assertion: Chai.AssertionStatic, result: CheckResult): void => {
    if (result.error !== undefined) {
      const prefix = utils.flag(assertion, "message") as string | undefined;
      throw new chai.AssertionError(
        prefix === undefined ? result.error : `${prefix}: ${result.error}`,
        { actual: result.actual, expected: result.expected, operator: result.operator },
      );
    }
    assertion.assert(
      result.pass,
      result.message,
      result.negatedMessage,
      result.expected,
      result.actual,
      false,
    );
  };

  const compare = (
    assertion: Chai.AssertionStatic,
    metric: Metric,
    comparison: Comparison,
    bound: unknown,
    options: unknown,
  ): void => {
    utils.flag(assertion, METRIC_FLAG, undefined);
    if (typeof options === "string") utils.flag(assertion, "message", options);
    const lanes =
      typeof options === "object" && options !== null
        ? (options as Chai.ParallelMetricOptions).lanes
        : undefined;
    const subject: unknown = utils.flag(assertion, "object");
    assertAnalysis(subject);
    report(
      assertion,
      checkMetric(
        subject,
        metric,
        comparison,
        bound as number,
        lanes === undefined ? {} : { lanes },
      ),
    );
  };

  for (const metric of ["contention", "speedup", "parallelism"] as const) {
    utils.addProperty(proto, metric, function (this: Chai.AssertionStatic) {
      utils.flag(this, METRIC_FLAG, metric);
    });
  }

  for (const [name, comparison] of Object.entries(OVERWRITTEN)) {
    utils.overwriteMethod(
      proto,
      name,
      (_super: (...args: unknown[]) => unknown) =>
        function (this: Chai.AssertionStatic, ...args: unknown[]): unknown {
          const metric = utils.flag(this, METRIC_FLAG) as Metric | undefined;
          if (metric === undefined) return _super.apply(this, args);
          compare(this, metric, comparison, args[0], args[1]);
          return undefined;
        },
    );
  }

  for (const [name, comparison] of [
    ["atLeast", "atLeast"],
    ["atMost", "atMost"],
  ] as const) {
    utils.addMethod(
      proto,
      name,
      function (this: Chai.AssertionStatic, bound: unknown, options: unknown) {
        const metric = utils.flag(this, METRIC_FLAG) as Metric | undefined;
        if (metric === undefined) {
          throw new TypeError(`.${name}() must follow .contention, .speedup or .parallelism`);
        }
        compare(this, metric, comparison, bound, options);
      },
    );
  }

  utils.addMethod(
    proto,
    "noDependencyOn",
    function (this: Chai.AssertionStatic, contract: string, variable: string) {
      const subject: unknown = utils.flag(this, "object");
      assertAnalysis(subject);
      report(this, checkNoDependencyOn(subject, contract, variable));
    },
  );

  utils.addMethod(proto, "noAccessViolations", function (this: Chai.AssertionStatic) {
    const subject: unknown = utils.flag(this, "object");
    assertAnalysis(subject);
    report(this, checkNoAccessViolations(subject));
  });
};

export default parallelChai;
