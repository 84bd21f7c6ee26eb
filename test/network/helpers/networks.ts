/**
 * Which networks the network suites (`test/network/`) and the network benchmark
 * (`bench/network.ts`) run against, and how to connect to one.
 *
 * Every suite is written once and parameterised by network name: `"default"` is Hardhat's own
 * EDR network (`network.create()`), any other name is a configured network (`network.create(name)`),
 * in practice the plugin's `parallel` network.
 *
 * The list comes from the environment variable `HP_NETWORKS` (comma-separated, e.g.
 * `HP_NETWORKS=default,parallel`). Without it, it is `default` plus `parallel` when the
 * Hardhat config defines a network named `parallel` — so once the plugin registers the network,
 * every suite runs on both without further edits.
 */
import type { NetworkConnection } from "hardhat/types/network";

import hre, { network } from "hardhat";

/** Name of Hardhat's default (EDR) network in {@link NETWORKS}. */
export const DEFAULT_NETWORK = "default";

/** Name of the plugin's network. */
export const PARALLEL_NETWORK = "parallel";

/** Network names configured in the running Hardhat config. */
export const CONFIGURED_NETWORKS: readonly string[] = Object.keys(hre.config.networks);

/**
 * Names of the networks to run against, in order: from `HP_NETWORKS`, else `default` plus
 * `parallel` when configured. Names are trimmed; empty entries are dropped.
 */
export const NETWORKS: readonly string[] = parseNetworkList(
  process.env.HP_NETWORKS ??
    [
      DEFAULT_NETWORK,
      ...(CONFIGURED_NETWORKS.includes(PARALLEL_NETWORK) ? [PARALLEL_NETWORK] : []),
    ].join(","),
);

/** {@link NETWORKS} without `default`: the networks under test that are not EDR itself. */
export const NON_DEFAULT_NETWORKS: readonly string[] = NETWORKS.filter(
  (n) => n !== DEFAULT_NETWORK,
);

/**
 * Splits a comma-separated list of network names.
 * @param list e.g. `"default, parallel"`.
 * @returns The trimmed, non-empty names, duplicates removed, in first-seen order.
 */
export function parseNetworkList(list: string): string[] {
  return [
    ...new Set(
      list
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n !== ""),
    ),
  ];
}

/**
 * Opens a new connection (a fresh chain for simulated networks) to the named network.
 * `"default"` means Hardhat's default network, i.e. `network.create()`.
 * @param name A name from {@link NETWORKS}.
 * @throws {HardhatError} when `name` is neither `default` nor a configured network.
 */
export async function connect(name: string): Promise<NetworkConnection> {
  return name === DEFAULT_NETWORK ? await network.create() : await network.create(name);
}

/** Whether `name` can be connected to: `default` or a network of the Hardhat config. */
export function isConfigured(name: string): boolean {
  return name === DEFAULT_NETWORK || CONFIGURED_NETWORKS.includes(name);
}

/** A human label for reports and test titles: `default` is shown as `default (EDR)`. */
export function networkLabel(name: string): string {
  return name === DEFAULT_NETWORK ? "default (EDR)" : name;
}
