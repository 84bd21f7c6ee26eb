// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC20
/// @notice The ERC-20 token interface (EIP-20) with the optional metadata functions.
/// @dev Declared here so the library and the templates do not depend on another package.
interface IERC20 {
    /// @notice `value` tokens moved from `from` to `to` (`from == 0` for a mint, `to == 0` for a burn).
    /// @param from The account debited.
    /// @param to The account credited.
    /// @param value The amount (token units).
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice `owner` allowed `spender` to move `value` of its tokens.
    /// @param owner The account whose tokens may be spent.
    /// @param spender The account allowed to spend them.
    /// @param value The new allowance (token units).
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The token's name.
    /// @return The name.
    function name() external view returns (string memory);

    /// @notice The token's symbol.
    /// @return The symbol.
    function symbol() external view returns (string memory);

    /// @notice The number of decimals of the token's amounts.
    /// @return The decimals.
    function decimals() external view returns (uint8);

    /// @notice The total amount of tokens in existence.
    /// @return The total supply (token units).
    function totalSupply() external view returns (uint256);

    /// @notice The balance of `account`.
    /// @param account The account.
    /// @return The balance (token units).
    function balanceOf(address account) external view returns (uint256);

    /// @notice The amount `spender` may still move on behalf of `owner`.
    /// @param owner The owner.
    /// @param spender The spender.
    /// @return The allowance (token units).
    function allowance(address owner, address spender) external view returns (uint256);

    /// @notice Moves `value` tokens from the caller to `to`.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True on success (reverts otherwise).
    function transfer(address to, uint256 value) external returns (bool);

    /// @notice Sets the caller's allowance for `spender` to `value`.
    /// @param spender The spender.
    /// @param value The allowance (token units).
    /// @return True on success.
    function approve(address spender, uint256 value) external returns (bool);

    /// @notice Moves `value` tokens from `from` to `to` using the caller's allowance.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True on success (reverts otherwise).
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}
