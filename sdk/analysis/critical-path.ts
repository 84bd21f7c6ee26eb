/**
 * Critical path: the heaviest chain of the dependency graph, weighted by gas used
 * (docs/design.md §3 "critical path"; the span of the DAG in the work/span model that bounds any
 * schedule, as in Block-STM's evaluation of inherent parallelism).
 */
import type { CriticalPath } from "./types.ts";

/**
 * Computes the critical path of a DAG whose edges point from earlier to later positions.
 *
 * Dynamic programming in position order: the heaviest chain ending at j is j plus the heaviest
 * chain ending at one of j's predecessors. Ties are broken deterministically:
 * 1. the most gas;
 * 2. among equal gas, the most transactions (so zero-gas transactions on a chain are counted and
 *    `length` is the longest chain of maximum gas);
 * 3. among those, at each vertex the predecessor with the lowest position, and as the end of the
 *    path the lowest position.
 *
 * Empty block: `{ gas: 0n, length: 0, transactions: [] }`. A single transaction is a path of
 * length 1 even when it used no gas.
 *
 * @param gasUsed gas used per position (gas), each ≥ 0.
 * @param predecessors `predecessors[j]`: positions j depends on, each < j.
 * @throws {RangeError} when the lengths differ, a gas value is negative or an edge does not point
 *   from an earlier to a later position.
 */
export function criticalPath(
  gasUsed: readonly bigint[],
  predecessors: readonly (readonly number[])[],
): CriticalPath {
  if (gasUsed.length !== predecessors.length) {
    throw new RangeError(
      `criticalPath: ${gasUsed.length} gas values but ${predecessors.length} predecessor lists`,
    );
  }
  const n = gasUsed.length;
  const gas: bigint[] = new Array(n);
  const length: number[] = new Array(n);
  const previous: number[] = new Array(n);
  for (let j = 0; j < n; j++) {
    if (gasUsed[j] < 0n) throw new RangeError(`criticalPath: negative gas at position ${j}`);
    let best = -1;
    for (const p of predecessors[j]) {
      if (!Number.isInteger(p) || p < 0 || p >= j) {
        throw new RangeError(`criticalPath: edge ${p} -> ${j} does not point forward`);
      }
      if (best === -1 || better(gas[p], length[p], p, gas[best], length[best], best)) best = p;
    }
    gas[j] = gasUsed[j] + (best === -1 ? 0n : gas[best]);
    length[j] = 1 + (best === -1 ? 0 : length[best]);
    previous[j] = best;
  }
  let end = -1;
  for (let j = 0; j < n; j++) {
    if (end === -1 || better(gas[j], length[j], j, gas[end], length[end], end)) end = j;
  }
  if (end === -1) return { gas: 0n, length: 0, transactions: [] };
  const transactions: number[] = [];
  for (let j = end; j !== -1; j = previous[j]) transactions.push(j);
  transactions.reverse();
  return { gas: gas[end], length: length[end], transactions };
}

/** Whether chain end a (gas, length, position) beats chain end b under the documented ties. */
function better(
  gasA: bigint,
  lengthA: number,
  positionA: number,
  gasB: bigint,
  lengthB: number,
  positionB: number,
): boolean {
  if (gasA !== gasB) return gasA > gasB;
  if (lengthA !== lengthB) return lengthA > lengthB;
  return positionA < positionB;
}
