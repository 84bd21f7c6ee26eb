import { createRequire } from "node:module";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import { defineConfig } from "hardhat/config";
import hardhatParallel from "./plugins/index.ts";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [
    hardhatViem,
    hardhatViemAssertions,
    hardhatNetworkHelpers,
    hardhatMocha,
    hardhatParallel,
  ],
  solidity: {
    version: "0.8.31",
    path: require.resolve("solc/soljson.js"),
  },
  // HP_EXECUTOR=sequential (or declared) runs the whole suite on that executor (default: block-stm).
  parallel: { executor: executorFromEnv(process.env.HP_EXECUTOR) },
  networks: {
    // A parallel network in strict access mode: undeclared storage access fails the transaction.
    parallelStrict: {
      type: "http",
      url: "http://parallel-strict.invalid",
      parallel: { strict: true },
    },
  },
  paths: {
    sources: [
      "contracts",
      "test/fixtures/contracts",
      "templates/vault/contracts",
      "templates/minimal/contracts",
      "templates/lending/contracts",
      "templates/amm/contracts",
    ],
  },
});

function executorFromEnv(
  value: string | undefined,
): "sequential" | "block-stm" | "declared" | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "sequential" || value === "block-stm" || value === "declared") return value;
  throw new Error(`HP_EXECUTOR must be sequential, block-stm or declared (got "${value}")`);
}
