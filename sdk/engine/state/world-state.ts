/**
 * The committed state of a chain: a flat map from location to value with an undo journal.
 *
 * Why not `@ethereumjs/statemanager`: its `SimpleStateManager` copies the whole state on every
 * checkpoint (docs/design.md §6). Here a checkpoint is a position in the journal, so its cost does not
 * grow with the state: `evm_snapshot` is O(1) and `evm_revert` is O(changes since).
 * Per-transaction checkpoints live in {@link TxState}, not here; this journal only records
 * changes while at least one snapshot is open (it is cleared otherwise), as ethereumjs's
 * journaled state does.
 *
 * Forked (a {@link ForkReader} given): a location never written locally reads as the fork
 * block's remote value; one not loaded yet throws {@link MissingStateError} (fork-reader.ts).
 * Local writes shadow remote values, zeros included; undoing the first local write of a
 * location makes it remote again.
 */
import { codeKey, type LocationKey, isStorageKey, locationAddress } from "../location.ts";
import { type ForkReader, MissingStateError, REMOTE_VALUE } from "./fork-reader.ts";
import type { StateReader } from "./state-reader.ts";

interface UndoEntry {
  key: LocationKey;
  /** The previous value; `undefined` when the location was absent. */
  previous: bigint | undefined;
  /** Forked: the location had no local value (undo makes it read the remote again). */
  remote?: boolean;
}

const EMPTY = new Uint8Array();

export class WorldState implements StateReader {
  readonly #values = new Map<LocationKey, bigint>();
  /** Storage keys per address (lowercase), for `clearStorage` and storage dumps. */
  readonly #slots = new Map<string, Set<LocationKey>>();
  readonly #codes = new Map<bigint, Uint8Array>();
  readonly #journal: UndoEntry[] = [];
  #openSnapshots = 0;
  #diff: Map<LocationKey, bigint> | undefined;
  /** Live sets of changed keys, one per watcher (see {@link watchChanges}). */
  readonly #watchers = new Set<Set<LocationKey>>();
  /** Forked: the remote values; undefined for a chain of its own. */
  readonly #fork: ForkReader | undefined;
  /** Forked: every location written locally (zeros too: they shadow remote values). */
  readonly #local = new Set<LocationKey>();

  /** @param fork the remote values of a forked chain (none: every absent location is zero). */
  constructor(fork?: ForkReader) {
    this.#fork = fork;
  }

  /** Whether the state is a fork's (absent locations are remote, not zero). */
  get forked(): boolean {
    return this.#fork !== undefined;
  }

  /** @throws {MissingStateError} forked, for a location neither local nor loaded yet. */
  read(key: LocationKey): bigint {
    const value = this.#values.get(key);
    if (value !== undefined || this.#fork === undefined) return value ?? 0n;
    return this.#local.has(key) ? 0n : this.remoteRead(key);
  }

  /**
   * The fork block's value of a location (0n when not forked).
   * @throws {MissingStateError} when it has not been loaded yet.
   */
  remoteRead(key: LocationKey): bigint {
    if (this.#fork === undefined) return 0n;
    const remote = this.#fork.peek(key);
    if (remote === undefined) throw new MissingStateError([key]);
    return remote;
  }

  /** The value of a location, or undefined (forked) when it is remote and not loaded yet. */
  readLoaded(key: LocationKey): bigint | undefined {
    const value = this.#values.get(key);
    if (value !== undefined || this.#fork === undefined || this.#local.has(key)) return value ?? 0n;
    return this.#fork.peek(key);
  }

  /**
   * Forked: drops the local value of a location (not journaled), so it reads the remote again;
   * a Block-STM lane's replica does this for a location whose local write was undone.
   */
  forget(key: LocationKey): void {
    this.#values.delete(key);
    this.#local.delete(key);
    if (isStorageKey(key)) this.#slots.get(locationAddress(key))?.delete(key);
  }

  /** Forked: tells the watchers of locations loaded from the remote (their value is known now). */
  noteLoaded(keys: Iterable<LocationKey>): void {
    for (const key of keys)
      if (!this.#local.has(key)) for (const changes of this.#watchers) changes.add(key);
  }

  code(codeHash: bigint): Uint8Array {
    return this.#codes.get(codeHash) ?? this.#fork?.code(codeHash) ?? EMPTY;
  }

  /** The code of an account (empty when it has none). */
  codeAt(address: string): Uint8Array {
    return this.code(this.read(codeKey(address)));
  }

  *storageOf(address: string): Iterable<[LocationKey, bigint]> {
    const keys = this.#slots.get(address.toLowerCase());
    if (keys === undefined) return;
    for (const key of keys) yield [key, this.#values.get(key) ?? 0n];
  }

  /** Registers code bytes under their hash (content-addressed, never journaled). */
  putCode(codeHash: bigint, code: Uint8Array): void {
    if (codeHash !== 0n) this.#codes.set(codeHash, code);
  }

  /** Sets a location; zero deletes it. Journaled while a snapshot is open. */
  write(key: LocationKey, value: bigint): void {
    if (this.#fork !== undefined) {
      this.#writeForked(key, value);
      return;
    }
    const previous = this.#values.get(key);
    if (previous === value || (previous === undefined && value === 0n)) return;
    if (this.#openSnapshots > 0) this.#journal.push({ key, previous });
    if (this.#diff !== undefined && !this.#diff.has(key)) this.#diff.set(key, previous ?? 0n);
    this.#set(key, value);
  }

  #writeForked(key: LocationKey, value: bigint): void {
    const stored = this.#values.get(key);
    const remote = stored === undefined && !this.#local.has(key);
    const before = remote ? this.#fork!.peek(key) : (stored ?? 0n);
    if (before === value) return;
    if (this.#openSnapshots > 0) this.#journal.push({ key, previous: stored, remote });
    if (this.#diff !== undefined && !this.#diff.has(key))
      this.#diff.set(key, before ?? REMOTE_VALUE);
    this.#set(key, value);
  }

  /** Applies a transaction's writes in order. */
  writeAll(writes: Iterable<[LocationKey, bigint]>): void {
    for (const [key, value] of writes) this.write(key, value);
  }

  /** Starts recording the previous value of every location written (a block's undo diff). */
  beginDiff(): void {
    this.#diff = new Map();
  }

  /** Stops recording and returns `location → value before the first write`. */
  endDiff(): Map<LocationKey, bigint> {
    const diff = this.#diff ?? new Map<LocationKey, bigint>();
    this.#diff = undefined;
    return diff;
  }

  /**
   * Starts recording the key of every location whose value changes from now on, whatever the
   * cause (a block's writes, `hardhat_setStorageAt`, `evm_revert`, ...). Returns the live set:
   * the watcher reads and clears it as it consumes the changes. Lanes keep their replica of
   * committed state exact this way. Stop with {@link unwatchChanges}.
   */
  watchChanges(): Set<LocationKey> {
    const changes = new Set<LocationKey>();
    this.#watchers.add(changes);
    return changes;
  }

  /** Stops recording into a set returned by {@link watchChanges}. */
  unwatchChanges(changes: Set<LocationKey>): void {
    this.#watchers.delete(changes);
  }

  /** Opens a snapshot and returns its id (a journal position). */
  snapshot(): number {
    this.#openSnapshots++;
    return this.#journal.length;
  }

  /**
   * Restores the state of snapshot `id`, undoing every write since.
   * @throws {RangeError} when `id` is not a position of the journal.
   */
  revertTo(id: number): void {
    if (id < 0 || id > this.#journal.length) throw new RangeError(`unknown snapshot ${id}`);
    while (this.#journal.length > id) {
      const { key, previous, remote } = this.#journal.pop()!;
      if (remote === true) {
        this.#values.delete(key);
        this.#local.delete(key);
        if (isStorageKey(key)) this.#slots.get(locationAddress(key))?.delete(key);
        for (const changes of this.#watchers) changes.add(key);
      } else this.#set(key, previous ?? 0n);
    }
  }

  /** Closes a snapshot without reverting; the journal is dropped when none is open. */
  releaseSnapshot(): void {
    if (this.#openSnapshots > 0) this.#openSnapshots--;
    if (this.#openSnapshots === 0) this.#journal.length = 0;
  }

  /** Number of non-zero locations (for diagnostics). */
  get size(): number {
    return this.#values.size;
  }

  /** Every non-zero location, e.g. to seed a worker's replica. */
  entries(): IterableIterator<[LocationKey, bigint]> {
    return this.#values.entries();
  }

  /** Every known code, by hash. */
  codes(): IterableIterator<[bigint, Uint8Array]> {
    return this.#codes.entries();
  }

  /**
   * What a Block-STM lane's replica starts from: every non-zero location, and forked, also
   * every location written to zero and every remote value loaded (`fork` = the same reader).
   */
  *replicaEntries(fork?: {
    entries(): Iterable<[LocationKey, bigint]>;
  }): Iterable<[LocationKey, bigint]> {
    yield* this.#values.entries();
    if (this.#fork === undefined) return;
    for (const key of this.#local) if (!this.#values.has(key)) yield [key, 0n];
    if (fork !== undefined)
      for (const [key, value] of fork.entries()) if (!this.#local.has(key)) yield [key, value];
  }

  #set(key: LocationKey, value: bigint): void {
    for (const changes of this.#watchers) changes.add(key);
    if (this.#fork !== undefined) this.#local.add(key);
    const isStorage = isStorageKey(key);
    if (value === 0n) {
      this.#values.delete(key);
      if (isStorage) this.#slots.get(locationAddress(key))?.delete(key);
      return;
    }
    this.#values.set(key, value);
    if (isStorage) {
      const address = locationAddress(key);
      let keys = this.#slots.get(address);
      if (keys === undefined) {
        keys = new Set();
        this.#slots.set(address, keys);
      }
      keys.add(key);
    }
  }
}
