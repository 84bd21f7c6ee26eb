import { createRequire } from "node:module";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import { defineConfig } from "hardhat/config";
import hardhatParallel from "./plugins/index.ts";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatViem, hardhatViemAssertions, hardhatNetworkHelpers, hardhatMocha, hardhatParallel],
  solidity: {
    version: "0.8.31",
    path: require.resolve("solc/soljson.js"),
  },
  // HP_EXECUTOR=sequential runs the whole suite on the reference executor (default: block-stm).
  parallel: { executor: process.env.HP_EXECUTOR === "sequential" ? "sequential" : undefined },
  networks: {
    // A parallel network in strict access mode: undeclared storage access fails the transaction.
    parallelStrict: { type: "http", url: "http://parallel-strict.invalid", parallel: { strict: true } },
  },
  paths: { sources: ["contracts", "test/fixtures/contracts", "templates/vault/contracts", "templates/minimal/contracts", "templates/lending/contracts", "templates/amm/contracts"] },
});
