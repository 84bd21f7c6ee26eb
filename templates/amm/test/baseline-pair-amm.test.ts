/**
 * Tests of `BaselinePairAMM`, the Uniswap-v2-style comparison: the v2 output formula, reserves
 * updated by every swap (so each swap sees the previous one's price), minimum-output protection,
 * liquidity, and the TWAP accumulators.
 */
import { expect } from "chai";

import {
  BPS,
  FEE_BPS,
  MINIMUM_LIQUIDITY,
  ONE,
  connect,
  deployBaselinePair,
  fund,
  mulDiv,
  sqrt,
} from "./helpers.ts";

const { viem, networkHelpers } = await connect();
const wallets = await viem.getWalletClients();
const [admin, A, B] = wallets.slice(0, 3).map((w) => w.account.address);
const R0 = 100_000n * ONE;
const R1 = 200_000n * ONE;

/** Uniswap v2's `getAmountOut` with the test fee. */
function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const inWithFee = amountIn * (BPS - FEE_BPS);
  return mulDiv(inWithFee, reserveOut, reserveIn * BPS + inWithFee);
}

async function setup() {
  const deployed = await deployBaselinePair(viem);
  await fund(
    [deployed.token0, deployed.token1],
    [admin, A, B],
    1_000_000n * ONE,
    deployed.pair.address,
  );
  await deployed.pair.write.addLiquidity([R0, R1, 1n]);
  return deployed;
}

describe("BaselinePairAMM", function () {
  it("takes the first liquidity at sqrt(a0 * a1), locking MINIMUM_LIQUIDITY", async function () {
    const { pair } = await setup();
    expect(await pair.read.totalSupply()).to.equal(sqrt(R0 * R1));
    expect(await pair.read.balanceOf([admin])).to.equal(sqrt(R0 * R1) - MINIMUM_LIQUIDITY);
    const [r0, r1] = await pair.read.getReserves();
    expect([r0, r1]).to.deep.equal([R0, R1]);
  });

  it("swaps with the v2 formula and updates the reserves at once: each swap moves the next one's price", async function () {
    const { token1, pair } = await setup();
    let [r0, r1] = [R0, R1];
    const outs: bigint[] = [];
    for (const u of [A, B]) {
      const before = await token1.read.balanceOf([u]);
      await pair.write.swap([true, 10_000n * ONE, 0n, u], { account: u });
      const out = amountOut(10_000n * ONE, r0, r1);
      expect((await token1.read.balanceOf([u])) - before).to.equal(out);
      [r0, r1] = [r0 + 10_000n * ONE, r1 - out];
      const [s0, s1] = await pair.read.getReserves();
      expect([s0, s1]).to.deep.equal([r0, r1]);
      expect(s0 * s1 >= R0 * R1).to.equal(true);
      outs.push(out);
    }
    // The same order, one after the other: the second trader gets a worse price.
    expect(outs[1] < outs[0]).to.equal(true);
  });

  it("refuses an output below the minimum", async function () {
    const { pair } = await setup();
    const out = amountOut(ONE, R0, R1);
    await viem.assertions.revertWithCustomErrorWithArgs(
      pair.write.swap([true, ONE, out + 1n, A], { account: A }),
      pair,
      "InsufficientOutput",
      [out, out + 1n],
    );
    await pair.write.swap([true, ONE, out, A], { account: A });
  });

  it("adds at the current ratio, removes pro rata, and accumulates TWAP prices once per block", async function () {
    const { token0, token1, pair } = await setup();
    const supply = await pair.read.totalSupply();
    await pair.write.addLiquidity([1_000n * ONE, 5_000n * ONE, 1n], { account: A });
    const shares = mulDiv(1_000n * ONE, supply, R0);
    expect(await pair.read.balanceOf([A])).to.equal(shares);
    expect(await token1.read.balanceOf([A])).to.equal(
      1_000_000n * ONE - (shares * R1 + supply - 1n) / supply,
    );
    const [r0, r1] = await pair.read.getReserves();
    const supply2 = await pair.read.totalSupply();
    const before = await token0.read.balanceOf([A]);
    await pair.write.removeLiquidity([shares, 1n, 1n], { account: A });
    expect((await token0.read.balanceOf([A])) - before).to.equal(mulDiv(shares, r0, supply2));
    const cumulative = await pair.read.price0CumulativeLast();
    await networkHelpers.time.increase(100);
    const [q0, q1, last] = await pair.read.getReserves();
    await pair.write.swap([true, ONE, 0n, A], { account: A });
    const now = (await pair.read.getReserves())[2];
    expect((await pair.read.price0CumulativeLast()) - cumulative).to.equal(
      ((q1 << 112n) / q0) * (now - last),
    );
    expect(r1 > 0n).to.equal(true);
  });
});
