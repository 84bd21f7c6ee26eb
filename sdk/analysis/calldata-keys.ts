/**
 * What a transaction's calldata, logs and nested calls tell the analysis before any layout is
 * read: its selector and the argument and log words that may be mapping keys or array indices
 * (candidates for the storage-slot decoder, `location-decoder.ts`). Nested calls' argument
 * words come from the engine (`nestedCallKeys` of an outcome, `sdk/engine/observed-calls.ts`).
 */
import type { Address, Hex } from "viem";

/** At most this many calldata words are scanned for candidate keys per transaction. */
const MAX_KEY_WORDS = 16;
const TWO_POW_32 = 1n << 32n;
const TWO_POW_160 = 1n << 160n;

/** Candidate mapping keys: addresses (lowercase hex) and integers (decimal strings). */
export interface CandidateKeys {
  addresses: Address[];
  integers: string[];
}

/**
 * Candidate mapping keys in ABI-encoded calldata: after the 4-byte selector, every 32-byte word
 * (the first {@link MAX_KEY_WORDS}) whose value fits 160 bits is taken as an address (also a
 * small one such as `0x…c0ffe`: an address argument is padded like a small number), and a value
 * below 2^32 also as an integer (array index, id). Cheap heuristics for the storage-layout
 * decoder, which only recognises a slot when a candidate hashes to it, so a wrong candidate costs
 * a hash and names nothing.
 *
 * @param input calldata, 0x-prefixed hex.
 */
export function calldataKeys(input: Hex): CandidateKeys | undefined {
  return wordKeys([input.slice(10)]);
}

/**
 * Candidate mapping keys in a transaction's logs (EIP-1193 / engine form): each log's address,
 * its indexed topics after the event signature (`topics[0]`), and its data words, by the rules
 * of {@link calldataKeys} (at most {@link MAX_KEY_WORDS} words per log).
 */
export function logKeys(
  logs: ReadonlyArray<{ address: string; topics: readonly Hex[]; data: Hex }>,
): CandidateKeys | undefined {
  const addresses = new Set<Address>();
  const integers = new Set<string>();
  for (const log of logs) {
    addresses.add(log.address.toLowerCase() as Address);
    const words = wordKeys([...log.topics.slice(1).map((t) => t.slice(2)), log.data.slice(2)]);
    for (const a of words?.addresses ?? []) addresses.add(a);
    for (const i of words?.integers ?? []) integers.add(i);
  }
  if (addresses.size === 0 && integers.size === 0) return undefined;
  return { addresses: [...addresses], integers: [...integers] };
}

/**
 * Candidate mapping keys among the argument words of a transaction's nested calls (the
 * engine's `nestedCallKeys`: 40-digit hex words that fit 160 bits), by the rules of
 * {@link calldataKeys}: each as an address, and below 2^32 also as an integer.
 */
export function nestedCallKeys(words: readonly string[] | undefined): CandidateKeys | undefined {
  if (words === undefined || words.length === 0) return undefined;
  return wordKeys(
    words.map((word) => word.padStart(64, "0")),
    words.length,
  );
}

/** Both sets of candidates together, without duplicates; `undefined` when both are. */
export function mergeKeys(
  a: CandidateKeys | undefined,
  b: CandidateKeys | undefined,
): CandidateKeys | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return {
    addresses: [...new Set([...a.addresses, ...b.addresses])],
    integers: [...new Set([...a.integers, ...b.integers])],
  };
}

/** Keys in the 32-byte words of hex strings (no 0x), at most {@link MAX_KEY_WORDS} in all. */
function wordKeys(
  bodies: readonly string[],
  maxWords: number = MAX_KEY_WORDS,
): CandidateKeys | undefined {
  const addresses = new Set<Address>();
  const integers = new Set<string>();
  let words = 0;
  for (const body of bodies) {
    for (let i = 0; i + 64 <= body.length && words < maxWords; i += 64, words++) {
      const value = BigInt(`0x${body.slice(i, i + 64)}`);
      if (value < TWO_POW_32) integers.add(value.toString());
      if (value > 0n && value < TWO_POW_160) {
        addresses.add(`0x${value.toString(16).padStart(40, "0")}` as Address);
      }
    }
  }
  if (addresses.size === 0 && integers.size === 0) return undefined;
  return { addresses: [...addresses], integers: [...integers] };
}

/** The selector of calldata (first four bytes), when it has at least four. */
export function selectorOf(input: Hex): Hex | undefined {
  return input.length >= 10 ? (input.slice(0, 10).toLowerCase() as Hex) : undefined;
}
