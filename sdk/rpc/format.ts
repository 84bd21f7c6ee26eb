/**
 * JSON-RPC result shapes for blocks, transactions, receipts and logs, as Hardhat's EDR network
 * returns them (quantities as minimal hex, data as hex, addresses lowercase).
 */
import { bytesToBigInt, bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { MinedBlock } from "../engine/chain.ts";
import type { EngineLog } from "../engine/execute-transaction.ts";
import type { EngineTransaction } from "../engine/transactions.ts";

export const q = (v: bigint | number): Hex => `0x${v.toString(16)}`;
const b2h = (b: Uint8Array): Hex => bytesToHex(b) as Hex;

export function formatLog(
  log: EngineLog,
  block: MinedBlock,
  txIndex: number,
  logIndex: number,
): Record<string, unknown> {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockHash: block.hash,
    blockNumber: q(block.number),
    blockTimestamp: q(block.header.timestamp),
    transactionHash: block.transactions[txIndex].hash,
    transactionIndex: q(txIndex),
    logIndex: q(logIndex),
    removed: false,
  };
}

/** Log index of the first log of each transaction in a block. */
export function firstLogIndexes(block: MinedBlock): number[] {
  const out: number[] = [];
  let n = 0;
  for (const o of block.outcomes) {
    out.push(n);
    n += o.logs.length;
  }
  return out;
}

export function formatTransaction(
  etx: EngineTransaction,
  block?: MinedBlock,
  index?: number,
): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: the typed-transaction union has per-type fields (v, yParity, blob fields) read by name below
  const tx = etx.tx as EngineTransaction["tx"] & Record<string, any>;
  const out: Record<string, unknown> = {
    blockHash: block?.hash ?? null,
    blockNumber: block === undefined ? null : q(block.number),
    transactionIndex: index === undefined ? null : q(index),
    hash: etx.hash,
    from: etx.from,
    to: tx.to === undefined ? null : tx.to.toString(),
    nonce: q(tx.nonce),
    gas: q(tx.gasLimit),
    value: q(tx.value),
    input: b2h(tx.data),
    type: q(tx.type),
    // EDR reports v = 28 for its fake signature of typed transactions (y-parity 1 is encoded).
    v: q(etx.fakeSigned === true && tx.type !== 0 ? 28n : (tx.v ?? 0n)),
    r: q(tx.r ?? 0n),
    s: q(tx.s ?? 0n),
  };
  // EDR reports chainId for typed transactions only (not for legacy ones, EIP-155 or not).
  if (tx.type !== 0) out.chainId = q(tx.common.chainId());
  if (tx.type === 0 || tx.type === 1) {
    out.gasPrice = q(tx.gasPrice);
  } else {
    out.maxFeePerGas = q(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = q(tx.maxPriorityFeePerGas);
    const baseFee = block?.header.baseFeePerGas;
    out.gasPrice = q(
      baseFee === undefined
        ? tx.maxFeePerGas
        : baseFee + min(tx.maxPriorityFeePerGas, tx.maxFeePerGas - baseFee),
    );
  }
  if (tx.type !== 0) {
    out.accessList = (tx.accessList as Array<[Uint8Array, Uint8Array[]]>).map(([a, keys]) => ({
      address: b2h(a),
      storageKeys: keys.map(b2h),
    }));
    out.yParity = q(tx.v ?? 0n);
  }
  if (tx.type === 4) {
    out.authorizationList = (tx.authorizationList as Uint8Array[][]).map(
      ([chainId, address, nonce, yParity, r, s]) => ({
        chainId: q(bytesToBigInt(chainId)),
        address: b2h(address),
        nonce: q(bytesToBigInt(nonce)),
        yParity: q(bytesToBigInt(yParity)),
        r: q(bytesToBigInt(r)),
        s: q(bytesToBigInt(s)),
      }),
    );
  }
  return out;
}

export function formatReceipt(block: MinedBlock, index: number): Record<string, unknown> {
  const etx = block.transactions[index];
  const o = block.outcomes[index];
  let cumulative = 0n;
  for (let i = 0; i <= index; i++) cumulative += block.outcomes[i].blockGasUsed;
  const firstLog = firstLogIndexes(block)[index];
  return {
    transactionHash: etx.hash,
    transactionIndex: q(index),
    blockHash: block.hash,
    blockNumber: q(block.number),
    from: etx.from,
    to: etx.tx.to === undefined ? null : etx.tx.to.toString(),
    cumulativeGasUsed: q(cumulative),
    gasUsed: q(o.gasUsed),
    contractAddress: o.contractAddress ?? null,
    logs: o.logs.map((log, i) => formatLog(log, block, index, firstLog + i)),
    logsBloom: b2h(o.logsBloom),
    type: q(etx.tx.type),
    status: q(o.status),
    effectiveGasPrice: q(o.effectiveGasPrice),
  };
}

export function formatBlock(block: MinedBlock, full: boolean): Record<string, unknown> {
  const h = block.header;
  const json = h.toJSON() as Record<string, Hex | undefined>;
  const out: Record<string, unknown> = {
    number: q(block.number),
    hash: block.hash,
    parentHash: b2h(h.parentHash),
    nonce: json.nonce,
    mixHash: b2h(h.mixHash),
    sha3Uncles: b2h(h.uncleHash),
    logsBloom: b2h(h.logsBloom),
    transactionsRoot: b2h(h.transactionsTrie),
    stateRoot: b2h(h.stateRoot),
    receiptsRoot: b2h(h.receiptTrie),
    miner: h.coinbase.toString(),
    difficulty: "0x0",
    totalDifficulty: "0x0",
    extraData: b2h(h.extraData),
    size: q(
      h.serialize().length + block.transactions.reduce((n, t) => n + t.tx.serialize().length, 0),
    ),
    gasLimit: q(h.gasLimit),
    gasUsed: q(h.gasUsed),
    timestamp: q(h.timestamp),
    transactions: full
      ? block.transactions.map((t, i) => formatTransaction(t, block, i))
      : block.transactions.map((t) => t.hash),
    uncles: [],
    baseFeePerGas: h.baseFeePerGas === undefined ? undefined : q(h.baseFeePerGas),
  };
  if (h.withdrawalsRoot !== undefined) {
    out.withdrawals = [];
    out.withdrawalsRoot = b2h(h.withdrawalsRoot);
  }
  if (h.blobGasUsed !== undefined) out.blobGasUsed = q(h.blobGasUsed);
  if (h.excessBlobGas !== undefined) out.excessBlobGas = q(h.excessBlobGas);
  if (h.parentBeaconBlockRoot !== undefined)
    out.parentBeaconBlockRoot = b2h(h.parentBeaconBlockRoot);
  if (h.requestsHash !== undefined) out.requestsHash = b2h(h.requestsHash);
  if (h.blockAccessListHash !== undefined) out.blockAccessListHash = b2h(h.blockAccessListHash);
  return out;
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
