/**
 * Property tests of `ParallelVault`: random sequences of requests, settlements, claims, donations
 * (gains) and losses by three users, run on the chain and on the bigint reference model of
 * `model.ts`. After every step the observable state must be identical, and these invariants,
 * checked on the chain's own numbers, must hold:
 * - assets are conserved (users + vault = asset supply) and the vault can always pay what it owes
 *   (asset balance >= reserved redemptions + pending deposits);
 * - claimable redemptions never exceed the reserve, and balances + claimable shares + pending
 *   redemption shares never exceed the share supply (rounding only ever leaves dust in the vault);
 * - the share price (assets + 1 per shares + 10^3) never decreases from one settlement to the
 *   next unless a loss happened in between;
 * - a deposit-then-redeem round trip never returns more than was put in.
 *
 * Users are the first three dev accounts (who they are does not matter here: these tests check
 * accounting, not parallelism). Runs use fixed seeds so failures reproduce.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Address } from "viem";

import { deployParallelVault, fund, type AssetKind } from "./fixtures.ts";
import { ModelRejection, VaultModel } from "./model.ts";
import { ONE, connect, mulDiv } from "./helpers.ts";

const { viem } = await connect();
const wallets = await viem.getWalletClients();
const admin = wallets[0];
const users = wallets.slice(1, 4);

/** One step of a random scenario. `pct` scales the amount to what is available (0..100 %). */
type Step =
  | { kind: "requestDeposit"; user: number; pct: number; tiny: boolean }
  | { kind: "requestRedeem"; user: number; pct: number; tiny: boolean }
  | { kind: "settle" }
  | { kind: "claimDeposit"; user: number; pct: number; byShares: boolean }
  | { kind: "claimRedeem"; user: number; pct: number; byShares: boolean }
  | { kind: "donate"; amount: bigint }
  | { kind: "loss"; pct: number };

const user = fc.integer({ min: 0, max: users.length - 1 });
const pct = fc.integer({ min: 0, max: 100 });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("requestDeposit" as const),
      user,
      pct,
      tiny: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("requestRedeem" as const),
      user,
      pct,
      tiny: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("settle" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("claimDeposit" as const),
      user,
      pct,
      byShares: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("claimRedeem" as const),
      user,
      pct,
      byShares: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("donate" as const),
      amount: fc.bigInt({ min: 1n, max: 50n * ONE }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("loss" as const),
      pct: fc.integer({ min: 1, max: 50 }),
    }),
  },
);

const INITIAL = 1_000n * ONE;

/** Scales `available` by `pct` %, or picks a tiny amount (1..9 units) to exercise rounding. */
const scaled = (available: bigint, p: number, tiny = false) =>
  tiny ? BigInt(1 + (p % 9)) : (available * BigInt(p)) / 100n;

async function runScenario(kind: AssetKind, steps: Step[]): Promise<void> {
  const { asset, vault } = await deployParallelVault(viem, { asset: kind });
  const model = new VaultModel();
  const addresses = users.map((w) => w.account.address);
  await fund(asset, addresses, INITIAL, vault.address);
  await asset.write.mint([admin.account.address, 10_000n * ONE]);
  for (const a of [...addresses, admin.account.address])
    model.mintAsset(a, a === admin.account.address ? 10_000n * ONE : INITIAL);

  let lossSinceSettlement = false;
  let lastPrice: { base: bigint; quote: bigint } | undefined;

  for (const step of steps) {
    let rejection: ModelRejection | undefined;
    let send: (() => Promise<unknown>) | undefined;
    try {
      switch (step.kind) {
        case "requestDeposit": {
          const a = addresses[step.user];
          const amount = scaled(model.assets(a), step.pct, step.tiny);
          model.requestDeposit(a, a, amount);
          send = () => vault.write.requestDeposit([amount, a, a], { account: a });
          break;
        }
        case "requestRedeem": {
          const a = addresses[step.user];
          const amount = scaled(model.shares(a), step.pct, step.tiny);
          model.requestRedeem(a, a, amount);
          send = () => vault.write.requestRedeem([amount, a, a], { account: a });
          break;
        }
        case "settle": {
          const epoch = model.epoch;
          model.settle();
          send = async () => {
            await vault.write.settle([epoch]);
            // The recorded price (assets + 1 : shares + 1000) never falls without a loss.
            const [base, quote] = await vault.read.epochPrice([epoch]);
            if (lastPrice !== undefined && !lossSinceSettlement) {
              expect(
                base * lastPrice.quote >= lastPrice.base * quote,
                `price fell at epoch ${epoch}`,
              ).to.equal(true);
            }
            lastPrice = { base, quote };
            lossSinceSettlement = false;
          };
          break;
        }
        case "claimDeposit": {
          const a = addresses[step.user];
          const side = model.foldedDeposit(a);
          if (step.byShares) {
            const shares = scaled(side.claimableShares, step.pct);
            model.claimMint(a, a, shares);
            send = () => vault.write.mint([shares, a], { account: a });
          } else {
            const assets = scaled(side.claimableAssets, step.pct);
            model.claimDeposit(a, a, assets);
            send = () => vault.write.deposit([assets, a], { account: a });
          }
          break;
        }
        case "claimRedeem": {
          const a = addresses[step.user];
          const side = model.foldedRedeem(a);
          if (step.byShares) {
            const shares = scaled(side.claimableShares, step.pct);
            model.claimRedeem(a, a, shares);
            send = () => vault.write.redeem([shares, a, a], { account: a });
          } else {
            const assets = scaled(side.claimableAssets, step.pct);
            model.claimWithdraw(a, a, assets);
            send = () => vault.write.withdraw([assets, a, a], { account: a });
          }
          break;
        }
        case "donate": {
          model.donate(admin.account.address, step.amount);
          send = () =>
            asset.write.transfer([vault.address, step.amount], { account: admin.account });
          break;
        }
        case "loss": {
          // Lose part of the managed assets only (the reserve and pending deposits stay covered).
          const amount = scaled(model.totalAssets(), step.pct);
          if (amount === 0n) continue;
          model.loss(amount);
          lossSinceSettlement = true;
          send = () => asset.write.simulateLoss([vault.address, amount]);
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof ModelRejection)) throw error;
      rejection = error;
    }
    if (rejection !== undefined) {
      // The model refused: the chain must refuse the same operation. Replay it on the chain.
      const a = "user" in step ? addresses[step.user] : admin.account.address;
      const attempt =
        step.kind === "requestDeposit"
          ? vault.write.requestDeposit([scaled(model.assets(a), step.pct, step.tiny), a, a], {
              account: a,
            })
          : step.kind === "requestRedeem"
            ? vault.write.requestRedeem([scaled(model.shares(a), step.pct, step.tiny), a, a], {
                account: a,
              })
            : undefined;
      if (attempt === undefined)
        throw new Error(
          `the model refused ${step.kind}: the scenario generator should not produce it`,
        );
      await viem.assertions.revertWithCustomError(
        attempt,
        vault,
        rejection.message as "ZeroAmount",
      );
      continue;
    }
    await send!();
    await compare(model, vault, asset, addresses, step);
  }
}

type Deployed = Awaited<ReturnType<typeof deployParallelVault>>;

async function compare(
  model: VaultModel,
  vault: Deployed["vault"],
  asset: Deployed["asset"],
  addresses: Address[],
  step: Step,
) {
  const where = `after ${JSON.stringify(step, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`;
  let sumClaimableRedeemAssets = 0n;
  let sharesAccountedFor = 0n;
  for (const a of addresses) {
    const d = model.foldedDeposit(a);
    const r = model.foldedRedeem(a);
    expect(await asset.read.balanceOf([a]), `asset balance ${where}`).to.equal(model.assets(a));
    expect(await vault.read.balanceOf([a]), `shares ${where}`).to.equal(model.shares(a));
    expect(await vault.read.pendingDepositRequest([0n, a]), `pending deposit ${where}`).to.equal(
      model.pendingDeposit(a),
    );
    expect(
      await vault.read.claimableDepositRequest([0n, a]),
      `claimable deposit ${where}`,
    ).to.equal(d.claimableAssets);
    expect(await vault.read.maxMint([a]), `claimable shares ${where}`).to.equal(d.claimableShares);
    expect(await vault.read.pendingRedeemRequest([0n, a]), `pending redeem ${where}`).to.equal(
      model.pendingRedeem(a),
    );
    expect(await vault.read.claimableRedeemRequest([0n, a]), `claimable redeem ${where}`).to.equal(
      r.claimableShares,
    );
    expect(await vault.read.maxWithdraw([a]), `claimable assets ${where}`).to.equal(
      r.claimableAssets,
    );
    sumClaimableRedeemAssets += r.claimableAssets;
    sharesAccountedFor += model.shares(a) + d.claimableShares + model.pendingRedeem(a);
  }
  const supply = await vault.read.totalSupply();
  const reserved = await vault.read.reservedAssets();
  const pendingAssets = await vault.read.pendingDepositAssets();
  const held = await asset.read.balanceOf([vault.address]);
  expect(supply, `supply ${where}`).to.equal(model.totalSupply);
  expect(await vault.read.totalAssets(), `totalAssets ${where}`).to.equal(model.totalAssets());
  expect(reserved, `reserved ${where}`).to.equal(model.reserved());
  expect(pendingAssets, `pending assets ${where}`).to.equal(model.pendingDepositAssets());
  expect(await vault.read.pendingRedeemShares(), `pending shares ${where}`).to.equal(
    model.pendingRedeemShares(),
  );
  expect(await vault.read.currentEpoch(), `epoch ${where}`).to.equal(model.epoch);
  expect(held, `vault assets ${where}`).to.equal(model.vaultAssets);

  // Invariants on the chain's own numbers.
  let assetsOutside = 0n;
  for (const a of [...addresses, admin.account.address])
    assetsOutside += await asset.read.balanceOf([a]);
  expect(assetsOutside + held, `conservation ${where}`).to.equal(await asset.read.totalSupply());
  expect(held >= reserved + pendingAssets, `solvency ${where}`).to.equal(true);
  expect(sumClaimableRedeemAssets <= reserved, `reserve covers claims ${where}`).to.equal(true);
  expect(sharesAccountedFor <= supply, `supply covers shares ${where}`).to.equal(true);
}

describe("ParallelVault properties (random scenarios against the reference model)", function () {
  this.timeout(600_000);

  for (const kind of ["parallel", "standard"] as const) {
    it(`matches the model and keeps its invariants over the ${kind} asset`, async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: 5, maxLength: 24 }), (steps) =>
          runScenario(kind, steps),
        ),
        {
          numRuns: kind === "parallel" ? 50 : 25,
          seed: kind === "parallel" ? 1540 : 7540,
          endOnFailure: true,
        },
      );
    });
  }

  it("never pays a round trip (deposit, settle, claim, redeem, settle, claim) more than it put in", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 100n * ONE }),
        fc.bigInt({ min: 0n, max: 100n * ONE }),
        fc.bigInt({ min: 0n, max: 100n * ONE }),
        async (deposit, otherDeposit, donation) => {
          const { asset, vault } = await deployParallelVault(viem);
          const [alice, bob] = users.map((w) => w.account.address);
          await fund(asset, [alice, bob], INITIAL, vault.address);
          // Some existing state: another depositor and a gain before alice arrives.
          if (otherDeposit > 0n) {
            await vault.write.requestDeposit([otherDeposit, bob, bob], { account: bob });
            await vault.write.settle([await vault.read.currentEpoch()]);
          }
          if (donation > 0n)
            await asset.write.transfer([vault.address, donation], { account: bob });

          await vault.write.requestDeposit([deposit, alice, alice], { account: alice });
          await vault.write.settle([await vault.read.currentEpoch()]);
          const shares = await vault.read.maxMint([alice]);
          await vault.write.mint([shares, alice], { account: alice });
          if (shares === 0n) return; // a dust deposit bought nothing: nothing to redeem, and it stays in the vault
          const [base, quote] = await vault.read.epochPrice([
            (await vault.read.currentEpoch()) - 1n,
          ]);
          await vault.write.requestRedeem([shares, alice, alice], { account: alice });
          await vault.write.settle([await vault.read.currentEpoch()]);
          await vault.write.redeem([shares, alice, alice], { account: alice });
          const back = (await asset.read.balanceOf([alice])) - (INITIAL - deposit);
          expect(back <= deposit, `got back ${back} for ${deposit}`).to.equal(true);
          // And it loses at most the rounding of the two conversions: under one share's worth each.
          expect(
            deposit - back <= 2n * mulDiv(1n, base, quote) + 2n,
            `lost ${deposit - back}`,
          ).to.equal(true);
        },
      ),
      { numRuns: 40, seed: 4626 },
    );
  });
});
