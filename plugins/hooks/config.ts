/**
 * Config hooks: inject the `parallel` network, validate the `parallel` section and network
 * fields, and resolve them into chain options.
 */
import path from "node:path";
import type { ConfigHooks } from "hardhat/types/hooks";
import type { HardhatUserConfig } from "hardhat/config";
import type {
  ConfigurationVariable,
  ResolvedConfigurationVariable,
  SensitiveString,
} from "hardhat/types/config";
import { validateUserConfigZodType } from "@nomicfoundation/hardhat-zod-utils";
import type { ParallelChainOptions } from "../../sdk/engine/options.ts";
import { userConfigSchema } from "../internal/config-schema.ts";
import { resolveReportConfig } from "../report/config.ts";
import { withAttributionHooks } from "../report/mocha-config.ts";
import type { ParallelUserConfig } from "../type-extensions.ts";

/** Name of the network the plugin adds. */
export const PARALLEL_NETWORK = "parallel";
/** The injected network's URL: never contacted (its requests are answered in-process). */
export const PARALLEL_PLACEHOLDER_URL = "http://parallel.hardhat-parallel.invalid";

const toBig = (v: bigint | number | undefined): bigint | undefined =>
  v === undefined ? undefined : BigInt(v);

type ConfigurationResolver = (variable: ConfigurationVariable) => ResolvedConfigurationVariable;

/**
 * The fork URL for the engine: a string as it is; a configuration variable as a function that
 * resolves it when the chain is created (so an unused network never asks for it).
 * @throws {Error} for a configuration variable without a resolver.
 */
function forkUrl(
  url: SensitiveString,
  resolveVariable: ConfigurationResolver | undefined,
): string | (() => Promise<string>) {
  if (typeof url === "string") return url;
  if (resolveVariable === undefined)
    throw new Error("parallel.forking.url: a configuration variable needs Hardhat's resolver");
  const resolved = resolveVariable(url);
  return () => resolved.getUrl();
}

/** Where forked chains keep their remote reads: under Hardhat's cache directory. */
export function forkCacheDirectory(cacheDirectory: string): string {
  return path.join(cacheDirectory, "hardhat-parallel", "fork");
}

/**
 * Normalises user options (numbers → bigints, dates, `forking` → `fork`) into chain options;
 * `cacheDirectory` is Hardhat's (forked chains cache their remote reads under it).
 */
export function toChainOptions(
  { forking, ...user }: ParallelUserConfig = {},
  cacheDirectory?: string,
  resolveVariable?: ConfigurationResolver,
): ParallelChainOptions {
  const accounts =
    user.accounts === undefined
      ? undefined
      : "privateKeys" in user.accounts
        ? {
            privateKeys: user.accounts.privateKeys.map((k) => ({
              privateKey: k.privateKey,
              balance: BigInt(k.balance),
            })),
          }
        : { ...user.accounts, balance: toBig(user.accounts.balance) };
  return {
    ...user,
    accounts,
    blockGasLimit: toBig(user.blockGasLimit),
    initialBaseFeePerGas: toBig(user.initialBaseFeePerGas),
    callGasLimit: toBig(user.callGasLimit),
    fallback:
      user.fallback === undefined
        ? undefined
        : { ...user.fallback, minGas: toBig(user.fallback.minGas) },
    initialDate: user.initialDate === undefined ? undefined : new Date(user.initialDate),
    fork:
      forking === undefined || forking.enabled === false
        ? undefined
        : {
            url: forkUrl(forking.url, resolveVariable),
            blockNumber: toBig(forking.blockNumber),
            httpHeaders: forking.httpHeaders,
            cacheDir: cacheDirectory === undefined ? undefined : forkCacheDirectory(cacheDirectory),
          },
  };
}

export default async (): Promise<Partial<ConfigHooks>> => ({
  extendUserConfig: async (config, next) => {
    const extended = await next(config);
    if (extended.networks?.[PARALLEL_NETWORK] !== undefined) return extended;
    return {
      ...extended,
      networks: {
        ...extended.networks,
        [PARALLEL_NETWORK]: { type: "http", url: PARALLEL_PLACEHOLDER_URL, parallel: true },
      },
    } satisfies HardhatUserConfig;
  },
  validateUserConfig: async (userConfig) => validateUserConfigZodType(userConfig, userConfigSchema),
  resolveUserConfig: async (userConfig, resolveConfigurationVariable, next) => {
    const resolved = await next(userConfig, resolveConfigurationVariable);
    const { report: reportUserConfig, ...chainUserConfig } = userConfig.parallel ?? {};
    const global = toChainOptions(
      chainUserConfig,
      resolved.paths.cache,
      resolveConfigurationVariable,
    );
    const networks = { ...resolved.networks };
    for (const [name, userNetwork] of Object.entries(userConfig.networks ?? {})) {
      const marker = (userNetwork as { parallel?: boolean | ParallelUserConfig }).parallel;
      const network = networks[name];
      if (
        marker === undefined ||
        marker === false ||
        network === undefined ||
        network.type !== "http"
      )
        continue;
      const own =
        marker === true
          ? {}
          : toChainOptions(marker, resolved.paths.cache, resolveConfigurationVariable);
      networks[name] = { ...network, parallel: { ...global, ...stripUndefined(own) } };
    }
    return withAttributionHooks({
      ...resolved,
      networks,
      parallel: {
        chain: global,
        report: resolveReportConfig(reportUserConfig, resolved.paths.root),
      },
    });
  },
});

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
