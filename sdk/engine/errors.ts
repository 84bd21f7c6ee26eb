/**
 * The engine's domain errors: what went wrong, with the values involved, and no protocol in
 * them. `sdk/rpc/engine-errors.ts` turns each into a JSON-RPC error with the code and the exact
 * message text of Hardhat's EDR network; other users of {@link Chain} can branch on the class.
 *
 * @example
 * ```ts
 * try {
 *   await chain.submit(etx);
 * } catch (error) {
 *   if (error instanceof NonceTooLowError) console.log(`use nonce ${error.expected}`);
 * }
 * ```
 */
import type { Hex } from "viem";

/** Base class of every error the engine throws on purpose (a bad request, not a bug). */
export abstract class EngineError extends Error {
  override name = "EngineError";
}

/** The transaction is already pending or mined. */
export class KnownTransactionError extends EngineError {
  override name = "KnownTransactionError";
  readonly hash: Hex;
  constructor(hash: Hex) {
    super(`transaction ${hash} is already known`);
    this.hash = hash;
  }
}

/**
 * The transaction's nonce is below the sender's nonce in the latest state.
 * `automine` tells whether the chain was automining (the message of Hardhat's network differs).
 */
export class NonceTooLowError extends EngineError {
  override name = "NonceTooLowError";
  readonly expected: bigint;
  readonly actual: bigint;
  readonly automine: boolean;
  constructor(expected: bigint, actual: bigint, automine: boolean) {
    super(`nonce too low: expected ${automine ? "" : "at least "}${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
    this.automine = automine;
  }
}

/** With automine, the transaction's nonce is above the sender's next one (it cannot be queued). */
export class NonceTooHighError extends EngineError {
  override name = "NonceTooHighError";
  readonly expected: bigint;
  readonly actual: bigint;
  constructor(expected: bigint, actual: bigint) {
    super(`nonce too high: expected ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** The transaction's gas limit exceeds the block gas limit (both in gas). */
export class GasLimitAboveBlockLimitError extends EngineError {
  override name = "GasLimitAboveBlockLimitError";
  readonly gasLimit: bigint;
  readonly blockGasLimit: bigint;
  constructor(gasLimit: bigint, blockGasLimit: bigint) {
    super(`gas limit ${gasLimit} exceeds the block gas limit ${blockGasLimit}`);
    this.gasLimit = gasLimit;
    this.blockGasLimit = blockGasLimit;
  }
}

/** The transaction's gas limit is below its intrinsic gas (both in gas). */
export class IntrinsicGasTooLowError extends EngineError {
  override name = "IntrinsicGasTooLowError";
  readonly intrinsicGas: bigint;
  readonly gasLimit: bigint;
  constructor(intrinsicGas: bigint, gasLimit: bigint) {
    super(`gas limit ${gasLimit} is below the intrinsic gas ${intrinsicGas}`);
    this.intrinsicGas = intrinsicGas;
    this.gasLimit = gasLimit;
  }
}

/** With automine, the transaction's fee cap (wei per gas) is below the next block's base fee. */
export class FeeTooLowError extends EngineError {
  override name = "FeeTooLowError";
  /** The fee field the cap comes from. */
  readonly field: "maxFeePerGas" | "gasPrice";
  readonly maxFee: bigint;
  readonly nextBaseFee: bigint;
  constructor(field: "maxFeePerGas" | "gasPrice", maxFee: bigint, nextBaseFee: bigint) {
    super(`${field} ${maxFee} is below the next block's base fee ${nextBaseFee}`);
    this.field = field;
    this.maxFee = maxFee;
    this.nextBaseFee = nextBaseFee;
  }
}

/** The sender's balance cannot pay gas limit × fee cap + value (all in wei). */
export class InsufficientFundsError extends EngineError {
  override name = "InsufficientFundsError";
  readonly upfrontCost: bigint;
  readonly balance: bigint;
  constructor(upfrontCost: bigint, balance: bigint) {
    super(`upfront cost ${upfrontCost} exceeds the sender's balance ${balance}`);
    this.upfrontCost = upfrontCost;
    this.balance = balance;
  }
}

/**
 * With automine, the block left the transaction out; `reason` is the executor's, when it gave
 * one (already in the words of Hardhat's network).
 */
export class TransactionNotMinedError extends EngineError {
  override name = "TransactionNotMinedError";
  readonly hash: Hex;
  readonly reason: string | undefined;
  constructor(hash: Hex, reason: string | undefined) {
    super(reason ?? `transaction ${hash} could not be included in the block`);
    this.hash = hash;
    this.reason = reason;
  }
}

/** A block number the chain has not mined. */
export class UnknownBlockError extends EngineError {
  override name = "UnknownBlockError";
  readonly number: bigint;
  readonly latest: bigint;
  constructor(number: bigint, latest: bigint) {
    super(`block ${number} does not exist (latest is ${latest})`);
    this.number = number;
    this.latest = latest;
  }
}

/** A block timestamp (seconds) that is not after the latest block's. */
export class TimestampNotAfterParentError extends EngineError {
  override name = "TimestampNotAfterParentError";
  readonly timestamp: bigint;
  readonly parentTimestamp: bigint;
  constructor(timestamp: bigint, parentTimestamp: bigint) {
    super(`timestamp ${timestamp} is not after the latest block's timestamp ${parentTimestamp}`);
    this.timestamp = timestamp;
    this.parentTimestamp = parentTimestamp;
  }
}
