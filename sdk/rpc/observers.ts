/**
 * What executions report beyond their JSON-RPC results, at the moments Hardhat's EDR network
 * reports them (EDR `crates/edr_napi_core/src/logger.rs`, `crates/edr_provider/src/data.rs`):
 *
 * - **console.log lines** of the committed execution of each mined transaction, when its block
 *   is mined (block order; every transaction of every block `evm_mine`/`hardhat_mine`/interval
 *   mining/automine produced), of each `eth_call` (also when it reverts), and of an
 *   `eth_estimateGas` only when the estimate fails (the lines of its run with the full gas
 *   limit). Estimation probes, `eth_createAccessList`, `debug_trace*` and Block-STM
 *   re-executions print nothing: only the outcome the block keeps is printed. Lines go to
 *   {@link ExecutionObservers.printLine} (default `console.log`, EDR's default).
 * - **coverage hits** of every execution EDR observes: each mined transaction, each `eth_call`,
 *   each run of an `eth_estimateGas` (with coverage on, estimation runs every probe, so the
 *   runs are EDR's), and the traced execution of `debug_traceTransaction` / `debug_traceCall`.
 * - **executed transactions** for gas statistics: each mined transaction and each `eth_call`
 *   (EDR's gas report), with what identifies the contract and function.
 */
import type { Hex } from "viem";
import type { MinedBlock } from "../engine/chain.ts";
import type { TransactionOutcome } from "../engine/execute-transaction.ts";
import { formatConsoleLogs } from "./console-log.ts";

/** One top-level execution as gas statistics see it (EDR's `GasReport::add` inputs). */
export interface ExecutedCall {
  /** Recipient (lowercase); undefined for a deployment. */
  to: Hex | undefined;
  /** Call data, or the init code of a deployment (0x hex). */
  input: Hex;
  outcome: TransactionOutcome;
  /** Runtime code at an address as the execution left it (0x hex, `0x` when none). */
  codeAt(address: Hex): Hex;
}

export interface ExecutionObservers {
  /** Prints one console.log line. Default: `console.log(line)`, looked up at each call. */
  printLine: (line: string) => void;
  /** Receives each observed execution's coverage hits (only when the chain has coverage on). */
  onCoverageHits?: (tags: Hex[]) => void;
  /** Receives each mined transaction and `eth_call` (for gas statistics). */
  onExecutedCall?: (call: ExecutedCall) => void;
}

/** Observers that print console.log lines with `console.log` and report nothing else. */
export function defaultObservers(): ExecutionObservers {
  return { printLine: (line) => console.log(line) };
}

/** Prints the console.log lines of one execution. */
export function printConsoleLogs(
  observers: ExecutionObservers,
  outcome: { consoleLogs?: Uint8Array[] },
): void {
  for (const line of formatConsoleLogs(outcome.consoleLogs)) observers.printLine(line);
}

/** Reports the coverage hits of one execution (none without coverage). */
export function reportCoverage(
  observers: ExecutionObservers,
  outcome: { coverageHits?: Hex[] },
): void {
  if (outcome.coverageHits !== undefined) observers.onCoverageHits?.(outcome.coverageHits);
}

/**
 * Everything a mined block reports, transaction by transaction in block order: console.log
 * lines, coverage hits, executed calls.
 * @param codeAt runtime code after the block (0x hex).
 */
export function observeMinedBlock(
  observers: ExecutionObservers,
  block: MinedBlock,
  codeAt: (address: Hex) => Hex,
): void {
  block.outcomes.forEach((outcome, i) => {
    printConsoleLogs(observers, outcome);
    reportCoverage(observers, outcome);
    if (observers.onExecutedCall !== undefined) {
      const tx = block.transactions[i].tx;
      observers.onExecutedCall({
        to: tx.to?.toString() as Hex | undefined,
        input: `0x${Buffer.from(tx.data).toString("hex")}`,
        outcome,
        codeAt,
      });
    }
  });
}
