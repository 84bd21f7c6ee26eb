/**
 * Parameter parsing for JSON-RPC methods. Every parser names the parameter it failed on, so a
 * bad request gets `-32602 Invalid params: <name> ...` and nothing else happens.
 */
import type { Hex } from "viem";
import { invalidParams } from "./errors.ts";

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;
const ADDRESS = /^0x[0-9a-f]{40}$/i;
const HASH = /^0x[0-9a-f]{64}$/i;

/** The params array of a request; `min`/`max` bound its length. */
export function paramsOf(params: unknown, min: number, max: number, method: string): unknown[] {
  const list = params === undefined || params === null ? [] : params;
  if (!Array.isArray(list))
    throw invalidParams(`${method} expects an array of params, got ${typeof list}`);
  if (list.length < min || list.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw invalidParams(`${method} expects ${expected} params, got ${list.length}`);
  }
  return list;
}

/** 2^64 - 1: the largest nonce, timestamp, block number or count. */
export const MAX_U64 = (1n << 64n) - 1n;
/** 2^256 - 1: the largest word (balances, fees, values). */
export const MAX_U256 = (1n << 256n) - 1n;

/**
 * A hex quantity, at most `max` (default 2^256 - 1).
 * @throws {RpcError} -32602 naming the parameter.
 */
export function quantity(value: unknown, name: string, max: bigint = MAX_U256): bigint {
  if (typeof value === "string" && QUANTITY.test(value)) {
    const n = BigInt(value);
    if (n > max)
      throw invalidParams(
        `${name} must not exceed ${max === MAX_U64 ? "2^64 - 1" : "2^256 - 1"}, got ${value}`,
      );
    return n;
  }
  throw invalidParams(`${name} must be a hex quantity (e.g. "0x1a"), got ${show(value)}`);
}

/** A quantity of at most 2^64 - 1 (nonces, timestamps, counts). */
export const quantity64 = (value: unknown, name: string): bigint => quantity(value, name, MAX_U64);

/** A 64-bit quantity that also accepts a JSON number (hardhat_* methods take both). */
export function quantityOrNumber(value: unknown, name: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return quantity(value, name, MAX_U64);
}

export function data(value: unknown, name: string): Hex {
  if (typeof value === "string" && DATA.test(value)) return value.toLowerCase() as Hex;
  throw invalidParams(`${name} must be hex data with an even number of digits, got ${show(value)}`);
}

export function address(value: unknown, name: string): Hex {
  if (typeof value === "string" && ADDRESS.test(value)) return value.toLowerCase() as Hex;
  throw invalidParams(`${name} must be a 20-byte hex address, got ${show(value)}`);
}

export function hash(value: unknown, name: string): Hex {
  if (typeof value === "string" && HASH.test(value)) return value.toLowerCase() as Hex;
  throw invalidParams(`${name} must be a 32-byte hex hash, got ${show(value)}`);
}

/** A 32-byte storage slot; shorter quantities are accepted and left-padded. */
export function slot(value: unknown, name: string): bigint {
  if (typeof value === "string" && /^0x[0-9a-f]{1,64}$/i.test(value)) return BigInt(value);
  throw invalidParams(`${name} must be a storage slot of at most 32 bytes, got ${show(value)}`);
}

export function boolean(value: unknown, name: string): boolean {
  if (typeof value === "boolean") return value;
  throw invalidParams(`${name} must be a boolean, got ${show(value)}`);
}

export function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw invalidParams(`${name} must be an object, got ${show(value)}`);
}

export type BlockTag = { number: bigint } | { hash: Hex } | "pending";

/** A block tag: latest, earliest, pending, safe, finalized, a number, or an EIP-1898 object. */
export function blockTag(value: unknown, name: string, latest: bigint): BlockTag {
  if (
    value === undefined ||
    value === null ||
    value === "latest" ||
    value === "safe" ||
    value === "finalized"
  ) {
    return { number: latest };
  }
  if (value === "earliest") return { number: 0n };
  if (value === "pending") return "pending";
  if (typeof value === "string") return { number: quantity(value, name, MAX_U64) };
  if (typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (o.blockHash !== undefined) return { hash: hash(o.blockHash, `${name}.blockHash`) };
    if (o.blockNumber !== undefined) return blockTag(o.blockNumber, `${name}.blockNumber`, latest);
  }
  throw invalidParams(
    `${name} must be a block number, a block tag (latest, earliest, pending, safe, finalized) or {blockHash}, got ${show(value)}`,
  );
}

/** Transaction request fields, as eth_sendTransaction/eth_call take them. */
export interface TransactionRequest {
  from?: Hex;
  to?: Hex;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Hex;
  nonce?: bigint;
  type?: bigint;
  accessList?: Array<{ address: Hex; storageKeys: Hex[] }>;
  chainId?: bigint;
  /** EIP-7702 authorizations: the request is then a set-code transaction (type 4). */
  authorizationList?: AuthorizationRequest[];
  /** EIP-4844 fields EDR reads (and refuses outside eth_sendRawTransaction): whether any was given. */
  blobs?: boolean;
}

/** One signed EIP-7702 authorization, as JSON-RPC carries it (quantities as bigint). */
export interface AuthorizationRequest {
  chainId: bigint;
  address: Hex;
  nonce: bigint;
  yParity: bigint;
  r: bigint;
  s: bigint;
}

/**
 * Fields of other clients' transaction requests that this network cannot honour and EDR does
 * not read either (it drops them). Dropping them would change what the transaction means, so
 * they are refused, naming the field.
 */
const UNSUPPORTED_FIELDS = ["blobVersionedHashes", "maxFeePerBlobGas", "sidecars"] as const;

/** `o[key]` parsed by `parse` (named `name.key` in errors); undefined when absent or null. */
function optionalField<T>(
  o: Record<string, unknown>,
  key: string,
  name: string,
  parse: (v: unknown, n: string) => T,
): T | undefined {
  const v = o[key];
  return v === undefined || v === null ? undefined : parse(v, `${name}.${key}`);
}

export function transactionRequest(value: unknown, name: string): TransactionRequest {
  const o = object(value, name);
  const out: TransactionRequest = {};
  out.from = optionalField(o, "from", name, address);
  out.to = optionalField(o, "to", name, address);
  out.gas = optionalField(o, "gas", name, quantity64);
  out.gasPrice = optionalField(o, "gasPrice", name, quantity);
  out.maxFeePerGas = optionalField(o, "maxFeePerGas", name, quantity);
  out.maxPriorityFeePerGas = optionalField(o, "maxPriorityFeePerGas", name, quantity);
  out.value = optionalField(o, "value", name, quantity);
  const input = optionalField(o, "input", name, data);
  const dataField = optionalField(o, "data", name, data);
  if (input !== undefined && dataField !== undefined && input !== dataField) {
    throw invalidParams(`${name} has both "data" and "input" with different values`);
  }
  out.data = input ?? dataField;
  out.nonce = optionalField(o, "nonce", name, quantity64);
  out.type = optionalField(o, "type", name, quantity);
  out.chainId = optionalField(o, "chainId", name, quantity);
  out.accessList = optionalField(o, "accessList", name, accessList);
  out.authorizationList = optionalField(o, "authorizationList", name, authorizationList);
  if (o.blobs != null) blobs(o.blobs, `${name}.blobs`);
  if (o.blobs != null || o.blobHashes != null) out.blobs = true;
  for (const field of UNSUPPORTED_FIELDS) {
    if (o[field] != null)
      throw invalidParams(
        `${name}.${field} is not supported: blob transactions can only be sent with eth_sendRawTransaction`,
      );
  }
  if (
    out.gasPrice !== undefined &&
    (out.maxFeePerGas !== undefined || out.maxPriorityFeePerGas !== undefined)
  ) {
    throw invalidParams(`${name} cannot have both gasPrice and maxFeePerGas/maxPriorityFeePerGas`);
  }
  return out;
}

export function accessList(
  value: unknown,
  name: string,
): Array<{ address: Hex; storageKeys: Hex[] }> {
  if (!Array.isArray(value)) throw invalidParams(`${name} must be an array, got ${show(value)}`);
  return value.map((item, i) => {
    const o = object(item, `${name}[${i}]`);
    const keys = o.storageKeys ?? [];
    if (!Array.isArray(keys)) throw invalidParams(`${name}[${i}].storageKeys must be an array`);
    return {
      address: address(o.address, `${name}[${i}].address`),
      storageKeys: keys.map((k, j) => hash(k, `${name}[${i}].storageKeys[${j}]`)),
    };
  });
}

/**
 * An EIP-7702 authorization list: `[{ chainId, address, nonce, yParity, r, s }]`; `v` stands
 * in for a missing `yParity`, taken as it is (as EDR takes it).
 * @throws {RpcError} -32602 naming the item and field.
 */
export function authorizationList(value: unknown, name: string): AuthorizationRequest[] {
  if (!Array.isArray(value)) throw invalidParams(`${name} must be an array, got ${show(value)}`);
  return value.map((item, i) => {
    const at = `${name}[${i}]`;
    const o = object(item, at);
    // An authorization with a y-parity other than 0 or 1 is kept (and skipped at execution), as on EDR.
    const yParity =
      optionalField(o, "yParity", at, quantity) ?? quantity(o.v, `${at}.yParity`, 255n);
    if (yParity > 255n) throw invalidParams(`${at}.yParity must not exceed 255, got ${yParity}`);
    return {
      chainId: quantity(o.chainId, `${at}.chainId`),
      address: address(o.address, `${at}.address`),
      nonce: quantity64(o.nonce, `${at}.nonce`),
      yParity,
      r: signatureWord(o.r, `${at}.r`),
      s: signatureWord(o.s, `${at}.s`),
    };
  });
}

/** EIP-4844 blobs (131,072 bytes each); only checked, the request is refused afterwards. */
function blobs(value: unknown, name: string): void {
  if (!Array.isArray(value)) throw invalidParams(`${name} must be an array, got ${show(value)}`);
  value.forEach((blob, i) => {
    const bytes = (data(blob, `${name}[${i}]`).length - 2) / 2;
    if (bytes !== 131_072)
      throw invalidParams(`${name}[${i}] must be 131072 bytes long, got ${bytes}`);
  });
}

/** A signature's r or s: hex of at most 32 bytes, leading zeros allowed (viem pads them). */
function signatureWord(value: unknown, name: string): bigint {
  if (typeof value === "string" && /^0x[0-9a-f]{1,64}$/i.test(value)) return BigInt(value);
  throw invalidParams(`${name} must be a hex number of at most 32 bytes, got ${show(value)}`);
}

function show(value: unknown): string {
  try {
    const text = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
