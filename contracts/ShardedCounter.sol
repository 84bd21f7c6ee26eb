// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ShardedCounter
/// @author hardhat-parallel
/// @notice A signed total kept as N independent shards, so that many transactions can add to it
///         in parallel without touching the same storage slot.
///
/// @dev ## Why
/// A plain `uint256 total` that every user increments (an ERC-20 `totalSupply`, a vault's pending
/// deposits, a pool's fee accumulator) is written by every transaction. On a parallel-executing
/// chain (Block-STM on Monad, Sei, MegaETH, RISE; EIP-7928 block access lists on Ethereum) the
/// second of two such transactions in a block reads the slot the first wrote, so it depends on it
/// and the block serialises on that slot. A sharded counter splits the total into `N` slots and
/// lets each update touch only the shard chosen by a key (usually the user's address). Updates
/// with keys in different shards then commute AND touch disjoint storage, so they run in parallel.
///
/// ## Source of the idea
/// Aptos aggregators (AIP-47, "Aggregators V2"): a commutative counter whose `add`/`sub` do not
/// read the current value, so concurrent transactions do not conflict, and whose value is only
/// materialised when someone reads it. The EVM has no deferred read: `SSTORE` needs the current
/// value, so on the EVM the same effect is obtained by spreading the writes over N slots. Shards
/// are signed so that an `add` on one shard and a `sub` on another never need to look at each
/// other: an individual shard may go negative while the sum stays correct.
///
/// ## Cost of `sum`
/// `sum` reads all N shards (N cold `SLOAD`s, 2100 gas each: 134k gas for N = 64, 538k for
/// N = 256, 2.15M for N = 1024). A transaction that calls `sum` on-chain reads every shard, so it
/// depends on every transaction of the block that updated the counter: it re-creates the very
/// dependency the shards remove. Call `sum` in views (off-chain), once per epoch in a settlement,
/// or in rare administrative paths, never in the per-user hot path.
///
/// ## Shard choice
/// `shardOf(key, n) = uint256(keccak256(abi.encode(key))) % n`, the `shard(x)` function of the
/// reads/writes annotation language (`x` is an address, so `abi.encode(x)`
/// is the address left-padded to 32 bytes). Two keys collide with probability 1/N; among k
/// distinct random keys the expected number of keys that share a shard with an earlier key is
/// `k - N * (1 - (1 - 1/N)^k)` (about 17 of 100 keys for N = 256, 4.7 for N = 1024); see the vault
/// template's README for the table.
///
/// ## Storage
/// A counter is a struct with one member `int256[N] shards`. Declared at slot `p`, shard `i` is
/// at slot `p + i` (fixed-size arrays are laid out inline, one 32-byte element per slot), so the
/// annotation `myCounter.shards[shard(msg.sender)]` denotes exactly slot
/// `p + uint256(keccak256(abi.encode(msg.sender))) % N`. Inside a mapping
/// `mapping(address => Counter) m`, the counter of `a` starts at `keccak256(abi.encode(a, slot(m)))`.
///
/// ## Choosing N
/// N is a compile-time parameter: pick one of the three struct types below
/// (`Counter64`, `Counter` with the default N = {DEFAULT_SHARDS} = 256, `Counter1024`). Every
/// function is overloaded for the three, and the annotation language reads N from the storage
/// layout (`int256[N]`), so nothing else changes. The default of 256 keeps an on-chain `sum` at
/// about half a million gas while 100 random users leave about 83 of them conflict-free.
library ShardedCounter {
    /// @notice The default number of shards, used by {Counter} and by {shardOf(address)}.
    uint256 internal constant DEFAULT_SHARDS = 256;

    /// @notice A sharded counter with the default N = 256 shards.
    /// @dev Occupies 256 consecutive slots: `shards[i]` is at `slot(counter) + i`.
    struct Counter {
        int256[256] shards;
    }

    /// @notice A sharded counter with N = 64 shards (cheaper `sum`, more collisions).
    /// @dev Occupies 64 consecutive slots.
    struct Counter64 {
        int256[64] shards;
    }

    /// @notice A sharded counter with N = 1024 shards (fewer collisions, `sum` costs ~2.15M gas).
    /// @dev Occupies 1024 consecutive slots.
    struct Counter1024 {
        int256[1024] shards;
    }

    /// @notice An unsigned amount does not fit in an `int256`.
    /// @param amount The amount that was passed.
    error ShardedCounterAmountTooLarge(uint256 amount);

    /// @notice A shard index is not below N.
    /// @param index The index that was passed.
    /// @param shards N, the number of shards of the counter.
    error ShardedCounterIndexOutOfRange(uint256 index, uint256 shards);

    /// @notice The sum was negative where an unsigned total was expected.
    /// @param sum The (negative) sum of all shards.
    error ShardedCounterNegativeSum(int256 sum);

    // ---------------------------------------------------------------------------------------
    // Shard selection (pure)
    // ---------------------------------------------------------------------------------------

    /// @notice The shard of `key` in a counter of `shards` shards:
    ///         `uint256(keccak256(abi.encode(key))) % shards`.
    /// @dev This is exactly the annotation language's `shard(key)`.
    /// @param key The address that chooses the shard (a user, a sender, a holder).
    /// @param shards N, the number of shards (must be non-zero).
    /// @return The shard index, in `[0, shards)`.
    function shardOf(address key, uint256 shards) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(key))) % shards;
    }

    /// @notice The shard of `key` for the default N = 256.
    /// @param key The address that chooses the shard.
    /// @return The shard index, in `[0, 256)`.
    function shardOf(address key) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(key))) % DEFAULT_SHARDS;
    }

    /// @notice The shard of a 32-byte key: `uint256(keccak256(abi.encode(key))) % shards`.
    /// @dev For a `uint256` key `k`, pass `bytes32(k)`: `abi.encode` gives the same word.
    /// @param key The key that chooses the shard.
    /// @param shards N, the number of shards (must be non-zero).
    /// @return The shard index, in `[0, shards)`.
    function shardOfWord(bytes32 key, uint256 shards) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(key))) % shards;
    }

    /// @dev Converts an unsigned amount to a signed delta, reverting if it does not fit.
    function _toInt(uint256 amount) private pure returns (int256) {
        if (amount > uint256(type(int256).max)) revert ShardedCounterAmountTooLarge(amount);
        return int256(amount);
    }

    /// @dev Converts a signed sum to unsigned, reverting if it is negative.
    function _toUint(int256 total) private pure returns (uint256) {
        if (total < 0) revert ShardedCounterNegativeSum(total);
        return uint256(total);
    }

    // ---------------------------------------------------------------------------------------
    // Counter (N = 256, the default)
    // ---------------------------------------------------------------------------------------

    /// @notice The number of shards of a {Counter}: 256.
    /// @param c The counter (unused; selects the overload).
    /// @return N.
    function length(Counter storage c) internal pure returns (uint256) {
        c;
        return 256;
    }

    /// @notice Adds `amount` to the shard of `key`. Touches only slot `shards[shard(key)]`.
    /// @param c The counter.
    /// @param key The address whose shard receives the update.
    /// @param amount The amount to add (at most `type(int256).max`).
    function add(Counter storage c, address key, uint256 amount) internal {
        c.shards[shardOf(key, 256)] += _toInt(amount);
    }

    /// @notice Subtracts `amount` from the shard of `key`. The shard may become negative; only
    ///         the sum is meaningful. Touches only slot `shards[shard(key)]`.
    /// @param c The counter.
    /// @param key The address whose shard receives the update.
    /// @param amount The amount to subtract (at most `type(int256).max`).
    function sub(Counter storage c, address key, uint256 amount) internal {
        c.shards[shardOf(key, 256)] -= _toInt(amount);
    }

    /// @notice Adds a signed `delta` to shard `index`. Touches only slot `shards[index]`.
    /// @param c The counter.
    /// @param index The shard index, below 256.
    /// @param delta The signed amount to add.
    function addToShard(Counter storage c, uint256 index, int256 delta) internal {
        if (index >= 256) revert ShardedCounterIndexOutOfRange(index, 256);
        c.shards[index] += delta;
    }

    /// @notice The value of shard `index`. Reads only slot `shards[index]`.
    /// @param c The counter.
    /// @param index The shard index, below 256.
    /// @return The signed value of that shard.
    function valueAt(Counter storage c, uint256 index) internal view returns (int256) {
        if (index >= 256) revert ShardedCounterIndexOutOfRange(index, 256);
        return c.shards[index];
    }

    /// @notice The total: the sum of all 256 shards. Reads every shard (see the contract notes:
    ///         on-chain this depends on every update of the block).
    /// @param c The counter.
    /// @return total The signed sum.
    function sum(Counter storage c) internal view returns (int256 total) {
        for (uint256 i; i < 256; ++i) total += c.shards[i];
    }

    /// @notice The total as an unsigned number; reverts with {ShardedCounterNegativeSum} if the
    ///         sum is negative. Reads every shard.
    /// @param c The counter.
    /// @return The sum.
    function sumUnsigned(Counter storage c) internal view returns (uint256) {
        return _toUint(sum(c));
    }

    // ---------------------------------------------------------------------------------------
    // Counter64 (N = 64)
    // ---------------------------------------------------------------------------------------

    /// @notice The number of shards of a {Counter64}: 64.
    /// @param c The counter (unused; selects the overload).
    /// @return N.
    function length(Counter64 storage c) internal pure returns (uint256) {
        c;
        return 64;
    }

    /// @notice Adds `amount` to the shard of `key`. Touches only slot `shards[shard(key)]`.
    /// @param c The counter.
    /// @param key The address whose shard receives the update.
    /// @param amount The amount to add (at most `type(int256).max`).
    function add(Counter64 storage c, address key, uint256 amount) internal {
        c.shards[shardOf(key, 64)] += _toInt(amount);
    }

    /// @notice Subtracts `amount` from the shard of `key`. Touches only slot `shards[shard(key)]`.
    /// @param c The counter.
    /// @param key The address whose shard receives the update.
    /// @param amount The amount to subtract (at most `type(int256).max`).
    function sub(Counter64 storage c, address key, uint256 amount) internal {
        c.shards[shardOf(key, 64)] -= _toInt(amount);
    }

    /// @notice Adds a signed `delta` to shard `index`. Touches only slot `shards[index]`.
    /// @param c The counter.
    /// @param index The shard index, below 64.
    /// @param delta The signed amount to add.
    function addToShard(Counter64 storage c, uint256 index, int256 delta) internal {
        if (index >= 64) revert ShardedCounterIndexOutOfRange(index, 64);
        c.shards[index] += delta;
    }

    /// @notice The value of shard `index`. Reads only slot `shards[index]`.
    /// @param c The counter.
    /// @param index The shard index, below 64.
    /// @return The signed value of that shard.
    function valueAt(Counter64 storage c, uint256 index) internal view returns (int256) {
        if (index >= 64) revert ShardedCounterIndexOutOfRange(index, 64);
        return c.shards[index];
    }

    /// @notice The total: the sum of all 64 shards. Reads every shard.
    /// @param c The counter.
    /// @return total The signed sum.
    function sum(Counter64 storage c) internal view returns (int256 total) {
        for (uint256 i; i < 64; ++i) total += c.shards[i];
    }

    /// @notice The total as an unsigned number; reverts if negative. Reads every shard.
    /// @param c The counter.
    /// @return The sum.
    function sumUnsigned(Counter64 storage c) internal view returns (uint256) {
        return _toUint(sum(c));
    }

    // ---------------------------------------------------------------------------------------
    // Counter1024 (N = 1024)
    // ---------------------------------------------------------------------------------------

    /// @notice The number of shards of a {Counter1024}: 1024.
    /// @param c The counter (unused; selects the overload).
    /// @return N.
    function length(Counter1024 storage c) internal pure returns (uint256) {
        c;
        return 1024;
    }

    /// @notice Adds `amount` to the shard of `key`. Touches only slot `shards[shard(key)]`.
    /// @param c The counter.
    /// @param key The address whose shard receives the update.
    /// @param amount The amount to add (at most `type(int256).max`).
    function add(Counter1024 storage c, address key, uint256 amount) internal {
        c.shards[shardOf(key, 1024)] += _toInt(amount);
    }

    /// @notice Subtracts `amount` from the shard of `key`. Touches only slot `shards[shard(key)]`.
    /// @param c The counter.
    /// @param key The address whose shard receives the update.
    /// @param amount The amount to subtract (at most `type(int256).max`).
    function sub(Counter1024 storage c, address key, uint256 amount) internal {
        c.shards[shardOf(key, 1024)] -= _toInt(amount);
    }

    /// @notice Adds a signed `delta` to shard `index`. Touches only slot `shards[index]`.
    /// @param c The counter.
    /// @param index The shard index, below 1024.
    /// @param delta The signed amount to add.
    function addToShard(Counter1024 storage c, uint256 index, int256 delta) internal {
        if (index >= 1024) revert ShardedCounterIndexOutOfRange(index, 1024);
        c.shards[index] += delta;
    }

    /// @notice The value of shard `index`. Reads only slot `shards[index]`.
    /// @param c The counter.
    /// @param index The shard index, below 1024.
    /// @return The signed value of that shard.
    function valueAt(Counter1024 storage c, uint256 index) internal view returns (int256) {
        if (index >= 1024) revert ShardedCounterIndexOutOfRange(index, 1024);
        return c.shards[index];
    }

    /// @notice The total: the sum of all 1024 shards. Reads every shard.
    /// @param c The counter.
    /// @return total The signed sum.
    function sum(Counter1024 storage c) internal view returns (int256 total) {
        for (uint256 i; i < 1024; ++i) total += c.shards[i];
    }

    /// @notice The total as an unsigned number; reverts if negative. Reads every shard.
    /// @param c The counter.
    /// @return The sum.
    function sumUnsigned(Counter1024 storage c) internal view returns (uint256) {
        return _toUint(sum(c));
    }
}
