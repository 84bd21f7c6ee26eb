/**
 * The parallel providers of the open connections, so that other parts of the plugin (the test
 * report, assertions) can reach the engine behind a connection.
 */
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import type { ParallelProvider } from "../../sdk/rpc/provider.ts";

const byConnection = new Map<NetworkConnection<ChainType | string>, ParallelProvider>();
const registrationListeners = new Set<(provider: ParallelProvider) => void>();

export function registerConnection(
  connection: NetworkConnection<ChainType | string>,
  provider: ParallelProvider,
): void {
  byConnection.set(connection, provider);
  for (const listener of registrationListeners) listener(provider);
}

/**
 * Calls `listener` with the provider of every parallel connection: at once for the live ones,
 * then for each new one when it is registered (the test report subscribes to `chain.onBlock`
 * this way). Returns a function that removes the listener.
 */
export function onConnectionRegistered(listener: (provider: ParallelProvider) => void): () => void {
  registrationListeners.add(listener);
  for (const provider of byConnection.values()) listener(provider);
  return () => registrationListeners.delete(listener);
}

export function unregisterConnection(connection: NetworkConnection<ChainType | string>): void {
  byConnection.delete(connection);
}

/** Every live parallel provider (one per open connection to a parallel network). */
export function liveProviders(): ParallelProvider[] {
  return [...byConnection.values()];
}

/**
 * Disposes the engines of every connection still open (their Block-STM lanes, interval-mining
 * timers): called when a test run is over, so that connections the tests never closed do not
 * keep the process alive. Errors are reported, not thrown.
 */
export async function disposeLiveProviders(): Promise<void> {
  const providers = [...byConnection.entries()];
  byConnection.clear();
  await Promise.all(
    providers.map(([, provider]) =>
      provider
        .dispose()
        .catch((error: unknown) =>
          console.error(
            `hardhat-parallel: could not dispose a connection's engine: ${String(error)}`,
          ),
        ),
    ),
  );
}
