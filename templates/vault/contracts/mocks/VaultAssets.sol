// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {ParallelERC20} from "hardhat-parallel/contracts/ParallelERC20.sol";

/// @title VaultStandardAsset
/// @author hardhat-parallel
/// @notice TEST TOKEN. A conventional ERC-20 with an open faucet, the "standard asset" the vaults
///         are compared on. Anyone can mint, and {simulateLoss} burns anyone's tokens: never
///         deploy it anywhere that matters.
/// @dev Storage as {ConventionalERC20}.
contract VaultStandardAsset is ConventionalERC20 {
    constructor() ConventionalERC20("Vault Standard Asset", "VSA") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of `holder`'s tokens without its consent: models a loss of the
    ///         holder's assets (a hacked strategy, a slashing) in tests.
    /// @param holder The account that loses tokens.
    /// @param amount The amount (token units).
    /// @custom:writes _balances[holder], _totalSupply
    function simulateLoss(address holder, uint256 amount) external {
        _burn(holder, amount);
    }
}

/// @title VaultParallelAsset
/// @author hardhat-parallel
/// @notice TEST TOKEN. A {ParallelERC20} with an open faucet, the "parallel asset" the vaults are
///         compared on. Anyone can mint, and {simulateLoss} burns anyone's tokens: never deploy it
///         anywhere that matters.
/// @dev Storage as {ParallelERC20}.
contract VaultParallelAsset is ParallelERC20 {
    constructor() ParallelERC20("Vault Parallel Asset", "VPA") {}

    /// @notice Mints `amount` to `to` (open faucet). Writes the supply shard `shard(to)`, and
    ///         `to`'s balance slot or, if `to` is sharded, its shard `shard(0)`.
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:reads _shardedHolder[to]
    /// @custom:writes _totalSupply.shards[shard(to)], _balances[to], _shardedBalances[to].shards[shard(0)]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of `holder`'s tokens without its consent: models a loss in tests.
    ///         A sharded holder loses from its shard `shard(0)` on (sweeping).
    /// @param holder The account that loses tokens.
    /// @param amount The amount (token units).
    /// @custom:reads _shardedHolder[holder]
    /// @custom:writes _balances[holder], _shardedBalances[holder].shards[*], _totalSupply.shards[shard(holder)]
    function simulateLoss(address holder, uint256 amount) external {
        _burn(holder, amount);
    }
}
