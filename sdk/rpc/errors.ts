/**
 * JSON-RPC errors with the codes and messages of Hardhat's EDR network (EIP-1474 codes).
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
  /** The hash of the mined transaction that failed, when the error is about one (not serialised). */
  transactionHash?: `0x${string}`;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** -32601: the method does not exist. */
export const methodNotFound = (method: string): RpcError =>
  new RpcError(-32601, `Method ${method} is not supported`);

/** -32602: a parameter is missing or malformed; the message names it. */
export const invalidParams = (message: string): RpcError =>
  new RpcError(-32602, `Invalid params: ${message}`);

/** -32603: an internal error (a bug: the request was valid). */
export const internalError = (message: string): RpcError =>
  new RpcError(-32603, `Internal error: ${message}`);

/** -32000: invalid input (e.g. an unknown snapshot, a timestamp in the past). */
export const invalidInput = (message: string): RpcError => new RpcError(-32000, message);

/** -32003: the transaction was rejected. */
export const transactionRejected = (message: string): RpcError => new RpcError(-32003, message);
