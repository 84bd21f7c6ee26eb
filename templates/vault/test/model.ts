/**
 * A reference model of `ParallelVault` and its asset in exact bigint arithmetic, written from the
 * specification in the contract's NatSpec (not from its code paths): the property tests run random
 * sequences of operations on the chain and on this model and require identical observable state.
 *
 * Units: assets and shares are integers in token units (wei-like). Addresses are lower-cased.
 * Every method either applies the operation and returns its result, or throws
 * {@link ModelRejection} without changing anything (the chain must then revert).
 */
import { DECIMALS_OFFSET, mulDiv, mulDivUp } from "./helpers.ts";

/**
 * The model refuses an operation; the chain is expected to revert with the custom error named by
 * `message` (e.g. `ZeroAmount`, `ERC20InsufficientBalance`, `ExceedsClaimable`).
 */
export class ModelRejection extends Error {}

/** A controller's deposit side, as in the contract's `DepositState`. */
export interface DepositSide {
  pendingAssets: bigint;
  pendingEpoch: bigint;
  claimableAssets: bigint;
  claimableShares: bigint;
}

/** A controller's redemption side, as in the contract's `RedeemState`. */
export interface RedeemSide {
  pendingShares: bigint;
  pendingEpoch: bigint;
  claimableShares: bigint;
  claimableAssets: bigint;
}

/** An epoch's settlement price: `base` assets for `quote` shares. */
export interface Price {
  base: bigint;
  quote: bigint;
}

/** What the settlement of one epoch did (mirrors the `EpochSettled` event). */
export interface Settlement {
  epoch: bigint;
  totalAssets: bigint;
  totalSupply: bigint;
  depositAssets: bigint;
  depositShares: bigint;
  redeemShares: bigint;
  redeemAssets: bigint;
}

const VIRTUAL_SHARES = 10n ** BigInt(DECIMALS_OFFSET);

const key = (a: string) => a.toLowerCase();

/** The model. */
export class VaultModel {
  /** Asset balances of accounts other than the vault. */
  readonly assetBalance = new Map<string, bigint>();
  /** The vault's asset balance. */
  vaultAssets = 0n;
  /** Share balances. */
  readonly shareBalance = new Map<string, bigint>();
  totalSupply = 0n;
  readonly deposits = new Map<string, DepositSide>();
  readonly redeems = new Map<string, RedeemSide>();
  /** Cumulative totals, as the contract's counters. */
  requestedAssets = 0n;
  requestedShares = 0n;
  claimedRedeemAssets = 0n;
  settledRequestedAssets = 0n;
  settledRequestedShares = 0n;
  settledRedeemAssets = 0n;
  epoch = 0n;
  readonly prices = new Map<bigint, Price>();
  /** Every settlement so far, in order. */
  readonly settlements: Settlement[] = [];

  assets(account: string): bigint {
    return this.assetBalance.get(key(account)) ?? 0n;
  }

  shares(account: string): bigint {
    return this.shareBalance.get(key(account)) ?? 0n;
  }

  /** Faucet mint of the asset. */
  mintAsset(account: string, amount: bigint): void {
    this.assetBalance.set(key(account), this.assets(account) + amount);
  }

  /** A plain asset transfer to the vault (a donation, or yield). */
  donate(from: string, amount: bigint): void {
    if (this.assets(from) < amount) throw new ModelRejection("ERC20InsufficientBalance");
    this.assetBalance.set(key(from), this.assets(from) - amount);
    this.vaultAssets += amount;
  }

  /** The vault loses `amount` of its assets (`simulateLoss`). */
  loss(amount: bigint): void {
    if (this.vaultAssets < amount) throw new ModelRejection("ERC20InsufficientBalance");
    this.vaultAssets -= amount;
  }

  depositSide(controller: string): DepositSide {
    return (
      this.deposits.get(key(controller)) ?? {
        pendingAssets: 0n,
        pendingEpoch: 0n,
        claimableAssets: 0n,
        claimableShares: 0n,
      }
    );
  }

  redeemSide(controller: string): RedeemSide {
    return (
      this.redeems.get(key(controller)) ?? {
        pendingShares: 0n,
        pendingEpoch: 0n,
        claimableShares: 0n,
        claimableAssets: 0n,
      }
    );
  }

  /** The deposit side with a settled pending request converted at its epoch's price. */
  foldedDeposit(controller: string): DepositSide {
    const s = { ...this.depositSide(controller) };
    if (s.pendingAssets !== 0n && s.pendingEpoch < this.epoch) {
      const p = this.prices.get(s.pendingEpoch)!;
      s.claimableShares += mulDiv(s.pendingAssets, p.quote, p.base);
      s.claimableAssets += s.pendingAssets;
      s.pendingAssets = 0n;
    }
    return s;
  }

  /** The redemption side with a settled pending request converted at its epoch's price. */
  foldedRedeem(controller: string): RedeemSide {
    const s = { ...this.redeemSide(controller) };
    if (s.pendingShares !== 0n && s.pendingEpoch < this.epoch) {
      const p = this.prices.get(s.pendingEpoch)!;
      s.claimableAssets += mulDiv(s.pendingShares, p.base, p.quote);
      s.claimableShares += s.pendingShares;
      s.pendingShares = 0n;
    }
    return s;
  }

  /** ERC-7540 `pendingDepositRequest(0, controller)`. */
  pendingDeposit(controller: string): bigint {
    const s = this.depositSide(controller);
    return s.pendingEpoch < this.epoch ? 0n : s.pendingAssets;
  }

  /** ERC-7540 `pendingRedeemRequest(0, controller)`. */
  pendingRedeem(controller: string): bigint {
    const s = this.redeemSide(controller);
    return s.pendingEpoch < this.epoch ? 0n : s.pendingShares;
  }

  /** Assets reserved for settled, unclaimed redemptions. */
  reserved(): bigint {
    return this.settledRedeemAssets - this.claimedRedeemAssets;
  }

  /** Assets of deposit requests not settled yet. */
  pendingDepositAssets(): bigint {
    return this.requestedAssets - this.settledRequestedAssets;
  }

  /** Shares of redemption requests not settled yet. */
  pendingRedeemShares(): bigint {
    return this.requestedShares - this.settledRequestedShares;
  }

  /** ERC-4626 `totalAssets()`: held − reserved − pending deposits, clamped at 0. */
  totalAssets(): bigint {
    const owed = this.reserved() + this.pendingDepositAssets();
    return this.vaultAssets > owed ? this.vaultAssets - owed : 0n;
  }

  requestDeposit(owner: string, controller: string, assets: bigint): void {
    if (assets === 0n) throw new ModelRejection("ZeroAmount");
    if (this.assets(owner) < assets) throw new ModelRejection("ERC20InsufficientBalance");
    const s = this.foldedDeposit(controller);
    s.pendingAssets += assets;
    s.pendingEpoch = this.epoch;
    this.deposits.set(key(controller), s);
    this.requestedAssets += assets;
    this.assetBalance.set(key(owner), this.assets(owner) - assets);
    this.vaultAssets += assets;
  }

  requestRedeem(owner: string, controller: string, shares: bigint): void {
    if (shares === 0n) throw new ModelRejection("ZeroAmount");
    if (this.shares(owner) < shares) throw new ModelRejection("ERC20InsufficientBalance");
    this.shareBalance.set(key(owner), this.shares(owner) - shares);
    const s = this.foldedRedeem(controller);
    s.pendingShares += shares;
    s.pendingEpoch = this.epoch;
    this.redeems.set(key(controller), s);
    this.requestedShares += shares;
  }

  settle(): Settlement {
    const depositAssets = this.pendingDepositAssets();
    const redeemShares = this.pendingRedeemShares();
    const totalAssets = this.totalAssets();
    const price = { base: totalAssets + 1n, quote: this.totalSupply + VIRTUAL_SHARES };
    const depositShares = mulDiv(depositAssets, price.quote, price.base);
    const redeemAssets = mulDiv(redeemShares, price.base, price.quote);
    const settlement: Settlement = {
      epoch: this.epoch,
      totalAssets,
      totalSupply: this.totalSupply,
      depositAssets,
      depositShares,
      redeemShares,
      redeemAssets,
    };
    this.prices.set(this.epoch, price);
    this.settledRequestedAssets = this.requestedAssets;
    this.settledRequestedShares = this.requestedShares;
    this.settledRedeemAssets += redeemAssets;
    this.totalSupply = this.totalSupply + depositShares - redeemShares;
    this.epoch += 1n;
    this.settlements.push(settlement);
    return settlement;
  }

  /** ERC-7540 `deposit(assets, receiver, controller)`; returns the shares. */
  claimDeposit(controller: string, receiver: string, assets: bigint): bigint {
    const s = this.foldedDeposit(controller);
    if (assets > s.claimableAssets) throw new ModelRejection("ExceedsClaimable");
    const shares =
      assets === s.claimableAssets
        ? s.claimableShares
        : mulDiv(s.claimableShares, assets, s.claimableAssets);
    s.claimableAssets -= assets;
    s.claimableShares -= shares;
    this.deposits.set(key(controller), s);
    this.shareBalance.set(key(receiver), this.shares(receiver) + shares);
    return shares;
  }

  /** ERC-7540 `mint(shares, receiver, controller)`; returns the assets consumed. */
  claimMint(controller: string, receiver: string, shares: bigint): bigint {
    const s = this.foldedDeposit(controller);
    if (shares > s.claimableShares) throw new ModelRejection("ExceedsClaimable");
    const assets =
      shares === s.claimableShares
        ? s.claimableAssets
        : mulDivUp(s.claimableAssets, shares, s.claimableShares);
    s.claimableAssets -= assets;
    s.claimableShares -= shares;
    this.deposits.set(key(controller), s);
    this.shareBalance.set(key(receiver), this.shares(receiver) + shares);
    return assets;
  }

  /** ERC-7540 `redeem(shares, receiver, controller)`; returns the assets paid. */
  claimRedeem(controller: string, receiver: string, shares: bigint): bigint {
    const s = this.foldedRedeem(controller);
    if (shares > s.claimableShares) throw new ModelRejection("ExceedsClaimable");
    const assets =
      shares === s.claimableShares
        ? s.claimableAssets
        : mulDiv(s.claimableAssets, shares, s.claimableShares);
    if (assets > this.vaultAssets) throw new ModelRejection("ERC20InsufficientBalance");
    s.claimableShares -= shares;
    s.claimableAssets -= assets;
    this.redeems.set(key(controller), s);
    this.claimedRedeemAssets += assets;
    this.vaultAssets -= assets;
    this.assetBalance.set(key(receiver), this.assets(receiver) + assets);
    return assets;
  }

  /** ERC-7540 `withdraw(assets, receiver, controller)`; returns the shares consumed. */
  claimWithdraw(controller: string, receiver: string, assets: bigint): bigint {
    const s = this.foldedRedeem(controller);
    if (assets > s.claimableAssets) throw new ModelRejection("ExceedsClaimable");
    if (assets > this.vaultAssets) throw new ModelRejection("ERC20InsufficientBalance");
    const shares =
      assets === s.claimableAssets
        ? s.claimableShares
        : mulDivUp(s.claimableShares, assets, s.claimableAssets);
    s.claimableShares -= shares;
    s.claimableAssets -= assets;
    this.redeems.set(key(controller), s);
    this.claimedRedeemAssets += assets;
    this.vaultAssets -= assets;
    this.assetBalance.set(key(receiver), this.assets(receiver) + assets);
    return shares;
  }
}
