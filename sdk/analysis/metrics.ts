/**
 * Scalar metrics of a block (docs/design.md §3 "contention", "parallelism", "speedup(P)").
 */

/**
 * Contention: the share of transactions that have at least one dependency (docs/design.md §3).
 *
 * @param dependentTransactions transactions with ≥ 1 dependency.
 * @param transactionCount all transactions.
 * @returns a number in 0..1; 0 for an empty block (nothing conflicted).
 * @throws {RangeError} when the counts are negative, not integers, or dependent > total.
 */
export function contention(dependentTransactions: number, transactionCount: number): number {
  if (
    !Number.isSafeInteger(dependentTransactions) ||
    !Number.isSafeInteger(transactionCount) ||
    dependentTransactions < 0 ||
    dependentTransactions > transactionCount
  ) {
    throw new RangeError(
      `contention: invalid counts ${dependentTransactions} of ${transactionCount} transactions`,
    );
  }
  return transactionCount === 0 ? 0 : dependentTransactions / transactionCount;
}

/**
 * Parallelism: total gas / critical-path gas, the ideal speedup with unlimited lanes (docs/design.md §3;
 * the work/span ratio).
 *
 * When the total gas is 0 (empty block, or only zero-gas transactions) there is no work to
 * spread and the result is 1 (no gain, no loss).
 *
 * @param totalGas sum of gas used (gas), ≥ 0.
 * @param criticalPathGas gas of the critical path (gas), ≤ totalGas and > 0 when totalGas > 0.
 * @throws {RangeError} when the figures are inconsistent.
 */
export function parallelism(totalGas: bigint, criticalPathGas: bigint): number {
  return gasRatio(totalGas, criticalPathGas, "parallelism", "critical-path gas");
}

/**
 * speedup(P) from the makespan of the list schedule on P lanes: total gas / makespan
 * (docs/design.md §3). 1 when the total gas is 0.
 *
 * @param totalGas sum of gas used (gas), ≥ 0.
 * @param makespan makespan (gas), ≤ totalGas and > 0 when totalGas > 0.
 * @throws {RangeError} when the figures are inconsistent.
 */
export function speedupFromMakespan(totalGas: bigint, makespan: bigint): number {
  return gasRatio(totalGas, makespan, "speedup", "makespan");
}

function gasRatio(total: bigint, part: bigint, what: string, partName: string): number {
  if (total < 0n || part < 0n || part > total || (total > 0n && part === 0n)) {
    throw new RangeError(`${what}: invalid figures, total gas ${total}, ${partName} ${part}`);
  }
  if (total === 0n) return 1;
  return Number(total) / Number(part);
}
