/**
 * Read-only views derived from another state: historical state at an earlier block (by undoing
 * later blocks' diffs) and `eth_call` state overrides. Nothing here is ever written back.
 */
import { REMOTE_VALUE } from "./fork-reader.ts";
import type { StateReader } from "./state-reader.ts";
import { isStorageKey, type LocationKey, locationAddress } from "../location.ts";

/**
 * The state as it was after an earlier block: `diffs` are the undo maps of the blocks mined
 * after it, newest first; the first diff that has a location gives its old value.
 */
export class HistoricalState implements StateReader {
  private readonly current: StateReader & { remoteRead?(key: LocationKey): bigint };
  private readonly diffs: Array<Map<LocationKey, bigint>>;
  constructor(
    current: StateReader & { remoteRead?(key: LocationKey): bigint },
    diffs: Array<Map<LocationKey, bigint>>,
  ) {
    this.current = current;
    this.diffs = diffs;
  }
  read(key: LocationKey): bigint {
    let value: bigint | undefined;
    for (const diff of this.diffs) {
      const old = diff.get(key);
      if (old !== undefined) value = old;
    }
    if (value === undefined) return this.current.read(key);
    // A forked location first written after the block: its value then was the remote one.
    return value === REMOTE_VALUE ? (this.current.remoteRead?.(key) ?? 0n) : value;
  }
  code(hash: bigint): Uint8Array {
    return this.current.code(hash);
  }
  *storageOf(address: string): Iterable<[LocationKey, bigint]> {
    const seen = new Set<LocationKey>();
    for (const [key] of this.current.storageOf(address)) seen.add(key);
    for (const diff of this.diffs)
      for (const key of diff.keys()) if (key.startsWith(`s:${address}`)) seen.add(key);
    for (const key of seen) {
      const value = this.read(key);
      if (value !== 0n) yield [key, value];
    }
  }
}

/** Overrides on top of a state (eth_call's state override set). */
export class OverriddenState implements StateReader {
  private readonly base: StateReader;
  private readonly values: Map<LocationKey, bigint>;
  /** Accounts whose whole storage is replaced (`state`), lowercase. */
  private readonly replacedStorage: Set<string>;
  private readonly codes: Map<bigint, Uint8Array>;
  constructor(
    base: StateReader,
    values: Map<LocationKey, bigint>,
    replacedStorage: Set<string>,
    codes: Map<bigint, Uint8Array>,
  ) {
    this.base = base;
    this.values = values;
    this.replacedStorage = replacedStorage;
    this.codes = codes;
  }
  read(key: LocationKey): bigint {
    const value = this.values.get(key);
    if (value !== undefined) return value;
    if (isStorageKey(key) && this.replacedStorage.has(locationAddress(key))) return 0n;
    return this.base.read(key);
  }
  code(hash: bigint): Uint8Array {
    return this.codes.get(hash) ?? this.base.code(hash);
  }
  *storageOf(address: string): Iterable<[LocationKey, bigint]> {
    const a = address.toLowerCase();
    if (!this.replacedStorage.has(a)) {
      for (const [key, value] of this.base.storageOf(a))
        if (!this.values.has(key)) yield [key, value];
    }
    for (const [key, value] of this.values)
      if (key.startsWith(`s:${a}`) && value !== 0n) yield [key, value];
  }
}
