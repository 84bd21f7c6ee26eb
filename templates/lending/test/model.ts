/**
 * A reference model of `ParallelLendingMarket` (and of its two tokens and its oracle) in exact
 * bigint arithmetic, written from the specification in the contract's NatSpec and
 * `LendingMath`: the property tests run random sequences of actions on the chain and on this
 * model and require identical state, to the wei.
 *
 * Units: asset and collateral amounts in token units; factors, prices and per-second rates WAD
 * (1e18); indices RAY (1e27); times in seconds. Addresses are lower-cased. Every action takes the
 * block timestamp `t` at which it executes, and either applies itself and returns its result, or
 * throws {@link ModelRejection} without changing anything (the chain must then revert with the
 * named error).
 */
import { type MarketParams, RAY, WAD, mulDiv, mulDivUp } from "./helpers.ts";

/** Which contract's ABI declares the error a rejection expects. */
export type ErrorSource = "market" | "asset" | "collateral";

/**
 * The model refuses an action: the chain is expected to revert with the custom error `message`,
 * declared by the contract `source`.
 */
export class ModelRejection extends Error {
  readonly source: ErrorSource;

  constructor(message: string, source: ErrorSource = "market") {
    super(message);
    this.source = source;
  }
}

/** A user's position, as `positionOf` returns it. */
export interface Position {
  collateral: bigint;
  scaledDebt: bigint;
  scaledSupply: bigint;
}

/** The open epoch, as `currentEpoch` returns it. */
export interface Epoch {
  id: bigint;
  start: bigint;
  borrowRate: bigint;
  supplyRate: bigint;
  borrowIndex: bigint;
  supplyIndex: bigint;
}

const key = (a: string) => a.toLowerCase();

/** The kinked borrow rate of `LendingMath.borrowRate` (WAD per second). */
export function borrowRate(p: MarketParams, u: bigint): bigint {
  if (u <= p.kink) return p.baseRatePerSecond + (p.slope1PerSecond * u) / WAD;
  return (
    p.baseRatePerSecond +
    (p.slope1PerSecond * p.kink) / WAD +
    (p.slope2PerSecond * (u - p.kink)) / WAD
  );
}

/** `LendingMath.supplyRate`: `floor(floor(rate * u / WAD) * (WAD - reserveFactor) / WAD)`. */
export function supplyRate(p: MarketParams, rate: bigint, u: bigint): bigint {
  return mulDiv((rate * u) / WAD, WAD - p.reserveFactor, WAD);
}

/** `LendingMath.utilisation`: `debt / supplied` capped at 1 (WAD, down). */
export function utilisation(debt: bigint, supplied: bigint): bigint {
  if (debt === 0n) return 0n;
  if (debt >= supplied) return WAD;
  return mulDiv(debt, WAD, supplied);
}

/** `LendingMath.limit`: `floor(floor(collateral * price / WAD) * factor / WAD)`. */
export function limit(collateral: bigint, price: bigint, factor: bigint): bigint {
  return mulDiv(mulDiv(collateral, price, WAD), factor, WAD);
}

/** The model. */
export class LendingModel {
  readonly positions = new Map<string, Position>();
  /** Asset and collateral balances of accounts other than the market. */
  readonly assetBalance = new Map<string, bigint>();
  readonly collateralBalance = new Map<string, bigint>();
  /** The market's asset balance (its cash) and collateral balance. */
  cash = 0n;
  collateralHeld = 0n;
  totalScaledSupply = 0n;
  totalScaledDebt = 0n;
  /**
   * Time integrals of the scaled totals (scaled units x seconds since deployment) up to
   * `clockAt`: what the contract's per-shard clocks add up to.
   */
  debtSeconds = 0n;
  supplySeconds = 0n;
  clockAt: bigint;
  /** The clocks' sums at the open epoch's start, and the suppliers' interest not yet streamed. */
  debtSecondsAtStart = 0n;
  supplySecondsAtStart = 0n;
  undistributed = 0n;
  epoch: Epoch;
  price: bigint;
  priceUpdatedAt: bigint;
  readonly params: MarketParams;
  readonly epochDuration: bigint;

  /**
   * @param params the market's parameters.
   * @param epochDuration its minimum epoch length (seconds).
   * @param deployedAt the timestamp of its deployment (epoch 0 starts then).
   * @param price the oracle's price and when it was set.
   */
  constructor(
    params: MarketParams,
    epochDuration: bigint,
    deployedAt: bigint,
    price: { price: bigint; updatedAt: bigint },
  ) {
    this.params = params;
    this.epochDuration = epochDuration;
    this.epoch = {
      id: 0n,
      start: deployedAt,
      borrowRate: borrowRate(params, 0n),
      supplyRate: 0n,
      borrowIndex: RAY,
      supplyIndex: RAY,
    };
    this.price = price.price;
    this.priceUpdatedAt = price.updatedAt;
    this.clockAt = deployedAt;
  }

  /** Brings the time integrals up to `t` (before a total changes at `t`). */
  private tick(t: bigint): void {
    this.debtSeconds += this.totalScaledDebt * (t - this.clockAt);
    this.supplySeconds += this.totalScaledSupply * (t - this.clockAt);
    this.clockAt = t;
  }

  position(user: string): Position {
    return this.positions.get(key(user)) ?? { collateral: 0n, scaledDebt: 0n, scaledSupply: 0n };
  }

  assets(user: string): bigint {
    return this.assetBalance.get(key(user)) ?? 0n;
  }

  collateral(user: string): bigint {
    return this.collateralBalance.get(key(user)) ?? 0n;
  }

  /** Mints tokens to a user (the test faucet). */
  mint(user: string, assets: bigint, collateral: bigint): void {
    this.assetBalance.set(key(user), this.assets(user) + assets);
    this.collateralBalance.set(key(user), this.collateral(user) + collateral);
  }

  /** `ceil(I_b * (WAD + r_b * (t - start)) / WAD)`. */
  borrowIndexAt(t: bigint): bigint {
    return mulDivUp(
      this.epoch.borrowIndex,
      WAD + this.epoch.borrowRate * (t - this.epoch.start),
      WAD,
    );
  }

  /** `floor(I_s * (WAD + r_s * min(t - start, epochDuration)) / WAD)`: the stream stops after an epoch. */
  supplyIndexAt(t: bigint): bigint {
    const dt =
      t - this.epoch.start < this.epochDuration ? t - this.epoch.start : this.epochDuration;
    return mulDiv(this.epoch.supplyIndex, WAD + this.epoch.supplyRate * dt, WAD);
  }

  /** The supply index at the end of the open epoch's stream: deposits are converted at it. */
  supplyIndexAtEnd(): bigint {
    return mulDiv(this.epoch.supplyIndex, WAD + this.epoch.supplyRate * this.epochDuration, WAD);
  }

  debtAt(user: string, t: bigint): bigint {
    return mulDivUp(this.position(user).scaledDebt, this.borrowIndexAt(t), RAY);
  }

  suppliedAt(user: string, t: bigint): bigint {
    return mulDiv(this.position(user).scaledSupply, this.supplyIndexAt(t), RAY);
  }

  totalDebtAt(t: bigint): bigint {
    return mulDivUp(this.totalScaledDebt, this.borrowIndexAt(t), RAY);
  }

  totalSuppliedAt(t: bigint): bigint {
    return mulDiv(this.totalScaledSupply, this.supplyIndexAt(t), RAY);
  }

  /** The oracle price as `LendingMath.checkedPrice` accepts it at `t`, or a rejection. */
  checkedPrice(t: bigint): bigint {
    if (this.price === 0n || this.priceUpdatedAt > t)
      throw new ModelRejection("OracleInvalidPrice");
    if (t - this.priceUpdatedAt > this.params.maxOracleAge)
      throw new ModelRejection("OracleStalePrice");
    return this.price;
  }

  /**
   * The largest amount `user` could borrow at `t`: 0 if none, or if the price is unusable —
   * unless `ignoreStaleness`, which uses the oracle's price however old it is.
   */
  borrowCapacity(user: string, t: bigint, options: { ignoreStaleness?: boolean } = {}): bigint {
    let price = this.price;
    if (!options.ignoreStaleness) {
      try {
        price = this.checkedPrice(t);
      } catch {
        return 0n;
      }
    }
    const cap = limit(this.position(user).collateral, price, this.params.collateralFactor);
    const debt = this.debtAt(user, t);
    return cap > debt ? cap - debt : 0n;
  }

  setPrice(price: bigint, updatedAt: bigint): void {
    this.price = price;
    this.priceUpdatedAt = updatedAt;
  }

  private setPosition(user: string, p: Position): void {
    this.positions.set(key(user), p);
  }

  private pull(user: string, amount: bigint, token: "asset" | "collateral"): void {
    const held = token === "asset" ? this.assets(user) : this.collateral(user);
    if (held < amount) throw new ModelRejection("ERC20InsufficientBalance", token);
    if (token === "asset") {
      this.assetBalance.set(key(user), held - amount);
      this.cash += amount;
    } else {
      this.collateralBalance.set(key(user), held - amount);
      this.collateralHeld += amount;
    }
  }

  private pay(user: string, amount: bigint, token: "asset" | "collateral"): void {
    if (token === "asset") {
      this.cash -= amount;
      this.assetBalance.set(key(user), this.assets(user) + amount);
    } else {
      this.collateralHeld -= amount;
      this.collateralBalance.set(key(user), this.collateral(user) + amount);
    }
  }

  /** `supply(assets)`; returns the scaled supply added. */
  supply(user: string, assets: bigint, t: bigint): bigint {
    const scaled = mulDiv(assets, RAY, this.supplyIndexAtEnd());
    if (scaled === 0n) throw new ModelRejection("ZeroAmount");
    if (this.assets(user) < assets) throw new ModelRejection("ERC20InsufficientBalance", "asset");
    const p = this.position(user);
    this.tick(t);
    this.pull(user, assets, "asset");
    this.setPosition(user, { ...p, scaledSupply: p.scaledSupply + scaled });
    this.totalScaledSupply += scaled;
    return scaled;
  }

  /** `withdraw(assets)` (`maxUint256` for everything); returns the amount paid. */
  withdraw(user: string, assets: bigint, t: bigint, max = false): bigint {
    const p = this.position(user);
    const index = this.supplyIndexAt(t);
    let scaled: bigint;
    let withdrawn: bigint;
    if (max) {
      scaled = p.scaledSupply;
      withdrawn = mulDiv(scaled, index, RAY);
    } else {
      scaled = mulDivUp(assets, RAY, index);
      if (scaled > p.scaledSupply) throw new ModelRejection("ExceedsSupplied");
      withdrawn = assets;
    }
    if (withdrawn === 0n) throw new ModelRejection("ZeroAmount");
    if (this.cash < withdrawn) throw new ModelRejection("ERC20InsufficientBalance", "asset");
    this.tick(t);
    this.setPosition(user, { ...p, scaledSupply: p.scaledSupply - scaled });
    this.totalScaledSupply -= scaled;
    this.pay(user, withdrawn, "asset");
    return withdrawn;
  }

  /** `supplyCollateral(amount)`. */
  supplyCollateral(user: string, amount: bigint): void {
    if (amount === 0n) throw new ModelRejection("ZeroAmount");
    const p = this.position(user);
    this.pull(user, amount, "collateral");
    this.setPosition(user, { ...p, collateral: p.collateral + amount });
  }

  /** `withdrawCollateral(amount)`. */
  withdrawCollateral(user: string, amount: bigint, t: bigint): void {
    if (amount === 0n) throw new ModelRejection("ZeroAmount");
    const p = this.position(user);
    if (amount > p.collateral) throw new ModelRejection("ExceedsCollateral");
    const remaining = p.collateral - amount;
    if (p.scaledDebt !== 0n) {
      const debt = mulDivUp(p.scaledDebt, this.borrowIndexAt(t), RAY);
      if (debt > limit(remaining, this.checkedPrice(t), this.params.collateralFactor))
        throw new ModelRejection("InsufficientCollateral");
    }
    this.setPosition(user, { ...p, collateral: remaining });
    this.pay(user, amount, "collateral");
  }

  /** `borrow(assets)`; returns the scaled debt added. */
  borrow(user: string, assets: bigint, t: bigint): bigint {
    if (assets === 0n) throw new ModelRejection("ZeroAmount");
    const p = this.position(user);
    const index = this.borrowIndexAt(t);
    const scaled = mulDivUp(assets, RAY, index);
    const debt = mulDivUp(p.scaledDebt + scaled, index, RAY);
    if (debt > limit(p.collateral, this.checkedPrice(t), this.params.collateralFactor))
      throw new ModelRejection("InsufficientCollateral");
    if (this.cash < assets) throw new ModelRejection("ERC20InsufficientBalance", "asset");
    this.tick(t);
    this.setPosition(user, { ...p, scaledDebt: p.scaledDebt + scaled });
    this.totalScaledDebt += scaled;
    this.pay(user, assets, "asset");
    return scaled;
  }

  /** `repay(assets, onBehalfOf)` paid by `payer`; returns the amount repaid. */
  repay(payer: string, onBehalfOf: string, assets: bigint, t: bigint): bigint {
    if (assets === 0n) throw new ModelRejection("ZeroAmount");
    const p = this.position(onBehalfOf);
    if (p.scaledDebt === 0n) throw new ModelRejection("NoDebt");
    const index = this.borrowIndexAt(t);
    const debt = mulDivUp(p.scaledDebt, index, RAY);
    let repaid: bigint;
    let burned: bigint;
    if (assets >= debt) {
      repaid = debt;
      burned = p.scaledDebt;
    } else {
      repaid = assets;
      burned = mulDiv(assets, RAY, index);
      if (burned === 0n) throw new ModelRejection("ZeroAmount");
    }
    if (this.assets(payer) < repaid) throw new ModelRejection("ERC20InsufficientBalance", "asset");
    this.tick(t);
    this.setPosition(onBehalfOf, { ...p, scaledDebt: p.scaledDebt - burned });
    this.totalScaledDebt -= burned;
    this.pull(payer, repaid, "asset");
    return repaid;
  }

  /** Whether `borrower` is liquidatable at `t` (false when the price is unusable). */
  liquidatable(borrower: string, t: bigint): boolean {
    try {
      const p = this.position(borrower);
      return (
        this.debtAt(borrower, t) >
        limit(p.collateral, this.checkedPrice(t), this.params.liquidationThreshold)
      );
    } catch {
      return false;
    }
  }

  /** The most a liquidation of `borrower` may repay at `t`: `ceil(debt * closeFactor)`. */
  maxRepay(borrower: string, t: bigint): bigint {
    return mulDivUp(this.debtAt(borrower, t), this.params.closeFactor, WAD);
  }

  /** `liquidate(borrower, repayAssets, minSeized)` by `liquidator`; returns the collateral seized. */
  liquidate(
    liquidator: string,
    borrower: string,
    repayAssets: bigint,
    minSeized: bigint,
    t: bigint,
  ): bigint {
    if (repayAssets === 0n) throw new ModelRejection("ZeroAmount");
    const p = this.position(borrower);
    const index = this.borrowIndexAt(t);
    const debt = mulDivUp(p.scaledDebt, index, RAY);
    const price = this.checkedPrice(t);
    if (debt <= limit(p.collateral, price, this.params.liquidationThreshold))
      throw new ModelRejection("PositionHealthy");
    if (repayAssets > mulDivUp(debt, this.params.closeFactor, WAD))
      throw new ModelRejection("RepayExceedsCloseFactor");
    let seized = mulDiv(repayAssets, WAD + this.params.liquidationBonus, price);
    if (seized > p.collateral) {
      // Not enough collateral for the bonus: all of it, for the debt it is worth (finding 5).
      seized = p.collateral;
      repayAssets = mulDivUp(p.collateral, price, WAD + this.params.liquidationBonus);
      if (repayAssets === 0n) throw new ModelRejection("SeizeExceedsCollateral");
    }
    if (seized < minSeized) throw new ModelRejection("SeizeBelowMinimum");
    const burned = repayAssets === debt ? p.scaledDebt : mulDiv(repayAssets, RAY, index);
    if (burned === 0n) throw new ModelRejection("RepayBurnsNoDebt");
    if (this.assets(liquidator) < repayAssets)
      throw new ModelRejection("ERC20InsufficientBalance", "asset");
    const scaledLeft = p.scaledDebt - burned;
    this.tick(t);
    if (seized === p.collateral && scaledLeft !== 0n) {
      // Collateral exhausted: the rest of the debt is written off against the suppliers.
      this.setPosition(borrower, { ...p, scaledDebt: 0n, collateral: 0n });
      this.totalScaledDebt -= p.scaledDebt;
      // The debt lost plus the interest it accrued in the open epoch (counted as earned).
      const lost =
        mulDivUp(scaledLeft, index, RAY) +
        mulDivUp(scaledLeft, index - this.epoch.borrowIndex, RAY);
      const supplied = mulDiv(this.totalScaledSupply, this.supplyIndexAt(t), RAY);
      let after = lost >= supplied ? 1n : mulDiv(this.epoch.supplyIndex, supplied - lost, supplied);
      if (after === 0n) after = 1n;
      this.epoch = { ...this.epoch, supplyIndex: after };
    } else {
      this.setPosition(borrower, {
        ...p,
        scaledDebt: scaledLeft,
        collateral: p.collateral - seized,
      });
      this.totalScaledDebt -= burned;
    }
    this.pull(liquidator, repayAssets, "asset");
    this.pay(liquidator, seized, "collateral");
    return seized;
  }

  /** Whether the epoch can be rolled at `t`. */
  canRoll(t: bigint): boolean {
    return t >= this.epoch.start + this.epochDuration;
  }

  /** `rollEpoch()` at `t`. */
  rollEpoch(t: bigint): Epoch {
    if (!this.canRoll(t)) throw new ModelRejection("EpochNotOver");
    this.tick(t);
    const e = this.epoch;
    const borrowIndex = this.borrowIndexAt(t);
    const supplyIndex = this.supplyIndexAtEnd();
    const epochDebtSeconds = this.debtSeconds - this.debtSecondsAtStart;
    const u = utilisation(
      mulDiv(epochDebtSeconds, borrowIndex, RAY),
      mulDiv(this.supplySeconds - this.supplySecondsAtStart, supplyIndex, RAY),
    );
    const rate = borrowRate(this.params, u);
    const earned = mulDiv(epochDebtSeconds, e.borrowIndex * e.borrowRate, RAY * WAD);
    const budget = mulDiv(earned, WAD - this.params.reserveFactor, WAD) + this.undistributed;
    const supplied = mulDivUp(this.totalScaledSupply, supplyIndex, RAY);
    let sRate = 0n;
    let credited = 0n;
    if (supplied !== 0n && budget !== 0n) {
      sRate = mulDiv(budget, WAD, supplied * this.epochDuration);
      const cap = borrowRate(this.params, WAD);
      if (sRate > cap) sRate = cap;
      credited = mulDivUp(supplied * sRate, this.epochDuration, WAD);
    }
    this.undistributed = budget - credited;
    this.debtSecondsAtStart = this.debtSeconds;
    this.supplySecondsAtStart = this.supplySeconds;
    this.epoch = {
      id: e.id + 1n,
      start: t,
      borrowRate: rate,
      supplyRate: sRate,
      borrowIndex,
      supplyIndex,
    };
    return this.epoch;
  }
}
