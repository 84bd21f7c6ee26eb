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

/**
 * Forking (Hardhat's `forking` fields): state the chain lacks locally is read from `url` at
 * `blockNumber` and cached (docs/design.md §4 "Forking").
 */
export interface ForkOptions {
  /**
   * The remote node's HTTP(S) JSON-RPC URL, or a function giving it (the plugin passes a Hardhat
   * configuration variable this way: it is resolved when the chain is created, not before).
   */
  url: string | (() => Promise<string>);
  /** The fork block. Default: the remote's latest minus a reorg-safety depth (EDR's). */
  blockNumber?: bigint;
  /** Extra HTTP headers of every remote request. */
  httpHeaders?: Record<string, string>;
  /** Directory of the disk cache; none = memory only. The plugin gives Hardhat's cache directory. */
  cacheDir?: string;
  /** Milliseconds a remote request may take. Default 20,000. */
  timeout?: number;
}

/** {@link ForkOptions} with every default applied. */
export interface ResolvedForkOptions {
  url: string | (() => Promise<string>);
  blockNumber: bigint | undefined;
  httpHeaders: Record<string, string>;
  cacheDir: string | undefined;
  timeout: number;
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
  /** Executor for mined blocks (the table in `executors/index.ts`). Default `block-stm`. */
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
  /** Fork a remote chain. Default: none. */
  fork?: ForkOptions;
  /**
   * Collect coverage hits of instrumented code as EDR does under `hardhat test --coverage`:
   * calls to the coverage address are recorded and not run (`observed-calls.ts`); every
   * execution's hits are in its outcome's `coverageHits`. The plugin turns it on when Hardhat's
   * coverage is on. Default false.
   */
  coverage?: boolean;
}

/** Defaults of {@link ParallelChainOptions}: Hardhat 3.18's EDR network where it has one. */
export const CHAIN_DEFAULTS = {
  chainId: 31337,
  hardfork: "osaka",
  /** Hardhat's dev mnemonic, path, count and balance (10,000 ETH in wei). */
  accounts: {
    mnemonic: "test test test test test test test test test test test junk",
    path: "m/44'/60'/0'/0",
    count: 20,
    balance: 10_000n * 10n ** 18n,
  },
  /** gas */
  blockGasLimit: 60_000_000n,
  /** wei (1 gwei) */
  initialBaseFeePerGas: 1_000_000_000n,
  coinbase: "0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e",
  mining: { auto: true, interval: 0 },
  executor: "block-stm",
  lanes: 2,
  fallback: {
    /** gas */
    minGas: 200_000n,
    minPredictedSpeedup: 1.3,
    maxAbortShare: 0.5,
  },
  /** milliseconds */
  workerTimeout: 30_000,
  strict: false,
  allowUnlimitedContractSize: false,
  coverage: false,
} as const satisfies Omit<
  Required<ParallelChainOptions>,
  "initialDate" | "callGasLimit" | "accounts" | "fallback" | "fork"
> & {
  accounts: Required<Exclude<AccountsOptions, { privateKeys: unknown }>>;
  fallback: Omit<Required<FallbackOptions>, "minTransactions">;
};

/** Dev accounts with every default applied. */
export type ResolvedAccountsOptions =
  | Required<Exclude<AccountsOptions, { privateKeys: unknown }>>
  | { privateKeys: Array<{ privateKey: Hex; balance: bigint }> };

/** {@link ParallelChainOptions} with every default applied (see {@link resolveChainOptions}). */
export interface ResolvedChainOptions {
  chainId: number;
  hardfork: HardforkName;
  accounts: ResolvedAccountsOptions;
  blockGasLimit: bigint;
  initialBaseFeePerGas: bigint;
  /** Lowercase. */
  coinbase: Hex;
  /** `undefined`: the genesis block is stamped with the time the chain is created. */
  initialDate: Date | undefined;
  mining: { auto: boolean; interval: number };
  executor: ExecutorName;
  lanes: number;
  fallback: Required<FallbackOptions>;
  workerTimeout: number;
  strict: boolean;
  callGasLimit: bigint;
  allowUnlimitedContractSize: boolean;
  fork: ResolvedForkOptions | undefined;
  coverage: boolean;
}

/**
 * Applies every default of {@link ParallelChainOptions} ({@link CHAIN_DEFAULTS}) in one place:
 * the engine reads only resolved options. Derived defaults: `callGasLimit` is the block gas
 * limit, `fallback.minTransactions` is the number of lanes.
 *
 * @example
 * resolveChainOptions({ lanes: 4 }).fallback.minTransactions; // 4
 */
export function resolveChainOptions(options: ParallelChainOptions = {}): ResolvedChainOptions {
  const d = CHAIN_DEFAULTS;
  const lanes = options.lanes ?? d.lanes;
  const blockGasLimit = options.blockGasLimit ?? d.blockGasLimit;
  return {
    chainId: options.chainId ?? d.chainId,
    hardfork: options.hardfork ?? d.hardfork,
    accounts: resolveAccountsOptions(options.accounts),
    blockGasLimit,
    initialBaseFeePerGas: options.initialBaseFeePerGas ?? d.initialBaseFeePerGas,
    coinbase: (options.coinbase ?? d.coinbase).toLowerCase() as Hex,
    initialDate: options.initialDate,
    mining: {
      auto: options.mining?.auto ?? d.mining.auto,
      interval: options.mining?.interval ?? d.mining.interval,
    },
    executor: options.executor ?? d.executor,
    lanes,
    fallback: resolveFallbackOptions(options.fallback, lanes),
    workerTimeout: options.workerTimeout ?? d.workerTimeout,
    strict: options.strict ?? d.strict,
    callGasLimit: options.callGasLimit ?? blockGasLimit,
    allowUnlimitedContractSize: options.allowUnlimitedContractSize ?? d.allowUnlimitedContractSize,
    fork:
      options.fork === undefined
        ? undefined
        : {
            url: options.fork.url,
            blockNumber: options.fork.blockNumber,
            httpHeaders: options.fork.httpHeaders ?? {},
            cacheDir: options.fork.cacheDir,
            timeout: options.fork.timeout ?? 20_000,
          },
    coverage: options.coverage ?? d.coverage,
  };
}

/** {@link AccountsOptions} with the defaults of {@link CHAIN_DEFAULTS}`.accounts` applied. */
export function resolveAccountsOptions(accounts: AccountsOptions = {}): ResolvedAccountsOptions {
  if ("privateKeys" in accounts) return { privateKeys: accounts.privateKeys };
  const d = CHAIN_DEFAULTS.accounts;
  return {
    mnemonic: accounts.mnemonic ?? d.mnemonic,
    path: accounts.path ?? d.path,
    count: accounts.count ?? d.count,
    balance: accounts.balance ?? d.balance,
  };
}

/**
 * {@link FallbackOptions} with the defaults of {@link CHAIN_DEFAULTS}`.fallback` applied;
 * `minTransactions` defaults to `lanes`.
 */
export function resolveFallbackOptions(
  fallback: FallbackOptions = {},
  lanes: number,
): Required<FallbackOptions> {
  const d = CHAIN_DEFAULTS.fallback;
  return {
    minTransactions: fallback.minTransactions ?? lanes,
    minGas: fallback.minGas ?? d.minGas,
    minPredictedSpeedup: fallback.minPredictedSpeedup ?? d.minPredictedSpeedup,
    maxAbortShare: fallback.maxAbortShare ?? d.maxAbortShare,
  };
}
