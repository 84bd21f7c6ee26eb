/**
 * The `declared` executor's schedule: which earlier transactions each transaction of a block must
 * wait for, from declared access alone (no speculation).
 *
 * Transaction j waits for an earlier transaction i when i may write a location j may read
 * (writes imply reads, so two writers of a location are ordered too). Write-after-read needs no
 * edge: a lane reading for j sees only writes of transactions below j (multi-version memory), so a
 * later writer never leaks into an earlier reader. Only the latest earlier writer of each location
 * is kept as an edge: it waits for the writers before it itself. A `*` pattern covers the whole
 * storage of a contract: a `*` reader waits for the latest writer of every slot of it (writers of
 * different slots are not ordered among themselves) and for the latest `*` writer; a `*` writer
 * is then the only writer later `*` readers need. An undeclared transaction runs alone: it waits
 * for every transaction since the previous one that ran alone, and every later transaction waits
 * for it.
 */
import { locationAddress, type LocationKey, isStorageKey } from "../../location.ts";
import type { TransactionAccess } from "./declared-access.ts";

export interface DeclaredSchedule {
  /** `waitsFor[j]`: the earlier transactions j waits for (direct edges, ascending). */
  waitsFor: number[][];
  /** `unblocks[i]`: the later transactions that wait for i. */
  unblocks: number[][];
  /** Transactions scheduled from their declarations. */
  declared: number;
  /** Transactions that run alone. */
  undeclared: number;
  /** The longest chain of waiting transactions (transactions; 1 when none waits). */
  longestChain: number;
}

/** Builds the schedule of a block from its transactions' declared access, in block order. */
export function scheduleByDeclaredAccess(accesses: readonly TransactionAccess[]): DeclaredSchedule {
  const n = accesses.length;
  const waitsFor: number[][] = [];
  const unblocks: number[][] = Array.from({ length: n }, () => []);
  const chain = new Int32Array(n);
  /** Latest declared writer per location; per address, of each storage slot and of `*`. */
  const lastWriter = new Map<LocationKey, number>();
  const slotWriters = new Map<string, Map<LocationKey, number>>();
  const lastWildcardWriter = new Map<string, number>();
  let lastAlone = -1;
  let sinceAlone: number[] = [];
  let declared = 0;
  let longestChain = 0;
  for (let j = 0; j < n; j++) {
    const access = accesses[j];
    const edges = new Set<number>();
    if (access.kind === "undeclared") {
      if (lastAlone >= 0) edges.add(lastAlone);
      for (const i of sinceAlone) edges.add(i);
      lastAlone = j;
      sinceAlone = [];
      // Everything later waits for j, which waits for everything earlier.
      lastWriter.clear();
      slotWriters.clear();
      lastWildcardWriter.clear();
    } else {
      declared++;
      if (lastAlone >= 0) edges.add(lastAlone);
      for (const key of access.reads) {
        const writer = lastWriter.get(key);
        if (writer !== undefined) edges.add(writer);
        if (isStorageKey(key)) {
          const wildcard = lastWildcardWriter.get(locationAddress(key));
          if (wildcard !== undefined) edges.add(wildcard);
        }
      }
      for (const address of access.anyStorageRead) {
        const wildcard = lastWildcardWriter.get(address);
        if (wildcard !== undefined) edges.add(wildcard);
        for (const writer of slotWriters.get(address)?.values() ?? []) edges.add(writer);
      }
      for (const key of access.writes) {
        lastWriter.set(key, j);
        if (isStorageKey(key)) {
          const address = locationAddress(key);
          let writers = slotWriters.get(address);
          if (writers === undefined) {
            writers = new Map();
            slotWriters.set(address, writers);
          }
          writers.set(key, j);
        }
      }
      for (const address of access.anyStorageWrite) {
        // j waited for every writer of the contract's storage: later `*` readers need only j.
        lastWildcardWriter.set(address, j);
        slotWriters.delete(address);
      }
      sinceAlone.push(j);
    }
    const sorted = [...edges].sort((a, b) => a - b);
    waitsFor.push(sorted);
    let depth = 0;
    for (const i of sorted) {
      unblocks[i].push(j);
      if (chain[i] > depth) depth = chain[i];
    }
    chain[j] = depth + 1;
    if (chain[j] > longestChain) longestChain = chain[j];
  }
  return { waitsFor, unblocks, declared, undeclared: n - declared, longestChain };
}
