/**
 * The checks behind the assertions (`assertions.ts`) and the chai plugin (`sdk/chai`): each
 * returns whether it passed and the messages for a failure and for a failure under negation.
 */
import { speedupAt } from "./analyse.ts";
import {
  formatDependencies,
  formatGas,
  formatHotLocation,
  formatHotLocations,
  formatOrder,
  formatPercent,
  formatRatio,
} from "./format.ts";
import type { AnalysisLike, HotLocation } from "./types.ts";

/** Outcome of a check. */
export interface CheckResult {
  pass: boolean;
  /** Message when the check should pass but did not. */
  message: string;
  /** Message when the check should fail (negated, e.g. chai `.not`) but passed. */
  negatedMessage: string;
  /**
   * Set when the check cannot be decided (missing decoder, missing violation record): the
   * caller must fail with this message whether or not the check is negated.
   */
  error?: string;
  actual: unknown;
  expected: unknown;
  operator: string;
}

/** The metrics the comparison checks know. */
export type Metric = "contention" | "parallelism" | "speedup";
/** below: <, atMost: ≤, above: >, atLeast: ≥. */
export type Comparison = "below" | "atMost" | "above" | "atLeast";

const WORDS: Record<Comparison, { word: string; operator: string }> = {
  below: { word: "below", operator: "<" },
  atMost: { word: "at most", operator: "<=" },
  above: { word: "above", operator: ">" },
  atLeast: { word: "at least", operator: ">=" },
};

/**
 * Compares a metric with a bound. The metrics count state dependencies only; the message adds
 * the sender- and creation-order dependencies left out (docs/design.md §3). Contention bounds are shares (0..1, printed as percent);
 * parallelism and speedup bounds are ratios. `lanes` (speedup only) defaults to the analysis's
 * lanes; speedup at other lane counts is recomputed with {@link speedupAt}.
 *
 * @throws {RangeError} when the bound is not a finite number, a contention bound is outside
 *   0..1, or `lanes` is not a positive integer.
 * @throws {TypeError} when `lanes` is given for a metric other than speedup.
 */
export function checkMetric(
  analysis: AnalysisLike,
  metric: Metric,
  comparison: Comparison,
  bound: number,
  options: { lanes?: number } = {},
): CheckResult {
  if (typeof bound !== "number" || !Number.isFinite(bound)) {
    throw new RangeError(`${metric} bound must be a finite number, got ${String(bound)}`);
  }
  if (metric === "contention" && (bound < 0 || bound > 1)) {
    throw new RangeError(`contention is a share between 0 and 1, got a bound of ${bound}`);
  }
  if (metric !== "speedup" && options.lanes !== undefined) {
    throw new TypeError(`lanes only applies to speedup, not to ${metric}`);
  }
  let actual: number;
  let name: string;
  let detail: string;
  let shownBound: string;
  if (metric === "contention") {
    actual = analysis.contention;
    name = "contention";
    shownBound = formatPercent(bound);
    detail =
      `${formatPercent(actual)} (${analysis.dependentTransactions} of ${analysis.transactionCount} ` +
      `transactions depend on an earlier one)`;
  } else if (metric === "parallelism") {
    actual = analysis.parallelism;
    name = "parallelism";
    shownBound = formatRatio(bound);
    detail =
      `${formatRatio(actual)} (total ${formatGas(analysis.totalGas)}, critical path ` +
      `${formatGas(analysis.criticalPath.gas)} over ${analysis.criticalPath.length} transactions)`;
  } else {
    const lanes = options.lanes ?? analysis.lanes;
    const figure = speedupAt(analysis, lanes);
    actual = figure.speedup;
    name = `speedup on ${lanes} lane${lanes === 1 ? "" : "s"}`;
    shownBound = formatRatio(bound);
    detail =
      `${formatRatio(actual)} (total ${formatGas(analysis.totalGas)}, makespan ` +
      `${formatGas(figure.makespan)}, critical path ${formatGas(analysis.criticalPath.gas)})`;
  }
  const { word, operator } = WORDS[comparison];
  const pass =
    comparison === "below"
      ? actual < bound
      : comparison === "atMost"
        ? actual <= bound
        : comparison === "above"
          ? actual > bound
          : actual >= bound;
  const subject = analysis.kind === "potential" ? `${name} of the potential block` : name;
  const hot = hotLines(analysis);
  return {
    pass,
    message: `Expected ${subject} ${word} ${shownBound}, but it was ${detail}.\n${hot}`,
    negatedMessage: `Expected ${subject} not ${word} ${shownBound}, but it was ${detail}.\n${hot}`,
    actual,
    expected: bound,
    operator,
  };
}

/**
 * Checks that no hot location of `contract` (a contract name or an address) matches
 * `variable`. Hot locations carry state dependencies only: a call reading `code` of a contract
 * deployed earlier in the block is creation order and does not count (docs/design.md §3). Matching uses decoded labels of the form `Contract.variable…`: the variable path
 * after the contract name equals `variable` or continues it with `[` or `.` (so `balanceOf`
 * matches `Vault.balanceOf[0xab…]`). `balance`, `nonce` and `code` match the account fields of
 * the contract's address. A contract is identified by address, by the label's prefix, or by the
 * name of the transactions that called its address.
 *
 * Undecidable (reported in `error`): a hot storage location of that contract has no decoded
 * label, so it may or may not be the variable.
 *
 * @throws {TypeError} when `contract` or `variable` is empty.
 */
export function checkNoDependencyOn(
  analysis: AnalysisLike,
  contract: string,
  variable: string,
): CheckResult {
  if (
    typeof contract !== "string" ||
    contract === "" ||
    typeof variable !== "string" ||
    variable === ""
  ) {
    throw new TypeError("noDependencyOn needs a contract (name or address) and a variable name");
  }
  const target = `${contract}.${variable}`;
  const matching: HotLocation[] = [];
  const unknown: HotLocation[] = [];
  for (const hot of analysis.hotLocations) {
    const match = matchHotLocation(hot, contract, variable);
    if (match === "match") matching.push(hot);
    else if (match === "unknown") unknown.push(hot);
  }
  const top = hotLines(analysis);
  const count = matching.reduce((sum, hot) => sum + hot.dependencies, 0);
  const result: CheckResult = {
    pass: matching.length === 0,
    message:
      `Expected no dependency on ${target}, but it caused ${formatDependencies(count)}:\n` +
      `${matching.map((hot) => `  - ${formatHotLocation(hot)}`).join("\n")}\n${top}`,
    negatedMessage: `Expected a dependency on ${target}, but there was none.\n${top}`,
    actual: matching.map((hot) => hot.label),
    expected: [],
    operator: "noDependencyOn",
  };
  if (matching.length === 0 && unknown.length > 0) {
    result.error =
      `Cannot tell whether ${target} caused dependencies: ${unknown.length} hot storage ` +
      `location${unknown.length === 1 ? "" : "s"} of ${contract} ha${unknown.length === 1 ? "s" : "ve"} no decoded label ` +
      `(pass a storage-layout decoder as \`decode\` to analyseBlock):\n` +
      `${unknown.map((hot) => `  - ${formatHotLocation(hot)}`).join("\n")}`;
  }
  return result;
}

/**
 * Checks that the analysis carries a violation record and that it is empty.
 * Undecidable (reported in `error`): the analysis has no `violations` array, i.e. it was made
 * without declared-access checking.
 */
export function checkNoAccessViolations(analysis: AnalysisLike): CheckResult {
  const violations = analysis.violations;
  const shown = (violations ?? []).slice(0, 10).map((v) => {
    const block = v.blockNumber === undefined ? "" : `block ${v.blockNumber} `;
    const verb = v.access === "write" ? "wrote" : "read";
    return `  - ${block}tx ${v.txIndex} ${v.contract}.${v.function} ${verb} ${v.label} (${v.location}), not declared`;
  });
  const more = (violations?.length ?? 0) - shown.length;
  if (more > 0) shown.push(`  … and ${more} more`);
  const result: CheckResult = {
    pass: violations !== undefined && violations.length === 0,
    message: `Expected no access violations, but found ${violations?.length ?? 0}:\n${shown.join("\n")}`,
    negatedMessage: "Expected access violations, but found none.",
    actual: violations?.length,
    expected: 0,
    operator: "noAccessViolations",
  };
  if (violations === undefined) {
    result.error =
      "The analysis carries no access-violation record: it was made without declared-access " +
      "checking (pass `violations` to analyseBlock).";
  }
  return result;
}

/**
 * @throws {TypeError} when `value` is not a block or merged analysis (with a hint when it is a
 *   Promise that was not awaited).
 */
export function assertAnalysis(value: unknown): asserts value is AnalysisLike {
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AnalysisLike).contention === "number" &&
    typeof (value as AnalysisLike).parallelism === "number" &&
    Array.isArray((value as AnalysisLike).hotLocations) &&
    Array.isArray((value as AnalysisLike).speedups) &&
    typeof (value as AnalysisLike).order === "object" &&
    (Array.isArray((value as { transactions?: unknown }).transactions) ||
      Array.isArray((value as { blocks?: unknown }).blocks))
  ) {
    return;
  }
  if (typeof (value as { then?: unknown } | null)?.then === "function") {
    throw new TypeError("expected a parallelism analysis but got a Promise: await it first");
  }
  throw new TypeError(
    `expected a parallelism analysis (from analyseBlock or mergeAnalyses), got ${describe(value)}`,
  );
}

/** The top hot locations, then the order dependencies that were not counted, if any. */
function hotLines(analysis: AnalysisLike): string {
  const order = formatOrder(analysis.order);
  const hot = formatHotLocations(analysis.hotLocations);
  return order === undefined ? hot : `${hot}\n${order}`;
}

type Match = "match" | "no" | "unknown";

const ACCOUNT_FIELDS: Record<string, string> = { b: "balance", n: "nonce", c: "code" };

function matchHotLocation(hot: HotLocation, contract: string, variable: string): Match {
  const byAddress = /^0x[0-9a-fA-F]{40}$/.test(contract);
  const prefix = `${contract}.`;
  const belongs = byAddress
    ? hot.address === contract.toLowerCase()
    : hot.contract === contract || (hot.decoded && hot.label.startsWith(prefix));
  if (!belongs) return "no";
  const field = ACCOUNT_FIELDS[hot.location[0]];
  if (field !== undefined && field === variable) return "match";
  if (!hot.decoded) return field === undefined ? "unknown" : "no";
  const path =
    !byAddress && hot.label.startsWith(prefix)
      ? hot.label.slice(prefix.length)
      : hot.label.slice(hot.label.indexOf(".") + 1);
  return path === variable || path.startsWith(`${variable}[`) || path.startsWith(`${variable}.`)
    ? "match"
    : "no";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return `${typeof value} ${String(value)}`;
  return `an object with keys ${Object.keys(value).slice(0, 6).join(", ") || "(none)"}`;
}
