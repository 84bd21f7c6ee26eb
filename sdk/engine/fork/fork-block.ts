/**
 * The first block of a forked chain: the remote's fork block, held as a mined block with no
 * transactions of its own, under the remote's hash, so the local chain continues from it
 * (the next block is number fork + 1 with the fork block's hash as parent, as on EDR).
 */
import type { Common } from "@ethereumjs/common";
import { createBlockHeaderFromRPC, type JSONRPCBlock } from "@ethereumjs/block";
import { type Hex, hexToBytes } from "viem";
import { blockWithoutTransactions, type MinedBlock } from "../chain/blocks.ts";
import type { RemoteBlock } from "./fork-source.ts";

/**
 * The fork block as a {@link MinedBlock} of this chain's hardfork rules. Header fields the
 * remote does not send (a later hardfork's) take ethereumjs's defaults; the hash is the remote's
 * whatever the fields, since BLOCKHASH and parent hashes must match the remote chain.
 */
export function forkBlockOf(remote: RemoteBlock, common: Common): MinedBlock {
  const header = createBlockHeaderFromRPC(
    { ...remote, transactions: [], uncles: [] } as unknown as JSONRPCBlock,
    { common, skipConsensusFormatValidation: true, setHardfork: false },
  );
  // Frozen headers cache their hash: the remote's replaces the one the fields would give.
  (header as unknown as { cache: { hash?: Uint8Array } }).cache.hash = hexToBytes(remote.hash);
  return blockWithoutTransactions(header, remote.hash.toLowerCase() as Hex, BigInt(remote.number));
}
