/**
 * Recording: what the report keeps of a block mined by the engine (`MinedBlock`, from
 * `chain.onBlock`) or fetched over JSON-RPC (`parallel_getBlockAccess` and friends).
 */
import type { Address, Hex } from "viem";
import type { Chain, MinedBlock } from "../../sdk/engine/chain.ts";
import { codeKey, locationAddress, type LocationKey, isStorageKey } from "../../sdk/engine/location.ts";
import type { CodeTable, RecordedBlock, RecordedTransaction, RecordedViolation } from "./types.ts";

const bytesToHex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;

/** Default lanes of a parallel network (`sdk/engine/options.ts`). */
export const DEFAULT_LANES = 2;

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

/**
 * The addresses whose code identifies the contracts a block involved: called and created
 * addresses, and the addresses of every storage location read or written.
 */
export function involvedAddresses(transactions: readonly RecordedTransaction[]): Set<Address> {
  const addresses = new Set<Address>();
  for (const tx of transactions) {
    if (tx.to !== null) addresses.add(tx.to);
    if (tx.created !== undefined) addresses.add(tx.created);
    for (const key of [...tx.reads, ...tx.writes]) {
      if (isStorageKey(key)) addresses.add(locationAddress(key));
    }
  }
  return addresses;
}

/**
 * Records a block mined by the engine. Runs inside `chain.onBlock`, so the chain's state is the
 * state right after the block: the code hashes of the involved contracts are read from it and
 * any code not yet in `codes` is added (keyed by code hash).
 *
 * @param lanes the network's configured lanes (`chain.options.lanes`, default 2).
 */
export function recordMinedBlock(block: MinedBlock, chain: Chain, codes: CodeTable): RecordedBlock {
  const transactions = block.transactions.map((etx, index): RecordedTransaction => {
    const outcome = block.outcomes[index];
    const to = etx.tx.to === undefined ? null : (etx.tx.to.toString().toLowerCase() as Address);
    const input = bytesToHex(etx.tx.data);
    const tx: RecordedTransaction = {
      hash: etx.hash,
      index,
      from: etx.from as Address,
      to,
      gasUsed: outcome.gasUsed.toString(),
      status: outcome.status,
      reads: [...outcome.reads.keys()] as LocationKey[],
      writes: [...outcome.writes.keys()] as LocationKey[],
    };
    if (outcome.conformance !== undefined) tx.violations = recordViolations(outcome.conformance.violations);
    if (to === null) {
      if (outcome.contractAddress !== undefined) tx.created = outcome.contractAddress.toLowerCase() as Address;
    } else {
      const selector = selectorOf(input);
      if (selector !== undefined) tx.selector = selector;
      const keys = calldataKeys(input);
      if (keys !== undefined) tx.keys = keys;
    }
    return tx;
  });
  const codeHashes: Record<Address, Hex> = {};
  for (const address of involvedAddresses(transactions)) {
    const hash = chain.state.read(codeKey(address));
    if (hash === 0n) continue;
    const hex = `0x${hash.toString(16).padStart(64, "0")}` as Hex;
    codeHashes[address] = hex;
    if (codes[hex] === undefined) codes[hex] = bytesToHex(chain.state.code(hash));
  }
  return {
    number: block.number.toString(),
    lanes: chain.options.lanes ?? DEFAULT_LANES,
    executedBy: block.record.executedBy,
    reExecutions: block.record.reExecutions,
    ...(block.record.fallbackReason === undefined ? {} : { fallbackReason: block.record.fallbackReason }),
    transactions,
    codeHashes,
  };
}

/** The report's form of the engine's violation records (`sdk/engine/conformance.ts`). */
export function recordViolations(
  violations: ReadonlyArray<{ contract: string; function: string; location: LocationKey; label: string; access: "read" | "write" }>,
): RecordedViolation[] {
  return violations.map((v) => ({ contract: v.contract, function: v.function, location: v.location, label: v.label, access: v.access }));
}
