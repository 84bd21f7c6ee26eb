// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {ParallelERC20} from "hardhat-parallel/contracts/ParallelERC20.sol";

/// @title AmmParallelToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A {ParallelERC20} with an open faucet, the tokens of the batch-auction
///         AMM's tests. Anyone can mint: never deploy it anywhere that matters.
/// @dev Storage as {ParallelERC20}.
contract AmmParallelToken is ParallelERC20 {
    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    constructor(string memory name_, string memory symbol_) ParallelERC20(name_, symbol_) {}

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

/// @title AmmStandardToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A conventional ERC-20 with an open faucet, the tokens of the baseline
///         pair (and of the batch-auction AMM's tests over non-sharded tokens). Anyone can mint:
///         never deploy it anywhere that matters.
/// @dev Storage as {ConventionalERC20}.
contract AmmStandardToken is ConventionalERC20 {
    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    constructor(string memory name_, string memory symbol_) ConventionalERC20(name_, symbol_) {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
