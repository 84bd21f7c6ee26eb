/**
 * What a transaction's calldata tells the analysis before any layout is read: its selector and
 * the argument words that may be mapping keys or array indices (candidates for the storage-slot
 * decoder, `location-decoder.ts`).
 */
import type { Address, Hex } from "viem";

/** At most this many calldata words are scanned for candidate keys per transaction. */
const MAX_KEY_WORDS = 16;
const TWO_POW_32 = 1n << 32n;
const TWO_POW_64 = 1n << 64n;
const TWO_POW_160 = 1n << 160n;

/**
 * Candidate mapping keys in ABI-encoded calldata: after the 4-byte selector, every 32-byte word
 * (the first {@link MAX_KEY_WORDS}) whose value fits 160 bits but not 64 is taken as an
 * address; a value below 2^32 as an integer (array index, id). Cheap heuristics for the
 * storage-layout decoder, which only recognises a slot when a candidate hashes to it.
 *
 * @param input calldata, 0x-prefixed hex.
 */
export function calldataKeys(input: Hex): { addresses: Address[]; integers: string[] } | undefined {
  const body = input.slice(10);
  const addresses = new Set<Address>();
  const integers = new Set<string>();
  for (let i = 0; i + 64 <= body.length && i / 64 < MAX_KEY_WORDS; i += 64) {
    const value = BigInt(`0x${body.slice(i, i + 64)}`);
    if (value < TWO_POW_32) integers.add(value.toString());
    else if (value >= TWO_POW_64 && value < TWO_POW_160) {
      addresses.add(`0x${value.toString(16).padStart(40, "0")}` as Address);
    }
  }
  if (addresses.size === 0 && integers.size === 0) return undefined;
  return { addresses: [...addresses], integers: [...integers] };
}

/** The selector of calldata (first four bytes), when it has at least four. */
export function selectorOf(input: Hex): Hex | undefined {
  return input.length >= 10 ? (input.slice(0, 10).toLowerCase() as Hex) : undefined;
}
