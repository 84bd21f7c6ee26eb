// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILendingOracle} from "../interfaces/ILendingOracle.sol";

/// @title LendingTestOracle
/// @author hardhat-parallel
/// @notice TEST ORACLE. A price anyone can set, with a settable timestamp so that tests can
///         produce zero, stale and future-dated prices. Never deploy it anywhere that matters.
/// @dev Storage: slot 0 `price`, slot 1 `updatedAt`. Markets only read them, so a price update
///      is the only transaction the oracle adds to a block's dependencies.
contract LendingTestOracle is ILendingOracle {
    /// @notice The price (WAD: asset units per collateral unit).
    uint256 public price;

    /// @notice When the price was set (seconds).
    uint256 public updatedAt;

    /// @param price_ The initial price (WAD), stamped with the deployment time.
    constructor(uint256 price_) {
        price = price_;
        updatedAt = block.timestamp;
    }

    /// @notice Sets the price, stamped with the current block's timestamp.
    /// @param price_ The price (WAD).
    /// @custom:writes price, updatedAt
    function setPrice(uint256 price_) external {
        price = price_;
        updatedAt = block.timestamp;
    }

    /// @notice Sets the price and its timestamp (which may be in the past or the future).
    /// @param price_ The price (WAD).
    /// @param updatedAt_ The timestamp (seconds).
    /// @custom:writes price, updatedAt
    function setPriceAt(uint256 price_, uint256 updatedAt_) external {
        price = price_;
        updatedAt = updatedAt_;
    }

    /// @inheritdoc ILendingOracle
    /// @custom:reads price, updatedAt
    function latestPrice() external view returns (uint256, uint256) {
        return (price, updatedAt);
    }
}
