// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SafeTransfer
/// @author hardhat-parallel
/// @notice ERC-20 `transfer` / `transferFrom` calls that accept tokens returning nothing
///         (USDT-style) and revert with one error for every kind of failure.
/// @dev A call succeeds iff it does not revert, the token has code, and the return data is
///      either empty or ABI-encodes `true`. The same rule as OpenZeppelin's SafeERC20 and
///      solady's SafeTransferLib, written here to keep the library free of dependencies. No
///      storage of the calling contract is touched.
library SafeTransfer {
    /// @notice A token transfer failed (reverted, returned false, or the token has no code).
    /// @param token The token.
    error SafeTransferFailed(address token);

    /// @notice Calls `token.transfer(to, amount)` and reverts with {SafeTransferFailed} on failure.
    /// @param token The token.
    /// @param to The recipient.
    /// @param amount The amount (token units).
    function safeTransfer(address token, address to, uint256 amount) internal {
        _call(token, abi.encodeWithSelector(0xa9059cbb, to, amount));
    }

    /// @notice Calls `token.transferFrom(from, to, amount)` and reverts with {SafeTransferFailed}
    ///         on failure.
    /// @param token The token.
    /// @param from The account debited (must have approved the caller).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    function safeTransferFrom(address token, address from, address to, uint256 amount) internal {
        _call(token, abi.encodeWithSelector(0x23b872dd, from, to, amount));
    }

    /// @dev Performs the call and applies the success rule; a revert inside the token is
    ///      bubbled up unchanged (so that e.g. a reentrancy error raised in a callback stays
    ///      visible), any other failure becomes {SafeTransferFailed}.
    function _call(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok) {
            if (ret.length != 0) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
            revert SafeTransferFailed(token);
        }
        if (ret.length == 0) {
            if (token.code.length == 0) revert SafeTransferFailed(token);
        } else if (ret.length < 32 || abi.decode(ret, (uint256)) != 1) {
            revert SafeTransferFailed(token);
        }
    }
}
