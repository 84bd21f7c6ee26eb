/**
 * Deterministic greedy list schedule (docs/design.md §3 "speedup(P)").
 *
 * Transactions are taken in block order. Each is placed on the lane that frees earliest (lowest
 * lane index on ties) and starts when that lane is free and all its dependencies have ended; it
 * runs for its gas used. There is no backfilling: a transaction never starts in an idle gap left
 * on a lane before that lane's last placed transaction. The schedule depends only on the gas
 * figures and the dependency graph, never on the machine, so tests can assert on it.
 *
 * Properties (checked by the property tests): with P = 1 the makespan is the total gas; the
 * makespan is at least the critical-path gas and at least total gas / P; it does not increase
 * when P grows (placing each transaction on the earliest-free lane keeps the sorted lane free
 * times of P + 1 lanes elementwise no later than those of P lanes).
 */
import type { ListSchedule, ScheduledTransaction } from "./types.ts";

/**
 * Schedules a DAG on `lanes` lanes.
 *
 * @param gasUsed gas used per position (gas), each ≥ 0: the duration of each transaction.
 * @param predecessors `predecessors[j]`: positions j depends on, each < j.
 * @param lanes number of lanes P, an integer ≥ 1.
 * @returns start and end (gas units) and lane of every transaction, and the makespan (0 for an
 *   empty block).
 * @throws {RangeError} when `lanes` is not a positive integer, the lengths differ, a gas value is
 *   negative or an edge does not point forward.
 */
export function listSchedule(
  gasUsed: readonly bigint[],
  predecessors: readonly (readonly number[])[],
  lanes: number,
): ListSchedule {
  assertLanes(lanes);
  if (gasUsed.length !== predecessors.length) {
    throw new RangeError(
      `listSchedule: ${gasUsed.length} gas values but ${predecessors.length} predecessor lists`,
    );
  }
  const n = gasUsed.length;
  // Lanes beyond n are never needed: while fewer than n transactions are placed some lane is
  // still free at time 0, and lanes are chosen lowest index first, so the result is the same.
  const laneFree: bigint[] = new Array(Math.max(1, Math.min(lanes, n))).fill(0n);
  const transactions: ScheduledTransaction[] = [];
  let makespan = 0n;
  for (let j = 0; j < n; j++) {
    if (gasUsed[j] < 0n) throw new RangeError(`listSchedule: negative gas at position ${j}`);
    let ready = 0n;
    for (const p of predecessors[j]) {
      if (!Number.isInteger(p) || p < 0 || p >= j) {
        throw new RangeError(`listSchedule: edge ${p} -> ${j} does not point forward`);
      }
      if (transactions[p].end > ready) ready = transactions[p].end;
    }
    let lane = 0;
    for (let l = 1; l < laneFree.length; l++) if (laneFree[l] < laneFree[lane]) lane = l;
    const start = laneFree[lane] > ready ? laneFree[lane] : ready;
    const end = start + gasUsed[j];
    laneFree[lane] = end;
    transactions.push({ position: j, lane, start, end });
    if (end > makespan) makespan = end;
  }
  return { lanes, makespan, transactions };
}

/**
 * @throws {RangeError} when `lanes` is not an integer ≥ 1.
 */
export function assertLanes(lanes: number): void {
  if (!Number.isSafeInteger(lanes) || lanes < 1) {
    throw new RangeError(`lanes must be an integer >= 1, got ${lanes}`);
  }
}
