/**
 * The parallel providers of the open connections, so that other parts of the plugin (the test
 * report, assertions) can reach the engine behind a connection.
 */
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import type { ParallelProvider } from "../../sdk/rpc/provider.ts";

const byConnection = new Map<NetworkConnection<ChainType | string>, ParallelProvider>();

export function registerConnection(connection: NetworkConnection<ChainType | string>, provider: ParallelProvider): void {
  byConnection.set(connection, provider);
}

export function unregisterConnection(connection: NetworkConnection<ChainType | string>): void {
  byConnection.delete(connection);
}

/** Every live parallel provider (one per open connection to a parallel network). */
export function liveProviders(): ParallelProvider[] {
  return [...byConnection.values()];
}
