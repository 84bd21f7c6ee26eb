/**
 * Hot locations: the locations that cause dependencies (docs/design.md §3 "hot location"), ranked by
 * the number of dependency edges they cause, each with the functions that wrote and read it.
 */
import { shortenLabel } from "../access/decode.ts";
import {
  isStorageKey,
  locationAddress,
  parseLocationKey,
  type LocationKey,
} from "../engine/location.ts";
import { contractNamesByAddress, functionRef, labelLocation } from "./labels.ts";
import { remedyContext, remedyFor } from "./remedies.ts";
import type {
  AnalysedTransaction,
  Dependency,
  FunctionCount,
  FunctionRef,
  HotLocation,
  LocationDecoder,
} from "./types.ts";

/**
 * Ranks the locations that cause `dependencies`.
 *
 * Counting: every edge adds 1 to each location in its `locations` (an edge caused by two
 * locations counts for both), and 1 to the writer's and the reader's (contract, function) pair
 * for that location.
 *
 * Order: most dependencies first; ties by label, then by location key. Writers and readers:
 * most dependencies first, ties by contract then function name.
 *
 * @param transactions the analysed transactions, by position (`dependencies` refer to positions).
 * Each location gets a `remedy` when its name and access match a known pattern
 * (`remedies.ts`); sender- and creation-order hints only with `options.order`.
 *
 * @param decode optional location decoder for labels (see {@link LocationDecoder}).
 * @param options.order whether `dependencies` include sender and creation order (the
 *   `includingOrder` ranking). Default false.
 * @throws {RangeError} when an edge refers to a position outside `transactions`.
 */
export function rankHotLocations(
  transactions: readonly AnalysedTransaction[],
  dependencies: readonly Dependency[],
  decode?: LocationDecoder,
  options: { order?: boolean } = {},
): HotLocation[] {
  const names = contractNamesByAddress(transactions);
  const context = remedyContext(transactions, options.order === true);
  const tallies = new Map<LocationKey, Tally>();
  for (const dependency of dependencies) {
    const writer = transactions[dependency.from];
    const reader = transactions[dependency.to];
    if (writer === undefined || reader === undefined) {
      throw new RangeError(
        `rankHotLocations: dependency ${dependency.from} -> ${dependency.to} is outside the ${transactions.length} transactions`,
      );
    }
    for (const location of dependency.locations) {
      let tally = tallies.get(location);
      if (tally === undefined) {
        tally = {
          dependencies: 0,
          writers: new Map(),
          readers: new Map(),
          transactions: new Set(),
        };
        tallies.set(location, tally);
      }
      tally.dependencies += 1;
      tally.transactions?.add(dependency.from).add(dependency.to);
      bump(tally.writers, functionRef(writer), 1);
      bump(tally.readers, functionRef(reader), 1);
    }
  }
  const hot: HotLocation[] = [];
  for (const [location, tally] of tallies) {
    const address = locationAddress(location);
    const labelled = labelLocation(location, decode);
    const { decoded } = labelled;
    const likely = decoded ? undefined : likelyMapping(location, tally, transactions, decode);
    const parsed = parseLocationKey(location);
    const label =
      likely === undefined || parsed.kind !== "storage"
        ? labelled.label
        : `${likely}[?] (slot ${shortenLabel(parsed.slot)})`;
    const contract = names.get(address);
    const writers = sortCounts(tally.writers);
    const readers = sortCounts(tally.readers);
    const remedy = remedyFor({ location, label, decoded, writers, readers }, context);
    hot.push({
      location,
      address,
      label,
      decoded,
      ...(likely === undefined ? {} : { likely }),
      ...(contract === undefined ? {} : { contract }),
      dependencies: tally.dependencies,
      writers,
      readers,
      ...(remedy === undefined ? {} : { remedy }),
    });
  }
  return sortHotLocations(hot);
}

/**
 * Merges hot-location lists (e.g. of the blocks of one test): dependency counts and function
 * counts are summed per location; label, `decoded` and `contract` come from the first list that
 * has the location (a decoded label is preferred over a default one). Same order as
 * {@link rankHotLocations}.
 */
export function mergeHotLocations(lists: readonly (readonly HotLocation[])[]): HotLocation[] {
  const merged = new Map<LocationKey, { base: HotLocation; tally: Tally }>();
  for (const list of lists) {
    for (const hot of list) {
      let entry = merged.get(hot.location);
      if (entry === undefined) {
        entry = { base: hot, tally: { dependencies: 0, writers: new Map(), readers: new Map() } };
        merged.set(hot.location, entry);
      } else if (!entry.base.decoded && hot.decoded) {
        entry.base = { ...hot, contract: entry.base.contract ?? hot.contract };
      } else if (entry.base.contract === undefined && hot.contract !== undefined) {
        entry.base = { ...entry.base, contract: hot.contract };
      }
      entry.tally.dependencies += hot.dependencies;
      for (const w of hot.writers) bump(entry.tally.writers, w, w.dependencies);
      for (const r of hot.readers) bump(entry.tally.readers, r, r.dependencies);
    }
  }
  const result: HotLocation[] = [];
  for (const { base, tally } of merged.values()) {
    const { contract, ...rest } = base;
    result.push({
      ...rest,
      ...(contract === undefined ? {} : { contract }),
      dependencies: tally.dependencies,
      writers: sortCounts(tally.writers),
      readers: sortCounts(tally.readers),
    });
  }
  return sortHotLocations(result);
}

interface Tally {
  dependencies: number;
  writers: Map<string, FunctionCount>;
  readers: Map<string, FunctionCount>;
  /** Positions of the transactions on the location's edges (ranking only, not merging). */
  transactions?: Set<number>;
}

/**
 * The decoder's guess for an undecoded storage slot, from the other slots of the same contract
 * that the transactions on its edges touched (e.g. `Token._balances[0xf39f…]` beside it).
 */
function likelyMapping(
  location: LocationKey,
  tally: Tally,
  transactions: readonly AnalysedTransaction[],
  decode: LocationDecoder | undefined,
): string | undefined {
  if (decode?.likelyMapping === undefined || !isStorageKey(location)) return undefined;
  const address = locationAddress(location);
  const neighbours = new Set<LocationKey>();
  for (const position of tally.transactions ?? []) {
    const tx = transactions[position];
    for (const key of [...(tx?.reads ?? []), ...(tx?.writes ?? [])])
      if (key !== location && isStorageKey(key) && locationAddress(key) === address)
        neighbours.add(key);
  }
  return decode.likelyMapping(location, [...neighbours]);
}

function bump(map: Map<string, FunctionCount>, ref: FunctionRef, by: number): void {
  const key = `${ref.contract}\u0000${ref.function}`;
  const entry = map.get(key);
  if (entry === undefined) {
    map.set(key, { contract: ref.contract, function: ref.function, dependencies: by });
  } else {
    entry.dependencies += by;
  }
}

function sortCounts(map: Map<string, FunctionCount>): FunctionCount[] {
  return [...map.values()].sort(
    (a, b) =>
      b.dependencies - a.dependencies ||
      compare(a.contract, b.contract) ||
      compare(a.function, b.function),
  );
}

function sortHotLocations(hot: HotLocation[]): HotLocation[] {
  return hot.sort(
    (a, b) =>
      b.dependencies - a.dependencies ||
      compare(a.label, b.label) ||
      compare(a.location, b.location),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
