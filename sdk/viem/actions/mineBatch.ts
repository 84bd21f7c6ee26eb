import type { Client } from "viem";
import type { BlockRecord, TransactionAccess } from "../types.ts";
import { getBlockAccess } from "./getBlockAccess.ts";
import { getBlockRecord } from "./getBlockRecord.ts";

export type MineBatchParameters<T> = {
  /** Sends the transactions of the batch (e.g. several `contract.write` calls); not awaited for mining. */
  send: () => Promise<T>;
};
export type MineBatchReturnType<T> = {
  /** What `send` returned (e.g. transaction hashes). */
  result: T;
  /** The execution record of the block the batch was mined in. */
  record: BlockRecord;
  /** Read and write sets of the block's transactions, in block order. */
  transactions: TransactionAccess[];
};

/**
 * Sends several transactions and mines them as ONE block: turns automine off, runs `send`,
 * mines with `evm_mine` (so the block runs on the configured executor, e.g. Block-STM) and
 * restores automine. Transactions sent by `send` must not wait for their receipts.
 *
 * @example
 * const { record } = await mineBatch(client, {
 *   send: () => Promise.all(users.map((u) => vault.write.requestDeposit([amount], { account: u }))),
 * });
 * @throws what `send` throws (automine is restored and nothing is mined), or when mining fails.
 */
export async function mineBatch<T>(
  client: Client,
  { send }: MineBatchParameters<T>,
): Promise<MineBatchReturnType<T>> {
  const automine = (await client.request({ method: "hardhat_getAutomine" as never })) as boolean;
  await client.request({ method: "evm_setAutomine" as never, params: [false] as never });
  let result: T;
  try {
    result = await send();
    await client.request({ method: "evm_mine" as never });
  } finally {
    await client.request({ method: "evm_setAutomine" as never, params: [automine] as never });
  }
  const [record, transactions] = await Promise.all([
    getBlockRecord(client),
    getBlockAccess(client),
  ]);
  return { result, record, transactions };
}
