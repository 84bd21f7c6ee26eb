// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {ParallelERC20} from "hardhat-parallel/contracts/ParallelERC20.sol";

/// @title LendingParallelToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A {ParallelERC20} with an open faucet, used as the borrowed asset and as
///         the collateral of the lending tests. Anyone can mint: never deploy it anywhere that
///         matters.
/// @dev Storage as {ParallelERC20}; the decimals are an immutable.
contract LendingParallelToken is ParallelERC20 {
    /// @dev The token's decimals.
    uint8 private immutable _decimals;

    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    /// @param decimals_ The token's decimals (e.g. 6 for a USDC-like asset, 18 for an ETH-like one).
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ParallelERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice The number of decimals of the token's amounts.
    /// @return The decimals given at deployment.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to` (open faucet). Writes the supply shard `shard(to)`, and
    ///         `to`'s balance slot or, if `to` is sharded, its shard `shard(0)`.
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:reads _shardedHolder[to]
    /// @custom:writes _totalSupply.shards[shard(to)], _balances[to], _shardedBalances[to].shards[shard(0x0000000000000000000000000000000000000000)]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @title LendingStandardToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A conventional ERC-20 with an open faucet, the tokens of the baseline
///         market (and of the parallel market's tests over a non-sharded asset). Anyone can
///         mint: never deploy it anywhere that matters.
/// @dev Storage as {ConventionalERC20}; the decimals are an immutable.
contract LendingStandardToken is ConventionalERC20 {
    /// @dev The token's decimals.
    uint8 private immutable _decimals;

    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    /// @param decimals_ The token's decimals (e.g. 6 for a USDC-like asset, 18 for an ETH-like one).
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ConventionalERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice The number of decimals of the token's amounts.
    /// @return The decimals given at deployment.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
