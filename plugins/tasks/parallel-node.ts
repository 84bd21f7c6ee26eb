/**
 * `hardhat parallel-node`: serves a parallel network over HTTP JSON-RPC on this machine, as
 * `hardhat node` serves Hardhat's EDR network, so that a front end, `cast` or a script in
 * another process can use it. The network is `parallel` unless `--network` names another
 * parallel network; every request goes through that network's connection (the plugin's engine,
 * `sdk/rpc/provider.ts`), single or batched (`sdk/rpc/http-server.ts`).
 *
 * Prints the URL, the accounts (with their private keys for Hardhat's public default accounts)
 * and then each request's method, as `hardhat node` does. Binds 127.0.0.1 unless `--hostname`
 * says otherwise. Ctrl-C (SIGINT) or SIGTERM closes the server and the connection (its lanes
 * stop) and the process exits.
 *
 * @example
 * ```sh
 * npx hardhat parallel-node --port 8545
 * cast block-number --rpc-url http://127.0.0.1:8545
 * ```
 */
import { styleText } from "node:util";
import { HardhatPluginError } from "@nomicfoundation/hardhat-errors";
import type { NewTaskActionFunction } from "hardhat/types/tasks";
import { deriveAccounts } from "../../sdk/engine/accounts.ts";
import { CHAIN_DEFAULTS, resolveAccountsOptions } from "../../sdk/engine/options.ts";
import { createJsonRpcHttpServer } from "../../sdk/rpc/http-server.ts";
import { PARALLEL_NETWORK } from "../hooks/config.ts";
import { createRequestPrinter, formatAccounts, writeLine } from "./node-output.ts";

interface ParallelNodeArguments {
  /** Interface to bind; default 127.0.0.1. */
  hostname: string | undefined;
  /** TCP port; default 8545, 0 for a free one. */
  port: number;
}

/** How long in-flight requests may take to finish once closing began (milliseconds). */
const CLOSE_GRACE_MS = 2_000;

const action: NewTaskActionFunction<ParallelNodeArguments> = async (args, hre) => {
  const networkName = hre.globalOptions.network ?? PARALLEL_NETWORK;
  const networkConfig = hre.config.networks[networkName];
  if (networkConfig === undefined)
    throw new HardhatPluginError("hardhat-parallel", `There is no network named "${networkName}".`);
  if (networkConfig.type !== "http" || networkConfig.parallel === undefined)
    throw new HardhatPluginError(
      "hardhat-parallel",
      `The network "${networkName}" is not a parallel network (its type is "${networkConfig.type}" without a \`parallel\` field). Use \`hardhat node\` for an EDR network, or pass --network with a parallel network.`,
    );
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535)
    throw new HardhatPluginError(
      "hardhat-parallel",
      `--port must be an integer from 0 to 65535 (got ${args.port}).`,
    );

  const connection = await hre.network.create(networkName);
  // Build the engine now, so a bad network config fails before the server says it started.
  await connection.provider.request({ method: "eth_chainId" });

  // Listen for the signals before the server starts, so one sent right after the URL is printed
  // still closes it cleanly.
  let onSignal: (name: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  const stopListening = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const server = createJsonRpcHttpServer({
    provider: connection.provider,
    hostname: args.hostname ?? "127.0.0.1",
    port: args.port,
    onRequest: createRequestPrinter(writeLine),
  });
  let url: string;
  try {
    ({ url } = await server.listen());
  } catch (error) {
    stopListening();
    await connection.close();
    throw new HardhatPluginError(
      "hardhat-parallel",
      `Cannot listen on ${args.hostname ?? "127.0.0.1"}:${args.port}: ${(error as Error).message}`,
    );
  }
  const chain = networkConfig.parallel;
  console.log(styleText("green", `Started HTTP JSON-RPC server at ${url}`));
  console.log(
    `Serving the parallel network "${networkName}" (executor ${chain.executor ?? CHAIN_DEFAULTS.executor})`,
  );
  console.log();
  const accounts = resolveAccountsOptions(chain.accounts);
  // Hardhat prints the keys only for its default accounts (every field the default's).
  const d = CHAIN_DEFAULTS.accounts;
  const publicKeys =
    !("privateKeys" in accounts) &&
    accounts.mnemonic === d.mnemonic &&
    accounts.path === d.path &&
    accounts.count === d.count &&
    accounts.balance === d.balance;
  console.log(formatAccounts(deriveAccounts(chain.accounts), publicKeys));

  const signal = await stopped;
  // A second Ctrl-C during the close gets Node's default (immediate exit).
  stopListening();
  console.log(`\n${signal}: closing the server`);
  const grace = setTimeout(() => server.server.closeAllConnections(), CLOSE_GRACE_MS);
  grace.unref();
  await server.close();
  clearTimeout(grace);
  await connection.close();
};

export default action;
