/**
 * Whether a transaction may enter the pool: its nonce, gas limit, fee cap and the sender's
 * funds, checked against the latest state with the rules of Hardhat's network.
 */
import {
  FeeTooLowError,
  GasLimitAboveBlockLimitError,
  InsufficientFundsError,
  IntrinsicGasTooLowError,
  NonceTooHighError,
  NonceTooLowError,
} from "../errors.ts";
import { balanceKey, nonceKey } from "../location.ts";
import type { StateReader } from "../state/state-reader.ts";
import type { TransactionPool } from "../transaction-pool.ts";
import type { EngineTransaction } from "../transactions.ts";
import type { MinedBlock } from "./blocks.ts";

/** The next nonce of `address`, counting its pending transactions. */
export function pendingNonce(state: StateReader, pool: TransactionPool, address: string): bigint {
  const a = address.toLowerCase();
  return pool.nextNonce(a, state.read(nonceKey(a)));
}

/** What a transaction is checked against. */
export interface AdmissionRules {
  state: StateReader;
  pool: TransactionPool;
  latest: MinedBlock;
  /** Automine: no queueing (the nonce must be the next one) and the fee must pay the next block. */
  automine: boolean;
  /** Gas. */
  blockGasLimit: bigint;
}

/**
 * Checks a transaction before it enters the pool.
 * @throws {NonceTooLowError | NonceTooHighError | GasLimitAboveBlockLimitError | IntrinsicGasTooLowError | FeeTooLowError | InsufficientFundsError}
 */
export function checkAdmission(etx: EngineTransaction, rules: AdmissionRules): void {
  const { tx } = etx;
  const { state, automine } = rules;
  const stateNonce = state.read(nonceKey(etx.from));
  if (tx.nonce < stateNonce) throw new NonceTooLowError(stateNonce, tx.nonce, automine);
  if (automine && tx.nonce > pendingNonce(state, rules.pool, etx.from)) {
    throw new NonceTooHighError(pendingNonce(state, rules.pool, etx.from), tx.nonce);
  }
  if (tx.gasLimit > rules.blockGasLimit)
    throw new GasLimitAboveBlockLimitError(tx.gasLimit, rules.blockGasLimit);
  const intrinsic = tx.getIntrinsicGas();
  if (tx.gasLimit < intrinsic) throw new IntrinsicGasTooLowError(intrinsic, tx.gasLimit);
  const fees = tx as { maxFeePerGas?: bigint; gasPrice?: bigint };
  const maxFee = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
  if (automine) {
    const nextBaseFee = rules.latest.header.calcNextBaseFee();
    if (maxFee < nextBaseFee) {
      throw new FeeTooLowError(
        fees.maxFeePerGas !== undefined ? "maxFeePerGas" : "gasPrice",
        maxFee,
        nextBaseFee,
      );
    }
  }
  const balance = state.read(balanceKey(etx.from));
  const upfront = tx.gasLimit * maxFee + tx.value;
  if (balance < upfront) throw new InsufficientFundsError(upfront, balance);
}
