// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";

import {ILendingOracle} from "./interfaces/ILendingOracle.sol";

/// @title LendingMath
/// @author hardhat-parallel
/// @notice The parameters, interest-rate model, index arithmetic, collateral limits and oracle
///         checks shared by {ParallelLendingMarket} and {BaselineLendingMarket}, so that the two
///         markets differ only in *when* they accrue interest and *where* they keep their totals.
///
/// @dev ## Units
/// - WAD = 1e18: factors (collateral factor, bonus, ...), utilisation, oracle prices, and rates
///   *per second* (a rate `r` adds `r * dt / 1e18` of the principal over `dt` seconds).
/// - RAY = 1e27: interest indices (1 RAY = no interest accrued yet).
///
/// ## Rate model
/// The kinked ("jump rate") model of Compound v2's `JumpRateModelV2` and Aave's default strategy:
/// `rate(u) = base + slope1 * u` for `u <= kink`, and
/// `rate(u) = base + slope1 * kink + slope2 * (u - kink)` above the kink, each product divided by
/// WAD and rounded down. The suppliers' rate is `rate(u) * u * (1 - reserveFactor)` (Compound v2's
/// `getSupplyRate`), rounded down: the difference is the protocol's reserve.
///
/// ## Rounding (always in the protocol's favour)
/// Debt grows with {growUp} and is converted with `mulDivUp`; supplied amounts grow with
/// {growDown} and are converted with `mulDiv` (down); collateral limits round down. The markets
/// document each conversion where it happens.
library LendingMath {
    /// @notice 1e18: the unit of factors, utilisation, prices and per-second rates.
    uint256 internal constant WAD = 1e18;

    /// @notice 1e27: the unit of interest indices.
    uint256 internal constant RAY = 1e27;

    /// @notice The risk and rate parameters of a market. All are fixed at deployment.
    /// @param collateralFactor Share of the collateral's value that may be borrowed (WAD, e.g.
    ///        0.75e18): a borrow or a collateral withdrawal must leave
    ///        `debt <= collateral * price * collateralFactor`.
    /// @param liquidationThreshold Share of the collateral's value above which the debt may be
    ///        liquidated (WAD, `collateralFactor <= liquidationThreshold < 1e18`).
    /// @param liquidationBonus Extra collateral a liquidator receives, as a share of the repaid
    ///        value (WAD, e.g. 0.05e18 = 5%). `liquidationThreshold * (1 + bonus)` must be below 1,
    ///        so that liquidating a position at the threshold never needs more collateral than it
    ///        holds.
    /// @param closeFactor Largest share of a position's debt one liquidation may repay (WAD, in
    ///        `(0, 1e18]`, e.g. 0.5e18 as Compound v2).
    /// @param reserveFactor Share of the borrowers' interest kept by the protocol (WAD, below 1e18).
    /// @param baseRatePerSecond Borrow rate at zero utilisation (WAD per second).
    /// @param slope1PerSecond Increase of the borrow rate from utilisation 0 to 1 below the kink
    ///        (WAD per second).
    /// @param slope2PerSecond Increase of the borrow rate from utilisation 0 to 1 above the kink
    ///        (WAD per second).
    /// @param kink Utilisation at which the slope changes (WAD, at most 1e18).
    /// @param maxOracleAge Oldest oracle price a market accepts (seconds).
    struct MarketParams {
        uint256 collateralFactor;
        uint256 liquidationThreshold;
        uint256 liquidationBonus;
        uint256 closeFactor;
        uint256 reserveFactor;
        uint256 baseRatePerSecond;
        uint256 slope1PerSecond;
        uint256 slope2PerSecond;
        uint256 kink;
        uint256 maxOracleAge;
    }

    /// @notice The parameters break one of the rules of {MarketParams}.
    error InvalidMarketParams();

    /// @notice The oracle returned a zero price or a timestamp in the future.
    /// @param price The price returned.
    /// @param updatedAt The timestamp returned.
    error OracleInvalidPrice(uint256 price, uint256 updatedAt);

    /// @notice The oracle's price is older than the market accepts.
    /// @param updatedAt When the price was set (seconds).
    /// @param maxAge The market's `maxOracleAge` (seconds).
    error OracleStalePrice(uint256 updatedAt, uint256 maxAge);

    /// @notice Reverts with {InvalidMarketParams} unless `p` follows the rules of {MarketParams}
    ///         and its highest borrow rate is at most `maxRate`.
    /// @param p The parameters.
    /// @param maxRate The highest per-second borrow rate the market can store (WAD per second).
    function validate(MarketParams memory p, uint256 maxRate) internal pure {
        if (
            p.collateralFactor == 0 || p.collateralFactor > p.liquidationThreshold
                || p.liquidationThreshold >= WAD
                || MulDiv.mulDivUp(p.liquidationThreshold, WAD + p.liquidationBonus, WAD) >= WAD || p.closeFactor == 0
                || p.closeFactor > WAD || p.reserveFactor >= WAD || p.kink > WAD || p.maxOracleAge == 0
                || borrowRate(p, WAD) > maxRate
        ) revert InvalidMarketParams();
    }

    /// @notice Utilisation: `debt / supplied`, capped at 1 (WAD, rounded down).
    /// @dev Zero when nothing is borrowed; 1 when something is borrowed and nothing is supplied
    ///      (only possible after a donation funded the borrow).
    /// @param debt Total debt (asset units).
    /// @param supplied Total supplied (asset units).
    /// @return u The utilisation (WAD).
    function utilisation(uint256 debt, uint256 supplied) internal pure returns (uint256 u) {
        if (debt == 0) return 0;
        if (debt >= supplied) return WAD;
        return MulDiv.mulDiv(debt, WAD, supplied);
    }

    /// @notice The borrow rate of the kinked model at utilisation `u` (WAD per second).
    /// @param p The parameters.
    /// @param u The utilisation (WAD, at most 1e18).
    /// @return The per-second borrow rate (WAD).
    function borrowRate(MarketParams memory p, uint256 u) internal pure returns (uint256) {
        if (u <= p.kink) return p.baseRatePerSecond + p.slope1PerSecond * u / WAD;
        return p.baseRatePerSecond + p.slope1PerSecond * p.kink / WAD + p.slope2PerSecond * (u - p.kink) / WAD;
    }

    /// @notice The suppliers' rate: `borrowRate * u * (1 - reserveFactor)`, rounded down.
    /// @param p The parameters.
    /// @param rate The borrow rate (WAD per second).
    /// @param u The utilisation (WAD).
    /// @return The per-second supply rate (WAD).
    function supplyRate(MarketParams memory p, uint256 rate, uint256 u) internal pure returns (uint256) {
        return MulDiv.mulDiv(rate * u / WAD, WAD - p.reserveFactor, WAD);
    }

    /// @notice An index after `dt` seconds of simple interest at `rate`, rounded up:
    ///         `ceil(index * (1e18 + rate * dt) / 1e18)`. Used for debt (protocol's favour).
    /// @param index The index at the start (RAY).
    /// @param rate The per-second rate (WAD).
    /// @param dt The elapsed time (seconds).
    /// @return The index (RAY).
    function growUp(uint256 index, uint256 rate, uint256 dt) internal pure returns (uint256) {
        return MulDiv.mulDivUp(index, WAD + rate * dt, WAD);
    }

    /// @notice An index after `dt` seconds of simple interest at `rate`, rounded down:
    ///         `floor(index * (1e18 + rate * dt) / 1e18)`. Used for supplied amounts.
    /// @param index The index at the start (RAY).
    /// @param rate The per-second rate (WAD).
    /// @param dt The elapsed time (seconds).
    /// @return The index (RAY).
    function growDown(uint256 index, uint256 rate, uint256 dt) internal pure returns (uint256) {
        return MulDiv.mulDiv(index, WAD + rate * dt, WAD);
    }

    /// @notice The borrowed-asset value of `collateral` at `price`, times `factor`, rounded down:
    ///         `floor(floor(collateral * price / 1e18) * factor / 1e18)`.
    /// @param collateral Collateral amount (collateral units).
    /// @param price Oracle price (WAD).
    /// @param factor A collateral factor or liquidation threshold (WAD).
    /// @return The limit (borrowed-asset units).
    function limit(uint256 collateral, uint256 price, uint256 factor) internal pure returns (uint256) {
        return MulDiv.mulDiv(MulDiv.mulDiv(collateral, price, WAD), factor, WAD);
    }

    /// @notice The collateral a liquidator receives for repaying `repaid`:
    ///         `floor(repaid * (1e18 + bonus) / price)` collateral units.
    /// @param repaid The debt repaid (borrowed-asset units).
    /// @param price Oracle price (WAD).
    /// @param bonus The liquidation bonus (WAD).
    /// @return The collateral seized (collateral units).
    function seizeAmount(uint256 repaid, uint256 price, uint256 bonus) internal pure returns (uint256) {
        return MulDiv.mulDiv(repaid, WAD + bonus, price);
    }

    /// @notice Reads `oracle` and checks its answer: reverts with {OracleInvalidPrice} for a zero
    ///         price or a future timestamp, with {OracleStalePrice} if it is older than `maxAge`.
    /// @dev One external call; the oracle's storage is written only by its updater, so reading it
    ///      creates no dependency between users' transactions.
    /// @param oracle The oracle.
    /// @param maxAge The oldest accepted price (seconds).
    /// @return price The price (WAD).
    function checkedPrice(address oracle, uint256 maxAge) internal view returns (uint256 price) {
        uint256 updatedAt;
        (price, updatedAt) = ILendingOracle(oracle).latestPrice();
        if (price == 0 || updatedAt > block.timestamp) revert OracleInvalidPrice(price, updatedAt);
        if (block.timestamp - updatedAt > maxAge) revert OracleStalePrice(updatedAt, maxAge);
    }
}
