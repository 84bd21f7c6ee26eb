/**
 * Unit tests of the library's `ShardedCounter` (through `ShardedCounterHarness`) and `MulDiv`
 * (through `MulDivHarness`): shard choice equals the annotation language's `shard(x)`, updates
 * touch exactly the slot `counter + shard(key)`, signed shards, sums, and the error cases.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  type Address,
  encodeAbiParameters,
  getAddress,
  hexToBigInt,
  keccak256,
  maxUint256,
  toHex,
} from "viem";

import { connect, mulDiv, mulDivUp, shardOf, slotHex, toSigned } from "./helpers.ts";

const { viem } = await connect();
const publicClient = await viem.getPublicClient();

/** First slot of each counter in `ShardedCounterHarness` (see its storage notes). */
const COUNTER_SLOT: Record<number, bigint> = { 64: 0n, 256: 64n, 1024: 320n };
const SIZES = [64, 256, 1024] as const;

/** A deterministic address from a small integer. */
const addressOf = (i: number): Address =>
  getAddress(
    `0x${(BigInt(i) * 0x9e3779b97f4a7c15n + 1n).toString(16).padStart(40, "0").slice(-40)}`,
  );

describe("ShardedCounter (library)", function () {
  it("shardOf is keccak256(abi.encode(key)) % N, for every size and the default", async function () {
    const harness = await viem.deployContract("ShardedCounterHarness");
    const keys = [...Array(12).keys()].map(addressOf);
    keys.push("0x0000000000000000000000000000000000000000");
    for (const key of keys) {
      for (const n of [1n, 7n, 64n, 256n, 1024n]) {
        expect(await harness.read.shardOf([key, n]), `shardOf(${key}, ${n})`).to.equal(
          shardOf(key, n),
        );
      }
      expect(await harness.read.shardOfDefault([key])).to.equal(shardOf(key, 256n));
      const word = keccak256(toHex(key));
      const expected =
        hexToBigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }], [word]))) % 256n;
      expect(await harness.read.shardOfWord([word, 256n])).to.equal(expected);
    }
  });

  it("add and sub touch exactly slot counter + shard(key), and sum adds the shards", async function () {
    const harness = await viem.deployContract("ShardedCounterHarness");
    for (const size of SIZES) {
      expect(await harness.read.length([BigInt(size)])).to.equal(BigInt(size));
      const a = addressOf(1);
      const b = addressOf(2);
      const sa = shardOf(a, BigInt(size));
      const sb = shardOf(b, BigInt(size));
      await harness.write.add([BigInt(size), a, 100n]);
      await harness.write.sub([BigInt(size), b, 30n]);
      const slotA = await publicClient.getStorageAt({
        address: harness.address,
        slot: slotHex(COUNTER_SLOT[size] + sa),
      });
      const slotB = await publicClient.getStorageAt({
        address: harness.address,
        slot: slotHex(COUNTER_SLOT[size] + sb),
      });
      if (sa === sb) {
        expect(toSigned(slotA)).to.equal(70n);
      } else {
        expect(toSigned(slotA), "shard of a").to.equal(100n);
        // A shard may go negative: only the sum is meaningful.
        expect(toSigned(slotB), "shard of b").to.equal(-30n);
      }
      expect(await harness.read.valueAt([BigInt(size), sa])).to.equal(toSigned(slotA));
      expect(await harness.read.sum([BigInt(size)])).to.equal(70n);
      expect(await harness.read.sumUnsigned([BigInt(size)])).to.equal(70n);
    }
  });

  it("matches a model under random sequences of signed updates", async function () {
    this.timeout(120_000);
    const harness = await viem.deployContract("ShardedCounterHarness");
    const model = new Map<bigint, bigint>();
    let total = 0n;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom("add", "sub", "addToShard"),
            user: fc.integer({ min: 0, max: 40 }),
            amount: fc.bigInt({ min: 0n, max: 10n ** 30n }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (ops) => {
          for (const op of ops) {
            const user = addressOf(op.user);
            if (op.kind === "addToShard") {
              const index = BigInt(op.user % 64);
              const delta = op.amount % 2n === 0n ? op.amount : -op.amount;
              await harness.write.addToShard([64n, index, delta]);
              model.set(index, (model.get(index) ?? 0n) + delta);
              total += delta;
            } else {
              const s = shardOf(user, 64n);
              const delta = op.kind === "add" ? op.amount : -op.amount;
              await (op.kind === "add"
                ? harness.write.add([64n, user, op.amount])
                : harness.write.sub([64n, user, op.amount]));
              model.set(s, (model.get(s) ?? 0n) + delta);
              total += delta;
            }
          }
          expect(await harness.read.sum([64n])).to.equal(total);
          for (const [index, value] of model)
            expect(await harness.read.valueAt([64n, index])).to.equal(value);
        },
      ),
      { numRuns: 15, seed: 7 },
    );
  });

  it("sumUnsigned reverts when the sum is negative", async function () {
    const harness = await viem.deployContract("ShardedCounterHarness");
    await harness.write.sub([256n, addressOf(3), 5n]);
    expect(await harness.read.sum([256n])).to.equal(-5n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      harness.read.sumUnsigned([256n]),
      harness,
      "ShardedCounterNegativeSum",
      [-5n],
    );
  });

  it("rejects out-of-range shard indexes and amounts above int256", async function () {
    const harness = await viem.deployContract("ShardedCounterHarness");
    for (const size of SIZES) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.write.addToShard([BigInt(size), BigInt(size), 1n]),
        harness,
        "ShardedCounterIndexOutOfRange",
        [BigInt(size), BigInt(size)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.valueAt([BigInt(size), BigInt(size)]),
        harness,
        "ShardedCounterIndexOutOfRange",
        [BigInt(size), BigInt(size)],
      );
    }
    const tooLarge = 1n << 255n;
    await viem.assertions.revertWithCustomErrorWithArgs(
      harness.write.add([256n, addressOf(1), tooLarge]),
      harness,
      "ShardedCounterAmountTooLarge",
      [tooLarge],
    );
    // The largest allowed amount is accepted; one more on the same shard overflows (checked
    // arithmetic panics rather than wrapping).
    await harness.write.add([256n, addressOf(1), tooLarge - 1n]);
    await viem.assertions.revert(harness.write.add([256n, addressOf(1), 1n]));
  });
});

describe("MulDiv (library)", function () {
  it("equals floor / ceil of the exact product over random and extreme inputs", async function () {
    this.timeout(120_000);
    const harness = await viem.deployContract("MulDivHarness");
    const word = fc.oneof(
      fc.bigInt({ min: 0n, max: 1000n }),
      fc.bigInt({ min: 0n, max: maxUint256 }),
      fc.bigInt({ min: maxUint256 - 1000n, max: maxUint256 }),
      fc.bigInt({ min: 0n, max: 2n ** 128n }),
    );
    await fc.assert(
      fc.asyncProperty(word, word, word, async (x, y, d) => {
        if (d === 0n) {
          await viem.assertions.revertWithCustomError(
            harness.read.mulDiv([x, y, d]),
            harness,
            "MulDivByZero",
          );
          return;
        }
        const floor = mulDiv(x, y, d);
        const ceil = mulDivUp(x, y, d);
        if (floor > maxUint256) {
          await viem.assertions.revertWithCustomError(
            harness.read.mulDiv([x, y, d]),
            harness,
            "MulDivOverflow",
          );
        } else {
          expect(await harness.read.mulDiv([x, y, d])).to.equal(floor);
        }
        if (floor > maxUint256) {
          await viem.assertions.revertWithCustomError(
            harness.read.mulDivUp([x, y, d]),
            harness,
            "MulDivOverflow",
          );
        } else if (ceil > maxUint256) {
          // floor fits, rounding up does not: a checked-arithmetic panic.
          await viem.assertions.revert(harness.read.mulDivUp([x, y, d]));
        } else {
          expect(await harness.read.mulDivUp([x, y, d])).to.equal(ceil);
        }
      }),
      { numRuns: 1000, seed: 42 },
    );
  });

  it("handles the full-width cases exactly", async function () {
    const harness = await viem.deployContract("MulDivHarness");
    const cases: Array<[bigint, bigint, bigint]> = [
      [maxUint256, maxUint256, maxUint256],
      [maxUint256, maxUint256 - 1n, maxUint256],
      [2n ** 200n, 2n ** 100n, 2n ** 60n],
      [2n ** 255n + 12345n, 3n, 7n],
      [maxUint256, 2n, 3n],
    ];
    for (const [x, y, d] of cases) {
      expect(await harness.read.mulDiv([x, y, d])).to.equal(mulDiv(x, y, d));
    }
    await viem.assertions.revertWithCustomError(
      harness.read.mulDiv([maxUint256, maxUint256, 1n]),
      harness,
      "MulDivOverflow",
    );
  });
});
