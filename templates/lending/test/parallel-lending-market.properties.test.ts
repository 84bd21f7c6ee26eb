/**
 * Property tests of `ParallelLendingMarket`: random sequences of supplies, withdrawals,
 * collateral moves, borrows, repayments, waits, epoch rolls, price moves and liquidations by
 * three users and a liquidator, run on the chain and on the bigint reference model of
 * `model.ts`. Every transaction is mined at a timestamp the test chooses, so the model knows the
 * exact time of every action. After every step the chain's state must equal the model's to the
 * wei: every position (collateral, scaled debt, scaled supply), the epoch (rates and indices),
 * the scaled totals, and every token balance — which carries the interest actually charged and
 * paid (`repay(max)`, `withdraw(max)`, liquidations). A refused action must be refused by the
 * chain with the same custom error. Invariants checked on the chain's own numbers:
 * - the scaled totals are the sums of the positions (the shards add up);
 * - tokens are conserved (users + market = supply) and the market's collateral balance equals
 *   the sum of the positions' collateral;
 * - the borrow index never decreases, and the supply index never outgrows it.
 *
 * Users are dev accounts (who they are does not matter here: these tests check accounting, not
 * parallelism). Runs use fixed seeds so failures reproduce.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Address, maxUint256 } from "viem";

import {
  DEFAULT_PARAMS,
  EPOCH,
  ONE,
  PRICE,
  RAY,
  connect,
  deployParallelMarket,
  fund,
  type TokenKind,
} from "./helpers.ts";
import { LendingModel, ModelRejection } from "./model.ts";

const connection = await connect();
const { viem, networkHelpers } = connection;
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const users = wallets.slice(1, 4).map((w) => w.account.address);
const liquidator = wallets[4].account.address;

/** Gas given to every transaction, so that none is estimated (estimation would run at another time). */
const GAS = 6_000_000n;

/** One step of a random scenario; `pct` scales an amount to what is available. */
type Step =
  | { kind: "supply"; user: number; pct: number }
  | { kind: "withdraw"; user: number; pct: number; max: boolean }
  | { kind: "supplyCollateral"; user: number; pct: number }
  | { kind: "withdrawCollateral"; user: number; pct: number }
  | { kind: "borrow"; user: number; pct: number }
  | { kind: "repay"; user: number; pct: number; max: boolean; byLiquidator: boolean }
  | { kind: "wait"; seconds: number }
  | { kind: "roll" }
  | { kind: "price"; pct: number }
  | { kind: "liquidate"; user: number; pct: number };

const user = fc.integer({ min: 0, max: users.length - 1 });
const pct = fc.integer({ min: 0, max: 100 });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("supply" as const), user, pct }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("withdraw" as const), user, pct, max: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("supplyCollateral" as const), user, pct }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("withdrawCollateral" as const),
      user,
      pct: fc.integer({ min: 0, max: 110 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("borrow" as const),
      user,
      pct: fc.integer({ min: 0, max: 120 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("repay" as const),
      user,
      pct,
      max: fc.boolean(),
      byLiquidator: fc.boolean(),
    }),
  },
  // Mostly waits within the oracle's one-hour freshness, sometimes days (stale prices, big interest).
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.integer({ min: 1, max: 900 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.integer({ min: 1, max: 4 * 86_400 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("roll" as const) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("price" as const),
      pct: fc.integer({ min: 40, max: 120 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("liquidate" as const),
      user,
      pct: fc.integer({ min: 1, max: 110 }),
    }),
  },
);

/**
 * The opening of every scenario, so that random steps start from a market with liquidity,
 * collateral and debt: user 2 lends a tenth of its funds, users 0 and 1 post a fifth of their
 * collateral, and user 0 borrows 90% of what it may (cash permitting).
 */
const OPENING: Step[] = [
  { kind: "supply", user: 2, pct: 10 },
  { kind: "supplyCollateral", user: 0, pct: 20 },
  { kind: "supplyCollateral", user: 1, pct: 20 },
  { kind: "borrow", user: 0, pct: 90 },
];

const INITIAL_ASSET = 1_000_000n * ONE;
const INITIAL_COLLATERAL = 1_000n * ONE;

type Deployed = Awaited<ReturnType<typeof deployParallelMarket>>;

/** Per step kind, how many actions the chain applied and how many it refused (all runs). */
const stats = new Map<string, { applied: number; refused: Map<string, number> }>();

function count(kind: string, refusal?: string): void {
  const entry = stats.get(kind) ?? { applied: 0, refused: new Map<string, number>() };
  if (refusal === undefined) entry.applied++;
  else entry.refused.set(refusal, (entry.refused.get(refusal) ?? 0) + 1);
  stats.set(kind, entry);
}

async function runScenario(kind: TokenKind, steps: Step[]): Promise<void> {
  const deployed = await deployParallelMarket(viem, { kind });
  const { asset, collateral, oracle, market } = deployed;
  const deployedAt = (await publicClient.getBlock()).timestamp;
  const everyone = [...users, liquidator];
  await fund(asset, everyone, INITIAL_ASSET, market.address);
  await fund(collateral, everyone, INITIAL_COLLATERAL, market.address);
  const [, start] = await market.read.currentEpoch();
  const model = new LendingModel(DEFAULT_PARAMS, EPOCH, start, {
    price: PRICE,
    updatedAt: await oracle.read.updatedAt(),
  });
  expect(start <= deployedAt).to.equal(true);
  for (const a of everyone) model.mint(a, INITIAL_ASSET, INITIAL_COLLATERAL);

  let now = BigInt(await networkHelpers.time.latest());
  let wait = 0n;
  let lastBorrowIndex = model.borrowIndexAt(now);
  for (const step of steps) {
    if (step.kind === "wait") {
      wait += BigInt(step.seconds);
      continue;
    }
    const t = now + 1n + wait;
    wait = 0n;
    let send: () => Promise<unknown>;
    let apply: () => unknown;
    const options = (account: Address) => ({ account, gas: GAS });
    switch (step.kind) {
      case "supply": {
        const a = users[step.user];
        const amount = (model.assets(a) * BigInt(step.pct)) / 100n;
        apply = () => model.supply(a, amount, t);
        send = () => market.write.supply([amount], options(a));
        break;
      }
      case "withdraw": {
        const a = users[step.user];
        const amount = step.max ? maxUint256 : (model.suppliedAt(a, t) * BigInt(step.pct)) / 100n;
        apply = () => model.withdraw(a, amount, t, step.max);
        send = () => market.write.withdraw([amount], options(a));
        break;
      }
      case "supplyCollateral": {
        const a = users[step.user];
        const amount = (model.collateral(a) * BigInt(step.pct)) / 100n;
        apply = () => model.supplyCollateral(a, amount);
        send = () => market.write.supplyCollateral([amount], options(a));
        break;
      }
      case "withdrawCollateral": {
        const a = users[step.user];
        const amount = (model.position(a).collateral * BigInt(step.pct)) / 100n;
        apply = () => model.withdrawCollateral(a, amount, t);
        send = () => market.write.withdrawCollateral([amount], options(a));
        break;
      }
      case "borrow": {
        const a = users[step.user];
        // Up to 114% of what the collateral allows, capped by the market's cash; from 115% on,
        // one more than the cash (a shortfall).
        let amount =
          (model.borrowCapacity(a, t, { ignoreStaleness: true }) * BigInt(step.pct)) / 100n;
        if (amount > model.cash) amount = model.cash;
        if (step.pct >= 115) amount = model.cash + 1n;
        apply = () => model.borrow(a, amount, t);
        send = () => market.write.borrow([amount], options(a));
        break;
      }
      case "repay": {
        const a = users[step.user];
        const payer = step.byLiquidator ? liquidator : a;
        const amount = step.max ? maxUint256 : (model.debtAt(a, t) * BigInt(step.pct)) / 100n;
        apply = () => model.repay(payer, a, amount, t);
        send = () => market.write.repay([amount, a], options(payer));
        break;
      }
      case "roll": {
        apply = () => model.rollEpoch(t);
        send = () => market.write.rollEpoch(options(liquidator));
        break;
      }
      case "price": {
        const price = (model.price * BigInt(step.pct)) / 100n;
        apply = () => model.setPrice(price, t);
        send = () => oracle.write.setPrice([price], options(liquidator));
        break;
      }
      case "liquidate": {
        const a = users[step.user];
        const repay =
          model.position(a).scaledDebt === 0n
            ? ONE
            : (model.maxRepay(a, t) * BigInt(step.pct)) / 100n;
        apply = () => model.liquidate(liquidator, a, repay, 0n, t);
        send = () => market.write.liquidate([a, repay, 0n], options(liquidator));
        break;
      }
    }
    await networkHelpers.time.setNextBlockTimestamp(t);
    now = t;
    let rejection: ModelRejection | undefined;
    try {
      apply();
    } catch (error) {
      if (!(error instanceof ModelRejection)) throw error;
      rejection = error;
    }
    const where = `at ${describeStep(step)}`;
    count(step.kind, rejection?.message);
    if (rejection === undefined) {
      await send();
    } else {
      // The chain must refuse with the same error (the failed transaction is mined at t).
      const source =
        rejection.source === "market" ? market : rejection.source === "asset" ? asset : collateral;
      await viem.assertions.revertWithCustomError(
        send() as Promise<`0x${string}`>,
        source,
        rejection.message as "ZeroAmount",
      );
    }
    await compare(model, deployed, where);
    const borrowIndex = model.borrowIndexAt(now);
    expect(borrowIndex >= lastBorrowIndex, `borrow index fell ${where}`).to.equal(true);
    expect(
      model.supplyIndexAt(now) <= borrowIndex,
      `supply index above borrow index ${where}`,
    ).to.equal(true);
    lastBorrowIndex = borrowIndex;
  }
}

function describeStep(step: Step): string {
  return JSON.stringify(step);
}

async function compare(
  model: LendingModel,
  { asset, collateral, market }: Deployed,
  where: string,
): Promise<void> {
  let scaledSupply = 0n;
  let scaledDebt = 0n;
  let collateralInPositions = 0n;
  let assetOutside = 0n;
  let collateralOutside = 0n;
  for (const a of [...users, liquidator]) {
    const p = model.position(a);
    expect(await market.read.positionOf([a]), `position of ${a} ${where}`).to.deep.equal([
      p.collateral,
      p.scaledDebt,
      p.scaledSupply,
    ]);
    const assets = await asset.read.balanceOf([a]);
    const coll = await collateral.read.balanceOf([a]);
    expect(assets, `asset balance of ${a} ${where}`).to.equal(model.assets(a));
    expect(coll, `collateral balance of ${a} ${where}`).to.equal(model.collateral(a));
    scaledSupply += p.scaledSupply;
    scaledDebt += p.scaledDebt;
    collateralInPositions += p.collateral;
    assetOutside += assets;
    collateralOutside += coll;
  }
  const e = model.epoch;
  expect(await market.read.currentEpoch(), `epoch ${where}`).to.deep.equal([
    e.id,
    e.start,
    e.borrowRate,
    e.supplyRate,
    e.borrowIndex,
    e.supplyIndex,
  ]);
  const totals = await market.read.scaledTotals();
  expect(totals, `scaled totals ${where}`).to.deep.equal([
    model.totalScaledSupply,
    model.totalScaledDebt,
  ]);
  expect(totals, `shards add up to the positions ${where}`).to.deep.equal([
    scaledSupply,
    scaledDebt,
  ]);
  const cash = await asset.read.balanceOf([market.address]);
  const held = await collateral.read.balanceOf([market.address]);
  expect(cash, `cash ${where}`).to.equal(model.cash);
  expect(held, `collateral held ${where}`).to.equal(collateralInPositions);
  expect(assetOutside + cash, `asset conservation ${where}`).to.equal(
    await asset.read.totalSupply(),
  );
  expect(collateralOutside + held, `collateral conservation ${where}`).to.equal(
    await collateral.read.totalSupply(),
  );
}

describe("ParallelLendingMarket properties (random scenarios against the reference model)", function () {
  this.timeout(900_000);

  for (const kind of ["parallel", "standard"] as const) {
    it(`matches the model to the wei and keeps its invariants over ${kind} tokens`, async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: 10, maxLength: 40 }), (steps) =>
          runScenario(kind, [...OPENING, ...steps]),
        ),
        {
          numRuns: kind === "parallel" ? 40 : 20,
          seed: kind === "parallel" ? 20_24 : 7_2024,
          endOnFailure: true,
        },
      );
    });
  }

  it("exercised every action, and the refusals that matter, in the runs above", function () {
    console.log(
      `      actions applied / refused: ${[...stats].map(([k, e]) => `${k} ${e.applied}/${[...e.refused].map(([r, n]) => `${r}×${n}`).join("+") || "-"}`).join(", ")}`,
    );
    for (const kind of [
      "supply",
      "withdraw",
      "supplyCollateral",
      "withdrawCollateral",
      "borrow",
      "repay",
      "roll",
      "price",
      "liquidate",
    ]) {
      expect(stats.get(kind)?.applied ?? 0, `${kind} applied`).to.be.greaterThanOrEqual(3);
    }
    const refused = new Set([...stats.values()].flatMap((e) => [...e.refused.keys()]));
    for (const error of [
      "InsufficientCollateral",
      "PositionHealthy",
      "EpochNotOver",
      "OracleStalePrice",
      "ZeroAmount",
    ]) {
      expect(refused.has(error), `some action was refused with ${error}`).to.equal(true);
    }
  });

  it("charges a borrower the simple interest of the epoch's fixed rate on the debt at the epoch start", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 50_000n * ONE }),
        fc.bigInt({ min: 1n, max: 30n * 86_400n }),
        async (borrowed, dt) => {
          const { market, asset, collateral } = await deployParallelMarket(viem);
          const [lender, borrower] = users;
          await fund(asset, [lender, borrower], INITIAL_ASSET, market.address);
          await fund(collateral, [borrower], INITIAL_COLLATERAL, market.address);
          await market.write.supply([100_000n * ONE], { account: lender });
          await market.write.supplyCollateral([100n * ONE], { account: borrower });
          await market.write.borrow([borrowed], { account: borrower });
          await networkHelpers.time.increase(Number(EPOCH));
          await market.write.rollEpoch(); // the new epoch's rate follows the utilisation
          const [, start, rate, , borrowIndex] = await market.read.currentEpoch();
          const [, scaledDebt] = await market.read.positionOf([borrower]);
          // Repaying needs no price: the repayment is mined exactly dt seconds into the epoch.
          await networkHelpers.time.setNextBlockTimestamp(start + dt);
          const held = await asset.read.balanceOf([borrower]);
          await market.write.repay([maxUint256, borrower], { account: borrower, gas: GAS });
          const repaid = held - (await asset.read.balanceOf([borrower]));
          // Simple interest at the fixed rate on the exact principal at the epoch start,
          // D0 * (1 + r * dt) with D0 = scaledDebt * I / RAY, up to the rounding (always up).
          const unit = RAY * 10n ** 18n;
          const exact = scaledDebt * borrowIndex * (10n ** 18n + rate * dt);
          expect(repaid * unit >= exact, `repaid ${repaid} < ${exact} / 1e45`).to.equal(true);
          expect(repaid <= exact / unit + 2n, `repaid ${repaid} > ${exact} / 1e45 + 2`).to.equal(
            true,
          );
          expect(rate >= DEFAULT_PARAMS.baseRatePerSecond).to.equal(true);
        },
      ),
      { numRuns: 25, seed: 31_536_000 },
    );
  });
});
