/**
 * Invariant tests of `ParallelVault` with fast-check (audit issue "templates safe to copy"):
 * random sequences of up to 15 steps — deposit and redemption requests, settlements, claims
 * (`deposit`/`mint`/`redeem`/`withdraw`), cancellations after the request timeout, time
 * advances, donations (gains) — by three users, mixed with flash-style sequences that a contract
 * (`VaultFlashAttacker`) runs inside ONE transaction against the permissionless vault: request,
 * settle, claim, (donate,) request the redemption, settle, redeem; or request and cancel at once.
 * (The vault has no synchronous fast path: `deposit`/`withdraw` are claims of settled requests.)
 *
 * After every step, on the chain's own numbers:
 * - solvency: the vault's asset balance ≥ pending deposit assets + assets owed to settled
 *   redemptions + the assets backing every outstanding share at the vault's own price
 *   (`convertToAssets(totalSupply)`), both with the vault's aggregate views and with the sums of
 *   every account's own views; the users' claimable redemptions never exceed the reserve and
 *   their shares (held, claimable, pending redemption) never exceed the supply;
 * - no over-withdrawal: no user has received more assets than it put in plus its share of the
 *   gains (each donation, split pro rata over the shares it held when the gain was priced, plus
 *   the rounding dust the vault kept: under one share's worth per deposit conversion, a few wei
 *   per other operation); the flash attacker never ends a transaction with more assets than it
 *   started with plus that dust (what it can pick up is part of its co-depositors' rounding,
 *   which accrues to every holder at the next settlement: here its own, in the same transaction).
 * At the end every position is unwound (settle, claim, redeem everything, settle, claim) and
 * the same checks run on the realised balances, plus the other side: no user lost more than the
 * rounding of one share (at that epoch's price) per epoch in which it deposited.
 *
 * Users are dev accounts 1-3 (accounting, not parallelism). Fixed seeds, so failures reproduce.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Address } from "viem";

import { deployParallelVault, fund, type AssetKind } from "./fixtures.ts";
import { ONE, VIRTUAL_SHARES, connect, mulDivUp } from "./helpers.ts";

const { viem, networkHelpers } = await connect();
const wallets = await viem.getWalletClients();
const admin = wallets[0];
const users = wallets.slice(1, 4).map((w) => w.account.address);

/** Request timeout of the vaults under test (seconds). */
const TIMEOUT = 3_600n;
/** Assets minted to each user and to the attacker. */
const INITIAL = 1_000n * ONE;
/** Cancellation attempts this close to the timeout boundary are skipped (EDR's clock follows the wall clock). */
const BOUNDARY_MARGIN = 60n;

type Step =
  | { kind: "requestDeposit"; user: number; pct: number; tiny: boolean }
  | { kind: "requestRedeem"; user: number; pct: number }
  | { kind: "settle" }
  | { kind: "claimDeposit"; user: number; pct: number; byShares: boolean }
  | { kind: "claimRedeem"; user: number; pct: number; byShares: boolean }
  | { kind: "cancelDeposit"; user: number }
  | { kind: "cancelRedeem"; user: number }
  | { kind: "advance"; seconds: bigint }
  | { kind: "donate"; amount: bigint }
  | { kind: "flashRoundTrip"; pct: number; donationPct: number }
  | { kind: "flashRequestCancel"; pct: number };

const user = fc.integer({ min: 0, max: users.length - 1 });
const pct = fc.integer({ min: 1, max: 100 });
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
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("requestRedeem" as const), user, pct }) },
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
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancelDeposit" as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancelRedeem" as const), user }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.constantFrom(30n, 4_000n, 4_000n),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("donate" as const),
      amount: fc.bigInt({ min: 1n, max: 100n * ONE }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("flashRoundTrip" as const),
      pct,
      donationPct: fc.constantFrom(0, 0, 1, 10, 50),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("flashRequestCancel" as const), pct }) },
);

/** Scales `available` by `p` % (tiny: 1..9 units, to exercise rounding). */
const scaled = (available: bigint, p: number, tiny = false) =>
  tiny ? BigInt(1 + (p % 9)) : (available * BigInt(p)) / 100n;

/** Chai's typings compare numbers only; these are bigints (asset and share units). */
function holds(actual: bigint, op: "<=" | ">=", bound: bigint, what: string): void {
  expect(
    op === "<=" ? actual <= bound : actual >= bound,
    `${what}: expected ${actual} ${op} ${bound}`,
  ).to.equal(true);
}

async function runScenario(kind: AssetKind, steps: Step[]): Promise<void> {
  // Permissionless (the attacker settles inside its own transaction), no minimum duration.
  const { asset, vault } = await deployParallelVault(viem, {
    asset: kind,
    requestTimeout: TIMEOUT,
  });
  const attacker = await viem.deployContract("VaultFlashAttacker", [vault.address]);
  await fund(asset, users, INITIAL, vault.address);
  await asset.write.mint([attacker.address, INITIAL]);
  await asset.write.mint([admin.account.address, 10_000n * ONE]);
  const accounts: Address[] = [...users, attacker.address];

  /** Per user: its share of the gains priced so far (asset units, rounded up). */
  const gainShare = users.map(() => 0n);
  /** Donations not yet priced by a settlement. */
  let unpricedGain = 0n;
  /** Vault operations so far (each may leave rounding dust that later accrues to holders). */
  let operations = 0n;
  /** Per settled epoch: the value of one share at its price, rounded up (asset units). */
  const shareValue = new Map<bigint, bigint>();
  /** Per epoch: the accounts (users 0-2, attacker 3) that requested a deposit in it. */
  const depositors = new Map<bigint, Set<number>>();
  const noteDeposit = async (account: number) => {
    const epoch = await vault.read.currentEpoch();
    if (!depositors.has(epoch)) depositors.set(epoch, new Set());
    depositors.get(epoch)!.add(account);
  };

  /** Reads the prices of the epochs settled since the last call. */
  async function readPrices(): Promise<void> {
    const current = await vault.read.currentEpoch();
    for (let e = BigInt(shareValue.size); e < current; e++) {
      const [base, quote] = await vault.read.epochPrice([e]);
      shareValue.set(e, mulDivUp(1n, base, quote));
    }
  }

  /**
   * Rounding a deposit conversion can cost its depositor: under one share's worth at its epoch's
   * price, summed over the settled epochs in which `account` (or, if undefined, anyone) requested
   * a deposit; plus a few wei per operation (redemption rounding, pro-rata claims).
   */
  const rounding = (account?: number, sinceEpoch = 0n) => {
    let total = 3n * operations + 3n;
    for (const [epoch, set] of depositors) {
      const value = shareValue.get(epoch);
      if (value === undefined || epoch < sinceEpoch) continue;
      const count = account === undefined ? BigInt(set.size) : set.has(account) ? 1n : 0n;
      total += count * (value + 1n);
    }
    return total;
  };
  /** Dust the vault may have kept so far (it accrues to holders as a gain). */
  const dust = () => rounding();

  const sharesOf = async (a: Address) =>
    (await vault.read.balanceOf([a])) +
    (await vault.read.maxMint([a])) +
    (await vault.read.pendingRedeemRequest([0n, a]));

  /** Credits each user with its pro-rata share of `gain`, priced now (before a settlement). */
  async function priceGain(gain: bigint): Promise<void> {
    if (gain === 0n) return;
    const supply = await vault.read.totalSupply();
    for (const [i, a] of users.entries())
      gainShare[i] += mulDivUp(gain, await sharesOf(a), supply + VIRTUAL_SHARES);
  }

  async function settle(): Promise<void> {
    await priceGain(unpricedGain);
    unpricedGain = 0n;
    await vault.write.settle([await vault.read.currentEpoch()], { account: admin.account });
    operations += 1n;
  }

  /** Whether a cancellation sent now is past the timeout (true), before it (false), or too close to tell (undefined). */
  async function expired(): Promise<{ past: boolean | undefined; cancellableAt: bigint }> {
    const cancellableAt = (await vault.read.epochOpenedAt()) + TIMEOUT;
    const next = BigInt(await networkHelpers.time.latest()) + 1n;
    if (next >= cancellableAt + BOUNDARY_MARGIN) return { past: true, cancellableAt };
    if (next + BOUNDARY_MARGIN < cancellableAt) return { past: false, cancellableAt };
    return { past: undefined, cancellableAt };
  }

  async function check(where: string): Promise<void> {
    let pendingSum = 0n;
    let claimableSum = 0n;
    let sharesSum = 0n;
    for (const a of accounts) {
      pendingSum += await vault.read.pendingDepositRequest([0n, a]);
      claimableSum += await vault.read.maxWithdraw([a]);
      sharesSum += await sharesOf(a);
    }
    const held = await asset.read.balanceOf([vault.address]);
    const supply = await vault.read.totalSupply();
    const backing = await vault.read.convertToAssets([supply]);
    const pending = await vault.read.pendingDepositAssets();
    const reserved = await vault.read.reservedAssets();
    expect(pendingSum, `pending deposits ${where}`).to.equal(pending);
    holds(claimableSum, "<=", reserved, `claimable redemptions within the reserve ${where}`);
    holds(sharesSum, "<=", supply, `shares within the supply ${where}`);
    holds(held, ">=", pending + reserved + backing, `solvency (vault's books) ${where}`);
    holds(
      held,
      ">=",
      pendingSum + claimableSum + backing,
      `solvency (every account's claims) ${where}`,
    );
    await readPrices();
    for (const [i, a] of users.entries()) {
      const net = (await asset.read.balanceOf([a])) - INITIAL;
      holds(
        net,
        "<=",
        gainShare[i] + dust(),
        `user ${i} received at most what it put in plus its gains ${where}`,
      );
    }
  }

  /** The first user, starting at `start` and wrapping, for which `amount` is non-zero (with it). */
  async function pick(
    start: number,
    amount: (a: Address) => Promise<bigint>,
  ): Promise<{ a: Address; i: number; value: bigint } | undefined> {
    for (let k = 0; k < users.length; k++) {
      const i = (start + k) % users.length;
      const value = await amount(users[i]);
      if (value !== 0n) return { a: users[i], i, value };
    }
    return undefined;
  }

  for (const step of steps) {
    const where = `after ${JSON.stringify(step, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`;
    switch (step.kind) {
      case "requestDeposit": {
        const a = users[step.user];
        const amount = scaled(await asset.read.balanceOf([a]), step.pct, step.tiny);
        if (amount === 0n) continue;
        await noteDeposit(step.user);
        await vault.write.requestDeposit([amount, a, a], { account: a });
        break;
      }
      case "requestRedeem": {
        const who = await pick(step.user, (a) => vault.read.balanceOf([a]));
        if (who === undefined) continue;
        const amount = scaled(who.value, step.pct);
        if (amount === 0n) continue;
        await vault.write.requestRedeem([amount, who.a, who.a], { account: who.a });
        break;
      }
      case "settle":
        await settle();
        break;
      case "claimDeposit": {
        const who = await pick(step.user, (a) => vault.read.maxMint([a]));
        if (who === undefined) continue;
        if (step.byShares) {
          const shares = scaled(who.value, step.pct);
          if (shares === 0n) continue;
          await vault.write.mint([shares, who.a], { account: who.a });
        } else {
          const assets = scaled(await vault.read.maxDeposit([who.a]), step.pct);
          if (assets === 0n) continue;
          await vault.write.deposit([assets, who.a], { account: who.a });
        }
        break;
      }
      case "claimRedeem": {
        const who = await pick(step.user, (a) => vault.read.maxRedeem([a]));
        if (who === undefined) continue;
        if (step.byShares) {
          const shares = scaled(who.value, step.pct);
          if (shares === 0n) continue;
          await vault.write.redeem([shares, who.a, who.a], { account: who.a });
        } else {
          const assets = scaled(await vault.read.maxWithdraw([who.a]), step.pct);
          if (assets === 0n) continue;
          await vault.write.withdraw([assets, who.a, who.a], { account: who.a });
        }
        break;
      }
      case "cancelDeposit":
      case "cancelRedeem": {
        const isDeposit = step.kind === "cancelDeposit";
        const pendingOf = (a: Address) =>
          isDeposit
            ? vault.read.pendingDepositRequest([0n, a])
            : vault.read.pendingRedeemRequest([0n, a]);
        const attempt = (a: Address) =>
          isDeposit
            ? vault.write.cancelDepositRequest([a, a], { account: a })
            : vault.write.cancelRedeemRequest([a, a], { account: a });
        const who = await pick(step.user, pendingOf);
        if (who === undefined) {
          // Nobody has a pending request of that kind: the cancellation is refused.
          const a = users[step.user];
          await viem.assertions.revertWithCustomErrorWithArgs(
            attempt(a),
            vault,
            "NothingToCancel",
            [a],
          );
          break;
        }
        const { past, cancellableAt } = await expired();
        if (past === undefined) continue;
        if (!past) {
          await viem.assertions.revertWithCustomErrorWithArgs(
            attempt(who.a),
            vault,
            "RequestNotExpired",
            [cancellableAt],
          );
          break;
        }
        const assetsBefore = await asset.read.balanceOf([who.a]);
        const sharesBefore = await vault.read.balanceOf([who.a]);
        await attempt(who.a);
        operations += 1n;
        // The whole pending request comes back, exactly.
        if (isDeposit)
          expect(await asset.read.balanceOf([who.a]), `refund ${where}`).to.equal(
            assetsBefore + who.value,
          );
        else
          expect(await vault.read.balanceOf([who.a]), `shares back ${where}`).to.equal(
            sharesBefore + who.value,
          );
        break;
      }
      case "advance":
        await networkHelpers.time.increase(step.seconds);
        break;
      case "donate":
        await asset.write.transfer([vault.address, step.amount], { account: admin.account });
        unpricedGain += step.amount;
        break;
      case "flashRoundTrip": {
        const before = await asset.read.balanceOf([attacker.address]);
        const amount = scaled(before, step.pct);
        if (amount === 0n) continue;
        const donation = scaled(before - amount, step.donationPct);
        // The first settlement inside the transaction prices the gains made so far.
        await priceGain(unpricedGain);
        unpricedGain = 0n;
        await noteDeposit(users.length);
        const firstEpoch = await vault.read.currentEpoch();
        await attacker.write.roundTrip([amount, donation]);
        operations += 6n;
        // The attacker's donation is priced by its second settlement: bound each user's share of
        // it with the supply left after the transaction (smaller than at that settlement).
        if (donation !== 0n) {
          const supply = await vault.read.totalSupply();
          for (const [i, a] of users.entries())
            gainShare[i] += mulDivUp(donation, await sharesOf(a), supply + VIRTUAL_SHARES);
        }
        // No profit beyond rounding dust: what the attacker can pick up is part of the rounding
        // its co-depositors of the epoch lost (under one share's worth each at that price; the
        // dust accrues to every holder at the next settlement, here the attacker's own). Dust of
        // earlier epochs is already in the price it paid.
        await readPrices();
        const dustOfItsEpochs = rounding(undefined, firstEpoch);
        holds(
          await asset.read.balanceOf([attacker.address]),
          "<=",
          before + dustOfItsEpochs,
          `flash round trip pays no profit ${where}`,
        );
        expect(
          await vault.read.maxWithdraw([attacker.address]),
          `attacker left nothing claimable ${where}`,
        ).to.equal(0n);
        break;
      }
      case "flashRequestCancel": {
        const before = await asset.read.balanceOf([attacker.address]);
        const amount = scaled(before, step.pct);
        if (amount === 0n) continue;
        const { past, cancellableAt } = await expired();
        if (past === undefined) continue;
        if (!past) {
          await viem.assertions.revertWithCustomErrorWithArgs(
            attacker.write.requestAndCancel([amount]),
            vault,
            "RequestNotExpired",
            [cancellableAt],
          );
          break;
        }
        await noteDeposit(users.length);
        await attacker.write.requestAndCancel([amount]);
        operations += 2n;
        expect(
          await asset.read.balanceOf([attacker.address]),
          `request-and-cancel is neutral ${where}`,
        ).to.equal(before);
        break;
      }
    }
    operations += 1n;
    await check(where);
  }

  // Unwind every position: settle, claim all shares, redeem them all, settle, claim all assets.
  await settle();
  for (const a of users) {
    const shares = await vault.read.maxMint([a]);
    if (shares !== 0n) await vault.write.mint([shares, a], { account: a });
    const held = await vault.read.balanceOf([a]);
    if (held !== 0n) await vault.write.requestRedeem([held, a, a], { account: a });
    operations += 2n;
  }
  await settle();
  for (const a of users) {
    const claimable = await vault.read.maxRedeem([a]);
    if (claimable !== 0n) await vault.write.redeem([claimable, a, a], { account: a });
    operations += 1n;
  }
  await check("after unwinding");

  // Nobody holds anything any more; what each user got back is what it put in, plus its gains,
  // minus at most one share's worth of rounding per deposit epoch (at that epoch's price).
  await readPrices();
  for (const [i, a] of users.entries()) {
    expect(await sharesOf(a), `user ${i} fully unwound`).to.equal(0n);
    expect(await vault.read.pendingDepositRequest([0n, a]), `user ${i} nothing pending`).to.equal(
      0n,
    );
    const final = await asset.read.balanceOf([a]);
    holds(final, ">=", INITIAL - rounding(i), `user ${i} lost at most rounding`);
    holds(final, "<=", INITIAL + gainShare[i] + dust(), `user ${i} got at most its gains`);
  }
}

describe("ParallelVault invariants (fast-check: several users and a flash attacker)", function () {
  this.timeout(600_000);

  for (const [kind, numRuns, seed] of [
    ["parallel", 25, 19_019],
    ["standard", 10, 19_020],
  ] as const) {
    it(`stays solvent and never over-pays over the ${kind} asset`, async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: 8, maxLength: 15 }), (steps) =>
          runScenario(kind, steps),
        ),
        { numRuns, seed, endOnFailure: true },
      );
    });
  }
});
