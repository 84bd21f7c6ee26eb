/**
 * Assertions on parallelism analyses, in the style of `@nomicfoundation/hardhat-viem-assertions`:
 * async functions that take the analysis or a Promise of it and throw `node:assert`'s
 * `AssertionError` with a descriptive message. Failure messages name the top hot locations with
 * their labels and dependency counts.
 *
 * ```ts
 * await maxContention(analysis, 0.05);
 * await minSpeedup(analysis, { lanes: 16, speedup: 8 });
 * await noDependencyOn(analysis, "Vault", "totalSupply");
 * ```
 *
 * All of them assert on deterministic figures (docs/design.md §3), never on measured wall-clock speedup.
 */
import { AssertionError } from "node:assert";
import {
  assertAnalysis,
  checkMetric,
  checkNoAccessViolations,
  checkNoDependencyOn,
  type CheckResult,
} from "./checks.ts";
import type { AnalysisLike } from "./types.ts";

/** An analysis (block or merged), or a Promise of one. */
export type AnalysisSource = AnalysisLike | PromiseLike<AnalysisLike>;

/**
 * Asserts contention ≤ `max` (docs/design.md §3: share of transactions with at least one dependency).
 *
 * @param max a share between 0 and 1 (0.05 = 5%).
 * @throws {AssertionError} when the contention is higher.
 * @throws {RangeError} when `max` is outside 0..1.
 * @throws {TypeError} when the source does not resolve to an analysis.
 */
export async function maxContention(source: AnalysisSource, max: number): Promise<void> {
  const analysis = await resolve(source);
  fail(checkMetric(analysis, "contention", "atMost", max));
}

/**
 * Asserts speedup(P) ≥ `speedup`, where speedup(P) is total gas / makespan of the deterministic
 * greedy list schedule on P lanes (docs/design.md §3). P defaults to the analysis's lanes.
 *
 * @throws {AssertionError} when the speedup is lower.
 * @throws {RangeError} when `lanes` is not a positive integer or `speedup` is not finite.
 * @throws {TypeError} when the source does not resolve to an analysis.
 */
export async function minSpeedup(
  source: AnalysisSource,
  expected: { lanes?: number; speedup: number },
): Promise<void> {
  const analysis = await resolve(source);
  fail(checkMetric(analysis, "speedup", "atLeast", expected.speedup, { lanes: expected.lanes }));
}

/**
 * Asserts parallelism (total gas / critical-path gas, docs/design.md §3) ≥ `min`.
 *
 * @throws {AssertionError} when the parallelism is lower.
 * @throws {RangeError} when `min` is not finite.
 * @throws {TypeError} when the source does not resolve to an analysis.
 */
export async function minParallelism(source: AnalysisSource, min: number): Promise<void> {
  const analysis = await resolve(source);
  fail(checkMetric(analysis, "parallelism", "atLeast", min));
}

/**
 * Asserts that no dependency was caused by `variable` of `contract` (a contract name or an
 * address), matched on decoded labels such as `Vault.totalSupply` or `Vault.balanceOf[0x…]`;
 * `balance`, `nonce` and `code` name the contract account's fields. See `checkNoDependencyOn`.
 *
 * @throws {AssertionError} when such a dependency exists, or when it cannot be decided because a
 *   hot storage location of the contract has no decoded label (no decoder given).
 * @throws {TypeError} when the source does not resolve to an analysis or an argument is empty.
 */
export async function noDependencyOn(
  source: AnalysisSource,
  contract: string,
  variable: string,
): Promise<void> {
  const analysis = await resolve(source);
  fail(checkNoDependencyOn(analysis, contract, variable));
}

/**
 * Asserts that the analysis records no declared-access violation (docs/design.md §3, §5).
 *
 * @throws {AssertionError} when there are violations (listed in the message), or when the
 *   analysis carries no violation record at all (made without declared-access checking).
 * @throws {TypeError} when the source does not resolve to an analysis.
 */
export async function noAccessViolations(source: AnalysisSource): Promise<void> {
  const analysis = await resolve(source);
  fail(checkNoAccessViolations(analysis));
}

async function resolve(source: AnalysisSource): Promise<AnalysisLike> {
  const analysis: unknown = await source;
  assertAnalysis(analysis);
  return analysis;
}

function fail(result: CheckResult): void {
  const message = result.error ?? (result.pass ? undefined : result.message);
  if (message === undefined) return;
  throw new AssertionError({
    message,
    actual: result.actual,
    expected: result.expected,
    operator: result.operator,
  });
}
