import type { Client } from "viem";
import {
  blockParam,
  type BlockSelector,
  decodeTransactionAccess,
  type TransactionAccess,
  type TransactionAccessJson,
} from "../types.ts";

export type GetBlockAccessParameters = BlockSelector;
export type GetBlockAccessReturnType = TransactionAccess[];

/**
 * Read and write sets of every transaction of a block, in block order (`parallel_getBlockAccess`).
 *
 * @example
 * const txs = await getBlockAccess(client, { blockNumber: 5n });
 * @throws when the block does not exist (JSON-RPC -32602).
 */
export async function getBlockAccess(
  client: Client,
  selector?: GetBlockAccessParameters,
): Promise<GetBlockAccessReturnType> {
  const json = (await client.request({
    method: "parallel_getBlockAccess" as never,
    params: [blockParam(selector)] as never,
  })) as TransactionAccessJson[];
  return json.map(decodeTransactionAccess);
}
