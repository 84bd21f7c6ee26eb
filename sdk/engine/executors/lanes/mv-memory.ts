/**
 * Multi-version memory of Block-STM (Gelashvili et al., PPoPP 2023, §3 "MVMemory"): for every
 * location, the values written by the transactions of the block, each tagged with the writer's
 * index and incarnation, or an ESTIMATE marker when the writer's last incarnation was aborted.
 * A reader at index `i` sees the entry of the highest writer below `i`, else committed state.
 *
 * The coordinator owns the authoritative instance; each lane keeps a copy fed by pushes
 * (see `docs/block-stm.md`). Fee credits to the coinbase are kept per transaction, outside
 * the location map, because they are applied lazily (pevm) and never create dependencies.
 */
import { isStorageKey, type LocationKey, locationAddress } from "../../location.ts";

/** One version of a location. */
export interface MVEntry {
  tx: number;
  incarnation: number;
  value: bigint;
  /** ESTIMATE marker: the writer was aborted; its next incarnation will probably write here. */
  estimate: boolean;
}

/** What changed when an incarnation's write set was recorded. */
export interface RecordChange {
  /** Locations whose visible value changed for readers above the writer (added, removed, new value). */
  changed: LocationKey[];
  /** Whether the writer's fee credit changed (affects readers of the coinbase balance). */
  feeChanged: boolean;
}

export class MVMemory {
  readonly #data = new Map<LocationKey, MVEntry[]>();
  /** Last recorded write set per transaction. */
  readonly #written: Array<Map<LocationKey, bigint> | undefined>;
  /** Fee credit per transaction (wei); undefined while unknown. */
  readonly feeCredits: Array<bigint | undefined>;
  /** Storage keys written in the block, per address (for storage enumeration). */
  readonly #storageKeys = new Map<string, Set<LocationKey>>();

  /** `#creditSums[t]`: sum of the fee credits of 0..t−1 (unknown ones as 0), valid for t ≤ `#sumsValid`. */
  readonly #creditSums: bigint[];
  /** `#unknownCredits[t]`: how many of the credits of 0..t−1 are unknown, valid for t ≤ `#sumsValid`. */
  readonly #unknownCredits: Int32Array;
  #sumsValid = 0;

  constructor(size: number) {
    this.#written = new Array(size);
    this.feeCredits = new Array(size);
    this.#creditSums = new Array(size + 1);
    this.#creditSums[0] = 0n;
    this.#unknownCredits = new Int32Array(size + 1);
  }

  /** The write set last recorded for `tx` (undefined before its first incarnation finished). */
  writesOf(tx: number): Map<LocationKey, bigint> | undefined {
    return this.#written[tx];
  }

  /**
   * Records the write set of incarnation `incarnation` of `tx`, replacing its previous one
   * (locations no longer written are removed; ESTIMATE markers are cleared).
   */
  record(
    tx: number,
    incarnation: number,
    writes: Map<LocationKey, bigint>,
    feeCredit: bigint,
  ): RecordChange {
    const changed: LocationKey[] = [];
    const previous = this.#written[tx];
    if (previous !== undefined) {
      for (const key of previous.keys()) {
        if (!writes.has(key)) {
          this.#remove(key, tx);
          changed.push(key);
        }
      }
    }
    for (const [key, value] of writes) {
      let entries = this.#data.get(key);
      if (entries === undefined) {
        entries = [];
        this.#data.set(key, entries);
        if (isStorageKey(key)) {
          const address = locationAddress(key);
          let keys = this.#storageKeys.get(address);
          if (keys === undefined) {
            keys = new Set();
            this.#storageKeys.set(address, keys);
          }
          keys.add(key);
        }
      }
      const at = position(entries, tx);
      const entry = entries[at];
      if (entry !== undefined && entry.tx === tx) {
        if (entry.value !== value || previous?.get(key) !== value) changed.push(key);
        entry.value = value;
        entry.incarnation = incarnation;
        entry.estimate = false;
      } else {
        entries.splice(at, 0, { tx, incarnation, value, estimate: false });
        changed.push(key);
      }
    }
    this.#written[tx] = writes;
    const feeChanged = this.feeCredits[tx] !== feeCredit;
    this.feeCredits[tx] = feeCredit;
    if (feeChanged && tx < this.#sumsValid) this.#sumsValid = tx;
    return { changed, feeChanged };
  }

  /** Marks every location written by `tx` as ESTIMATE (its incarnation was aborted); returns them. */
  markEstimate(tx: number): LocationKey[] {
    const previous = this.#written[tx];
    if (previous === undefined) return [];
    for (const key of previous.keys()) {
      const entries = this.#data.get(key)!;
      const entry = entries[position(entries, tx)];
      if (entry !== undefined && entry.tx === tx) entry.estimate = true;
    }
    return [...previous.keys()];
  }

  /** The entry a reader at index `tx` sees for `key`: the highest writer below `tx`, or undefined. */
  lookup(key: LocationKey, tx: number): MVEntry | undefined {
    const entries = this.#data.get(key);
    if (entries === undefined) return undefined;
    const at = position(entries, tx) - 1;
    return at >= 0 ? entries[at] : undefined;
  }

  /** The index of the first writer of `key` above `tx`, or `size` when there is none. */
  nextWriter(key: LocationKey, tx: number, size: number): number {
    const entries = this.#data.get(key);
    if (entries === undefined) return size;
    const at = position(entries, tx + 1);
    return at < entries.length ? entries[at].tx : size;
  }

  /** Storage keys of `address` written by any transaction of the block. */
  storageKeysOf(address: string): Iterable<LocationKey> {
    return this.#storageKeys.get(address) ?? [];
  }

  /**
   * The coinbase balance a reader at `tx` must see under lazy fee credit: the latest lower
   * write (or `committed`) plus the fee credits of every transaction from that writer up to
   * `tx - 1` (the writer's own credit is applied after its writes, as in sequential order).
   * Undefined when a needed credit or write is not known yet (or is an ESTIMATE), unless
   * `guess` (a lane's best guess, validated later) counts unknown credits as zero.
   */
  coinbaseBalance(
    key: LocationKey,
    tx: number,
    committed: bigint,
    guess = false,
  ): bigint | undefined {
    const entry = this.lookup(key, tx);
    if (entry?.estimate && !guess) return undefined;
    const from = entry === undefined ? 0 : entry.tx;
    const base = entry === undefined ? committed : entry.value;
    if (from >= tx) return base;
    // Prefix sums, extended lazily from the lowest credit that changed: O(1) amortised per
    // call instead of O(tx) (every transaction's fee payment reads the coinbase balance).
    const sums = this.#creditSums;
    const unknown = this.#unknownCredits;
    for (let t = this.#sumsValid; t < tx; t++) {
      const credit = this.feeCredits[t];
      sums[t + 1] = sums[t] + (credit ?? 0n);
      unknown[t + 1] = unknown[t] + (credit === undefined ? 1 : 0);
    }
    if (tx > this.#sumsValid) this.#sumsValid = tx;
    if (!guess && unknown[tx] !== unknown[from]) return undefined;
    return base + (sums[tx] - sums[from]);
  }

  #remove(key: LocationKey, tx: number): void {
    const entries = this.#data.get(key);
    if (entries === undefined) return;
    const at = position(entries, tx);
    if (entries[at]?.tx === tx) entries.splice(at, 1);
  }
}

/** Index of the first entry with `entry.tx >= tx` (binary search; entries sorted by tx). */
function position(entries: MVEntry[], tx: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].tx < tx) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
