/**
 * From recorded blocks to parallelism analyses (docs/design.md §3), with contract and function names
 * from the artifacts and storage labels from the layouts.
 *
 * Per test: blocks that held at least two transactions ran in parallel, so the test's figures
 * are those blocks merged ("achieved"); a test whose blocks each held one transaction
 * (automine) is analysed as if all its transactions had been one block ("potential").
 */
import type { Address, Hex } from "viem";
import { analyseBlock, mergeAnalyses, type ViolationInput } from "../../sdk/analysis/index.ts";
import type {
  AnalysedTransaction,
  AnalysisKind,
  BlockAnalysis,
  LocationDecoder,
  MergedAnalysis,
} from "../../sdk/analysis/types.ts";
import type { CandidateKey } from "../../sdk/access/decode.ts";
import { locationAddress, isStorageKey } from "../../sdk/engine/location.ts";
import type { ArtifactIndex, ContractInfo } from "./contracts.ts";
import { createReportDecoder, REPORT_MAX_REGIONS, type DecodableContract } from "./decoder.ts";
import { DEFAULT_LANES } from "./record.ts";
import type { CodeTable, RecordedBlock } from "./types.ts";

/** What naming and decoding need: the artifacts (optional) and the run's code table. */
export interface NamingEnvironment {
  /** Artifacts of the project; without it, contracts and functions stay unnamed. */
  index?: ArtifactIndex;
  /** Runtime code by code hash (see {@link RecordedBlock.codeHashes}). */
  codes: CodeTable;
}

/** The analysis of one test's blocks. */
export interface RecordedAnalysis {
  kind: AnalysisKind;
  /** Merged analysis of the achieved blocks, or the potential pseudo-block. */
  analysis: BlockAnalysis | MergedAnalysis;
  blocks: number;
  achievedBlocks: number;
  transactions: number;
  /** Lanes P of the headline speedup. */
  lanes: number;
  /** Re-executions of the achieved blocks; `null` for a potential analysis. */
  reExecutions: number | null;
}

/** Integers always tried as mapping keys and array indices. */
const SMALL_INTEGERS = Array.from({ length: 16 }, (_, i) => BigInt(i));

/**
 * Analyses the blocks one test mined (see the module doc for achieved vs potential).
 *
 * @param lanes lanes of the headline speedup; default: the lanes recorded with the first block.
 * @returns `undefined` when the blocks hold no transaction.
 */
export async function analyseTestBlocks(
  blocks: readonly RecordedBlock[],
  env: NamingEnvironment,
  lanes?: number,
): Promise<RecordedAnalysis | undefined> {
  const withTxs = blocks.filter((b) => b.transactions.length > 0);
  if (withTxs.length === 0) return undefined;
  const P = lanes ?? withTxs[0].lanes ?? DEFAULT_LANES;
  const achieved = withTxs.filter((b) => b.transactions.length >= 2);
  const transactions = withTxs.reduce((n, b) => n + b.transactions.length, 0);
  const naming = await namingFor(achieved.length > 0 ? achieved : withTxs, env, REPORT_MAX_REGIONS);
  if (achieved.length > 0) {
    const analysis = mergeAnalyses(
      achieved.map((block) =>
        analyseBlock(toAnalysed(block, naming), {
          lanes: P,
          decode: naming.decode,
          blockNumber: BigInt(block.number),
          ...violationsOf([block]),
        }),
      ),
      { lanes: P },
    );
    return {
      kind: "achieved",
      analysis,
      blocks: blocks.length,
      achievedBlocks: achieved.length,
      transactions,
      lanes: P,
      reExecutions: achieved.reduce((n, b) => n + b.reExecutions, 0),
    };
  }
  const analysis = analyseBlock(
    withTxs.flatMap((block) => toAnalysed(block, naming)),
    { lanes: P, decode: naming.decode, kind: "potential", ...violationsOf(withTxs) },
  );
  return { kind: "potential", analysis, blocks: blocks.length, achievedBlocks: 0, transactions, lanes: P, reExecutions: null };
}

/**
 * Analyses one real block (whatever its transaction count) with names and decoded labels;
 * used by `connection.parallel.analyse` and the `analysis` of `batch()`.
 */
export async function analyseRecordedBlock(block: RecordedBlock, env: NamingEnvironment, lanes?: number): Promise<BlockAnalysis> {
  const naming = await namingFor([block], env);
  return analyseBlock(toAnalysed(block, naming), {
    lanes: lanes ?? block.lanes ?? DEFAULT_LANES,
    decode: naming.decode,
    blockNumber: BigInt(block.number),
    ...violationsOf([block]),
  });
}

/**
 * The `violations` option of `analyseBlock` for some blocks: present (possibly empty) when any
 * of their transactions was checked against declared access, absent otherwise (the analysis
 * then carries no violation record and `noAccessViolations` says it cannot tell).
 */
function violationsOf(blocks: readonly RecordedBlock[]): { violations?: ViolationInput[] } {
  if (!blocks.some((b) => b.transactions.some((t) => t.violations !== undefined))) return {};
  const violations: ViolationInput[] = [];
  for (const block of blocks) {
    for (const tx of block.transactions) {
      for (const v of tx.violations ?? []) {
        violations.push({
          txIndex: tx.index,
          blockNumber: BigInt(block.number),
          contract: v.contract,
          function: v.function,
          location: v.location,
          label: v.label,
          access: v.access,
        });
      }
    }
  }
  return { violations };
}

/** Contract names by address, function names and the location decoder for a set of blocks. */
interface Naming {
  /** Contracts by address over all the blocks (first seen wins); used for location labels. */
  contracts: Map<Address, ContractInfo>;
  /**
   * Contracts by address per block: an address can hold different contracts in different
   * blocks of one test (a snapshot was reverted and something else deployed there).
   */
  perBlock: Map<RecordedBlock, Map<Address, ContractInfo>>;
  index?: ArtifactIndex;
  decode?: LocationDecoder;
}

/**
 * Identifies the contracts of the blocks and prepares the decoder. Layouts are loaded only for
 * contracts whose storage is touched by at least two transactions (only those can be hot).
 */
async function namingFor(blocks: readonly RecordedBlock[], env: NamingEnvironment, maxRegions?: number): Promise<Naming> {
  const contracts = new Map<Address, ContractInfo>();
  const perBlock = new Map<RecordedBlock, Map<Address, ContractInfo>>();
  const index = env.index;
  if (index === undefined) return { contracts, perBlock };
  for (const block of blocks) {
    const own = new Map<Address, ContractInfo>();
    for (const [address, hash] of Object.entries(block.codeHashes) as Array<[Address, Hex]>) {
      const code = env.codes[hash];
      const contract = code === undefined ? undefined : index.identify(code);
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
      for (const key of [...tx.reads, ...tx.writes]) if (isStorageKey(key)) seen.add(locationAddress(key));
      for (const address of seen) storageTouches.set(address, (storageTouches.get(address) ?? 0) + 1);
    }
  }
  const decodable = new Map<Address, DecodableContract>();
  await Promise.all(
    [...contracts].map(async ([address, contract]) => {
      const layout = (storageTouches.get(address) ?? 0) >= 2 ? await index.layout(contract) : undefined;
      decodable.set(address, layout === undefined ? { name: contract.name } : { name: contract.name, layout });
    }),
  );
  return { contracts, perBlock, index, decode: createReportDecoder(decodable, candidateKeys(blocks), maxRegions) };
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

function toAnalysed(block: RecordedBlock, naming: Naming): AnalysedTransaction[] {
  const contracts = naming.perBlock.get(block) ?? naming.contracts;
  return block.transactions.map((tx): AnalysedTransaction => {
    const callee = tx.to === null ? (tx.created === undefined ? undefined : contracts.get(tx.created)) : contracts.get(tx.to);
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
