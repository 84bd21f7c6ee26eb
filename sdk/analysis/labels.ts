/**
 * Labels: how the analysis names locations and the functions that touched them.
 */
import type { Address } from "viem";
import { parseLocationKey, type LocationKey } from "../engine/location.ts";
import type { AnalysedTransaction, FunctionRef, LocationDecoder } from "./types.ts";

/**
 * The label of a location when no decoder knows it:
 * `balance(0x<address>)`, `nonce(0x<address>)`, `code(0x<address>)` and
 * `storage(0x<address>)[0x<slot>]`, the slot as a hex quantity without leading zeros
 * (`[0x0]`, `[0x2]`, full width for hashed slots).
 *
 * @throws {Error} when `key` is not a valid location key (see `sdk/engine/location.ts`).
 */
export function defaultLocationLabel(key: LocationKey): string {
  const location = parseLocationKey(key);
  if (location.kind !== "storage") return `${location.kind}(${location.address})`;
  return `storage(${location.address})[${compactHex(location.slot)}]`;
}

/**
 * Labels a location: the decoder's label when it returns a non-empty string, else
 * {@link defaultLocationLabel}. Errors thrown by `decode` propagate.
 */
export function labelLocation(
  key: LocationKey,
  decode?: LocationDecoder,
): { label: string; decoded: boolean } {
  const decoded = decode?.(key);
  if (typeof decoded === "string" && decoded !== "") return { label: decoded, decoded: true };
  return { label: defaultLocationLabel(key), decoded: false };
}

/**
 * The (contract, function) pair of a transaction: the contract name, else the called address,
 * else `(create)`; the function name, else the selector, else `constructor` for a deployment or
 * `(transfer)` for a call without a selector (a plain value transfer).
 */
export function functionRef(
  tx: Pick<AnalysedTransaction, "to" | "selector" | "contractName" | "functionName">,
): FunctionRef {
  const contract = tx.contractName ?? (tx.to === null ? "(create)" : tx.to);
  const fn = tx.functionName ?? tx.selector ?? (tx.to === null ? "constructor" : "(transfer)");
  return { contract, function: fn };
}

/** `Contract.function` form of a {@link FunctionRef}. */
export function formatFunctionRef(ref: FunctionRef): string {
  return `${ref.contract}.${ref.function}`;
}

/**
 * Contract names by (lowercase) address, from the transactions that called a named contract.
 * When several names were given for one address, the first wins.
 */
export function contractNamesByAddress(
  transactions: readonly Pick<AnalysedTransaction, "to" | "contractName">[],
): Map<Address, string> {
  const names = new Map<Address, string>();
  for (const tx of transactions) {
    if (tx.to === null || tx.contractName === undefined) continue;
    const address = tx.to.toLowerCase() as Address;
    if (!names.has(address)) names.set(address, tx.contractName);
  }
  return names;
}

function compactHex(hex: string): string {
  const digits = hex.slice(2).replace(/^0+/, "");
  return `0x${digits === "" ? "0" : digits}`;
}
