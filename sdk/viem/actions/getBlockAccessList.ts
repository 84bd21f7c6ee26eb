import type { Client, Hex } from "viem";
import type { BlockAccessList } from "../../analysis/block-access-list.ts";
import { blockParam, type BlockSelector } from "../types.ts";

export type GetBlockAccessListParameters = BlockSelector;
export type GetBlockAccessListReturnType = {
  blockNumber: bigint;
  /** EIP-7928 JSON form: accounts sorted by address, changes by block access index. */
  blockAccessList: BlockAccessList;
  /** RLP encoding of the list. */
  rlp: Hex;
  /** keccak-256 of the RLP (EIP-7928's `block_access_list_hash`). */
  hash: Hex;
};

/**
 * The EIP-7928 block-level access list of a mined block (`parallel_getBlockAccessList`).
 *
 * @example
 * const { blockAccessList, hash } = await getBlockAccessList(client, { blockNumber: 3n });
 * @throws when the block does not exist (JSON-RPC -32602).
 */
export async function getBlockAccessList(
  client: Client,
  selector?: GetBlockAccessListParameters,
): Promise<GetBlockAccessListReturnType> {
  const json = (await client.request({
    method: "parallel_getBlockAccessList" as never,
    params: [blockParam(selector)] as never,
  })) as Omit<GetBlockAccessListReturnType, "blockNumber"> & { blockNumber: Hex };
  return { ...json, blockNumber: BigInt(json.blockNumber) };
}
