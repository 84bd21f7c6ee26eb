/**
 * viem actions for the parallel network, one per file, and a client extension:
 *
 * @example
 * import { createTestClient, custom } from "viem";
 * import { parallelActions } from "hardhat-parallel/sdk";
 * const client = createTestClient({ mode: "hardhat", transport: custom(provider) }).extend(parallelActions());
 * const { record } = await client.mineBatch({ send: async () => { ... } });
 */
import type { Client } from "viem";
import { getBlockAccess, type GetBlockAccessParameters } from "./actions/getBlockAccess.ts";
import {
  getBlockAccessList,
  type GetBlockAccessListParameters,
} from "./actions/getBlockAccessList.ts";
import { getBlockRecord, type GetBlockRecordParameters } from "./actions/getBlockRecord.ts";
import {
  getTransactionAccess,
  type GetTransactionAccessParameters,
} from "./actions/getTransactionAccess.ts";
import { mineBatch, type MineBatchParameters } from "./actions/mineBatch.ts";

export { getBlockAccess, getBlockAccessList, getBlockRecord, getTransactionAccess, mineBatch };
export type * from "./types.ts";
export type * from "./actions/getBlockAccess.ts";
export type * from "./actions/getBlockAccessList.ts";
export type * from "./actions/getBlockRecord.ts";
export type * from "./actions/getTransactionAccess.ts";
export type * from "./actions/mineBatch.ts";

/** A viem client extension with the parallel actions bound to the client. */
export function parallelActions() {
  return (client: Client) => ({
    getTransactionAccess: (args: GetTransactionAccessParameters) =>
      getTransactionAccess(client, args),
    getBlockAccess: (args?: GetBlockAccessParameters) => getBlockAccess(client, args),
    getBlockAccessList: (args?: GetBlockAccessListParameters) => getBlockAccessList(client, args),
    getBlockRecord: (args?: GetBlockRecordParameters) => getBlockRecord(client, args),
    mineBatch: <T>(args: MineBatchParameters<T>) => mineBatch(client, args),
  });
}
