// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The functions of the lending market the attacker calls.
interface ILendingFlashMarket {
    /// @notice See `ParallelLendingMarket.supply`.
    /// @param assets The amount.
    /// @return The scaled supply added.
    function supply(uint256 assets) external returns (uint256);
    /// @notice See `ParallelLendingMarket.withdraw`.
    /// @param assets The amount, or the maximum for everything.
    /// @return The amount paid.
    function withdraw(uint256 assets) external returns (uint256);
    /// @notice See `ParallelLendingMarket.supplyCollateral`.
    /// @param amount The amount.
    function supplyCollateral(uint256 amount) external;
    /// @notice See `ParallelLendingMarket.withdrawCollateral`.
    /// @param amount The amount.
    function withdrawCollateral(uint256 amount) external;
    /// @notice See `ParallelLendingMarket.borrow`.
    /// @param assets The amount.
    /// @return The scaled debt added.
    function borrow(uint256 assets) external returns (uint256);
    /// @notice See `ParallelLendingMarket.repay`.
    /// @param assets The most to repay.
    /// @param onBehalfOf The borrower.
    /// @return The amount repaid.
    function repay(uint256 assets, address onBehalfOf) external returns (uint256);
    /// @notice See `ParallelLendingMarket.rollEpoch`.
    function rollEpoch() external;
}

/// @notice The token functions the attacker calls.
interface ILendingFlashToken {
    /// @notice ERC-20 approve.
    /// @param spender The spender.
    /// @param value The allowance.
    /// @return Success.
    function approve(address spender, uint256 value) external returns (bool);
}

/// @title LendingFlashAttacker
/// @author hardhat-parallel
/// @notice TEST CONTRACT. Runs the "flash" sequences of audit finding 2 against a lending market,
///         each inside ONE transaction, so that nothing it does lasts a second: a borrow of
///         (nearly) all the cash around `rollEpoch`, and a large deposit around `rollEpoch`. It
///         holds its own funds (minted to it by the tests). Never deploy it anywhere that matters.
/// @dev Stateless apart from the immutables: no storage slot.
contract LendingFlashAttacker {
    /// @notice The market attacked.
    ILendingFlashMarket public immutable market;

    /// @param market_ The market.
    /// @param asset The market's asset (approved for the market without limit).
    /// @param collateral The market's collateral asset (approved for the market without limit).
    constructor(address market_, address asset, address collateral) {
        market = ILendingFlashMarket(market_);
        ILendingFlashToken(asset).approve(market_, type(uint256).max);
        ILendingFlashToken(collateral).approve(market_, type(uint256).max);
    }

    /// @notice In one transaction: posts `collateralAmount`, borrows `borrowAmount`, rolls the
    ///         epoch, repays everything and takes the collateral back.
    /// @param collateralAmount The collateral posted (collateral units).
    /// @param borrowAmount The amount borrowed (asset units).
    function flashBorrowAroundRoll(uint256 collateralAmount, uint256 borrowAmount) external {
        market.supplyCollateral(collateralAmount);
        market.borrow(borrowAmount);
        market.rollEpoch();
        market.repay(type(uint256).max, address(this));
        market.withdrawCollateral(collateralAmount);
    }

    /// @notice In one transaction: supplies `amount`, rolls the epoch and withdraws everything.
    /// @param amount The amount supplied (asset units).
    function flashSupplyAroundRoll(uint256 amount) external {
        market.supply(amount);
        market.rollEpoch();
        market.withdraw(type(uint256).max);
    }

    /// @notice In one transaction: supplies `amount` and withdraws everything again (no roll).
    /// @param amount The amount supplied (asset units).
    function flashSupply(uint256 amount) external {
        market.supply(amount);
        market.withdraw(type(uint256).max);
    }

    /// @notice In one transaction: posts `collateralAmount`, borrows `borrowAmount`, repays it all
    ///         and takes the collateral back (no roll).
    /// @param collateralAmount The collateral posted (collateral units).
    /// @param borrowAmount The amount borrowed (asset units).
    function flashBorrow(uint256 collateralAmount, uint256 borrowAmount) external {
        market.supplyCollateral(collateralAmount);
        market.borrow(borrowAmount);
        market.repay(type(uint256).max, address(this));
        market.withdrawCollateral(collateralAmount);
    }
}
