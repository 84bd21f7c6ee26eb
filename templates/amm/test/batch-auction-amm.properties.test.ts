/**
 * Property tests of `BatchAuctionAMM`: random sequences of swap commits (with random minimum
 * outputs), liquidity additions and removals, settlements and claims by four users, run on the
 * chain and on the bigint model of `model.ts`; after every step the chain must equal the model
 * (reserves, share supply and balances, every request, every token balance). Invariants checked
 * on the chain's own numbers:
 * - `reserve0 * reserve1` never decreases across a settlement of swaps, and the value of a share,
 *   `sqrt(reserve0 * reserve1) / totalSupply`, never decreases across any settlement;
 * - every filled order of a batch received exactly `floor(e * quote / base)` (token0 sellers) or
 *   `floor(e * base / quote)` (token1 sellers) at the batch's recorded price: one price for all;
 * - no order below its minimum, or below the pool price less the price bound, is filled;
 * - no value is created: for each token, users + pool = supply, and the pool holds exactly its
 *   reserve plus the pending inputs plus what settled requests are still owed.
 */
import { expect } from "chai";
import fc from "fast-check";

import {
  BPS,
  FEE_BPS,
  MAX_PRICE_DEVIATION_BPS,
  ONE,
  Status,
  type TokenKind,
  connect,
  deployBatchAMM,
  fund,
  mulDiv,
} from "./helpers.ts";
import { BatchModel, ModelRejection } from "./model.ts";

const { viem } = await connect();
const wallets = await viem.getWalletClients();
const users = wallets.slice(0, 4).map((w) => w.account.address);
const GAS = 5_000_000n;
const INITIAL = 1_000_000n * ONE;

type Step =
  | { kind: "swap"; user: number; zeroForOne: boolean; pct: number; minPct: number }
  | { kind: "add"; user: number; pct0: number; pct1: number; greedy: boolean }
  | { kind: "remove"; user: number; pct: number; greedy: boolean }
  | { kind: "settle" }
  | { kind: "claim"; user: number }
  | { kind: "claimLiquidity"; user: number };

const user = fc.integer({ min: 0, max: users.length - 1 });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("swap" as const),
      user,
      zeroForOne: fc.boolean(),
      pct: fc.integer({ min: 0, max: 30 }),
      minPct: fc.integer({ min: 0, max: 110 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      user,
      pct0: fc.integer({ min: 0, max: 10 }),
      pct1: fc.integer({ min: 0, max: 10 }),
      greedy: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("remove" as const),
      user,
      pct: fc.integer({ min: 0, max: 100 }),
      greedy: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("settle" as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claim" as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("claimLiquidity" as const), user }) },
);

/** Per step kind: how many the chain applied, and which refusals occurred (all runs). */
const stats = new Map<string, { applied: number; refused: Map<string, number> }>();
let filledBelowMinimum = 0;
let swapOnlyBatches = 0;
let refundedOrders = 0;

async function runScenario(kind: TokenKind, steps: Step[]): Promise<void> {
  const deployed = await deployBatchAMM(viem, { kind });
  const { token0, token1, pool } = deployed;
  await fund([token0, token1], users, INITIAL, pool.address);
  const model = new BatchModel(FEE_BPS, MAX_PRICE_DEVIATION_BPS);
  for (const u of users) model.mint(u, INITIAL, INITIAL);
  // user 0 seeds the pool at a price of 3 token1 per token0.
  model.initialize(users[0], 100_000n * ONE, 300_000n * ONE);
  await pool.write.initialize([100_000n * ONE, 300_000n * ONE], { account: users[0] });

  for (const step of steps) {
    let send: () => Promise<`0x${string}`>;
    let apply: () => unknown;
    let settledWith: ReturnType<BatchModel["settle"]> | undefined;
    const before = { r0: model.reserve0, r1: model.reserve1, supply: model.totalSupply };
    switch (step.kind) {
      case "swap": {
        const a = users[step.user];
        const [b0, b1] = model.tokens(a);
        const amountIn = ((step.zeroForOne ? b0 : b1) * BigInt(step.pct)) / 1000n;
        // The minimum is a share of the output at the current pool price (after the fee).
        const e = (amountIn * (BPS - FEE_BPS)) / BPS;
        const spot = step.zeroForOne
          ? mulDiv(e, model.reserve1, model.reserve0)
          : mulDiv(e, model.reserve0, model.reserve1);
        const minOut = (spot * BigInt(step.minPct)) / 100n;
        apply = () => model.commitSwap(a, step.zeroForOne, amountIn, minOut);
        send = () =>
          pool.write.commitSwap([step.zeroForOne, amountIn, minOut], { account: a, gas: GAS });
        break;
      }
      case "add": {
        const a = users[step.user];
        const [b0, b1] = model.tokens(a);
        const a0 = (b0 * BigInt(step.pct0)) / 100n;
        const a1 = (b1 * BigInt(step.pct1)) / 100n;
        const minShares = step.greedy ? model.totalSupply : 1n;
        apply = () => model.commitAdd(a, a0, a1, minShares);
        send = () => pool.write.commitAddLiquidity([a0, a1, minShares], { account: a, gas: GAS });
        break;
      }
      case "remove": {
        const a = users[step.user];
        const shares = (model.sharesOf(a) * BigInt(step.pct)) / 100n;
        const min = step.greedy ? model.reserve0 : 0n;
        apply = () => model.commitRemove(a, shares, min, 0n);
        send = () => pool.write.commitRemoveLiquidity([shares, min, 0n], { account: a, gas: GAS });
        break;
      }
      case "settle": {
        const batch = model.batch;
        apply = () => (settledWith = model.settle());
        send = () =>
          pool.write.settle([batch, settledWith!.swappers, settledWith!.providers], {
            gas: 16_000_000n,
          });
        break;
      }
      case "claim": {
        const a = users[step.user];
        apply = () => model.claim(a);
        send = () => pool.write.claim({ account: a, gas: GAS });
        break;
      }
      case "claimLiquidity": {
        const a = users[step.user];
        apply = () => model.claimLiquidity(a);
        send = () => pool.write.claimLiquidity({ account: a, gas: GAS });
        break;
      }
    }
    let rejection: ModelRejection | undefined;
    try {
      apply();
    } catch (error) {
      if (!(error instanceof ModelRejection)) throw error;
      rejection = error;
    }
    const entry = stats.get(step.kind) ?? { applied: 0, refused: new Map<string, number>() };
    if (rejection === undefined) entry.applied++;
    else entry.refused.set(rejection.message, (entry.refused.get(rejection.message) ?? 0) + 1);
    stats.set(step.kind, entry);
    const where = `at ${JSON.stringify(step)}`;
    if (rejection === undefined) {
      await send();
    } else {
      const source =
        rejection.message === "ERC20InsufficientBalance" && step.kind !== "remove" ? token0 : pool;
      await viem.assertions.revertWithCustomError(send(), source, rejection.message as "NoRequest");
      continue;
    }
    if (settledWith !== undefined) {
      const [r0, r1] = await pool.read.getReserves();
      // Swaps alone never lower the product (liquidity requests change it by design; for them,
      // the value of a share is the invariant below).
      if (settledWith.providers.length === 0) {
        expect(r0 * r1 >= before.r0 * before.r1, `constant product fell ${where}`).to.equal(true);
        swapOnlyBatches++;
      }
      const supply = await pool.read.totalSupply();
      // The value of a share, sqrt(r0 * r1) / supply, never falls (squared to stay in integers).
      expect(
        r0 * r1 * before.supply ** 2n >= before.r0 * before.r1 * supply ** 2n,
        `sqrt(k) per share fell ${where}`,
      ).to.equal(true);
      const [base, quote] = await pool.read.batchPrice([settledWith.batch]);
      expect([base, quote], `price ${where}`).to.deep.equal([settledWith.base, settledWith.quote]);
      for (const a of settledWith.swappers) {
        const [, status, zeroForOne, amountIn, minAmountOut, amountOut] = await pool.read.orderOf([
          a,
        ]);
        if (status === Status.Refunded) {
          refundedOrders++;
          continue;
        }
        const e = (amountIn * (BPS - FEE_BPS)) / BPS;
        expect(amountOut, `uniform price ${where}`).to.equal(
          zeroForOne ? mulDiv(e, quote, base) : mulDiv(e, base, quote),
        );
        if (amountOut < minAmountOut) filledBelowMinimum++;
        // Nor below the pool price (the reserves before the batch) less the price bound.
        const atPool = zeroForOne
          ? mulDiv(e, before.r1, before.r0)
          : mulDiv(e, before.r0, before.r1);
        if (amountOut < mulDiv(atPool, BPS - MAX_PRICE_DEVIATION_BPS, BPS)) filledBelowMinimum++;
      }
    }
    await compare(model, deployed, where);
  }
}

async function compare(
  model: BatchModel,
  { token0, token1, pool }: Awaited<ReturnType<typeof deployBatchAMM>>,
  where: string,
): Promise<void> {
  expect(await pool.read.getReserves(), `reserves ${where}`).to.deep.equal([
    model.reserve0,
    model.reserve1,
  ]);
  expect(await pool.read.totalSupply(), `share supply ${where}`).to.equal(model.totalSupply);
  expect(await pool.read.currentBatch(), `batch ${where}`).to.equal(model.batch);
  let owed0 = 0n;
  let owed1 = 0n;
  let held0 = 0n;
  let held1 = 0n;
  for (const a of users) {
    const o = model.order(a);
    expect(await pool.read.orderOf([a]), `order of ${a} ${where}`).to.deep.equal([
      o.batch,
      o.status,
      o.zeroForOne,
      o.amountIn,
      o.minAmountOut,
      o.amountOut,
    ]);
    const r = model.request(a);
    expect(await pool.read.liquidityRequestOf([a]), `request of ${a} ${where}`).to.deep.equal([
      r.batch,
      r.status,
      r.add,
      r.payShares,
      r.pay0,
      r.pay1,
    ]);
    const [b0, b1] = model.tokens(a);
    expect(
      [await token0.read.balanceOf([a]), await token1.read.balanceOf([a])],
      `tokens of ${a} ${where}`,
    ).to.deep.equal([b0, b1]);
    expect(await pool.read.balanceOf([a]), `shares of ${a} ${where}`).to.equal(model.sharesOf(a));
    held0 += b0;
    held1 += b1;
    // What the pool owes, token by token: pending inputs, and settled but unclaimed payments.
    if (o.status === Status.Pending || o.status === Status.Refunded) {
      if (o.zeroForOne) owed0 += o.amountIn;
      else owed1 += o.amountIn;
    } else if (o.status === Status.Filled) {
      if (o.zeroForOne) owed1 += o.amountOut;
      else owed0 += o.amountOut;
    }
    if (r.status === Status.Pending && r.add) {
      owed0 += r.amount0;
      owed1 += r.amount1;
    } else if (r.status !== Status.Pending) {
      owed0 += r.pay0;
      owed1 += r.pay1;
    }
  }
  const pool0 = await token0.read.balanceOf([pool.address]);
  const pool1 = await token1.read.balanceOf([pool.address]);
  expect([pool0, pool1], `pool = reserves + owed ${where}`).to.deep.equal([
    model.reserve0 + owed0,
    model.reserve1 + owed1,
  ]);
  expect([held0 + pool0, held1 + pool1], `conservation ${where}`).to.deep.equal([
    await token0.read.totalSupply(),
    await token1.read.totalSupply(),
  ]);
}

describe("BatchAuctionAMM properties (random scenarios against the reference model)", function () {
  this.timeout(900_000);

  for (const kind of ["parallel", "standard"] as const) {
    it(`matches the model and keeps its invariants over ${kind} tokens`, async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: 10, maxLength: 40 }), (steps) =>
          runScenario(kind, steps),
        ),
        {
          numRuns: kind === "parallel" ? 30 : 15,
          seed: kind === "parallel" ? 9_000 : 9_001,
          endOnFailure: true,
        },
      );
    });
  }

  it("exercised every action, exclusions and refusals in the runs above", function () {
    console.log(
      `      actions applied / refused: ${[...stats].map(([k, e]) => `${k} ${e.applied}/${[...e.refused].map(([r, n]) => `${r}×${n}`).join("+") || "-"}`).join(", ")}; refunded orders ${refundedOrders}, swap-only settlements ${swapOnlyBatches}`,
    );
    for (const kind of ["swap", "add", "remove", "settle", "claim", "claimLiquidity"]) {
      expect(stats.get(kind)?.applied ?? 0, `${kind} applied`).to.be.greaterThanOrEqual(5);
    }
    expect(refundedOrders, "orders excluded by their minimum").to.be.greaterThanOrEqual(3);
    expect(swapOnlyBatches, "settlements of swaps only").to.be.greaterThanOrEqual(5);
    expect(filledBelowMinimum, "orders filled below their minimum").to.equal(0);
    const refused = new Set([...stats.values()].flatMap((e) => [...e.refused.keys()]));
    for (const error of ["NotSettled", "RequestOutstanding", "NoRequest", "InvalidAmount"]) {
      expect(refused.has(error), `some action was refused with ${error}`).to.equal(true);
    }
  });
});
