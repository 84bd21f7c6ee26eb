// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Epochs} from "hardhat-parallel/contracts/Epochs.sol";
import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {ShardedCounter} from "hardhat-parallel/contracts/ShardedCounter.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

/// @title ShardedCounterHarness
/// @author hardhat-parallel
/// @notice TEST HARNESS. Exposes {ShardedCounter} for the three sizes, chosen by `size`
///         (64, 256 or 1024).
/// @dev Storage: slots 0..63 `c64`, 64..319 `c256`, 320..1343 `c1024`.
contract ShardedCounterHarness {
    using ShardedCounter for ShardedCounter.Counter64;
    using ShardedCounter for ShardedCounter.Counter;
    using ShardedCounter for ShardedCounter.Counter1024;

    /// @dev The N = 64 counter.
    ShardedCounter.Counter64 internal c64;
    /// @dev The N = 256 counter.
    ShardedCounter.Counter internal c256;
    /// @dev The N = 1024 counter.
    ShardedCounter.Counter1024 internal c1024;

    /// @notice `size` is not 64, 256 or 1024.
    /// @param size The size given.
    error UnknownSize(uint256 size);

    /// @notice Adds `amount` to `key`'s shard of the counter of `size` shards.
    /// @param size 64, 256 or 1024.
    /// @param key The key.
    /// @param amount The amount.
    /// @custom:writes c64.shards[shard(key)], c256.shards[shard(key)], c1024.shards[shard(key)]
    function add(uint256 size, address key, uint256 amount) external {
        if (size == 64) c64.add(key, amount);
        else if (size == 256) c256.add(key, amount);
        else if (size == 1024) c1024.add(key, amount);
        else revert UnknownSize(size);
    }

    /// @notice Subtracts `amount` from `key`'s shard.
    /// @param size 64, 256 or 1024.
    /// @param key The key.
    /// @param amount The amount.
    /// @custom:writes c64.shards[shard(key)], c256.shards[shard(key)], c1024.shards[shard(key)]
    function sub(uint256 size, address key, uint256 amount) external {
        if (size == 64) c64.sub(key, amount);
        else if (size == 256) c256.sub(key, amount);
        else if (size == 1024) c1024.sub(key, amount);
        else revert UnknownSize(size);
    }

    /// @notice Adds a signed `delta` to shard `index`.
    /// @param size 64, 256 or 1024.
    /// @param index The shard.
    /// @param delta The signed amount.
    /// @custom:writes c64.shards[index], c256.shards[index], c1024.shards[index]
    function addToShard(uint256 size, uint256 index, int256 delta) external {
        if (size == 64) c64.addToShard(index, delta);
        else if (size == 256) c256.addToShard(index, delta);
        else if (size == 1024) c1024.addToShard(index, delta);
        else revert UnknownSize(size);
    }

    /// @notice The value of shard `index`.
    /// @param size 64, 256 or 1024.
    /// @param index The shard.
    /// @return The signed value.
    /// @custom:reads c64.shards[index], c256.shards[index], c1024.shards[index]
    function valueAt(uint256 size, uint256 index) external view returns (int256) {
        if (size == 64) return c64.valueAt(index);
        if (size == 256) return c256.valueAt(index);
        if (size == 1024) return c1024.valueAt(index);
        revert UnknownSize(size);
    }

    /// @notice The signed sum of all shards.
    /// @param size 64, 256 or 1024.
    /// @return The sum.
    /// @custom:reads c64.shards[*], c256.shards[*], c1024.shards[*]
    function sum(uint256 size) external view returns (int256) {
        if (size == 64) return c64.sum();
        if (size == 256) return c256.sum();
        if (size == 1024) return c1024.sum();
        revert UnknownSize(size);
    }

    /// @notice The unsigned sum (reverts if negative).
    /// @param size 64, 256 or 1024.
    /// @return The sum.
    /// @custom:reads c64.shards[*], c256.shards[*], c1024.shards[*]
    function sumUnsigned(uint256 size) external view returns (uint256) {
        if (size == 64) return c64.sumUnsigned();
        if (size == 256) return c256.sumUnsigned();
        if (size == 1024) return c1024.sumUnsigned();
        revert UnknownSize(size);
    }

    /// @notice The number of shards of the counter of `size`.
    /// @param size 64, 256 or 1024.
    /// @return N.
    function length(uint256 size) external view returns (uint256) {
        if (size == 64) return c64.length();
        if (size == 256) return c256.length();
        if (size == 1024) return c1024.length();
        revert UnknownSize(size);
    }

    /// @notice {ShardedCounter.shardOf} for `key` and `shards`.
    /// @param key The key.
    /// @param shards N.
    /// @return The shard index.
    function shardOf(address key, uint256 shards) external pure returns (uint256) {
        return ShardedCounter.shardOf(key, shards);
    }

    /// @notice {ShardedCounter.shardOf} for the default N.
    /// @param key The key.
    /// @return The shard index.
    function shardOfDefault(address key) external pure returns (uint256) {
        return ShardedCounter.shardOf(key);
    }

    /// @notice {ShardedCounter.shardOfWord}.
    /// @param key The key.
    /// @param shards N.
    /// @return The shard index.
    function shardOfWord(bytes32 key, uint256 shards) external pure returns (uint256) {
        return ShardedCounter.shardOfWord(key, shards);
    }
}

/// @title MulDivHarness
/// @author hardhat-parallel
/// @notice TEST HARNESS. Exposes {MulDiv}.
contract MulDivHarness {
    /// @notice {MulDiv.mulDiv}.
    /// @param x Factor.
    /// @param y Factor.
    /// @param d Divisor.
    /// @return floor(x * y / d).
    function mulDiv(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return MulDiv.mulDiv(x, y, d);
    }

    /// @notice {MulDiv.mulDivUp}.
    /// @param x Factor.
    /// @param y Factor.
    /// @param d Divisor.
    /// @return ceil(x * y / d).
    function mulDivUp(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return MulDiv.mulDivUp(x, y, d);
    }
}

/// @title EpochsHarness
/// @author hardhat-parallel
/// @notice TEST HARNESS. Exposes {Epochs} over one clock and one price book.
/// @dev Storage: slot 0 `clock`, slot 1 `prices`.
contract EpochsHarness {
    using Epochs for Epochs.Clock;
    using Epochs for Epochs.Price;
    using Epochs for mapping(uint256 => Epochs.Price);

    /// @dev The clock.
    Epochs.Clock internal clock;
    /// @dev The price book.
    mapping(uint256 epoch => Epochs.Price) internal prices;

    constructor() {
        clock.start();
    }

    /// @notice Closes `epoch` at `base : quote`.
    /// @param epoch The open epoch.
    /// @param base Base side of the price.
    /// @param quote Quote side of the price.
    /// @param minDuration Minimum epoch duration (seconds).
    /// @custom:writes clock, prices[epoch]
    function close(uint256 epoch, uint256 base, uint256 quote, uint256 minDuration) external {
        clock.close(prices, epoch, Epochs.Price({base: base, quote: quote}), minDuration);
    }

    /// @notice The open epoch.
    /// @return The epoch.
    /// @custom:reads clock
    function current() external view returns (uint256) {
        return clock.currentEpoch();
    }

    /// @notice When the open epoch opened.
    /// @return The timestamp.
    /// @custom:reads clock
    function openedAt() external view returns (uint256) {
        return clock.epochStart();
    }

    /// @notice Whether `epoch` is settled.
    /// @param epoch The epoch.
    /// @return True if settled.
    /// @custom:reads clock
    function isSettled(uint256 epoch) external view returns (bool) {
        return clock.isSettled(epoch);
    }

    /// @notice The price of a settled epoch.
    /// @param epoch The epoch.
    /// @return base Base side.
    /// @return quote Quote side.
    /// @custom:reads prices[epoch]
    function priceOf(uint256 epoch) external view returns (uint256 base, uint256 quote) {
        Epochs.Price memory p = prices.priceOf(epoch);
        return (p.base, p.quote);
    }

    /// @notice {Epochs.toTimestamp64}: the checked narrowing `start` and `close` apply to
    ///         `block.timestamp`, exposed with the timestamp as a parameter (a test chain cannot
    ///         move its clock past 2^64 seconds).
    /// @param timestamp The timestamp (seconds).
    /// @return The timestamp as a `uint64`.
    function toTimestamp64(uint256 timestamp) external pure returns (uint64) {
        return Epochs.toTimestamp64(timestamp);
    }

    /// @notice Converts at the price of `epoch`, in the direction and rounding asked.
    /// @param epoch The epoch.
    /// @param amount The amount.
    /// @param baseToQuote Direction: base → quote (true) or quote → base (false).
    /// @param up Round up (true) or down (false).
    /// @return The converted amount.
    /// @custom:reads prices[epoch]
    function convert(uint256 epoch, uint256 amount, bool baseToQuote, bool up) external view returns (uint256) {
        Epochs.Price memory p = prices.priceOf(epoch);
        if (baseToQuote) return up ? p.toQuoteUp(amount) : p.toQuote(amount);
        return up ? p.toBaseUp(amount) : p.toBase(amount);
    }
}

/// @title TransientGuardHarness
/// @author hardhat-parallel
/// @notice TEST HARNESS. Functions guarded by {TransientReentrancyGuard}, and a way to call back
///         into itself from inside a guarded call. It has no storage variables at all, so any
///         persistent storage write in a trace of it would come from the guard.
contract TransientGuardHarness is TransientReentrancyGuard {
    /// @notice A guarded function that does nothing.
    function guardedNoop() external nonReentrant {}

    /// @notice A guarded function that calls `target` with `data` and bubbles a revert.
    /// @param target The contract to call (e.g. this harness, to re-enter).
    /// @param data The calldata.
    /// @return The return data.
    function guardedCall(address target, bytes calldata data) external nonReentrant returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @notice Two guarded calls one after the other in the same transaction (the lock must be
    ///         released in between).
    function twoGuardedCalls() external {
        this.guardedNoop();
        this.guardedNoop();
    }

    /// @notice Whether a guarded call is running (true only from inside one).
    /// @return The lock state.
    function entered() external view returns (bool) {
        return _reentrancyGuardEntered();
    }

    /// @notice A view that refuses to run inside a guarded call.
    /// @return 42.
    function protectedView() external view nonReentrantView returns (uint256) {
        return 42;
    }
}
