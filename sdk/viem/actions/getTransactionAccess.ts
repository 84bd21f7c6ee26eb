import type { Client, Hash } from "viem";
import {
  decodeTransactionAccess,
  type TransactionAccess,
  type TransactionAccessJson,
} from "../types.ts";

export type GetTransactionAccessParameters = { hash: Hash };
export type GetTransactionAccessReturnType = TransactionAccess | null;

/**
 * Read and write sets of a mined transaction (`parallel_getTransactionAccess`).
 *
 * @example
 * const access = await getTransactionAccess(client, { hash });
 * console.log(access?.writes.map((w) => w.location));
 * @returns null when the transaction is not mined on this chain.
 */
export async function getTransactionAccess(
  client: Client,
  { hash }: GetTransactionAccessParameters,
): Promise<GetTransactionAccessReturnType> {
  const json = (await client.request({
    method: "parallel_getTransactionAccess" as never,
    params: [hash] as never,
  })) as TransactionAccessJson | null;
  return json === null ? null : decodeTransactionAccess(json);
}
