/**
 * The chain's clock (seconds): wall time plus an offset (evm_increaseTime, a genesis date) and
 * the timestamp fixed for the next block (evm_setNextBlockTimestamp).
 */
import { TimestampNotAfterParentError } from "../errors.ts";

/** What a snapshot keeps of the clock. */
export interface ClockReading {
  offset: bigint;
  next: bigint | undefined;
}

const wallSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export class Clock {
  #offset = 0n;
  #next: bigint | undefined;

  /** The chain's current time (seconds). */
  now(): bigint {
    return wallSeconds() + this.#offset;
  }

  /** Starts the clock at `initialDate` (default: now); returns the genesis timestamp (seconds). */
  start(initialDate: Date | undefined): bigint {
    const timestamp = BigInt(Math.floor((initialDate?.getTime() ?? Date.now()) / 1000));
    if (initialDate !== undefined) this.#offset = timestamp - wallSeconds();
    return timestamp;
  }

  /** Moves the clock forward by `seconds`; returns the total offset (seconds). */
  increaseTime(seconds: bigint): bigint {
    this.#offset += seconds;
    return this.#offset;
  }

  /**
   * Fixes the next block's timestamp (seconds).
   * @throws {TimestampNotAfterParentError} when it is not after `latestTimestamp`.
   */
  setNextBlockTimestamp(timestamp: bigint, latestTimestamp: bigint): void {
    if (timestamp <= latestTimestamp)
      throw new TimestampNotAfterParentError(timestamp, latestTimestamp);
    this.#next = timestamp;
  }

  /** The timestamp a call sees for the block after one stamped `parentTimestamp` (seconds). */
  pendingTimestamp(parentTimestamp: bigint): bigint {
    return maxBig(this.#next ?? this.now(), parentTimestamp + 1n);
  }

  /**
   * The timestamp of the block being mined: `explicit` if given, else the fixed one (the clock
   * then continues from it), else now but after the parent. Clears the fixed timestamp.
   */
  takeBlockTimestamp(explicit: bigint | undefined, parentTimestamp: bigint): bigint {
    const timestamp = explicit ?? this.#next ?? maxBig(this.now(), parentTimestamp + 1n);
    if (explicit === undefined && this.#next !== undefined)
      this.#offset = this.#next - wallSeconds();
    this.#next = undefined;
    return timestamp;
  }

  read(): ClockReading {
    return { offset: this.#offset, next: this.#next };
  }

  restore(reading: ClockReading): void {
    this.#offset = reading.offset;
    this.#next = reading.next;
  }
}
