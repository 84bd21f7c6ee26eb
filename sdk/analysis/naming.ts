/**
 * Names for the analysis of recorded blocks: which contract is at each address (by runtime
 * code, from the contract index), which function each transaction called, and the decoder of
 * location labels with the storage layouts of the contracts involved.
 */
import type { Address, Hex } from "viem";
import type { CandidateKey } from "../access/decode.ts";
import type { ContractIndex, IndexedContract } from "../contracts/contract-index.ts";
import { locationAddress, isStorageKey } from "../engine/location.ts";
import { createLocationDecoder, type DecodableContract } from "./location-decoder.ts";
import type { CodeTable, RecordedBlock } from "./recorded-block.ts";
import type { AnalysedTransaction, LocationDecoder } from "./types.ts";

/** What naming and decoding need: the artifacts (optional) and the run's code table. */
export interface NamingEnvironment {
  /** Artifacts of the project; without it, contracts and functions stay unnamed. */
  index?: ContractIndex;
  /** Runtime code by code hash (see {@link RecordedBlock.codeHashes}). */
  codes: CodeTable;
}

/** Integers always tried as mapping keys and array indices. */
const SMALL_INTEGERS = Array.from({ length: 16 }, (_, i) => BigInt(i));

/** Contract names by address, function names and the location decoder for a set of blocks. */
export interface Naming {
  /** Contracts by address over all the blocks (first seen wins); used for location labels. */
  contracts: Map<Address, IndexedContract>;
  /**
   * Contracts by address per block: an address can hold different contracts in different
   * blocks of one test (a snapshot was reverted and something else deployed there).
   */
  perBlock: Map<RecordedBlock, Map<Address, IndexedContract>>;
  index?: ContractIndex;
  decode?: LocationDecoder;
}

/**
 * Identifies the contracts of the blocks and prepares the decoder. Layouts are loaded only for
 * contracts whose storage is touched by at least two transactions (only those can be hot).
 */
export async function namingFor(
  blocks: readonly RecordedBlock[],
  env: NamingEnvironment,
  maxRegions?: number,
): Promise<Naming> {
  const contracts = new Map<Address, IndexedContract>();
  const perBlock = new Map<RecordedBlock, Map<Address, IndexedContract>>();
  const index = env.index;
  if (index === undefined) return { contracts, perBlock };
  for (const block of blocks) {
    const own = new Map<Address, IndexedContract>();
    for (const [address, hash] of Object.entries(block.codeHashes) as Array<[Address, Hex]>) {
      const code = env.codes[hash];
      const contract = code === undefined ? undefined : index.byRuntimeCode(code);
      if (contract === undefined) continue;
      own.set(address, contract);
      if (!contracts.has(address)) contracts.set(address, contract);
    }
    perBlock.set(block, own);
  }
  const storageTouches = new Map<Address, number>();
  for (const block of blocks) {
    for (const tx of block.transactions) {
      const seen = new Set<Address>();
      for (const key of [...tx.reads, ...tx.writes])
        if (isStorageKey(key)) seen.add(locationAddress(key));
      for (const address of seen)
        storageTouches.set(address, (storageTouches.get(address) ?? 0) + 1);
    }
  }
  // An ERC-1967 proxy's storage is its implementation's: decode it with that layout.
  const storageContracts = new Map(contracts);
  for (const block of blocks)
    for (const [proxy, implementation] of Object.entries(block.implementations ?? {}) as Array<
      [Address, Address]
    >) {
      const contract = contracts.get(implementation);
      if (contract !== undefined) storageContracts.set(proxy, contract);
    }
  const decodable = new Map<Address, DecodableContract>();
  await Promise.all(
    [...storageContracts].map(async ([address, contract]) => {
      const layout =
        (storageTouches.get(address) ?? 0) >= 2 ? await index.layout(contract) : undefined;
      decodable.set(
        address,
        layout === undefined ? { name: contract.name } : { name: contract.name, layout },
      );
    }),
  );
  return {
    contracts,
    perBlock,
    index,
    decode: createLocationDecoder(decodable, candidateKeys(blocks), maxRegions),
  };
}

/** Mapping keys to try: every address the blocks mention, calldata integers, 0..15. */
export function candidateKeys(blocks: readonly RecordedBlock[]): CandidateKey[] {
  const addresses = new Set<string>();
  const integers = new Set<bigint>(SMALL_INTEGERS);
  for (const block of blocks) {
    for (const tx of block.transactions) {
      addresses.add(tx.from);
      if (tx.to !== null) addresses.add(tx.to);
      if (tx.created !== undefined) addresses.add(tx.created);
      for (const key of [...tx.reads, ...tx.writes]) addresses.add(locationAddress(key));
      for (const a of tx.keys?.addresses ?? []) addresses.add(a);
      for (const i of tx.keys?.integers ?? []) integers.add(BigInt(i));
    }
  }
  return [...addresses, ...integers];
}

/** The transactions of a block in the analysis's form, named with `naming`. */
export function toAnalysed(block: RecordedBlock, naming: Naming): AnalysedTransaction[] {
  const contracts = naming.perBlock.get(block) ?? naming.contracts;
  return block.transactions.map((tx): AnalysedTransaction => {
    const callee =
      tx.to === null
        ? tx.created === undefined
          ? undefined
          : contracts.get(tx.created)
        : contracts.get(tx.to);
    const functionName =
      tx.to === null
        ? callee === undefined
          ? undefined
          : "constructor"
        : tx.selector === undefined
          ? undefined
          : naming.index?.functionName(tx.selector, callee);
    return {
      index: tx.index,
      hash: tx.hash,
      from: tx.from,
      to: tx.to,
      ...(tx.selector === undefined ? {} : { selector: tx.selector }),
      ...(callee === undefined ? {} : { contractName: callee.name }),
      ...(functionName === undefined ? {} : { functionName }),
      gasUsed: BigInt(tx.gasUsed),
      reads: tx.reads,
      writes: tx.writes,
    };
  });
}
