// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";

/// @title Epochs
/// @author hardhat-parallel
/// @notice A small helper for "requests made in epoch e are settled once, at one price" designs:
///         an epoch clock and a per-epoch settlement price that is written exactly once.
///
/// @dev ## Why
/// A synchronous vault or pool prices every user action against the current shared state (total
/// assets, total supply, reserves), so every action reads what the previous one wrote: on a
/// parallel chain they form one chain of dependencies. If instead users only *request* an action
/// (writing their own slots), and a single settlement closes the epoch and fixes one price for
/// all of its requests, then the requests of an epoch do not read each other's writes, and each
/// user later *claims* at the recorded price, again touching only their own slots (plus the
/// read-only price). Parallelism is bought with latency: a request waits for the settlement.
///
/// ## Source of the idea
/// ERC-7540 (asynchronous ERC-4626 vaults: request, then claim once the request is claimable),
/// epoch-based vaults (e.g. Centrifuge, Lido withdrawal queue batches) and CoW-style batch
/// auctions (every order of a batch clears at one uniform price).
///
/// ## Storage
/// - {Clock}: one slot, `current` (uint64, low bits) and `openedAt` (uint64, next 8 bytes).
///   Written only when an epoch closes, so requests that merely read `current` do not depend on
///   each other.
/// - A price book `mapping(uint256 epoch => Price) prices`: the price of epoch `e` is at
///   `keccak256(abi.encode(e, slot(prices)))` (`base`) and the next slot (`quote`). Written once,
///   in the transaction that closes `e`; read by every later claim of a request made in `e`.
///
/// ## Price convention
/// A {Price} is the exchange rate fixed for the epoch, as a ratio `base : quote`: `b` units of
/// base buy `floor(b * quote / base)` units of quote. For a vault, base = assets and quote =
/// shares (plus their virtual offsets). Conversions round down by default (in favour of the
/// contract that holds the pooled amounts); `...Up` variants round up for the inverse questions
/// ("how much must I pay for exactly q?").
library Epochs {
    /// @notice The epoch clock.
    /// @dev One storage slot. `current` is the id of the open epoch (epochs `< current` are
    ///      settled); `openedAt` is the timestamp at which it opened.
    struct Clock {
        uint64 current;
        uint64 openedAt;
    }

    /// @notice The settlement price of an epoch: `base` units exchange for `quote` units.
    /// @dev Two slots. Both are non-zero once recorded; `base == 0` means "not recorded".
    struct Price {
        uint256 base;
        uint256 quote;
    }

    /// @notice The caller named an epoch other than the open one.
    /// @param epoch The epoch that was named.
    /// @param current The open epoch.
    error EpochMismatch(uint256 epoch, uint256 current);

    /// @notice The open epoch has not lasted the minimum duration yet.
    /// @param openedAt When the open epoch opened (seconds).
    /// @param minDuration The minimum duration (seconds).
    /// @param timestamp The current block timestamp (seconds).
    error EpochTooYoung(uint256 openedAt, uint256 minDuration, uint256 timestamp);

    /// @notice A price was asked for an epoch that is not settled yet.
    /// @param epoch The epoch.
    error EpochNotSettled(uint256 epoch);

    /// @notice A price was recorded twice for the same epoch.
    /// @param epoch The epoch.
    error EpochAlreadySettled(uint256 epoch);

    /// @notice A price with a zero side was given.
    /// @param base The base amount given.
    /// @param quote The quote amount given.
    error EpochInvalidPrice(uint256 base, uint256 quote);

    /// @notice A timestamp does not fit the clock's 64-bit `openedAt` field.
    /// @param timestamp The timestamp (seconds).
    error EpochTimestampOverflow(uint256 timestamp);

    /// @notice Starts the clock: epoch 0 opens now. Call once, e.g. in a constructor.
    /// @dev Writes the clock's slot. Reverts with {EpochTimestampOverflow} if `block.timestamp`
    ///      does not fit 64 bits (never before the year 2^64 s ≈ 5.8·10^11 years, but the cast is
    ///      checked rather than silently truncated).
    /// @param clock The clock.
    function start(Clock storage clock) internal {
        clock.openedAt = toTimestamp64(block.timestamp);
    }

    /// @notice Narrows a timestamp to the clock's 64-bit field, reverting instead of truncating.
    /// @param timestamp The timestamp (seconds).
    /// @return The same value as a `uint64`.
    function toTimestamp64(uint256 timestamp) internal pure returns (uint64) {
        if (timestamp > type(uint64).max) revert EpochTimestampOverflow(timestamp);
        return uint64(timestamp);
    }

    /// @notice The id of the open epoch. Reads the clock's slot.
    /// @param clock The clock.
    /// @return The open epoch.
    function currentEpoch(Clock storage clock) internal view returns (uint256) {
        return clock.current;
    }

    /// @notice When the open epoch opened (seconds). Reads the clock's slot.
    /// @param clock The clock.
    /// @return The timestamp.
    function epochStart(Clock storage clock) internal view returns (uint256) {
        return clock.openedAt;
    }

    /// @notice Whether `epoch` is settled (closed, with a recorded price). Reads the clock's slot.
    /// @param clock The clock.
    /// @param epoch The epoch.
    /// @return True iff `epoch < current`.
    function isSettled(Clock storage clock, uint256 epoch) internal view returns (bool) {
        return epoch < clock.current;
    }

    /// @notice Closes the open epoch `epoch` at `price`: records the price once and opens
    ///         `epoch + 1`.
    /// @dev Naming the epoch makes settlement idempotent: two keepers racing to settle the same
    ///      epoch cannot close two epochs (the second reverts with {EpochMismatch}). It also lets
    ///      an annotation name the price slot exactly (`prices[epoch]`). Writes the clock's slot and
    ///      `prices[epoch]`. The new `openedAt` is narrowed with {toTimestamp64} (reverts with
    ///      {EpochTimestampOverflow} rather than truncating).
    /// @param clock The clock.
    /// @param prices The price book.
    /// @param epoch The open epoch (must equal `current`).
    /// @param price The settlement price (both sides non-zero).
    /// @param minDuration The minimum time the epoch must have been open (seconds; 0 for none).
    function close(
        Clock storage clock,
        mapping(uint256 => Price) storage prices,
        uint256 epoch,
        Price memory price,
        uint256 minDuration
    ) internal {
        Clock memory c = clock;
        if (epoch != c.current) revert EpochMismatch(epoch, c.current);
        if (block.timestamp < uint256(c.openedAt) + minDuration) {
            revert EpochTooYoung(c.openedAt, minDuration, block.timestamp);
        }
        if (price.base == 0 || price.quote == 0) revert EpochInvalidPrice(price.base, price.quote);
        Price storage slot = prices[epoch];
        if (slot.base != 0) revert EpochAlreadySettled(epoch);
        slot.base = price.base;
        slot.quote = price.quote;
        clock.current = c.current + 1; // checked: an epoch id cannot wrap
        clock.openedAt = toTimestamp64(block.timestamp);
    }

    /// @notice The recorded price of a settled epoch; reverts with {EpochNotSettled} otherwise.
    /// @dev Reads `prices[epoch]`.
    /// @param prices The price book.
    /// @param epoch The epoch.
    /// @return price The price.
    function priceOf(mapping(uint256 => Price) storage prices, uint256 epoch)
        internal
        view
        returns (Price memory price)
    {
        price = prices[epoch];
        if (price.base == 0) revert EpochNotSettled(epoch);
    }

    /// @notice Converts base units to quote units at `price`, rounding down.
    /// @param price The price.
    /// @param baseAmount The base amount.
    /// @return `floor(baseAmount * price.quote / price.base)`.
    function toQuote(Price memory price, uint256 baseAmount) internal pure returns (uint256) {
        return MulDiv.mulDiv(baseAmount, price.quote, price.base);
    }

    /// @notice Converts base units to quote units at `price`, rounding up.
    /// @param price The price.
    /// @param baseAmount The base amount.
    /// @return `ceil(baseAmount * price.quote / price.base)`.
    function toQuoteUp(Price memory price, uint256 baseAmount) internal pure returns (uint256) {
        return MulDiv.mulDivUp(baseAmount, price.quote, price.base);
    }

    /// @notice Converts quote units to base units at `price`, rounding down.
    /// @param price The price.
    /// @param quoteAmount The quote amount.
    /// @return `floor(quoteAmount * price.base / price.quote)`.
    function toBase(Price memory price, uint256 quoteAmount) internal pure returns (uint256) {
        return MulDiv.mulDiv(quoteAmount, price.base, price.quote);
    }

    /// @notice Converts quote units to base units at `price`, rounding up.
    /// @param price The price.
    /// @param quoteAmount The quote amount.
    /// @return `ceil(quoteAmount * price.base / price.quote)`.
    function toBaseUp(Price memory price, uint256 quoteAmount) internal pure returns (uint256) {
        return MulDiv.mulDivUp(quoteAmount, price.base, price.quote);
    }
}
