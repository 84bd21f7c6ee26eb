/**
 * The dependency graphs a report keeps per test, for the HTML report's drawings
 * (`html.ts`): each analysed block's transactions and classified edges, with location labels.
 * Bounded so a large run keeps a small JSON file: the caps below are also stated in the page.
 */
import { formatFunctionRef, labelLocation } from "../../sdk/analysis/labels.ts";
import type { BlockAnalysis, LocationDecoder, MergedAnalysis } from "../../sdk/analysis/types.ts";
import type { ReportBlockGraph } from "./types.ts";

/** Blocks of one test whose graph is kept (the first ones, in block order). */
export const GRAPH_BLOCKS_PER_TEST = 4;
/** A block with more transactions is not kept (its drawing would be unreadable). */
export const GRAPH_MAX_TRANSACTIONS = 200;
/** A block with more dependency edges is not kept. */
export const GRAPH_MAX_DEPENDENCIES = 1_000;
/** Carrying locations labelled per edge. */
export const GRAPH_LOCATION_LABELS = 3;

/**
 * The graphs of a test's analysis, at most {@link GRAPH_BLOCKS_PER_TEST}, each within
 * {@link GRAPH_MAX_TRANSACTIONS} and {@link GRAPH_MAX_DEPENDENCIES}.
 *
 * @param analysis a merged analysis of achieved blocks, or the potential pseudo-block.
 * @param blockNumbers for a potential pseudo-block: the block of each position (decimal).
 * @param decode the decoder of the analysis's labels, so edges are labelled alike.
 * @returns the kept graphs and how many analysed blocks were left out.
 */
export function reportGraphs(
  analysis: BlockAnalysis | MergedAnalysis,
  blockNumbers: readonly string[],
  decode?: LocationDecoder,
): { graphs: ReportBlockGraph[]; omitted: number } {
  const blocks = "blocks" in analysis ? analysis.blocks : [analysis];
  const graphs: ReportBlockGraph[] = [];
  let omitted = 0;
  for (const block of blocks) {
    if (
      graphs.length >= GRAPH_BLOCKS_PER_TEST ||
      block.transactions.length > GRAPH_MAX_TRANSACTIONS ||
      block.dependencies.length > GRAPH_MAX_DEPENDENCIES
    ) {
      omitted += 1;
      continue;
    }
    const number = block.blockNumber === undefined ? null : block.blockNumber.toString();
    graphs.push({
      block: number,
      transactions: block.transactions.map((tx) => ({
        index: tx.index,
        block: number ?? blockNumbers[tx.position] ?? "?",
        from: tx.from,
        call: formatFunctionRef(tx),
        gasUsed: tx.gasUsed.toString(),
      })),
      dependencies: block.dependencies.map((d) => ({
        from: d.from,
        to: d.to,
        kind: d.kind,
        locations: d.locations
          .slice(0, GRAPH_LOCATION_LABELS)
          .map((key) => labelLocation(key, decode).label),
        moreLocations: Math.max(0, d.locations.length - GRAPH_LOCATION_LABELS),
      })),
    });
  }
  return { graphs, omitted };
}
