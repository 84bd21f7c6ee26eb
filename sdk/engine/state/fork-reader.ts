/**
 * The state a forked chain does not hold locally: what the world state asks of the fork's
 * remote reads, and the error that tells the layers above that a location has not been read
 * from the remote yet (docs/design.md §4 "Forking").
 *
 * Reads are synchronous everywhere in the engine, remote reads are not: a read of a location
 * that is neither local nor cached throws {@link MissingStateError} before anything changes;
 * the async layer that caught it (the transaction state's EVM hooks, the JSON-RPC provider, a
 * Block-STM coordinator) loads the locations and tries again.
 */
import type { LocationKey } from "../location.ts";

/** Remote values of the fork block, as far as they have been read. */
export interface ForkReader {
  /** The value at the fork block, or undefined when it has not been read from the remote yet. */
  peek(key: LocationKey): bigint | undefined;
  /** Code bytes by code hash, when known. */
  code(codeHash: bigint): Uint8Array | undefined;
}

/** A read of locations whose remote value is not known yet; nothing changed before it was thrown. */
export class MissingStateError extends Error {
  readonly keys: LocationKey[];
  constructor(keys: LocationKey[]) {
    super(`state not loaded from the fork's remote yet: ${keys.join(", ")}`);
    this.name = "MissingStateError";
    this.keys = keys;
  }
}

/**
 * In a block's undo diff: "the remote value at the fork block" (the location had not been read
 * from the remote when it was first written). Real values are never negative.
 */
export const REMOTE_VALUE = -1n;

/** A fork reader that knows nothing: a Block-STM lane's replica, fed by its coordinator. */
export const NOTHING_LOADED: ForkReader = {
  peek: () => undefined,
  code: () => undefined,
};
