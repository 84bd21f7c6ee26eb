/**
 * A mined block as the analysis records it (docs/design.md §1.3, §3): read and write sets as
 * location keys, gas, calldata hints, the execution record and the code hashes of the contracts
 * involved. Plain JSON (gas as decimal strings), so it can cross processes as files (mocha's
 * parallel workers, `plugins/report/collector.ts`). Two recorders fill it: from the engine
 * (`record-mined-block.ts`) and over JSON-RPC (`record-block-over-rpc.ts`); the analysis of
 * recorded blocks is `recorded-analysis.ts`.
 */
import type { Address, Hex } from "viem";
import { ERC1967_IMPLEMENTATION_SLOT } from "../engine/erc1967.ts";
import {
  isStorageKey,
  type LocationKey,
  locationAddress,
  locationSlot,
} from "../engine/location.ts";
import { CHAIN_DEFAULTS } from "../engine/options.ts";

/** Default lanes of a parallel network ({@link CHAIN_DEFAULTS}): {@link RecordedBlock.lanes} when unknown. */
export const DEFAULT_LANES: number = CHAIN_DEFAULTS.lanes;

/** One mined transaction as recorded for the analysis. */
export interface RecordedTransaction {
  hash: Hex;
  /** Index in its block (0-based). */
  index: number;
  /** Sender, lowercase. */
  from: Address;
  /** Called address, lowercase; `null` for a contract creation. */
  to: Address | null;
  /** Address of the contract a creation deployed, lowercase. */
  created?: Address;
  /** First four bytes of the calldata of a call, lowercase. */
  selector?: Hex;
  /**
   * Candidate mapping keys found in the calldata (32-byte argument words that look like
   * addresses, and small integers as decimal strings). The storage-layout decoder tries them.
   */
  keys?: { addresses: Address[]; integers: string[] };
  /** Gas used (receipt `gasUsed`), decimal string (gas). */
  gasUsed: string;
  /** 1 success, 0 reverted. */
  status: 0 | 1;
  /** Read set: location keys (`sdk/engine/location.ts`). */
  reads: LocationKey[];
  /** Write set: location keys. */
  writes: LocationKey[];
  /**
   * Declared-access violations of the transaction (docs/design.md §3, §5), present (possibly empty)
   * when the network checked its frames against `@custom:reads` / `@custom:writes`; absent when
   * it did not check (no access manifests).
   */
  violations?: RecordedViolation[];
}

/** A location a call frame touched but its function did not declare. */
export interface RecordedViolation {
  contract: string;
  function: string;
  location: LocationKey;
  /** `Contract.variable[key]` label from the engine's decoder. */
  label: string;
  access: "read" | "write";
}

/** One mined block as recorded for the analysis. */
export interface RecordedBlock {
  /** Block number, decimal string. */
  number: string;
  /** Lanes configured for the network (`parallel.lanes`, default 2): the headline speedup(P). */
  lanes: number;
  /** Executor that produced the block (`sequential`, `block-stm`, `declared`). */
  executedBy: string;
  /** Block-STM re-executions (incarnations beyond the first) from the execution record. */
  reExecutions: number;
  /** Why the block fell back to sequential execution, if it did. */
  fallbackReason?: string;
  transactions: RecordedTransaction[];
  /**
   * Code hash (0x-prefixed keccak-256) of every contract the block's transactions called,
   * created or touched storage of, after the block. Addresses without code are left out.
   */
  codeHashes: Record<Address, Hex>;
  /**
   * ERC-1967 proxies the block's transactions called through: proxy → implementation (both
   * lowercase), read from the proxy's implementation slot after the block. The analysis names
   * a proxy's storage by its implementation's layout.
   */
  implementations?: Record<Address, Address>;
}

/**
 * The addresses whose ERC-1967 implementation slot a transaction of `transactions` read: the
 * proxies called (their fallback reads it before delegating).
 */
export function proxiedAddresses(transactions: readonly RecordedTransaction[]): Set<Address> {
  const slot = BigInt(ERC1967_IMPLEMENTATION_SLOT);
  const proxies = new Set<Address>();
  for (const tx of transactions)
    for (const key of tx.reads)
      if (isStorageKey(key) && BigInt(locationSlot(key)) === slot)
        proxies.add(locationAddress(key) as Address);
  return proxies;
}

/** Runtime code by code hash, shared by all recorded blocks of a run. */
export type CodeTable = Record<Hex, Hex>;

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

/** The recorded form of the engine's violation records (`sdk/engine/conformance.ts`). */
export function recordViolations(
  violations: ReadonlyArray<{
    contract: string;
    function: string;
    location: LocationKey;
    label: string;
    access: "read" | "write";
  }>,
): RecordedViolation[] {
  return violations.map((v) => ({
    contract: v.contract,
    function: v.function,
    location: v.location,
    label: v.label,
    access: v.access,
  }));
}
