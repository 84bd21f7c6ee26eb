/**
 * evm_setBlockGasLimit on the engine: the next block takes the new limit in its header and a
 * block run on Block-STM (not the sequential fallback) fills it only up to that limit; the rest
 * waits for the next block. The EDR comparison of the same method is in the differential suite
 * (`helpers/method-scenarios.ts`) and `network-helpers.test.ts`.
 */
import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { numberToHex } from "viem";

import { createParallelProvider } from "../../sdk/index.ts";
import { devAccount } from "./helpers/accounts.ts";

describe("evm_setBlockGasLimit on Block-STM", function () {
  this.timeout(60_000);

  it("a Block-STM block after the limit changed holds only what fits; the rest is mined next", async function () {
    const provider = await createParallelProvider({
      executor: "block-stm",
      lanes: 2,
      fallback: { minTransactions: 2, minGas: 0n, minPredictedSpeedup: 0 },
    });
    try {
      assert.equal(
        await provider.request({ method: "evm_setBlockGasLimit", params: [numberToHex(100_000)] }),
        true,
      );
      await provider.request({ method: "evm_setAutomine", params: [false] });
      for (let i = 0; i < 6; i++) {
        await provider.request({
          method: "eth_sendTransaction",
          params: [
            {
              from: devAccount(i).address,
              to: devAccount(10 + i).address,
              value: "0x1",
              gas: numberToHex(21_000),
            },
          ],
        });
      }
      await provider.request({ method: "evm_mine", params: [] });
      const full = await provider.request({
        method: "eth_getBlockByNumber",
        params: ["latest", false],
      });
      assert.equal(full.gasLimit, numberToHex(100_000));
      assert.equal(full.transactions.length, 4, "4 × 21,000 gas fit in 100,000, a fifth does not");
      const record = await provider.request({
        method: "parallel_getBlockRecord",
        params: ["latest"],
      });
      assert.equal(record.executedBy, "block-stm", `ran on the lanes: ${JSON.stringify(record)}`);
      assert.equal(
        (await provider.request({ method: "eth_pendingTransactions", params: [] })).length,
        2,
      );
      await provider.request({ method: "evm_mine", params: [] });
      const rest = await provider.request({
        method: "eth_getBlockByNumber",
        params: ["latest", false],
      });
      assert.equal(rest.transactions.length, 2);
      assert.equal(rest.gasLimit, numberToHex(100_000), "the limit holds for every next block");
    } finally {
      await provider.dispose();
    }
  });
});
