/**
 * Dependency graph of a block (docs/design.md §3 "dependency", "dependency graph").
 *
 * Transaction j depends on an earlier transaction i when j read a location that i wrote. For the
 * edges of the DAG this module uses, per location j read, only the **latest** writer before j:
 * that is the version j's read observes in Block-STM's multi-version memory (Gelashvili et al.,
 * PPoPP'23, §3), so it is the only earlier write j's result depends on. An earlier writer whose
 * value was overwritten before j ran does not constrain j (write-after-write is not a dependency
 * under multi-versioning). This choice leaves contention unchanged (j has a dependency under
 * either reading exactly when some earlier transaction wrote a location j read) and gives the
 * tighter, schedulable critical path.
 *
 * Each edge remembers every location that causes it (j may read several locations last written
 * by i); hot-location ranking counts an edge once for each of its causing locations.
 */
import type { LocationKey } from "../engine/location.ts";
import type { AnalysedTransaction, Dependency } from "./types.ts";

/** The dependency DAG of a sequence of transactions. */
export interface DependencyGraph {
  /** Number of transactions (vertices). */
  size: number;
  /** All edges, sorted by `to`, then `from`. */
  dependencies: Dependency[];
  /** `predecessors[j]`: positions j depends on, ascending. */
  predecessors: number[][];
}

/**
 * Builds the dependency graph of `transactions`, taken in array order (position 0 first).
 *
 * Complexity: O(total reads + total writes) map operations, plus sorting each transaction's edges.
 * Fee credits to the coinbase must not appear in the read/write sets (the engine applies them
 * lazily at block end, docs/design.md §3); this function does not filter them.
 */
export function buildDependencyGraph(
  transactions: readonly Pick<AnalysedTransaction, "reads" | "writes">[],
): DependencyGraph {
  const latestWriter = new Map<LocationKey, number>();
  const dependencies: Dependency[] = [];
  const predecessors: number[][] = [];
  transactions.forEach((tx, j) => {
    const causes = new Map<number, Set<LocationKey>>();
    for (const location of tx.reads) {
      const writer = latestWriter.get(location);
      if (writer === undefined) continue;
      let set = causes.get(writer);
      if (set === undefined) {
        set = new Set();
        causes.set(writer, set);
      }
      set.add(location);
    }
    const froms = [...causes.keys()].sort((a, b) => a - b);
    predecessors.push(froms);
    for (const from of froms) {
      dependencies.push({ from, to: j, locations: [...causes.get(from)!].sort() });
    }
    for (const location of tx.writes) latestWriter.set(location, j);
  });
  return { size: transactions.length, dependencies, predecessors };
}
