/**
 * `resolveChainOptions`: every default applied in one place, derived defaults follow what they
 * derive from, user values always win, and resolving is idempotent.
 */
import { expect } from "chai";
import fc from "fast-check";

import {
  CHAIN_DEFAULTS,
  type ParallelChainOptions,
  resolveChainOptions,
} from "../../sdk/engine/options.ts";

describe("resolveChainOptions", function () {
  it("applies the defaults, with derived ones from what they derive from", function () {
    const resolved = resolveChainOptions();
    expect(resolved.chainId).to.equal(31337);
    expect(resolved.executor).to.equal("block-stm");
    expect(resolved.callGasLimit).to.equal(CHAIN_DEFAULTS.blockGasLimit);
    expect(resolved.fallback.minTransactions).to.equal(CHAIN_DEFAULTS.lanes);
    expect(resolved.initialDate).to.equal(undefined);
    const derived = resolveChainOptions({ lanes: 6, blockGasLimit: 30_000_000n });
    expect(derived.callGasLimit).to.equal(30_000_000n);
    expect(derived.fallback.minTransactions).to.equal(6);
  });

  it("keeps user values, lowercases the coinbase and passes private keys through", function () {
    const privateKeys = [{ privateKey: `0x${"11".repeat(32)}` as const, balance: 5n }];
    const resolved = resolveChainOptions({
      coinbase: "0xABCDEF0000000000000000000000000000000001",
      accounts: { privateKeys },
      fallback: { minTransactions: 0, maxAbortShare: Number.POSITIVE_INFINITY },
      mining: { interval: 250 },
    });
    expect(resolved.coinbase).to.equal("0xabcdef0000000000000000000000000000000001");
    expect(resolved.accounts).to.deep.equal({ privateKeys });
    expect(resolved.fallback).to.deep.equal({
      minTransactions: 0,
      minGas: CHAIN_DEFAULTS.fallback.minGas,
      minPredictedSpeedup: CHAIN_DEFAULTS.fallback.minPredictedSpeedup,
      maxAbortShare: Number.POSITIVE_INFINITY,
    });
    expect(resolved.mining).to.deep.equal({ auto: true, interval: 250 });
  });

  it("is idempotent and never replaces a given value (property)", function () {
    const options = fc.record(
      {
        chainId: fc.integer({ min: 1, max: 2 ** 31 }),
        lanes: fc.integer({ min: 1, max: 64 }),
        blockGasLimit: fc.bigInt({ min: 21_000n, max: 2n ** 40n }),
        callGasLimit: fc.bigInt({ min: 21_000n, max: 2n ** 40n }),
        workerTimeout: fc.integer({ min: 1, max: 600_000 }),
        strict: fc.boolean(),
        executor: fc.constantFrom("sequential", "block-stm", "declared" as const),
        mining: fc.record({ auto: fc.boolean(), interval: fc.nat(10_000) }, { requiredKeys: [] }),
        fallback: fc.record(
          {
            minTransactions: fc.nat(100),
            minGas: fc.bigInt({ min: 0n, max: 10n ** 9n }),
            maxAbortShare: fc.double({ min: 0, max: 1, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, (given: ParallelChainOptions) => {
        const once = resolveChainOptions(given);
        expect(resolveChainOptions(once)).to.deep.equal(once);
        for (const [key, value] of Object.entries(given)) {
          if (typeof value !== "object") expect(once[key as keyof typeof once]).to.equal(value);
        }
        for (const [key, value] of Object.entries(given.fallback ?? {})) {
          expect(once.fallback[key as keyof typeof once.fallback]).to.equal(value);
        }
      }),
      { numRuns: 300 },
    );
  });
});
