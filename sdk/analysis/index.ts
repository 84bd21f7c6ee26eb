/**
 * Per-test parallelism analysis (docs/design.md §1.3): dependency graphs, metrics, hot locations,
 * assertions and EIP-7928 block-level access lists. Pure TypeScript, no Hardhat dependency.
 */
export type * from "./types.ts";
export { analyseBlock, readWriteKeys, speedupAt, REFERENCE_LANES } from "./analyse.ts";
export type { AnalyseBlockOptions, ViolationInput } from "./analyse.ts";
export { mergeAnalyses } from "./merge.ts";
export type { MergeAnalysesOptions } from "./merge.ts";
export { buildDependencyGraph } from "./graph.ts";
export type { DependencyGraph } from "./graph.ts";
export { classifyDependencies, stateLocations } from "./order.ts";
export { remedyFor, remedyContext, REMEDY_HINTS } from "./remedies.ts";
export type { Remedy, RemedyPattern, RemedyContext, RemedySubject } from "./remedies.ts";
export { criticalPath } from "./critical-path.ts";
export { listSchedule } from "./schedule.ts";
export { contention, parallelism, speedupFromMakespan } from "./metrics.ts";
export { rankHotLocations, mergeHotLocations } from "./hot-locations.ts";
export {
  defaultLocationLabel,
  labelLocation,
  functionRef,
  formatFunctionRef,
  contractNamesByAddress,
} from "./labels.ts";
export {
  formatPercent,
  formatRatio,
  formatGas,
  formatHotLocation,
  formatHotLocations,
  formatSummary,
} from "./format.ts";
export {
  checkMetric,
  checkNoDependencyOn,
  checkNoAccessViolations,
  assertAnalysis,
} from "./checks.ts";
export type { CheckResult, Metric, Comparison } from "./checks.ts";
export {
  maxContention,
  minSpeedup,
  minParallelism,
  noDependencyOn,
  noAccessViolations,
} from "./assertions.ts";
export type { AnalysisSource } from "./assertions.ts";
export {
  buildBlockAccessList,
  encodeBlockAccessList,
  hashBlockAccessList,
  EMPTY_BLOCK_ACCESS_LIST_HASH,
  EMPTY_BLOCK_ACCESS_LIST_RLP,
  EMPTY_CODE_HASH,
} from "./block-access-list.ts";
export type {
  AccessRecord,
  BlockAccessList,
  BlockAccessListInput,
  BalAccountChanges,
  BalSlotChanges,
  BalStorageChange,
  BalBalanceChange,
  BalNonceChange,
  BalCodeChange,
} from "./block-access-list.ts";
export { toRpcBlockAccessList } from "./block-access-list-rpc.ts";
export type {
  RpcBlockAccessList,
  RpcAccountAccess,
  RpcBlockAccessChange,
} from "./block-access-list-rpc.ts";
