/**
 * Storage expressions as a query language: `slotsOf(layout, "positions[0xf39f…].debt")` → the
 * slots, using the annotation grammar of `parse.ts` (keys: literals, `*`, `shard(x)`, and
 * msg.sender / tx.origin / this / named arguments when given in the context).
 */
import type { AbiParameter, Hex } from "viem";

import { type CallContext, instantiateAll, type MatcherInstance } from "./instantiate.ts";
import type { StorageLayout } from "./layout.ts";
import type { SlotPattern } from "./pattern.ts";
import { resolveAnnotation } from "./resolve.ts";

/** Context of {@link slotsOf}: a call context plus the names and types of its arguments. */
export interface ExpressionContext extends CallContext {
  /** Parameters that `args` fill, so expressions may name them (e.g. `balanceOf[to]`). */
  inputs?: readonly AbiParameter[];
}

/**
 * Resolves a comma-separated list of storage expressions against a layout.
 *
 * @returns the concrete slots (32-byte hex, derivation order, deduplicated), the matchers of
 *   parts that cannot be listed, and the patterns themselves.
 * @throws {AnnotationProblem} when the expression is invalid for the layout;
 *   `MissingContextError` when it uses msg.sender / tx.origin / this / arguments that `ctx` lacks.
 */
export function slotsOf(
  layout: StorageLayout,
  expression: string,
  ctx: ExpressionContext = {},
): { slots: Hex[]; matchers: MatcherInstance[]; patterns: SlotPattern[] } {
  const fn =
    ctx.inputs !== undefined
      ? { signature: "expression", stateMutability: "nonpayable", inputs: ctx.inputs }
      : undefined;
  const patterns = resolveAnnotation(
    expression,
    "reads",
    layout,
    fn ?? { signature: "expression", inputs: [] },
  );
  return { ...instantiateAll(patterns, ctx), patterns };
}
