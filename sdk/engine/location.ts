/**
 * Locations: the units of state a transaction can read or write (docs/design.md §3).
 *
 * A location is an account's balance, nonce or code, or one storage slot `(address, slot)`.
 * They follow pevm's `MemoryLocation` and EIP-7928's split of an account into balance, nonce,
 * code and storage. Everywhere in the engine and the analysis a location is handled as a
 * {@link LocationKey}: a short canonical string, cheap to hash, compare and send to a worker.
 *
 * Key format (all hex lowercase, addresses 20 bytes, slots 32 bytes, `0x`-prefixed):
 * - `b:0x<address>` — balance (wei)
 * - `n:0x<address>` — nonce
 * - `c:0x<address>` — code (value: the code hash)
 * - `s:0x<address>:0x<slot>` — storage slot
 */
import type { Address, Hex } from "viem";

/** One location, in structured form. */
export type Location =
  | { kind: "balance"; address: Address }
  | { kind: "nonce"; address: Address }
  | { kind: "code"; address: Address }
  | { kind: "storage"; address: Address; slot: Hex };

declare const locationKeyBrand: unique symbol;

/**
 * A {@link Location} in its canonical string form (see the module doc for the format). Branded:
 * only the constructors below ({@link balanceKey}, {@link nonceKey}, {@link codeKey},
 * {@link storageKey}, {@link locationKey}, {@link asLocationKey}) make one, and the accessors
 * ({@link locationKind}, {@link locationAddress}, {@link locationSlot}) take one apart, so no
 * other code depends on the format.
 */
export type LocationKey = string & { readonly [locationKeyBrand]: true };

/**
 * One location with the value it had when read, or the value it was given when written.
 * Values are `0x`-prefixed hex: balance and nonce as quantities (`0x0`, `0x1bc16d674ec80000`),
 * storage as a 32-byte word, code as its keccak-256 code hash.
 */
export interface LocationValue {
  location: LocationKey;
  value: Hex;
}

/** Read and write sets of one transaction (docs/design.md §3). */
export interface ReadWriteSet {
  /** Locations read, with the value seen (first read wins; reads of own writes are not reads). */
  reads: LocationValue[];
  /**
   * Locations written, with the value at the end of the transaction. Following EIP-7928, a
   * location counts as written only when its value at the end of the transaction differs from
   * its value at the start; a write that leaves the value unchanged is recorded as a read.
   */
  writes: LocationValue[];
}

const PAD_SLOT = 64;

/** Normalises a 32-byte slot to lowercase, 0x-prefixed, 64 hex digits. */
export function normalizeSlot(slot: Hex | bigint): Hex {
  const hex = typeof slot === "bigint" ? slot.toString(16) : slot.slice(2).toLowerCase();
  if (hex.length > PAD_SLOT) throw new RangeError(`slot ${slot} is wider than 32 bytes`);
  return `0x${hex.padStart(PAD_SLOT, "0")}`;
}

/** Builds the key of a balance location. `address` must be a 20-byte hex address. */
export const balanceKey = (address: string): LocationKey =>
  `b:${address.toLowerCase()}` as LocationKey;
/** Builds the key of a nonce location. */
export const nonceKey = (address: string): LocationKey =>
  `n:${address.toLowerCase()}` as LocationKey;
/** Builds the key of a code location. */
export const codeKey = (address: string): LocationKey =>
  `c:${address.toLowerCase()}` as LocationKey;
/** Builds the key of a storage location; `slot` is normalised to 32 bytes. */
export const storageKey = (address: string, slot: Hex | bigint): LocationKey =>
  `s:${address.toLowerCase()}:${normalizeSlot(slot)}` as LocationKey;

/** Turns a {@link Location} into its key. */
export function locationKey(location: Location): LocationKey {
  switch (location.kind) {
    case "balance":
      return balanceKey(location.address);
    case "nonce":
      return nonceKey(location.address);
    case "code":
      return codeKey(location.address);
    case "storage":
      return storageKey(location.address, location.slot);
  }
}

/**
 * Parses a key back into a {@link Location}.
 * @throws {Error} when the key is not in the format of the module doc.
 */
export function parseLocationKey(key: string): Location {
  const kind = key[0];
  const address = key.slice(2, 44) as Address;
  if (key[1] !== ":" || !/^0x[0-9a-f]{40}$/.test(address)) {
    throw new Error(`invalid location key "${key}"`);
  }
  if (kind === "b" && key.length === 44) return { kind: "balance", address };
  if (kind === "n" && key.length === 44) return { kind: "nonce", address };
  if (kind === "c" && key.length === 44) return { kind: "code", address };
  if (kind === "s" && key[44] === ":" && /^0x[0-9a-f]{64}$/.test(key.slice(45))) {
    return { kind: "storage", address, slot: key.slice(45) as Hex };
  }
  throw new Error(`invalid location key "${key}"`);
}

/**
 * Checks a string (from JSON, a worker message, a test) and types it as a key.
 * @throws {Error} when the string is not a key in the format of the module doc.
 */
export function asLocationKey(key: string): LocationKey {
  parseLocationKey(key);
  return key as LocationKey;
}

/** The kind of a location: `"balance"`, `"nonce"`, `"code"` or `"storage"`. */
export function locationKind(key: LocationKey): Location["kind"] {
  return KIND_OF_TAG[key.charCodeAt(0)] as Location["kind"];
}

const KIND_OF_TAG: Record<number, Location["kind"]> = {
  [0x62 /* b */]: "balance",
  [0x6e /* n */]: "nonce",
  [0x63 /* c */]: "code",
  [0x73 /* s */]: "storage",
};

/** Whether the key is a storage slot's (cheap: one character code, used on hot paths). */
export const isStorageKey = (key: LocationKey): boolean => key.charCodeAt(0) === 0x73; // "s"

/** The address a location belongs to (lowercase). */
export const locationAddress = (key: LocationKey): Address => key.slice(2, 44) as Address;

/**
 * The slot of a storage location (32 bytes, lowercase, `0x`-prefixed).
 * @throws {Error} when the key is not a storage key.
 */
export function locationSlot(key: LocationKey): Hex {
  if (!isStorageKey(key)) throw new Error(`location key "${key}" is not a storage slot`);
  return key.slice(45) as Hex;
}
