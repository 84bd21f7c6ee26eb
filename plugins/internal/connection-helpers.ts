/**
 * `connection.parallel`: helpers on every network connection to a parallel network.
 *
 * @example
 * const { viem, parallel } = await network.create("parallel");
 * const { record, transactions } = await parallel.batch(async () => {
 *   for (const user of users) await counter.write.increment({ account: user });
 * });
 */
import type { EIP1193Provider } from "viem";
import { createClient, custom } from "viem";
import { getBlockAccess } from "../../sdk/viem/actions/getBlockAccess.ts";
import { getBlockRecord } from "../../sdk/viem/actions/getBlockRecord.ts";
import { getTransactionAccess } from "../../sdk/viem/actions/getTransactionAccess.ts";
import { mineBatch, type MineBatchReturnType } from "../../sdk/viem/actions/mineBatch.ts";
import type { BlockRecord, BlockSelector, TransactionAccess } from "../../sdk/viem/types.ts";

export interface ParallelConnectionHelpers {
  /** Whether this connection is served by the parallel engine. */
  readonly enabled: boolean;
  /**
   * Runs `send` with automine off and mines everything it sent as one block.
   * @throws when the connection is not a parallel network.
   */
  batch<T>(send: () => Promise<T>): Promise<MineBatchReturnType<T>>;
  blockRecord(selector?: BlockSelector): Promise<BlockRecord>;
  blockAccess(selector?: BlockSelector): Promise<TransactionAccess[]>;
  transactionAccess(hash: `0x${string}`): Promise<TransactionAccess | null>;
}

export function createConnectionHelpers(provider: EIP1193Provider, enabled: boolean, networkName: string): ParallelConnectionHelpers {
  const client = createClient({ transport: custom(provider) });
  const ensure = () => {
    if (!enabled) {
      throw new Error(
        `network "${networkName}" is not a parallel network: use network.create("parallel") or mark it with \`parallel: true\` in hardhat.config.ts`,
      );
    }
  };
  return {
    enabled,
    batch: async (send) => (ensure(), mineBatch(client, { send })),
    blockRecord: async (selector) => (ensure(), getBlockRecord(client, selector)),
    blockAccess: async (selector) => (ensure(), getBlockAccess(client, selector)),
    transactionAccess: async (hash) => (ensure(), getTransactionAccess(client, { hash })),
  };
}
