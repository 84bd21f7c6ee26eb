/**
 * Config types the plugin adds to Hardhat: the `parallel` section, and a `parallel` field on
 * `http` networks that marks them as served by the parallel engine.
 */
import "hardhat/types/config";
import type { SensitiveString } from "hardhat/types/config";
import type { ChainType, DefaultChainType } from "hardhat/types/network";
import type { ParallelConnectionHelpers } from "./internal/connection-helpers.ts";
import type { ParallelChainOptions } from "../sdk/engine/options.ts";
import type { ParallelReportConfig, ParallelReportUserConfig } from "./report/config.ts";

/** The user's `parallel` config (all optional; see README for defaults). */
export type ParallelUserConfig = Omit<ParallelChainOptions, "initialDate" | "fork" | "coverage"> & {
  /** Timestamp of the genesis block, as a Date or an ISO string. */
  initialDate?: Date | string;
  /** Fork a remote chain (Hardhat's `forking` fields; README "Forking"). */
  forking?: ParallelForkingUserConfig;
};

/** `forking` of a parallel network, as Hardhat's EDR network takes it. */
export interface ParallelForkingUserConfig {
  /** The remote node's HTTP(S) JSON-RPC URL, or a configuration variable (`configVariable(...)`). */
  url: SensitiveString;
  /** The fork block. Default: the remote's latest minus a reorg-safety depth (EDR's). */
  blockNumber?: number | bigint;
  /** Extra HTTP headers of every remote request. */
  httpHeaders?: Record<string, string>;
  /** Default true; false ignores the section. */
  enabled?: boolean;
}

/** The top-level `parallel` section: chain options plus the per-test report. */
export type ParallelGlobalUserConfig = ParallelUserConfig & {
  /** The per-test parallelism report, budgets and their files (`plugins/report/config.ts`). */
  report?: ParallelReportUserConfig;
};

/** The resolved `parallel` config: the chain options every parallel network starts from. */
export interface ParallelConfig {
  chain: ParallelChainOptions;
  /** The resolved report config (absolute paths). */
  report: ParallelReportConfig;
}

declare module "hardhat/types/config" {
  interface HardhatUserConfig {
    parallel?: ParallelGlobalUserConfig;
  }
  interface HardhatConfig {
    parallel: ParallelConfig;
  }
  interface HttpNetworkUserConfig {
    /** Serve this network with the parallel engine; an object overrides the global `parallel` config. */
    parallel?: boolean | ParallelUserConfig;
  }
  interface HttpNetworkConfig {
    /** Resolved chain options when the network is served by the parallel engine. */
    parallel?: ParallelChainOptions;
  }
}

declare module "hardhat/types/network" {
  interface NetworkConnection<ChainTypeT extends ChainType | string = DefaultChainType> {
    /** Parallel-network helpers (batches, execution records, read/write sets). */
    parallel: ParallelConnectionHelpers;
  }
}

declare module "hardhat/types/global-options" {
  interface GlobalOptions {
    /** `--no-parallel-report`: do not print or write the parallelism report after `hardhat test`. */
    noParallelReport: boolean;
    /** `--parallel-snapshot`: write each test's figures to the budget snapshot file. */
    parallelSnapshot: boolean;
    /** `--parallel-check`: fail when a test's contention or parallelism regressed beyond the tolerance. */
    parallelCheck: boolean;
  }
}
