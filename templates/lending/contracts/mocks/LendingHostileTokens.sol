// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";

/// @title LendingFeeOnTransferToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A conventional ERC-20 that burns 1% of every transfer (the recipient gets
///         99%): the kind of deflationary token a market that credits the amount it asked for
///         would become insolvent with. Open faucet: never deploy it anywhere that matters.
/// @dev Storage as {ConventionalERC20}.
contract LendingFeeOnTransferToken is ConventionalERC20 {
    constructor() ConventionalERC20("Lending Fee Token", "LFEE") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Moves 99% of `value` and burns the rest from `from`.
    function _transfer(address from, address to, uint256 value) internal override {
        uint256 fee = value / 100;
        super._transfer(from, to, value - fee);
        if (fee != 0) _burn(from, fee);
    }
}

/// @title LendingFalseReturningToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A conventional ERC-20 whose `transfer` and `transferFrom` return `false`
///         without moving anything while `failing` is set (as some old tokens do instead of
///         reverting). Open faucet: never deploy it anywhere that matters.
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `failing`.
contract LendingFalseReturningToken is ConventionalERC20 {
    /// @notice Whether transfers currently fail by returning `false`.
    bool public failing;

    constructor() ConventionalERC20("Lending False Token", "LFALSE") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes transfers return `false` (true) or work (false).
    /// @param failing_ The new setting.
    /// @custom:writes failing
    function setFailing(bool failing_) external {
        failing = failing_;
    }

    /// @notice ERC-20 transfer, or `false` while failing.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return Whether the transfer happened.
    /// @custom:reads failing
    /// @custom:writes _balances[msg.sender], _balances[to]
    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    /// @notice ERC-20 transferFrom, or `false` while failing.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return Whether the transfer happened.
    /// @custom:reads failing
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to]
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}
