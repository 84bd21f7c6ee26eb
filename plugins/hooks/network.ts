/**
 * Network hooks: every request to a parallel network is answered by an engine owned by that
 * connection (created on first use, disposed on close). `next` is never called for those
 * networks, so Hardhat's own request handlers are bypassed (docs/design.md §4).
 *
 * `hardhat test --gas-stats` and `--coverage` register `onGasMeasurement` / `onCoverageData`
 * handlers; when they are there, the engine reports to them as EDR does
 * (`internal/observability.ts`).
 */
import type { HookContext, NetworkHooks } from "hardhat/types/hooks";
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import type { JsonRpcResponse } from "hardhat/types/providers";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import { createConnectionHelpers } from "../internal/connection-helpers.ts";
import { registerConnection, unregisterConnection } from "../internal/connections.ts";
import { equipProvider, loadProjectContracts } from "../internal/project-contracts.ts";
import { loadSourceMaps, withSolidityStack } from "../internal/stack-traces.ts";
import { connectObservability, type Observability } from "../internal/observability.ts";

export default async (): Promise<Partial<NetworkHooks>> => {
  const providers = new WeakMap<NetworkConnection<ChainType | string>, Promise<ParallelProvider>>();
  const observability = new WeakMap<ParallelProvider, Observability>();

  const providerFor = (
    context: HookContext,
    connection: NetworkConnection<ChainType | string>,
  ): Promise<ParallelProvider> | undefined => {
    const config = connection.networkConfig;
    if (config.type !== "http" || config.parallel === undefined) return undefined;
    let provider = providers.get(connection);
    if (provider === undefined) {
      // Loaded once per runtime environment (project-contracts.ts caches it).
      const known = loadProjectContracts(context.artifacts);
      const parallel = config.parallel;
      provider = (async () => {
        const hooks = {
          coverage: await context.hooks.hasHandlers("network", "onCoverageData"),
          gasStats: await context.hooks.hasHandlers("network", "onGasMeasurement"),
        };
        // Hardhat's coverage overrides: instrumented code may exceed the contract size limit.
        const p = await createParallelProvider(
          hooks.coverage
            ? {
                ...parallel,
                coverage: true,
                allowUnlimitedContractSize: parallel.allowUnlimitedContractSize ?? true,
              }
            : parallel,
        );
        const contracts = await known;
        equipProvider(p, contracts);
        observability.set(p, connectObservability(p, context.hooks, contracts.index, hooks));
        registerConnection(connection, p);
        return p;
      })();
      providers.set(connection, provider);
    }
    return provider;
  };

  return {
    async newConnection(context, next) {
      const connection = await next(context);
      const config = connection.networkConfig;
      const enabled = config.type === "http" && config.parallel !== undefined;
      connection.parallel = createConnectionHelpers(
        connection.provider as never,
        enabled,
        connection.networkName,
        {
          artifacts: context.artifacts,
          lanes: config.type === "http" ? config.parallel?.lanes : undefined,
        },
      );
      return connection;
    },
    async onRequest(context, connection, request, next) {
      const provider = providerFor(context, connection);
      if (provider === undefined) return next(context, connection, request);
      const p = await provider;
      const response = (await p.handle(request)) as JsonRpcResponse;
      // The gas-stats and coverage handlers have what the request reported before it answers.
      await observability.get(p)?.settled();
      // A revert throws EDR's SolidityError, with the Solidity frames (stack-traces.ts).
      return withSolidityStack(p, request, response, loadSourceMaps(context.artifacts));
    },
    async closeConnection(context, connection, next) {
      const provider = providers.get(connection);
      if (provider !== undefined) {
        providers.delete(connection);
        const p = await provider;
        unregisterConnection(connection);
        await p.dispose();
      }
      return next(context, connection);
    },
  };
};
