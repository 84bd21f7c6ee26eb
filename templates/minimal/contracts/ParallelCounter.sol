// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ParallelCounter
/// @notice Counts calls per user and in total, in two ways side by side so that the difference
///         shows in the parallelism report:
///         - `increment()` keeps the total in 16 shards chosen by the caller's address. Calls from
///           users on different shards write disjoint storage slots, so they do not depend on
///           each other and a parallel-executing chain can run them at the same time.
///         - `incrementUnsharded()` keeps the total in one slot, as a conventional counter does.
///           Every call writes that slot, so in a block each call depends on the one before and
///           the block runs one transaction at a time.
/// @dev The `@custom:reads` / `@custom:writes` annotations declare the storage each function may
///      touch; hardhat-parallel checks them against the storage layout when compiling and against
///      what the EVM actually did when the tests run. In them, `shard(x)` stands for
///      `uint256(keccak256(abi.encode(x))) % 16`, exactly the `shard` function below.
contract ParallelCounter {
    /// @notice Number of shards the total is split into.
    uint256 public constant SHARDS = 16;

    /// @notice Calls made by each user, through either increment function.
    mapping(address user => uint256 calls) public counts;

    /// @notice The sharded total of `increment()` calls: `shards[shard(user)]` counts the calls of
    ///         the users whose address maps to that shard. `total()` is their sum.
    uint256[SHARDS] public shards;

    /// @notice The single-slot total of `incrementUnsharded()` calls: the conventional, contended
    ///         way to keep a total.
    uint256 public unshardedTotal;

    /// @notice Emitted on every increment.
    /// @param user The caller.
    /// @param count The caller's count after the call.
    event Incremented(address indexed user, uint256 count);

    /// @notice Adds one to the caller's count and to the caller's shard of the total.
    /// @custom:writes counts[msg.sender], shards[shard(msg.sender)]
    function increment() external {
        uint256 count = ++counts[msg.sender];
        ++shards[shard(msg.sender)];
        emit Incremented(msg.sender, count);
    }

    /// @notice Adds one to the caller's count and to the single-slot total. Same result as
    ///         `increment()` for the caller, but every call writes `unshardedTotal`, so calls
    ///         in one block depend on each other.
    /// @custom:writes counts[msg.sender], unshardedTotal
    function incrementUnsharded() external {
        uint256 count = ++counts[msg.sender];
        ++unshardedTotal;
        emit Incremented(msg.sender, count);
    }

    /// @notice The number of `increment()` calls so far: the sum of all shards. Reading every
    ///         shard is what makes the sharded total cheap to write and dearer to read.
    /// @return sum The sharded total.
    /// @custom:reads shards[*]
    function total() external view returns (uint256 sum) {
        for (uint256 i = 0; i < SHARDS; ++i) {
            sum += shards[i];
        }
    }

    /// @notice The shard that `user`'s `increment()` calls are counted in.
    /// @param user Any address.
    /// @return The shard index, in `[0, SHARDS)`.
    function shard(address user) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(user))) % SHARDS;
    }
}
