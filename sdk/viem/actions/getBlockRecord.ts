import type { Client } from "viem";
import {
  blockParam,
  type BlockRecord,
  type BlockRecordJson,
  type BlockSelector,
  decodeBlockRecord,
} from "../types.ts";

export type GetBlockRecordParameters = BlockSelector;
export type GetBlockRecordReturnType = BlockRecord;

/**
 * How a block was executed: executor, lanes, re-executions, fallback reason, faults, wall time
 * (`parallel_getBlockRecord`).
 *
 * @example
 * const record = await getBlockRecord(client); // latest block
 * @throws when the block does not exist (JSON-RPC -32602).
 */
export async function getBlockRecord(
  client: Client,
  selector?: GetBlockRecordParameters,
): Promise<GetBlockRecordReturnType> {
  const json = (await client.request({
    method: "parallel_getBlockRecord" as never,
    params: [blockParam(selector)] as never,
  })) as BlockRecordJson;
  return decodeBlockRecord(json);
}
