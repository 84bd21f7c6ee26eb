// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC20Permit
/// @notice EIP-2612: approvals by EIP-712 signature, so that a holder can approve without a
///         transaction of its own.
interface IERC20Permit {
    /// @notice Sets `owner`'s allowance for `spender` to `value` if `(v, r, s)` is `owner`'s
    ///         EIP-712 signature of `Permit(owner, spender, value, nonce, deadline)` with the
    ///         current `nonces(owner)`, and `block.timestamp <= deadline`.
    /// @param owner The token holder that signed.
    /// @param spender The account to approve.
    /// @param value The allowance (token units).
    /// @param deadline The last timestamp (seconds) at which the signature is valid.
    /// @param v The signature's recovery id.
    /// @param r The signature's r.
    /// @param s The signature's s.
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice The next permit nonce of `owner` (starts at 0, +1 per accepted permit).
    /// @param owner The token holder.
    /// @return The nonce.
    function nonces(address owner) external view returns (uint256);

    /// @notice The EIP-712 domain separator used in permit signatures.
    /// @return The separator.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
