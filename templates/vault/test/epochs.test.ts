/**
 * Unit tests of the library's `Epochs` (through `EpochsHarness`): the clock, settle-once prices,
 * the minimum duration, and the rounding of conversions.
 */
import { expect } from "chai";
import fc from "fast-check";

import { connect, mulDiv, mulDivUp } from "./helpers.ts";

const { viem, networkHelpers } = await connect();

describe("Epochs (library)", function () {
  it("starts at epoch 0, opened at deployment", async function () {
    const epochs = await viem.deployContract("EpochsHarness");
    const block = await (await viem.getPublicClient()).getBlock();
    expect(await epochs.read.current()).to.equal(0n);
    expect(await epochs.read.openedAt()).to.equal(block.timestamp);
    expect(await epochs.read.isSettled([0n])).to.equal(false);
  });

  it("closes the named open epoch once, records its price and opens the next", async function () {
    const epochs = await viem.deployContract("EpochsHarness");
    await viem.assertions.revertWithCustomErrorWithArgs(
      epochs.write.close([1n, 1n, 1n, 0n]),
      epochs,
      "EpochMismatch",
      [1n, 0n],
    );
    await epochs.write.close([0n, 3n, 5n, 0n]);
    expect(await epochs.read.current()).to.equal(1n);
    expect(await epochs.read.isSettled([0n])).to.equal(true);
    expect(await epochs.read.isSettled([1n])).to.equal(false);
    expect(await epochs.read.priceOf([0n])).to.deep.equal([3n, 5n]);
    // A second settlement of the same epoch (e.g. a racing keeper) is refused.
    await viem.assertions.revertWithCustomErrorWithArgs(
      epochs.write.close([0n, 7n, 7n, 0n]),
      epochs,
      "EpochMismatch",
      [0n, 1n],
    );
    expect(await epochs.read.priceOf([0n])).to.deep.equal([3n, 5n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      epochs.read.priceOf([1n]),
      epochs,
      "EpochNotSettled",
      [1n],
    );
  });

  it("rejects a price with a zero side", async function () {
    const epochs = await viem.deployContract("EpochsHarness");
    await viem.assertions.revertWithCustomErrorWithArgs(
      epochs.write.close([0n, 0n, 1n, 0n]),
      epochs,
      "EpochInvalidPrice",
      [0n, 1n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      epochs.write.close([0n, 1n, 0n, 0n]),
      epochs,
      "EpochInvalidPrice",
      [1n, 0n],
    );
  });

  it("enforces the minimum epoch duration", async function () {
    const epochs = await viem.deployContract("EpochsHarness");
    const openedAt = await epochs.read.openedAt();
    await viem.assertions.revertWithCustomError(
      epochs.write.close([0n, 1n, 1n, 3600n]),
      epochs,
      "EpochTooYoung",
    );
    await networkHelpers.time.increaseTo(openedAt + 3600n);
    await epochs.write.close([0n, 1n, 1n, 3600n]);
    const latest = BigInt(await networkHelpers.time.latest());
    expect(await epochs.read.openedAt()).to.equal(latest);
    await viem.assertions.revertWithCustomError(
      epochs.write.close([1n, 1n, 1n, 3600n]),
      epochs,
      "EpochTooYoung",
    );
  });

  it("narrows timestamps to the clock's 64 bits with a check, never by truncation", async function () {
    // start() and close() store block.timestamp through Epochs.toTimestamp64; a chain's clock
    // cannot be moved past 2^64 s, so the helper is tested with the timestamp as a parameter.
    const epochs = await viem.deployContract("EpochsHarness");
    const max = 2n ** 64n - 1n;
    expect(await epochs.read.toTimestamp64([0n])).to.equal(0n);
    expect(await epochs.read.toTimestamp64([1_700_000_000n])).to.equal(1_700_000_000n);
    expect(await epochs.read.toTimestamp64([max])).to.equal(max);
    for (const tooLarge of [max + 1n, 2n ** 64n + 5n, 2n ** 256n - 1n]) {
      // A plain uint64(...) cast would return tooLarge mod 2^64 (0, 5, 2^64 − 1) here.
      await viem.assertions.revertWithCustomErrorWithArgs(
        epochs.read.toTimestamp64([tooLarge]),
        epochs,
        "EpochTimestampOverflow",
        [tooLarge],
      );
    }
  });

  it("converts at the recorded price, rounding down or up as asked", async function () {
    this.timeout(120_000);
    const epochs = await viem.deployContract("EpochsHarness");
    const prices: Array<[bigint, bigint]> = [];
    for (const [i, [base, quote]] of [
      [3n, 5n],
      [10n ** 18n + 1n, 10n ** 21n + 7n],
      [7n, 1n],
    ].entries()) {
      await epochs.write.close([BigInt(i), base, quote, 0n]);
      prices.push([base, quote]);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.bigInt({ min: 0n, max: 10n ** 40n }),
        async (epoch, amount) => {
          const [base, quote] = prices[epoch];
          const e = BigInt(epoch);
          expect(await epochs.read.convert([e, amount, true, false])).to.equal(
            mulDiv(amount, quote, base),
          );
          expect(await epochs.read.convert([e, amount, true, true])).to.equal(
            mulDivUp(amount, quote, base),
          );
          expect(await epochs.read.convert([e, amount, false, false])).to.equal(
            mulDiv(amount, base, quote),
          );
          expect(await epochs.read.convert([e, amount, false, true])).to.equal(
            mulDivUp(amount, base, quote),
          );
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});
