/**
 * What `hardhat parallel-replay` prints per replayed block: one progress line (transactions,
 * gas, both executors' times, re-executions, system calls) and, under it, every receipt
 * mismatch (which transaction, which field, ours vs the chain's) and every difference from the
 * remote's EIP-7928 block access list.
 */
import type { ReplayedBlock } from "../../sdk/replay/replay-block.ts";
import { describeSystemCalls } from "../../sdk/replay/system-calls.ts";

const ms = (v: number): string => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;

/** Whether the block replayed exactly: no receipt mismatch, no access-list difference. */
export function replayedExactly(r: ReplayedBlock): boolean {
  return (
    r.sequentialMismatches.length === 0 &&
    r.blockStmMismatches.length === 0 &&
    (r.blockAccessList === undefined || r.blockAccessList.differences.length === 0)
  );
}

/** The lines of one replayed block (see the module doc). */
export function formatReplayedBlock(r: ReplayedBlock): string[] {
  const record = r.blockStmRecord;
  const stm =
    record.executedBy === "block-stm"
      ? `Block-STM ${ms(r.blockStmMs)} (${record.reExecutions} re-executions)`
      : `Block-STM ${ms(r.blockStmMs)} (ran ${record.executedBy}${record.fallbackReason === undefined ? "" : `: ${record.fallbackReason}`})`;
  const bal =
    r.blockAccessList === undefined
      ? "no remote block access list"
      : r.blockAccessList.differences.length === 0
        ? "block access list equal"
        : `block access list: ${r.blockAccessList.differences.length} differences`;
  const mismatches = r.sequentialMismatches.length + r.blockStmMismatches.length;
  const lines = [
    `block ${r.number}: ${r.transactions} transactions, ${r.gasUsed} gas, ${r.hardfork}; sequential ${ms(r.sequentialMs)}, ${stm}; ${mismatches === 0 ? "receipts equal" : `${mismatches} receipt mismatches`}; ${bal}; ${describeSystemCalls(r.systemCalls)}`,
  ];
  for (const [executor, list] of [
    ["sequential", r.sequentialMismatches],
    ["block-stm", r.blockStmMismatches],
  ] as const)
    for (const m of list)
      lines.push(
        `  MISMATCH (${executor}) tx ${m.index} ${m.transactionHash} ${m.field}: ours ${m.ours}, chain's ${m.theirs}`,
      );
  for (const d of r.blockAccessList?.differences ?? [])
    lines.push(`  BLOCK ACCESS LIST ${d.address} ${d.field}: ours ${d.ours}, remote's ${d.theirs}`);
  return lines;
}
