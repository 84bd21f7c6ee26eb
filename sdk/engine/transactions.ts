/**
 * Transactions as the engine handles them: an `@ethereumjs/tx` object plus its hash and sender.
 *
 * Signed transactions (`eth_sendRawTransaction`) recover their sender once, on submission.
 * Transactions of dev or impersonated accounts (`eth_sendTransaction`) are not signed: like
 * Hardhat's network, they carry a fake signature (r = the sender's address, s = 1) so their
 * hash is stable and unique per sender and nonce, and their sender is set, never recovered.
 */
import type { Common } from "@ethereumjs/common";
import { createTx, createTxFromRLP, type TypedTransaction, type TypedTxData } from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromString } from "@ethereumjs/util";
import type { Hex } from "viem";

export interface EngineTransaction {
  tx: TypedTransaction;
  hash: Hex;
  /** Sender, lowercase. */
  from: Hex;
  /** Arrival order in the pool (for ordering equal-fee transactions). */
  arrival: number;
  /** The raw signed bytes, or undefined for a fake-signed transaction. */
  raw?: Hex;
}

function withSender(tx: TypedTransaction, sender: Address): TypedTransaction {
  Object.defineProperty(tx, "getSenderAddress", { value: () => sender });
  return tx;
}

/**
 * Builds an unsigned transaction of `from` with a fake signature.
 * @param data fields as for `@ethereumjs/tx` `createTx` (type, nonce, gasLimit, fees, to, value, data, accessList)
 */
export function createFakeSignedTransaction(
  data: TypedTxData,
  from: Hex,
  common: Common,
  arrival: number,
  options: { hash?: boolean } = {},
): EngineTransaction {
  const type = Number(data.type ?? 0);
  const r = BigInt(from);
  // Legacy: v = 27 (pre-EIP-155), as Hardhat signs impersonated legacy transactions.
  const v = type === 0 ? 27n : 0n;
  const tx = createTx({ ...data, v, r, s: 1n }, { common, freeze: false });
  const sender = createAddressFromString(from);
  withSender(tx, sender);
  // Calls never enter a block: they skip hashing (keccak of the serialised transaction).
  const hash = options.hash === false ? ("0x" as Hex) : (bytesToHex(tx.hash()) as Hex);
  return { tx, hash, from: from.toLowerCase() as Hex, arrival };
}

/**
 * Decodes a signed raw transaction (legacy, EIP-2930, EIP-1559) and recovers its sender.
 * @throws {Error} when the bytes do not decode or the signature is invalid.
 */
export function decodeRawTransaction(raw: Hex, common: Common, arrival: number): EngineTransaction {
  const bytes = Uint8Array.from(Buffer.from(raw.slice(2), "hex"));
  const tx = createTxFromRLP(bytes, { common, freeze: false });
  if (!tx.isSigned()) throw new Error("transaction is not signed");
  const sender = tx.getSenderAddress();
  withSender(tx, sender);
  return { tx, hash: bytesToHex(tx.hash()) as Hex, from: sender.toString() as Hex, arrival, raw };
}
