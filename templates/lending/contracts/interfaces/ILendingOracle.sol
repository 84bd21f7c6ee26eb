// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ILendingOracle
/// @author hardhat-parallel
/// @notice The price feed of a lending market: the value of one unit of the collateral asset in
///         units of the borrowed asset, and when it was last updated.
/// @dev Modelled on Chainlink's `latestRoundData` (answer + `updatedAt`), reduced to what a
///      market needs. Markets reject a zero price, a timestamp in the future and a price older
///      than their `maxOracleAge`.
interface ILendingOracle {
    /// @notice The latest price.
    /// @return price Borrowed-asset units per collateral-asset unit, scaled by 1e18 (a WAD): the
    ///         value of `c` collateral units is `c * price / 1e18` borrowed-asset units.
    /// @return updatedAt When the price was set (seconds since the epoch).
    function latestPrice() external view returns (uint256 price, uint256 updatedAt);
}
