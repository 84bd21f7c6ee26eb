/**
 * hardhat-parallel SDK: the parallel engine, its EIP-1193 provider and the tools around it.
 * Usable without Hardhat.
 */
export { createParallelProvider, ParallelProvider, SUPPORTED_METHODS } from "./rpc/provider.ts";
export type { ProviderRpcError, RequestArguments, JsonRpcResponse } from "./rpc/provider.ts";
export type { ParallelChainOptions, ExecutorName, HardforkName, AccountsOptions, FallbackOptions } from "./engine/options.ts";
export { HARDFORKS } from "./engine/options.ts";
export type { ExecutionRecord } from "./engine/executor.ts";
export * from "./engine/location.ts";
export * from "./analysis/index.ts";
export * from "./viem/index.ts";
export * from "./access/index.ts";
