/**
 * The engine's domain errors as JSON-RPC errors: the code and the exact message text of
 * Hardhat's EDR network for each (the network differential and bad-input tests compare them
 * byte for byte).
 */
import {
  type EngineError,
  FeeTooLowError,
  GasLimitAboveBlockLimitError,
  InsufficientFundsError,
  IntrinsicGasTooLowError,
  KnownTransactionError,
  NonceTooHighError,
  NonceTooLowError,
  TimestampNotAfterParentError,
  TransactionNotMinedError,
  UnknownBlockError,
} from "../engine/errors.ts";
import { invalidInput, internalError, invalidParams, type RpcError } from "./errors.ts";

const QUEUE_NOTE = "Note that transactions can't be queued when automining.";

/** The message of Hardhat's network for `error`; undefined for an error it has no words for. */
function edrMessage(error: EngineError): string | undefined {
  if (error instanceof KnownTransactionError) return `Known transaction: ${error.hash}`;
  if (error instanceof NonceTooLowError) {
    return error.automine
      ? `Nonce too low. Expected nonce to be ${error.expected} but got ${error.actual}. ${QUEUE_NOTE}`
      : `Nonce too low. Expected nonce to be at least ${error.expected} but got ${error.actual}.`;
  }
  if (error instanceof NonceTooHighError) {
    return `Nonce too high. Expected nonce to be ${error.expected} but got ${error.actual}. ${QUEUE_NOTE}`;
  }
  if (error instanceof GasLimitAboveBlockLimitError) {
    return `Transaction gas limit is ${error.gasLimit} and exceeds block gas limit of ${error.blockGasLimit}`;
  }
  if (error instanceof IntrinsicGasTooLowError) {
    return `Transaction requires at least ${error.intrinsicGas} gas but got ${error.gasLimit}`;
  }
  if (error instanceof FeeTooLowError) {
    return `Transaction ${error.field} (${error.maxFee}) is too low for the next block, which has a baseFeePerGas of ${error.nextBaseFee}`;
  }
  if (error instanceof InsufficientFundsError) {
    return `Sender doesn't have enough funds to send tx. The max upfront cost is: ${error.upfrontCost} and the sender's balance is: ${error.balance}.`;
  }
  if (error instanceof TransactionNotMinedError)
    return error.reason ?? "Transaction could not be included in the block";
  if (error instanceof TimestampNotAfterParentError) {
    return `Timestamp ${error.timestamp} is lower than or equal to previous block's timestamp ${error.parentTimestamp}`;
  }
  return undefined;
}

/**
 * The JSON-RPC error of an engine error: -32602 for an unknown block (as `resolveBlock` in
 * `context.ts` words it), else -32000 (invalid input) with EDR's message for every error of
 * `sdk/engine/errors.ts`; an engine error this function does not know is a bug (-32603).
 */
export function rpcErrorOf(error: EngineError): RpcError {
  if (error instanceof UnknownBlockError) {
    return invalidParams(
      `block with number ${error.number} does not exist (latest is ${error.latest})`,
    );
  }
  const message = edrMessage(error);
  return message === undefined ? internalError(error.message) : invalidInput(message);
}
