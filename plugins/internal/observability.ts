/**
 * Feeds Hardhat's network hooks from a parallel network's engine, as the EDR provider feeds
 * them (Hardhat `network-manager.ts`):
 *
 * - `onGasMeasurement` (`hardhat test --gas-stats`, `--gas-stats-json`): one measurement per
 *   successful mined transaction and `eth_call` of a known contract and function
 *   (`gas-measurements.ts`);
 * - `onCoverageData` (`hardhat test --coverage`): the hit tags of every execution EDR observes
 *   (mined transactions, `eth_call`, each run of `eth_estimateGas`), as hex without `0x`, one
 *   call per execution. The chain then runs with `coverage: true` and Hardhat's coverage
 *   override `allowUnlimitedContractSize` (unless the network sets it); EDR's other two
 *   overrides (no block gas limit, no EIP-7825 transaction cap) are not applied.
 *
 * The handlers are asynchronous; {@link Observability.settled} resolves once every call made so
 * far is done (the network hook waits for it before answering each request).
 */
import type { HookManager } from "hardhat/types/hooks";
import type { ContractIndex } from "../../sdk/contracts/contract-index.ts";
import type { ParallelProvider } from "../../sdk/rpc/provider.ts";
import { gasMeasurementOf } from "./gas-measurements.ts";

export interface Observability {
  /** Resolves when every hook call made so far has finished (errors are reported, not thrown). */
  settled(): Promise<void>;
}

/** Which of Hardhat's observability hooks have handlers. */
export interface ObservedHooks {
  coverage: boolean;
  gasStats: boolean;
}

/** Connects `provider`'s observers to the hooks that have handlers. */
export function connectObservability(
  provider: ParallelProvider,
  hooks: HookManager,
  index: ContractIndex,
  observed: ObservedHooks,
): Observability {
  let pending: Array<Promise<unknown>> = [];
  const track = (work: Promise<unknown>) => {
    pending.push(
      work.catch((error: unknown) =>
        console.error(`hardhat-parallel: a gas-stats or coverage handler failed: ${String(error)}`),
      ),
    );
  };
  if (observed.coverage)
    provider.observers.onCoverageHits = (tags) =>
      track(hooks.runParallelHandlers("network", "onCoverageData", [tags.map((t) => t.slice(2))]));
  if (observed.gasStats)
    provider.observers.onExecutedCall = (call) => {
      const measurement = gasMeasurementOf(index, call);
      if (measurement !== undefined)
        track(hooks.runParallelHandlers("network", "onGasMeasurement", [measurement]));
    };
  return {
    async settled() {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        await Promise.all(batch);
      }
    },
  };
}
