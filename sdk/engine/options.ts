/**
 * Options of a parallel chain (the engine behind the `parallel` network and
 * `createParallelProvider`). Every field is optional; defaults match Hardhat 3.18's EDR network
 * so that tests behave the same on both.
 */
import type { Hex } from "viem";

/** The executors a block can run on (docs/design.md §4). */
export type ExecutorName = "sequential" | "block-stm" | "declared";

/** Hardforks the engine accepts (ethereumjs names). `amsterdam` enables EIP-7928. */
export const HARDFORKS = ["shanghai", "cancun", "prague", "osaka", "amsterdam"] as const;
export type HardforkName = (typeof HARDFORKS)[number];

/** Dev accounts: derived from a BIP-39 mnemonic, or given as private keys. */
export type AccountsOptions =
  | {
      mnemonic?: string;
      /** BIP-44 path prefix; account i is `${path}/${i}`. Default `m/44'/60'/0'/0`. */
      path?: string;
      count?: number;
      /** Initial balance of each account, in wei. */
      balance?: bigint;
    }
  | { privateKeys: Array<{ privateKey: Hex; balance: bigint }> };

/** When `fallback` sends a block to the sequential executor instead of Block-STM. */
export interface FallbackOptions {
  /** Blocks with fewer transactions than this run sequentially. Default: the number of lanes. */
  minTransactions?: number;
  /** Blocks whose summed gas limit is below this run sequentially (gas). Default 200,000. */
  minGas?: bigint;
  /**
   * Blocks whose predicted speedup on the lanes is below this run sequentially. The prediction
   * comes from the block's own transactions (senders, value transfers, and what recent
   * executions of the same functions wrote: `block-stm/access-hints.ts`), scheduled greedily as
   * speedup(P) is, with P = max(2, lanes). Default 1.3; 0 = always run on the lanes.
   */
  minPredictedSpeedup?: number;
  /**
   * When more aborts than this share of a block's transactions (and at least one) happened, the
   * rest of the block runs sequentially on top of its committed prefix. Default 0.5;
   * `Infinity` = never.
   */
  maxAbortShare?: number;
}

export interface ParallelChainOptions {
  /** Default 31337. */
  chainId?: number;
  /** Default `osaka` (Hardhat 3.18's default). */
  hardfork?: HardforkName;
  accounts?: AccountsOptions;
  /** Block gas limit (gas). Default 60,000,000 (EDR's). */
  blockGasLimit?: bigint;
  /** Base fee of the first block (wei). Default 1,000,000,000 (1 gwei, EDR's). */
  initialBaseFeePerGas?: bigint;
  /** Coinbase of mined blocks. Default `0xc014ba5e…` (EDR's). */
  coinbase?: Hex;
  /** Timestamp of the genesis block (seconds). Default: now. */
  initialDate?: Date;
  mining?: {
    /** Mine a block per transaction. Default true. */
    auto?: boolean;
    /** Mine pending transactions every `interval` milliseconds; 0 = off. Default 0. */
    interval?: number;
  };
  /** Executor for mined blocks. Default `block-stm` (registered by the SDK and the provider). */
  executor?: ExecutorName;
  /** Worker threads for `block-stm` (the lanes). Default 2. */
  lanes?: number;
  /** Sequential fallback thresholds for `block-stm`. */
  fallback?: FallbackOptions;
  /** A worker that does not answer in this many milliseconds is treated as hung. Default 30,000. */
  workerTimeout?: number;
  /** Fail transactions that touch storage their annotations do not declare. Default false. */
  strict?: boolean;
  /** Gas cap of `eth_call` / `eth_estimateGas` (gas). Default: the block gas limit. */
  callGasLimit?: bigint;
  /** Allow transactions whose gas limit exceeds EIP-7825's cap. Default false, as EDR. */
  allowUnlimitedContractSize?: boolean;
}
