/**
 * Text formatting of analysis figures, shared by assertion messages, the chai plugin and reports.
 */
import { formatFunctionRef } from "./labels.ts";
import type { FunctionCount, HotLocation, OrderSummary, ParallelismFigures } from "./types.ts";

/** `0.4` → `40%`, `1/3` → `33.33%` (at most two decimals). */
export function formatPercent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/** `4.256` → `4.26x` (at most two decimals). */
export function formatRatio(ratio: number): string {
  return `${Number(ratio.toFixed(2))}x`;
}

/** `1234567n` → `1,234,567 gas`. */
export function formatGas(gas: bigint): string {
  return `${gas.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")} gas`;
}

/** `1 dependency`, `2 dependencies`. */
export function formatDependencies(count: number): string {
  return `${count} ${count === 1 ? "dependency" : "dependencies"}`;
}

/**
 * One line per hot location, at most `limit` (default 3), e.g.
 * `Top hot locations:\n  1. Vault.totalSupply: 9 dependencies (written by Vault.deposit ×9; read by Vault.deposit ×9)`.
 */
export function formatHotLocations(hotLocations: readonly HotLocation[], limit = 3): string {
  if (hotLocations.length === 0) {
    return "No hot locations (no transaction read a location an earlier one wrote).";
  }
  const shown = hotLocations.slice(0, limit);
  const lines = shown.map((hot, i) => `  ${i + 1}. ${formatHotLocation(hot)}`);
  const more = hotLocations.length - shown.length;
  if (more > 0) lines.push(`  … and ${more} more`);
  return `Top hot locations:\n${lines.join("\n")}`;
}

/** `Vault.totalSupply: 9 dependencies (written by Vault.deposit ×9; read by Vault.deposit ×9)`. */
export function formatHotLocation(hot: HotLocation): string {
  return (
    `${hot.label}: ${formatDependencies(hot.dependencies)} ` +
    `(written by ${formatCounts(hot.writers)}; read by ${formatCounts(hot.readers)})`
  );
}

/**
 * The order dependencies left out of the figures (docs/design.md §3), or `undefined` when there
 * are none, e.g. `Not counted as contention: 3 dependencies of sender order (one sender's nonce
 * and balance; 1 sender), 1 of creation order (calls after a deployment in the same block).`
 */
export function formatOrder(order: OrderSummary): string | undefined {
  const parts: string[] = [];
  if (order.senderDependencies > 0) {
    parts.push(
      `${formatDependencies(order.senderDependencies)} of sender order (one sender's nonce and ` +
        `balance; ${order.senders} sender${order.senders === 1 ? "" : "s"})`,
    );
  }
  if (order.creationDependencies > 0) {
    parts.push(
      `${parts.length > 0 ? order.creationDependencies : formatDependencies(order.creationDependencies)} ` +
        "of creation order (calls after a deployment in the same block)",
    );
  }
  return parts.length === 0 ? undefined : `Not counted as contention: ${parts.join(", ")}.`;
}

/**
 * A one-line summary, e.g. `10 transactions (achieved), contention 40% (4 dependent),
 * critical path 84,000 gas over 4 transactions, parallelism 2.5x, speedup 2.1x on 4 lanes`.
 */
export function formatSummary(figures: ParallelismFigures): string {
  return (
    `${figures.transactionCount} transaction${figures.transactionCount === 1 ? "" : "s"} (${figures.kind}), ` +
    `contention ${formatPercent(figures.contention)} (${figures.dependentTransactions} dependent), ` +
    `critical path ${formatGas(figures.criticalPath.gas)} over ${figures.criticalPath.length} transaction${figures.criticalPath.length === 1 ? "" : "s"}, ` +
    `parallelism ${formatRatio(figures.parallelism)}, ` +
    `speedup ${formatRatio(figures.speedup)} on ${figures.lanes} lane${figures.lanes === 1 ? "" : "s"}` +
    (figures.order.senderDependencies + figures.order.creationDependencies > 0
      ? `; order: ${figures.order.senderDependencies} sender, ${figures.order.creationDependencies} creation`
      : "")
  );
}

function formatCounts(counts: readonly FunctionCount[], limit = 3): string {
  const shown = counts.slice(0, limit).map((c) => `${formatFunctionRef(c)} ×${c.dependencies}`);
  if (counts.length > limit) shown.push(`${counts.length - limit} more`);
  return shown.join(", ");
}
