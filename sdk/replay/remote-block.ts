/**
 * A remote chain's block as the replay needs it: the header fields of its environment, its
 * signed transactions (raw bytes from `eth_getRawTransactionByHash`, decoded with
 * `@ethereumjs/tx`, senders recovered), its receipts (`eth_getBlockReceipts`, else one
 * `eth_getTransactionReceipt` per transaction) and, when the remote serves it, its EIP-7928
 * block access list (`eth_getBlockAccessList`).
 */
import type { Common } from "@ethereumjs/common";
import { createTx } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { RpcBlockAccessList } from "../analysis/block-access-list-rpc.ts";
import { ForkRemoteError, type JsonRpcClient } from "../engine/fork/json-rpc-client.ts";
import { decodeRawTransaction, type EngineTransaction } from "../engine/transactions.ts";

/** A transaction of `eth_getBlockByNumber(n, true)` (the fields the replay reads). */
export interface RemoteTransaction {
  hash: Hex;
  type?: Hex;
  from: Hex;
  [field: string]: unknown;
}

/** `eth_getBlockByNumber(n, true)`: header fields as hex quantities and data. */
export interface RemoteFullBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  miner: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  baseFeePerGas?: Hex;
  mixHash?: Hex;
  parentBeaconBlockRoot?: Hex;
  excessBlobGas?: Hex;
  blobGasUsed?: Hex;
  requestsHash?: Hex;
  withdrawalsRoot?: Hex;
  transactions: RemoteTransaction[];
  [field: string]: unknown;
}

/** A receipt log as the remote returns it. */
export interface RemoteLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
}

/** `eth_getTransactionReceipt` (the fields the replay compares). */
export interface RemoteReceipt {
  transactionHash: Hex;
  status: Hex;
  gasUsed: Hex;
  cumulativeGasUsed: Hex;
  logs: RemoteLog[];
}

/** A remote block with its transactions decoded and its receipts. */
export interface FetchedBlock {
  block: RemoteFullBlock;
  transactions: EngineTransaction[];
  receipts: RemoteReceipt[];
  /** The remote's EIP-7928 list, or undefined when it does not serve `eth_getBlockAccessList`. */
  blockAccessList: RpcBlockAccessList | undefined;
}

/** Transaction types `@ethereumjs/tx` decodes and the engine executes. */
const SUPPORTED_TYPES = new Set([0, 1, 2, 3, 4]);

/**
 * Whether the remote answered with a JSON-RPC error (a method it does not serve: the replay
 * falls back), not a transport failure (which must go up).
 */
const answeredWithError = (error: unknown): boolean =>
  error instanceof ForkRemoteError && /\(code -?\d+\)$/.test(error.message);

const tag = (n: bigint): Hex => `0x${n.toString(16)}` as Hex;

/**
 * Reads block `n` from the remote.
 * @param common the rules the transactions are decoded under (the replay's hardfork).
 * @throws {ForkRemoteError} naming the masked URL when the remote fails, the block does not
 *   exist, a transaction's type is not supported, or a decoded transaction's hash differs from
 *   the remote's (the bytes or the fields were not what the chain holds).
 */
export async function fetchBlock(
  client: JsonRpcClient,
  n: bigint,
  common: Common,
): Promise<FetchedBlock> {
  const block = await client.request<RemoteFullBlock | null>("eth_getBlockByNumber", [
    tag(n),
    true,
  ]);
  if (block === null) {
    const latest = BigInt(await client.request<Hex>("eth_blockNumber"));
    throw new ForkRemoteError(
      client.maskedUrl,
      `block ${n} does not exist (the remote's latest block is ${latest})`,
    );
  }
  for (const tx of block.transactions) {
    const type = Number(tx.type ?? "0x0");
    if (!SUPPORTED_TYPES.has(type))
      throw new ForkRemoteError(
        client.maskedUrl,
        `block ${n}: transaction ${tx.hash} has type ${type}, which the replay does not support (types 0–4 only)`,
      );
  }
  const transactions = await decodeTransactions(client, block, common);
  const receipts = await fetchReceipts(client, block);
  let blockAccessList: RpcBlockAccessList | undefined;
  try {
    blockAccessList = await client.request<RpcBlockAccessList>("eth_getBlockAccessList", [tag(n)]);
  } catch (error) {
    // Not served (method unknown, pre-Amsterdam block): nothing to compare with.
    if (!answeredWithError(error)) throw error;
    blockAccessList = undefined;
  }
  return { block, transactions, receipts, blockAccessList: blockAccessList ?? undefined };
}

/**
 * The block's transactions as engine transactions: the raw signed bytes when the remote serves
 * `eth_getRawTransactionByHash`, else rebuilt from the full block's fields (v, r, s included);
 * either way the hash must equal the remote's.
 */
async function decodeTransactions(
  client: JsonRpcClient,
  block: RemoteFullBlock,
  common: Common,
): Promise<EngineTransaction[]> {
  if (block.transactions.length === 0) return [];
  let raws: Array<Hex | null> | undefined;
  try {
    raws = await client.batch<Hex | null>(
      block.transactions.map((tx) => ({
        method: "eth_getRawTransactionByHash",
        params: [tx.hash],
      })),
    );
  } catch (error) {
    if (!answeredWithError(error)) throw error;
    raws = undefined; // method not served: fields below
  }
  return block.transactions.map((remote, i) => {
    let etx: EngineTransaction;
    try {
      const raw = raws?.[i];
      etx =
        raw !== undefined && raw !== null
          ? decodeRawTransaction(raw, common, i)
          : fromFields(remote, common, i);
    } catch (error) {
      throw new ForkRemoteError(
        client.maskedUrl,
        `block ${BigInt(block.number)}: transaction ${remote.hash} does not decode: ${(error as Error).message}`,
      );
    }
    if (etx.hash !== remote.hash.toLowerCase())
      throw new ForkRemoteError(
        client.maskedUrl,
        `block ${BigInt(block.number)}: transaction ${remote.hash} decodes to hash ${etx.hash}`,
      );
    return etx;
  });
}

/** A signed transaction from the JSON fields of `eth_getBlockByNumber(n, true)`. */
function fromFields(remote: RemoteTransaction, common: Common, arrival: number): EngineTransaction {
  const r = remote as Record<string, unknown>;
  const type = Number(remote.type ?? "0x0");
  const data = {
    type,
    nonce: r.nonce,
    gasLimit: r.gas,
    gasPrice: type === 0 || type === 1 ? r.gasPrice : undefined,
    maxFeePerGas: r.maxFeePerGas,
    maxPriorityFeePerGas: r.maxPriorityFeePerGas,
    maxFeePerBlobGas: r.maxFeePerBlobGas,
    blobVersionedHashes: r.blobVersionedHashes,
    to: r.to ?? undefined,
    value: r.value,
    data: r.input,
    accessList: r.accessList,
    authorizationList: (r.authorizationList as Array<Record<string, Hex>> | undefined)?.map(
      (a) => ({ ...a, yParity: a.yParity ?? a.v }),
    ),
    chainId: r.chainId,
    v: type === 0 ? r.v : (r.yParity ?? r.v),
    r: r.r,
    s: r.s,
  };
  const tx = createTx(data as never, { common, freeze: false });
  const raw = bytesToHex(tx.serialize()) as Hex;
  return decodeRawTransaction(raw, common, arrival);
}

/** The block's receipts, in order: `eth_getBlockReceipts`, else one request per transaction. */
async function fetchReceipts(
  client: JsonRpcClient,
  block: RemoteFullBlock,
): Promise<RemoteReceipt[]> {
  if (block.transactions.length === 0) return [];
  try {
    const receipts = await client.request<RemoteReceipt[] | null>("eth_getBlockReceipts", [
      block.number,
    ]);
    if (Array.isArray(receipts) && receipts.length === block.transactions.length) return receipts;
  } catch (error) {
    if (!answeredWithError(error)) throw error;
  }
  const receipts = await client.batch<RemoteReceipt | null>(
    block.transactions.map((tx) => ({ method: "eth_getTransactionReceipt", params: [tx.hash] })),
  );
  return receipts.map((receipt, i) => {
    if (receipt === null)
      throw new ForkRemoteError(
        client.maskedUrl,
        `block ${BigInt(block.number)}: no receipt for transaction ${block.transactions[i].hash}`,
      );
    return receipt;
  });
}
