/**
 * Fee arithmetic over mined blocks: the priority fee at a reward percentile (eth_feeHistory)
 * and the fee defaults of eth_sendTransaction, as Hardhat's network computes them.
 */
import type { MinedBlock } from "../engine/chain.ts";

/** Default priority fee (wei): 1 gwei, as Hardhat. */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

/**
 * The priority fee at a reward percentile of a block, as Hardhat's network computes it for
 * eth_feeHistory: transactions sorted by effective priority fee, the first whose cumulative gas
 * used reaches `percentile`% of the block's gas LIMIT (else the highest); 0 for an empty block.
 */
export function blockReward(block: MinedBlock, percentile: number): bigint {
  if (block.transactions.length === 0) return 0n;
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const rewards = block.outcomes
    .map((o, i) => {
      const tx = block.transactions[i].tx as {
        maxPriorityFeePerGas?: bigint;
        maxFeePerGas?: bigint;
        gasPrice?: bigint;
      };
      const price = tx.maxFeePerGas ?? tx.gasPrice ?? 0n;
      const tip = price > baseFee ? price - baseFee : 0n;
      return {
        gas: o.gasUsed,
        reward:
          tx.maxPriorityFeePerGas !== undefined && tx.maxPriorityFeePerGas < tip
            ? tx.maxPriorityFeePerGas
            : tip,
      };
    })
    .sort((a, b) => (a.reward < b.reward ? -1 : a.reward > b.reward ? 1 : 0));
  const target = BigInt(Math.floor((percentile / 100) * Number(block.header.gasLimit)));
  let used = 0n;
  for (const r of rewards) {
    used += r.gas;
    if (target <= used) return r.reward;
  }
  return rewards[rewards.length - 1].reward;
}

/**
 * Fee defaults of eth_sendTransaction, as Hardhat's automatic gas price handler computes them:
 * priority = the latest block's 50th-percentile reward (eth_feeHistory), or 1 gwei when that is
 * 0; max fee = next base fee × 81/64 (room for two full blocks of base-fee growth).
 */
export function suggestFees(latest: MinedBlock): {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
} {
  let priority = blockReward(latest, 50);
  if (priority === 0n) priority = DEFAULT_PRIORITY_FEE;
  return { maxFeePerGas: (nextBaseFee(latest) * 81n) / 64n, maxPriorityFeePerGas: priority };
}

/** The base fee of the block after `latest` (wei). */
export function nextBaseFee(latest: MinedBlock): bigint {
  return latest.header.calcNextBaseFee();
}
