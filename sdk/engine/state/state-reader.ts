/**
 * The read side of chain state, as the transaction layer sees it.
 *
 * Every value is a bigint: balance (wei), nonce, storage word, and code as its keccak-256 code
 * hash (0n for an account without code, so an absent account reads as all zeros). Code bytes
 * are fetched by hash. The same interface backs the committed world state (sequential
 * execution) and a Block-STM lane's view of multi-version memory.
 */
import type { LocationKey } from "../location.ts";

export interface StateReader {
  /** The value of a location (see {@link LocationKey}); 0n when never written. */
  read(key: LocationKey): bigint;
  /** Code bytes by code hash; an empty array for 0n or an unknown hash. */
  code(codeHash: bigint): Uint8Array;
  /** The non-zero storage slots of an account, as `[slot key, value]` pairs. */
  storageOf(address: string): Iterable<[LocationKey, bigint]>;
}

/** keccak-256 of the empty byte string: the code hash of an account without code. */
export const EMPTY_CODE_HASH = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470n;
