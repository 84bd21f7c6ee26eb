// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";

/// @title AmmReentrantToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A malicious ERC-20 that, after moving tokens in `transfer` or
///         `transferFrom`, calls a configured target (e.g. the pool that called it) with
///         configured calldata: the reentrancy attack surface of any pool that calls its
///         tokens in the middle of an operation. Never deploy it anywhere that matters.
/// @dev The hook is one-shot (cleared before the call). A failing callback is recorded in
///      `lastHookError` (not bubbled), so tests can check that the outer operation completed
///      while the reentrant call was refused.
///
///      Storage: 0-4 from {ConventionalERC20}; 5 `hookTarget`; 6 `hookData` (bytes);
///      7 `hookCalls`; 8 `lastHookError` (bytes).
contract AmmReentrantToken is ConventionalERC20 {
    /// @notice The contract the next transfer calls back (zero: none).
    address public hookTarget;

    /// @notice The calldata of the callback.
    bytes public hookData;

    /// @notice How many callbacks ran.
    uint256 public hookCalls;

    /// @notice The revert data of the last failed callback (empty if it succeeded).
    bytes public lastHookError;

    constructor() ConventionalERC20("AMM Reentrant Token", "ART") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes the next `transfer`/`transferFrom` call `target` with `data`.
    /// @param target The contract to call back (zero disables the hook).
    /// @param data The calldata.
    /// @custom:writes hookTarget, hookData
    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    /// @notice ERC-20 transfer, then the hook.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True.
    /// @custom:writes _balances[msg.sender], _balances[to], hookTarget, hookCalls, lastHookError
    function transfer(address to, uint256 value) public override returns (bool) {
        _transfer(msg.sender, to, value);
        _runHook();
        return true;
    }

    /// @notice ERC-20 transferFrom, then the hook.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True.
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to], hookTarget, hookCalls, lastHookError
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        _runHook();
        return true;
    }

    /// @dev Runs the one-shot hook, if any, and records its revert data.
    function _runHook() private {
        address target = hookTarget;
        if (target == address(0)) return;
        hookTarget = address(0);
        hookCalls += 1;
        (bool ok, bytes memory ret) = target.call(hookData);
        lastHookError = ok ? bytes("") : ret;
    }
}
