import { createRequire } from "node:module";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import { defineConfig } from "hardhat/config";
import hardhatParallel from "hardhat-parallel";

const require = createRequire(import.meta.url);

export default defineConfig({
  // hardhat-parallel adds the `parallel` network (a local EVM that runs each block's
  // transactions in parallel with Block-STM), checks @custom:reads / @custom:writes annotations
  // when compiling, and prints a parallelism report after `hardhat test`.
  plugins: [
    hardhatViem,
    hardhatViemAssertions,
    hardhatNetworkHelpers,
    hardhatMocha,
    hardhatParallel,
  ],
  solidity: {
    version: "0.8.31",
    // The compiler comes from the npm `solc` package (pinned to the same version in
    // package.json), so building needs no download.
    path: require.resolve("solc/soljson.js"),
  },
});
