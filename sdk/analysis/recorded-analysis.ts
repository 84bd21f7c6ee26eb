/**
 * From recorded blocks to parallelism analyses (docs/design.md §3), with contract and function names
 * from the artifacts and storage labels from the layouts (`naming.ts`).
 *
 * Per test: blocks that held at least two transactions ran in parallel, so the test's figures
 * are those blocks merged ("achieved"); a test whose blocks each held one transaction
 * (automine) is analysed as if all its transactions had been one block ("potential").
 */
import { analyseBlock, type ViolationInput } from "./analyse.ts";
import { REPORT_MAX_REGIONS } from "./location-decoder.ts";
import { mergeAnalyses } from "./merge.ts";
import { namingFor, toAnalysed, type NamingEnvironment } from "./naming.ts";
import { DEFAULT_LANES, type RecordedBlock } from "./recorded-block.ts";
import type { AnalysisKind, BlockAnalysis, LocationDecoder, MergedAnalysis } from "./types.ts";

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
  /** The decoder behind the analysis's labels (for labelling other locations alike). */
  decode?: LocationDecoder;
}

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
      decode: naming.decode,
    };
  }
  const analysis = analyseBlock(
    withTxs.flatMap((block) => toAnalysed(block, naming)),
    { lanes: P, decode: naming.decode, kind: "potential", ...violationsOf(withTxs) },
  );
  return {
    kind: "potential",
    analysis,
    blocks: blocks.length,
    achievedBlocks: 0,
    transactions,
    lanes: P,
    reExecutions: null,
    decode: naming.decode,
  };
}

/**
 * Analyses one real block (whatever its transaction count) with names and decoded labels;
 * used by `connection.parallel.analyse` and the `analysis` of `batch()`.
 */
export async function analyseRecordedBlock(
  block: RecordedBlock,
  env: NamingEnvironment,
  lanes?: number,
): Promise<BlockAnalysis> {
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
