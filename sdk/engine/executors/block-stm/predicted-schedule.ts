/**
 * The dependency graph a block is predicted to have, from its transactions' predicted access
 * ({@link AccessHints}), and the speedup it would then reach: the deterministic greedy list
 * schedule the analysis uses for speedup(P) (`sdk/analysis/schedule.ts`), with each
 * transaction's gas limit as its duration (its gas used is not known yet).
 *
 * Transaction j is predicted to depend on i < j when i is the nearest transaction below j
 * predicted to write a location j is predicted to read or write (nearer writers of the same
 * location are ordered after i already, so one edge per location is enough).
 */
import { listSchedule } from "../../../analysis/schedule.ts";
import type { LocationKey } from "../../location.ts";
import type { EngineTransaction } from "../../transactions.ts";
import type { PredictedAccess } from "./access-hints.ts";

/** What the prediction says of a block. */
export interface PredictedSchedule {
  /** `predecessors[j]`: the transactions j is predicted to depend on (each < j). */
  predecessors: number[][];
  /** Transactions with at least one predicted dependency. */
  dependent: number;
  /** Longest chain of predicted dependencies (transactions). */
  longestChain: number;
  /** Summed gas limit / makespan of the greedy list schedule on `lanes` lanes (≥ 1). */
  speedup: number;
}

/**
 * Predicts the dependency graph of `txs` and its speedup on `lanes` lanes.
 * @param predictions one per transaction, in block order
 * @throws {RangeError} when `lanes` is not a positive integer
 */
export function predictSchedule(
  txs: readonly EngineTransaction[],
  predictions: readonly PredictedAccess[],
  lanes: number,
): PredictedSchedule {
  const lastWriter = new Map<LocationKey, number>();
  const predecessors: number[][] = [];
  const depth: number[] = [];
  let dependent = 0;
  let longestChain = 0;
  for (let j = 0; j < txs.length; j++) {
    const { writes, reads } = predictions[j];
    const edges = new Set<number>();
    for (const location of writes) {
      const i = lastWriter.get(location);
      if (i !== undefined) edges.add(i);
    }
    for (const location of reads) {
      const i = lastWriter.get(location);
      if (i !== undefined) edges.add(i);
    }
    for (const location of writes) lastWriter.set(location, j);
    const list = [...edges];
    predecessors.push(list);
    if (list.length > 0) dependent++;
    let d = 1;
    for (const i of list) if (depth[i] + 1 > d) d = depth[i] + 1;
    depth.push(d);
    if (d > longestChain) longestChain = d;
  }
  const gas = txs.map((etx) => etx.tx.gasLimit);
  let total = 0n;
  for (const g of gas) total += g;
  const { makespan } = listSchedule(gas, predecessors, lanes);
  const speedup = makespan === 0n ? 1 : Number((total * 1000n) / makespan) / 1000;
  return { predecessors, dependent, longestChain, speedup };
}
