/**
 * Analysis of one block: all figures of the per-test parallelism report (docs/design.md §1.3, §3).
 */
import { criticalPath } from "./critical-path.ts";
import { buildDependencyGraph } from "./graph.ts";
import { classifyDependencies, predecessorsByKind, stateLocations } from "./order.ts";
import { rankHotLocations } from "./hot-locations.ts";
import { functionRef, labelLocation } from "./labels.ts";
import { contention, parallelism, speedupFromMakespan } from "./metrics.ts";
import { assertLanes, listSchedule } from "./schedule.ts";
import type { LocationKey, ReadWriteSet } from "../engine/location.ts";
import type {
  AccessViolation,
  AnalysedTransaction,
  AnalysisKind,
  AnalysisLike,
  BlockAnalysis,
  LocationDecoder,
  SpeedupFigure,
  TransactionSummary,
} from "./types.ts";

/**
 * The location keys of an engine read/write set (`sdk/engine/location.ts`), in the form
 * {@link AnalysedTransaction} takes: `{ ...txInfo, ...readWriteKeys(set) }`.
 */
export function readWriteKeys(set: ReadWriteSet): { reads: LocationKey[]; writes: LocationKey[] } {
  return {
    reads: set.reads.map((entry) => entry.location),
    writes: set.writes.map((entry) => entry.location),
  };
}

/** The lane count every analysis also reports speedup for, so reports are comparable. */
export const REFERENCE_LANES = 16;

/** A violation as the conformance check reports it; the analysis fills in a missing label. */
export type ViolationInput = Omit<AccessViolation, "label"> & { label?: string };

export interface AnalyseBlockOptions {
  /** Lanes P of the headline speedup and schedule. Default {@link REFERENCE_LANES}. */
  lanes?: number;
  /** Labels hot locations and violations (e.g. with the solc storage layout). */
  decode?: LocationDecoder;
  /** Default `achieved`; `potential` for a pseudo-block of automined transactions. */
  kind?: AnalysisKind;
  blockNumber?: bigint;
  /**
   * Declared-access violations found while the block ran. When given (even empty) the analysis
   * carries a `violations` array; when omitted it carries none.
   */
  violations?: readonly ViolationInput[];
}

/**
 * Analyses one block (or pseudo-block): dependency graph, contention, critical path,
 * parallelism, list schedule and speedup(P) at `lanes` and at {@link REFERENCE_LANES}, hot
 * locations and violations. Every edge is classified as state, sender order or creation order
 * (`order.ts`); the headline figures count state edges, `includingOrder` counts all of them and
 * `order` counts the order edges.
 *
 * The transactions are taken in array order; dependencies and schedules refer to positions in
 * that array (see `types.ts`). Definitions: docs/design.md §3; graph choices: `graph.ts`; tie-breaking:
 * `critical-path.ts`; schedule: `schedule.ts`; empty and zero-gas conventions: `metrics.ts`.
 *
 * @throws {RangeError} when `lanes` is not a positive integer or a gas value is negative.
 * @throws {Error} when a location key that causes a dependency (or of a violation) is malformed
 *   (from `parseLocationKey`; keys are not otherwise validated), and whatever `decode` throws.
 */
export function analyseBlock(
  transactions: readonly AnalysedTransaction[],
  options: AnalyseBlockOptions = {},
): BlockAnalysis {
  const lanes = options.lanes ?? REFERENCE_LANES;
  assertLanes(lanes);
  const graph = buildDependencyGraph(transactions);
  const dependencies = classifyDependencies(transactions, graph.dependencies);
  const predecessors = predecessorsByKind(transactions.length, dependencies);
  const gasUsed = transactions.map((tx, position) => {
    if (typeof tx.gasUsed !== "bigint" || tx.gasUsed < 0n) {
      throw new RangeError(`analyseBlock: gasUsed of position ${position} must be a bigint >= 0`);
    }
    return tx.gasUsed;
  });
  const totalGas = gasUsed.reduce((sum, gas) => sum + gas, 0n);
  const figures = (preds: number[][]) => {
    const path = criticalPath(gasUsed, preds);
    const schedule = listSchedule(gasUsed, preds, lanes);
    const speedups = speedupLanes(lanes).map((p): SpeedupFigure => {
      const makespan = p === lanes ? schedule.makespan : listSchedule(gasUsed, preds, p).makespan;
      return { lanes: p, makespan, speedup: speedupFromMakespan(totalGas, makespan) };
    });
    const dependent = preds.filter((p) => p.length > 0).length;
    return { path, schedule, speedups, dependent };
  };
  const state = figures(predecessors.state);
  const all = figures(predecessors.all);
  const summaries = transactions.map(
    (tx, position): TransactionSummary => ({
      position,
      index: tx.index,
      hash: tx.hash,
      from: tx.from,
      to: tx.to,
      ...functionRef(tx),
      gasUsed: tx.gasUsed,
      dependsOn: predecessors.state[position],
      orderDependsOn: predecessors.all[position].filter(
        (p) => !predecessors.state[position].includes(p),
      ),
    }),
  );
  const stateEdges = dependencies.filter((d) => d.kind === "state");
  const analysis: BlockAnalysis = {
    kind: options.kind ?? "achieved",
    ...(options.blockNumber === undefined ? {} : { blockNumber: options.blockNumber }),
    transactionCount: transactions.length,
    totalGas,
    dependentTransactions: state.dependent,
    dependencyCount: stateEdges.length,
    contention: contention(state.dependent, transactions.length),
    criticalPath: state.path,
    parallelism: parallelism(totalGas, state.path.gas),
    lanes,
    makespan: state.schedule.makespan,
    speedup: speedupFromMakespan(totalGas, state.schedule.makespan),
    speedups: state.speedups,
    hotLocations: rankHotLocations(
      transactions,
      stateEdges.map((d) => ({ from: d.from, to: d.to, locations: stateLocations(d) })),
      options.decode,
    ),
    order: {
      senderDependencies: dependencies.filter((d) => d.kind === "sender").length,
      creationDependencies: dependencies.filter((d) => d.kind === "creation").length,
      orderOnlyTransactions: all.dependent - state.dependent,
      senders: new Set(transactions.map((tx) => tx.from.toLowerCase())).size,
    },
    includingOrder: {
      dependentTransactions: all.dependent,
      dependencyCount: dependencies.length,
      contention: contention(all.dependent, transactions.length),
      criticalPath: all.path,
      parallelism: parallelism(totalGas, all.path.gas),
      makespan: all.schedule.makespan,
      speedup: speedupFromMakespan(totalGas, all.schedule.makespan),
      speedups: all.speedups,
      hotLocations: rankHotLocations(transactions, dependencies, options.decode, { order: true }),
    },
    transactions: summaries,
    dependencies,
    schedule: state.schedule,
  };
  if (options.violations !== undefined) {
    analysis.violations = options.violations.map((v) => ({
      ...v,
      ...(options.blockNumber !== undefined && v.blockNumber === undefined
        ? { blockNumber: options.blockNumber }
        : {}),
      label: v.label ?? labelLocation(v.location, options.decode).label,
    }));
  }
  return analysis;
}

/**
 * speedup(P) of an analysis at any lane count, recomputed from the kept dependency graph and gas
 * figures (docs/design.md §3). For a merged analysis: total gas / sum of the blocks' makespans at P.
 *
 * @param options.includingOrder count sender and creation order as dependencies too (the
 *   `includingOrder` figures); default false: state dependencies only.
 * @throws {RangeError} when `lanes` is not a positive integer.
 */
export function speedupAt(
  analysis: AnalysisLike,
  lanes: number,
  options: { includingOrder?: boolean } = {},
): SpeedupFigure {
  assertLanes(lanes);
  const includingOrder = options.includingOrder === true;
  const speedups = includingOrder ? analysis.includingOrder.speedups : analysis.speedups;
  const known = speedups.find((s) => s.lanes === lanes);
  if (known !== undefined) return known;
  const blocks = "blocks" in analysis ? analysis.blocks : [analysis];
  let makespan = 0n;
  for (const block of blocks) {
    makespan += listSchedule(
      block.transactions.map((t) => t.gasUsed),
      block.transactions.map((t) =>
        includingOrder ? [...t.dependsOn, ...t.orderDependsOn].sort((a, b) => a - b) : t.dependsOn,
      ),
      lanes,
    ).makespan;
  }
  return { lanes, makespan, speedup: speedupFromMakespan(analysis.totalGas, makespan) };
}

/** The lane counts of `speedups`: the given one and the reference, ascending, deduplicated. */
export function speedupLanes(lanes: number): number[] {
  return lanes === REFERENCE_LANES ? [lanes] : [lanes, REFERENCE_LANES].sort((a, b) => a - b);
}
