/**
 * Transactions as the engine handles them: an `@ethereumjs/tx` object plus its hash and sender.
 *
 * Every transaction is signed (or fake-signed) once, when it is submitted; the lanes of the
 * Block-STM executor receive its serialised bytes and its sender, and never sign or recover.
 *
 * - Raw transactions (`eth_sendRawTransaction`) keep their signature; the sender is recovered once.
 * - Transactions of dev accounts (`eth_sendTransaction`) are signed with the account's key
 *   (RFC 6979, low s, EIP-155 for legacy ones), so hash and v/r/s equal EDR's.
 * - Transactions of impersonated accounts (and calls) carry EDR's fake signature: r = s = the
 *   sender's address; legacy ones are EIP-155 with recovery id 0 (v = chainId × 2 + 35), typed
 *   ones have y-parity 1. EDR reports v = 28 for fake-signed typed transactions
 *   (`edr_signer::FakeableSignature`). An impersonated dev account is fake-signed, as on EDR.
 */
import type { Common } from "@ethereumjs/common";
import { createTx, createTxFromRLP, type TypedTransaction, type TypedTxData } from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";

export interface EngineTransaction {
  tx: TypedTransaction;
  hash: Hex;
  /** Sender, lowercase. */
  from: Hex;
  /** Arrival order in the pool (for ordering equal-fee transactions). */
  arrival: number;
  /** The raw signed bytes, or undefined for a transaction signed by the engine. */
  raw?: Hex;
  /** True for EDR's fake signature (impersonated senders, calls). */
  fakeSigned?: boolean;
}

function withSender(tx: TypedTransaction, sender: Address): TypedTransaction {
  Object.defineProperty(tx, "getSenderAddress", { value: () => sender });
  return tx;
}

/**
 * Builds a transaction of `from` with EDR's fake signature (see the module comment).
 * @param data fields as for `@ethereumjs/tx` `createTx` (type 0, 1, 2 or 4 and their fields)
 * @param options.hash false skips hashing (calls never enter a block)
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
  // Legacy: EIP-155 with recovery id 0; typed: y-parity 1.
  const v = type === 0 ? common.chainId() * 2n + 35n : 1n;
  const tx = createTx({ ...data, v, r, s: r }, { common, freeze: false });
  withSender(tx, createAddressFromString(from));
  const hash = options.hash === false ? ("0x" as Hex) : (bytesToHex(tx.hash()) as Hex);
  return { tx, hash, from: from.toLowerCase() as Hex, arrival, fakeSigned: true };
}

/**
 * Signs a transaction of dev account `from` with its key, as EDR signs `eth_sendTransaction`
 * of a local account (legacy transactions with EIP-155).
 * @param data fields as for `@ethereumjs/tx` `createTx`
 * @param privateKey the 32-byte key of `from`, hex; the caller guarantees it belongs to `from`
 *   (the sender is not recovered)
 * @throws {Error} when `@ethereumjs/tx` refuses the fields (e.g. a gas limit above EIP-7825's cap).
 */
export function createSignedTransaction(
  data: TypedTxData,
  from: Hex,
  privateKey: Hex,
  common: Common,
  arrival: number,
): EngineTransaction {
  const unsigned = createTx(data, { common, freeze: false });
  const tx = unsigned.sign(hexToBytes(privateKey));
  withSender(tx, createAddressFromString(from));
  return { tx, hash: bytesToHex(tx.hash()) as Hex, from: from.toLowerCase() as Hex, arrival };
}

/**
 * Decodes a signed raw transaction (legacy, EIP-2930, EIP-1559, EIP-7702) and recovers its sender.
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
