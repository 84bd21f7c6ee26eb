/**
 * Calls: a transaction executed in the environment of the next block without changing state
 * (eth_call, eth_estimateGas, eth_createAccessList).
 */
import type { Common } from "@ethereumjs/common";
import type { TypedTxData } from "@ethereumjs/tx";
import type { Hex } from "viem";
import { createEnvironmentBlock, type BlockEnvironment } from "../block-header.ts";
import type { ExecutionVM } from "../evm.ts";
import { executeTransaction, type ExecutionResult } from "../execute-transaction.ts";
import type { StateReader } from "../state/state-reader.ts";
import { createFakeSignedTransaction } from "../transactions.ts";
import type { MinedBlock } from "./blocks.ts";

/** What {@link Chain.call} runs. */
export interface CallParameters {
  /** The transaction's fields (nonce, gas limit, fees, to, data, value, access list). */
  data: TypedTxData;
  /** The sender; nothing is signed. */
  from: Hex;
  /** The state the call runs on. Default: the latest state. */
  state?: StateReader;
  /** The block the call follows (its environment is the next block's). Default: the latest. */
  blockNumber?: bigint;
  /** Run with base fee 0, as geth and Hardhat run calls without a gas price. Default: false. */
  zeroBaseFee?: boolean;
  /** Also work out `minimumGasLimit` (for gas estimation; see {@link executeTransaction}). */
  gasLimitKnowledge?: boolean;
  /** The VM to run on. Default: the chain's lane (tracing passes a VM of its own). */
  lane?: ExecutionVM;
}

/** The environment a call takes from its chain. */
export interface CallEnvironment {
  lane: ExecutionVM;
  common: Common;
  /** Fee recipient (lowercase). */
  coinbase: Hex;
  /** Gas. */
  blockGasLimit: bigint;
  /** The block the call follows. */
  parent: MinedBlock;
  /** Timestamp of the call's block (seconds). */
  timestamp: bigint;
  /** prevRandao of the call's block (32 bytes). */
  prevRandao: Uint8Array;
}

/** Executes a call on `state`; nothing changes. Never throws for a bad transaction (see {@link executeTransaction}). */
export function executeCall(
  env: CallEnvironment,
  state: StateReader,
  parameters: Pick<CallParameters, "data" | "from" | "zeroBaseFee" | "gasLimitKnowledge">,
): Promise<ExecutionResult> {
  const { parent, common } = env;
  const blockEnv: BlockEnvironment = {
    parentHash: parent.header.hash(),
    number: parent.number + 1n,
    timestamp: env.timestamp,
    coinbase: env.coinbase,
    gasLimit: env.blockGasLimit,
    // Calls without a gas price run with base fee 0, as geth's and Hardhat's do.
    baseFeePerGas: parameters.zeroBaseFee === true ? 0n : parent.header.calcNextBaseFee(),
    prevRandao: env.prevRandao,
  };
  const block = createEnvironmentBlock(blockEnv, common);
  const etx = createFakeSignedTransaction(parameters.data, parameters.from, common, -1, {
    hash: false,
  });
  return executeTransaction(env.lane, state, block, etx, {
    gasLimitKnowledge: parameters.gasLimitKnowledge,
  });
}
