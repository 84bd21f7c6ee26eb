/**
 * Merging the analyses of the blocks one test mined (docs/design.md §1.3 "per-test report").
 */
import { REFERENCE_LANES, speedupAt, speedupLanes } from "./analyse.ts";
import { mergeHotLocations } from "./hot-locations.ts";
import { contention, parallelism, speedupFromMakespan } from "./metrics.ts";
import { assertLanes } from "./schedule.ts";
import type { AccessViolation, AnalysisKind, BlockAnalysis, MergedAnalysis } from "./types.ts";

export interface MergeAnalysesOptions {
  /** Lanes of the headline speedup. Default: the first block's `lanes`, else 16. */
  lanes?: number;
  /** Kind of an empty merge (no blocks). Default `achieved`. */
  kind?: AnalysisKind;
}

/**
 * Merges the analyses of several blocks of one test. The blocks ran one after the other, so:
 * - transactions, gas, dependent transactions and dependencies add up; contention is
 *   dependent / all transactions over all blocks;
 * - critical-path gas and length add up (the chain of blocks is sequential); parallelism is
 *   total gas / that sum;
 * - makespans at P add up; speedup(P) = total gas / that sum;
 * - hot locations are merged per location (counts summed, see `mergeHotLocations`);
 * - violations are concatenated; absent when no block carries any;
 * - order counts add up, `senders` counts distinct senders over all blocks, and the
 *   `includingOrder` figures are merged by the same rules.
 *
 * For a test that mined one transaction per block, do not merge: analyse its transactions as
 * one pseudo-block with `analyseBlock(txs, { kind: "potential" })` (docs/design.md §3).
 *
 * @throws {TypeError} when the analyses mix `achieved` and `potential` kinds (summing a
 *   pseudo-block with real blocks would count its transactions twice).
 * @throws {RangeError} when `lanes` is not a positive integer.
 */
export function mergeAnalyses(
  analyses: readonly BlockAnalysis[],
  options: MergeAnalysesOptions = {},
): MergedAnalysis {
  const kinds = new Set(analyses.map((a) => a.kind));
  if (kinds.size > 1) {
    throw new TypeError("mergeAnalyses: cannot merge achieved and potential analyses");
  }
  const kind: AnalysisKind = analyses[0]?.kind ?? options.kind ?? "achieved";
  const lanes = options.lanes ?? analyses[0]?.lanes ?? REFERENCE_LANES;
  assertLanes(lanes);
  const blocks = [...analyses];
  let transactionCount = 0;
  let totalGas = 0n;
  let dependentTransactions = 0;
  let dependencyCount = 0;
  let criticalPathGas = 0n;
  let criticalPathLength = 0;
  let violations: AccessViolation[] | undefined;
  const order = { senderDependencies: 0, creationDependencies: 0, orderOnlyTransactions: 0 };
  const all = { dependentTransactions: 0, dependencyCount: 0, gas: 0n, length: 0 };
  const senders = new Set<string>();
  for (const block of blocks) {
    order.senderDependencies += block.order.senderDependencies;
    order.creationDependencies += block.order.creationDependencies;
    order.orderOnlyTransactions += block.order.orderOnlyTransactions;
    all.dependentTransactions += block.includingOrder.dependentTransactions;
    all.dependencyCount += block.includingOrder.dependencyCount;
    all.gas += block.includingOrder.criticalPath.gas;
    all.length += block.includingOrder.criticalPath.length;
    for (const tx of block.transactions) senders.add(tx.from.toLowerCase());
    transactionCount += block.transactionCount;
    totalGas += block.totalGas;
    dependentTransactions += block.dependentTransactions;
    dependencyCount += block.dependencyCount;
    criticalPathGas += block.criticalPath.gas;
    criticalPathLength += block.criticalPath.length;
    if (block.violations !== undefined) {
      violations ??= [];
      violations.push(...block.violations);
    }
  }
  const mergedSpeedups = (includingOrder: boolean) =>
    speedupLanes(lanes).map((p) => {
      let makespan = 0n;
      for (const block of blocks) makespan += speedupAt(block, p, { includingOrder }).makespan;
      return { lanes: p, makespan, speedup: speedupFromMakespan(totalGas, makespan) };
    });
  const speedups = mergedSpeedups(false);
  const headline = speedups.find((s) => s.lanes === lanes)!;
  const allSpeedups = mergedSpeedups(true);
  const allHeadline = allSpeedups.find((s) => s.lanes === lanes)!;
  return {
    kind,
    transactionCount,
    totalGas,
    dependentTransactions,
    dependencyCount,
    contention: contention(dependentTransactions, transactionCount),
    criticalPath: { gas: criticalPathGas, length: criticalPathLength },
    parallelism: parallelism(totalGas, criticalPathGas),
    lanes,
    makespan: headline.makespan,
    speedup: headline.speedup,
    speedups,
    hotLocations: mergeHotLocations(blocks.map((b) => b.hotLocations)),
    ...(violations === undefined ? {} : { violations }),
    order: { ...order, senders: senders.size },
    includingOrder: {
      dependentTransactions: all.dependentTransactions,
      dependencyCount: all.dependencyCount,
      contention: contention(all.dependentTransactions, transactionCount),
      criticalPath: { gas: all.gas, length: all.length },
      parallelism: parallelism(totalGas, all.gas),
      makespan: allHeadline.makespan,
      speedup: allHeadline.speedup,
      speedups: allSpeedups,
      hotLocations: mergeHotLocations(blocks.map((b) => b.includingOrder.hotLocations)),
    },
    blocks,
  };
}
