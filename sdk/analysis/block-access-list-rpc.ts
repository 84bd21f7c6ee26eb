/**
 * The JSON-RPC form of an EIP-7928 block access list, as `eth_getBlockAccessList` returns it
 * (ethereum/execution-apis, `src/schemas/block-access-list.yaml`, schema `BlockAccessList`):
 *
 * ```
 * [{ address, storageChanges: [{ key, changes: [{ index, value }] }], storageReads: [key],
 *    balanceChanges: [{ index, value }], nonceChanges: [{ index, value }],
 *    codeChanges: [{ index, code }] }]
 * ```
 *
 * `index` is the block access index (uint32 quantity: 0 pre-execution, 1…n the transactions,
 * n + 1 post-execution); storage `key`s and values are 32-byte words (hash32); balances (wei) and
 * nonces are quantities; `code` is the runtime bytecode. Accounts are sorted by address, slots by
 * key, changes by index — the order of {@link BlockAccessList}, which this maps field by field.
 *
 * @example
 * ```ts
 * const rpc = toRpcBlockAccessList(buildBlockAccessList({ transactions }));
 * ```
 */
import type { Address, Hex } from "viem";
import type { BlockAccessList } from "./block-access-list.ts";

/** `{ index, value }` of a storage, balance or nonce change (execution-apis `StorageChange` …). */
export interface RpcBlockAccessChange {
  /** Block access index, hex quantity. */
  index: Hex;
  /** Storage: 32-byte word; balance (wei) and nonce: hex quantity. */
  value: Hex;
}

/** execution-apis `AccountAccess`. */
export interface RpcAccountAccess {
  address: Address;
  storageChanges: Array<{ key: Hex; changes: RpcBlockAccessChange[] }>;
  storageReads: Hex[];
  balanceChanges: RpcBlockAccessChange[];
  nonceChanges: RpcBlockAccessChange[];
  codeChanges: Array<{ index: Hex; code: Hex }>;
}

/** execution-apis `BlockAccessList`. */
export type RpcBlockAccessList = RpcAccountAccess[];

/** Maps a block access list to the execution APIs' JSON form (same content and order). */
export function toRpcBlockAccessList(bal: BlockAccessList): RpcBlockAccessList {
  return bal.map((account) => ({
    address: account.address,
    storageChanges: account.storageChanges.map((slot) => ({
      key: slot.slot,
      changes: slot.slotChanges.map((c) => ({ index: c.blockAccessIndex, value: c.postValue })),
    })),
    storageReads: [...account.storageReads],
    balanceChanges: account.balanceChanges.map((c) => ({
      index: c.blockAccessIndex,
      value: c.postBalance,
    })),
    nonceChanges: account.nonceChanges.map((c) => ({
      index: c.blockAccessIndex,
      value: c.postNonce,
    })),
    codeChanges: account.codeChanges.map((c) => ({ index: c.blockAccessIndex, code: c.newCode })),
  }));
}
