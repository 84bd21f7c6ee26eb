/**
 * Solvency invariants of `ParallelLendingMarket` under random sequences (fast-check) of
 * supplies, withdrawals, collateral moves, borrows, repayments, liquidations, epoch rolls, waits
 * and price moves by three users and a liquidator, mixed with the flash sequences of audit
 * finding 2 run inside one transaction by the `LendingFlashAttacker` contract (a borrow of the
 * cash around the roll, a deposit around the roll, a borrow or a deposit in and out).
 *
 * After every step, in the market's own accounting:
 * - assets cover liabilities: `cash + totalDebt() >= totalSupplied() + undistributedInterest()`
 *   (cash is the market's balance in the asset);
 * - no lender is owed more than the total, and the lenders together not more than the total;
 * - the flash attacker never holds a position between transactions.
 * At the end of every run all debt is repaid (the borrowers are given what they need), and then
 * every lender's `withdraw(max)` must succeed and pay exactly what `suppliedOf` said at that
 * time, leaving nobody owed anything; and the attacker must have gained nothing.
 *
 * Runs are bounded (fixed seeds, at most 15 random steps) so the file stays well under two
 * minutes on Hardhat's default network.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Address, maxUint256 } from "viem";

import {
  EPOCH,
  ONE,
  PRICE,
  connect,
  deployParallelMarket,
  fund,
  type TokenKind,
} from "./helpers.ts";

const connection = await connect();
const { viem, networkHelpers } = connection;
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const users = wallets.slice(1, 4).map((w) => w.account.address);
const liquidator = wallets[4].account.address;
const { time } = networkHelpers;

/** What the attacker contract holds at the start of every run. */
const ATTACKER_ASSET = 10_000_000n * ONE;
const ATTACKER_COLLATERAL = 10_000n * ONE;

/** The steps one user takes. */
type UserAction =
  | "supply"
  | "withdraw"
  | "supplyCollateral"
  | "withdrawCollateral"
  | "borrow"
  | "repay"
  | "liquidate";

type Step =
  | { kind: UserAction; user: number; pct: number; max: boolean }
  | { kind: "wait"; seconds: number }
  | { kind: "roll" }
  | { kind: "price"; pct: number }
  | { kind: "crashAndLiquidate"; user: number; pct: number; drop: number }
  | {
      kind: "flashBorrowAroundRoll" | "flashSupplyAroundRoll" | "flashBorrow" | "flashSupply";
      pct: number;
    };

const user = fc.integer({ min: 0, max: users.length - 1 });
const pct = fc.integer({ min: 1, max: 100 });
const userStep = (kind: UserAction) =>
  fc.record({ kind: fc.constant(kind), user, pct, max: fc.boolean() });
const flashStep = (
  kind: "flashBorrowAroundRoll" | "flashSupplyAroundRoll" | "flashBorrow" | "flashSupply",
) => fc.record({ kind: fc.constant(kind), pct });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: userStep("supply") },
  { weight: 2, arbitrary: userStep("withdraw") },
  { weight: 2, arbitrary: userStep("supplyCollateral") },
  { weight: 1, arbitrary: userStep("withdrawCollateral") },
  { weight: 4, arbitrary: userStep("borrow") },
  { weight: 2, arbitrary: userStep("repay") },
  { weight: 2, arbitrary: userStep("liquidate") },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.integer({ min: 600, max: 2 * Number(EPOCH) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("roll" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("price" as const),
      pct: fc.integer({ min: 50, max: 120 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("crashAndLiquidate" as const),
      user,
      pct,
      drop: fc.integer({ min: 10, max: 60 }),
    }),
  },
  { weight: 3, arbitrary: flashStep("flashBorrowAroundRoll") },
  { weight: 2, arbitrary: flashStep("flashSupplyAroundRoll") },
  { weight: 1, arbitrary: flashStep("flashBorrow") },
  { weight: 1, arbitrary: flashStep("flashSupply") },
);

/** Every run starts from a lent, collateralised and borrowed market. */
const OPENING: Step[] = [
  { kind: "supply", user: 2, pct: 20, max: false },
  { kind: "supplyCollateral", user: 0, pct: 5, max: false },
  { kind: "supplyCollateral", user: 1, pct: 30, max: false },
  { kind: "borrow", user: 0, pct: 90, max: false },
];

/** How many steps of each kind the chain accepted, over all runs (checked at the end). */
const applied = new Map<string, number>();

/** Sends a transaction; a refused one (reverting in simulation or on chain) returns false. */
async function attempt(send: () => Promise<`0x${string}`>, kind?: string): Promise<boolean> {
  try {
    const hash = await send();
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status === "success" && kind !== undefined)
      applied.set(kind, (applied.get(kind) ?? 0) + 1);
    return receipt.status === "success";
  } catch {
    return false;
  }
}

async function runScenario(kind: TokenKind, steps: Step[]): Promise<void> {
  const { asset, collateral, oracle, market } = await deployParallelMarket(viem, { kind });
  await fund(asset, [...users, liquidator], 1_000_000n * ONE, market.address);
  await fund(collateral, [...users, liquidator], 1_000n * ONE, market.address);
  const attacker = await viem.deployContract("LendingFlashAttacker", [
    market.address,
    asset.address,
    collateral.address,
  ]);
  await asset.write.mint([attacker.address, ATTACKER_ASSET]);
  await collateral.write.mint([attacker.address, ATTACKER_COLLATERAL]);
  const lenders: Address[] = [...users, attacker.address];
  const scaled = (amount: bigint, p: number) => (amount * BigInt(p)) / 100n;

  const check = async (where: string) => {
    const cash = await asset.read.balanceOf([market.address]);
    const debt = await market.read.totalDebt();
    const supplied = await market.read.totalSupplied();
    const undistributed = await market.read.undistributedInterest();
    expect(
      cash + debt >= supplied + undistributed,
      `insolvent ${where}: cash ${cash} + debt ${debt} < supplied ${supplied} + undistributed ${undistributed}`,
    ).to.equal(true);
    let owed = 0n;
    for (const lender of lenders) {
      const s = await market.read.suppliedOf([lender]);
      expect(s <= supplied, `a lender is owed more than the total ${where}`).to.equal(true);
      owed += s;
    }
    expect(owed <= supplied, `lenders owed more than the total ${where}`).to.equal(true);
    const [c, d, s] = await market.read.positionOf([attacker.address]);
    expect([c, d, s], `the flash attacker kept a position ${where}`).to.deep.equal([0n, 0n, 0n]);
  };

  /** The attacker acts when the roll is due: it waits for the end of the epoch if need be. */
  const waitForRoll = async () => {
    const [, start] = await market.read.currentEpoch();
    if (BigInt(await time.latest()) < start + EPOCH) await time.increaseTo(start + EPOCH);
    await oracle.write.setPrice([await oracle.read.price()]); // the updater keeps the price fresh
  };

  for (const [i, step] of [...OPENING, ...steps].entries()) {
    const where = `after step ${i} ${JSON.stringify(step)}`;
    switch (step.kind) {
      case "supply": {
        const u = users[step.user];
        const amount = scaled((await asset.read.balanceOf([u])) / 2n, step.pct);
        await attempt(() => market.write.supply([amount], { account: u }), step.kind);
        break;
      }
      case "withdraw": {
        const u = users[step.user];
        const amount = step.max ? maxUint256 : scaled(await market.read.suppliedOf([u]), step.pct);
        await attempt(() => market.write.withdraw([amount], { account: u }), step.kind);
        break;
      }
      case "supplyCollateral": {
        const u = users[step.user];
        const amount = scaled(await collateral.read.balanceOf([u]), step.pct);
        await attempt(() => market.write.supplyCollateral([amount], { account: u }), step.kind);
        break;
      }
      case "withdrawCollateral": {
        const u = users[step.user];
        const amount = scaled(await market.read.collateralOf([u]), step.pct);
        await attempt(() => market.write.withdrawCollateral([amount], { account: u }), step.kind);
        break;
      }
      case "borrow": {
        const u = users[step.user];
        let room = 0n;
        try {
          const [d, borrowLimit] = await market.read.accountHealth([u]);
          room = borrowLimit > d ? borrowLimit - d : 0n;
        } catch {
          room = 0n; // unusable price: the borrow below is refused
        }
        const cash = await asset.read.balanceOf([market.address]);
        const amount = scaled(room < cash ? room : cash, step.pct);
        await attempt(
          () => market.write.borrow([amount === 0n ? 1n : amount], { account: u }),
          step.kind,
        );
        break;
      }
      case "repay": {
        const u = users[step.user];
        const amount = step.max ? maxUint256 : scaled(await market.read.debtOf([u]), step.pct);
        await attempt(() => market.write.repay([amount, u], { account: u }), step.kind);
        break;
      }
      case "liquidate": {
        const u = users[step.user];
        const amount = scaled((await market.read.debtOf([u])) / 2n, step.pct);
        await attempt(
          () => market.write.liquidate([u, amount, 0n], { account: liquidator }),
          step.kind,
        );
        break;
      }
      case "crashAndLiquidate": {
        // The collateral's price falls by `drop` percent, and a liquidator acts at once.
        const u = users[step.user];
        await oracle.write.setPrice([
          ((await oracle.read.price()) * BigInt(100 - step.drop)) / 100n,
        ]);
        const amount = scaled((await market.read.debtOf([u])) / 2n, step.pct);
        await attempt(
          () => market.write.liquidate([u, amount, 0n], { account: liquidator }),
          "liquidate",
        );
        break;
      }
      case "wait":
        await time.increase(step.seconds);
        break;
      case "roll":
        await attempt(() => market.write.rollEpoch({ account: liquidator }), step.kind);
        break;
      case "price":
        await oracle.write.setPrice([(PRICE * BigInt(step.pct)) / 100n]);
        break;
      case "flashBorrowAroundRoll": {
        await waitForRoll();
        const cash = await asset.read.balanceOf([market.address]);
        await attempt(
          () => attacker.write.flashBorrowAroundRoll([ATTACKER_COLLATERAL, scaled(cash, step.pct)]),
          step.kind,
        );
        break;
      }
      case "flashBorrow": {
        await oracle.write.setPrice([await oracle.read.price()]);
        const cash = await asset.read.balanceOf([market.address]);
        await attempt(
          () => attacker.write.flashBorrow([ATTACKER_COLLATERAL, scaled(cash, step.pct)]),
          step.kind,
        );
        break;
      }
      case "flashSupplyAroundRoll":
        await waitForRoll();
        await attempt(
          () => attacker.write.flashSupplyAroundRoll([scaled(ATTACKER_ASSET / 2n, step.pct)]),
          step.kind,
        );
        break;
      case "flashSupply":
        await attempt(
          () => attacker.write.flashSupply([scaled(ATTACKER_ASSET / 2n, step.pct)]),
          step.kind,
        );
        break;
    }
    await check(where);
  }

  // Wind-down: every borrower repays in full, then every lender leaves with exactly its balance.
  for (const u of users) {
    const debt = await market.read.debtOf([u]);
    if (debt === 0n) continue;
    await asset.write.mint([u, debt * 2n]);
    expect(
      await attempt(() => market.write.repay([maxUint256, u], { account: u })),
      `repay(max) of ${u}`,
    ).to.equal(true);
  }
  for (const u of users) {
    if ((await market.read.positionOf([u]))[2] === 0n) continue;
    const owed = await market.read.suppliedOf([u]); // at the latest block; the index only grows
    const before = await asset.read.balanceOf([u]);
    expect(
      await attempt(() => market.write.withdraw([maxUint256], { account: u })),
      "withdraw(max) of a lender (insolvent)",
    ).to.equal(true);
    const received = (await asset.read.balanceOf([u])) - before;
    expect(
      received >= owed,
      `a lender received ${received}, less than its balance ${owed}`,
    ).to.equal(true);
    expect(await market.read.suppliedOf([u])).to.equal(0n);
  }
  expect(await market.read.totalSupplied()).to.equal(0n);
  await check("after the wind-down");
  expect(
    (await asset.read.balanceOf([attacker.address])) <= ATTACKER_ASSET,
    "the flash attacker gained asset",
  ).to.equal(true);
}

describe("ParallelLendingMarket solvency invariants (random scenarios with flash sequences)", function () {
  this.timeout(300_000);
  for (const [kind, numRuns, seed] of [
    ["parallel", 20, 19],
    ["standard", 10, 1919],
  ] as const) {
    it(`stays solvent and pays every lender what it is owed, over ${kind} tokens`, async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: 5, maxLength: 15 }), (steps) =>
          runScenario(kind, steps),
        ),
        { numRuns, seed, endOnFailure: true },
      );
    });
  }

  it("exercised the flash sequences, rolls, liquidations and withdrawals in the runs above", function () {
    for (const kind of [
      "flashBorrowAroundRoll",
      "flashSupplyAroundRoll",
      "flashBorrow",
      "flashSupply",
      "roll",
      "borrow",
      "repay",
      "withdraw",
      "liquidate",
    ]) {
      expect(applied.get(kind) ?? 0, `${kind} applied`).to.be.greaterThan(0);
    }
  });
});
