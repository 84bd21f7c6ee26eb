// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IParallelERC20
/// @notice The extensions of {ParallelERC20} beyond ERC-20 and EIP-2612: holders that opt in keep
///         their balance in N shards, so that concurrent credits to them (deposits into a vault,
///         swaps into a pool) do not write one slot.
interface IParallelERC20 {
    /// @notice `holder` switched to a sharded balance.
    /// @param holder The holder.
    event ShardedBalanceEnabled(address indexed holder);

    /// @notice `holder` switched back to a single balance slot.
    /// @param holder The holder.
    event ShardedBalanceDisabled(address indexed holder);

    /// @notice A sharded holder moved `amount` of its own balance from one shard to another.
    /// @param holder The holder.
    /// @param fromShard The shard debited.
    /// @param toShard The shard credited.
    /// @param amount The amount (token units).
    event ShardsRebalanced(address indexed holder, uint256 fromShard, uint256 toShard, uint256 amount);

    /// @notice Switches the caller to a sharded balance (idempotent).
    function enableShardedBalance() external;

    /// @notice Switches the caller back to a single balance slot (idempotent).
    function disableShardedBalance() external;

    /// @notice Whether `holder` keeps a sharded balance.
    /// @param holder The holder.
    /// @return True if sharded.
    function isShardedHolder(address holder) external view returns (bool);

    /// @notice The number of balance shards of a sharded holder (N).
    /// @return N.
    function balanceShards() external pure returns (uint256);

    /// @notice The shard that `key` selects: `uint256(keccak256(abi.encode(key))) % N`.
    /// @param key The address (a sender or a recipient).
    /// @return The shard index.
    function shardOf(address key) external pure returns (uint256);

    /// @notice The amount held in shard `shardIndex` of `holder`'s sharded balance.
    /// @param holder The holder.
    /// @param shardIndex The shard.
    /// @return The amount (token units).
    function shardBalanceOf(address holder, uint256 shardIndex) external view returns (uint256);

    /// @notice Moves `amount` from shard `shardIndex` of the caller's sharded balance to `to`;
    ///         reverts if that one shard holds less.
    /// @param shardIndex The shard to debit.
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @return True on success.
    function transferFromShard(uint256 shardIndex, address to, uint256 amount) external returns (bool);

    /// @notice Moves `amount` of the caller's sharded balance from one shard to another.
    /// @param fromShard The shard to debit.
    /// @param toShard The shard to credit.
    /// @param amount The amount (token units).
    function rebalanceShards(uint256 fromShard, uint256 toShard, uint256 amount) external;
}
