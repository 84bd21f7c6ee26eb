/**
 * hardhat-parallel SDK: the parallel engine, its EIP-1193 provider and the tools around it.
 * Usable without Hardhat.
 */
export { createParallelProvider, ParallelProvider, SUPPORTED_METHODS } from "./rpc/provider.ts";
export type { ProviderRpcError, RequestArguments, JsonRpcResponse } from "./rpc/provider.ts";
export type { ExecutedCall, ExecutionObservers } from "./rpc/observers.ts";
export { formatConsoleLog } from "./rpc/console-log.ts";
export { createJsonRpcHttpServer, DEFAULT_MAX_BODY_BYTES } from "./rpc/http-server.ts";
export type {
  JsonRpcHttpServer,
  JsonRpcHttpServerOptions,
  JsonRpcRequester,
  AnsweredRequest,
} from "./rpc/http-server.ts";
export type {
  ParallelChainOptions,
  ResolvedChainOptions,
  ExecutorName,
  HardforkName,
  AccountsOptions,
  FallbackOptions,
  ForkOptions,
  ResolvedForkOptions,
} from "./engine/options.ts";
export { ForkRemoteError, maskUrl } from "./engine/fork/json-rpc-client.ts";
export { replayBlock, type ReplayOptions, type ReplayedBlock } from "./replay/replay-block.ts";
export { HARDFORKS, CHAIN_DEFAULTS, resolveChainOptions } from "./engine/options.ts";
export type { ExecutionRecord } from "./engine/executor.ts";
export {
  normalizeSlot,
  balanceKey,
  nonceKey,
  codeKey,
  storageKey,
  locationKey,
  parseLocationKey,
  asLocationKey,
  locationKind,
  isStorageKey,
  locationAddress,
  locationSlot,
} from "./engine/location.ts";
export type { Location, LocationKey, LocationValue, ReadWriteSet } from "./engine/location.ts";
// Each of these indexes lists its public names explicitly.
export * from "./analysis/index.ts";
export * from "./viem/index.ts";
export * from "./access/index.ts";
