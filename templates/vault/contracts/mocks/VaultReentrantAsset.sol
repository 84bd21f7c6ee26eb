// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";

/// @title VaultReentrantAsset
/// @author hardhat-parallel
/// @notice TEST TOKEN. A malicious ERC-20 that, after moving tokens in `transfer` or
///         `transferFrom`, calls back into a configured target (e.g. the vault that called it)
///         with configured calldata: the reentrancy attack surface of any vault that calls its
///         asset in the middle of an operation.
/// @dev The hook is one-shot (cleared before the call) so it cannot recurse forever. In
///      `swallow` mode a failed callback is recorded instead of bubbled, so tests can check that
///      the outer operation completed with its accounting intact while the reentrant call failed.
///
///      Storage: 0-4 from {ConventionalERC20}; 5 `hookTarget` (address) and `hookSwallow` (bool)
///      packed; 6 `hookData` (bytes); 7 `hookCalls`; 8 `lastHookFailed`; 9 `lastHookError` (bytes).
contract VaultReentrantAsset is ConventionalERC20 {
    /// @notice The contract the next transfer calls back (zero: none).
    address public hookTarget;

    /// @notice Whether a failing callback is recorded (true) or bubbled up (false).
    bool public hookSwallow;

    /// @notice The calldata of the callback.
    bytes public hookData;

    /// @notice How many callbacks ran.
    uint256 public hookCalls;

    /// @notice Whether the last callback reverted.
    bool public lastHookFailed;

    /// @notice The revert data of the last failed callback.
    bytes public lastHookError;

    constructor() ConventionalERC20("Vault Reentrant Asset", "VRA") {}

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
    /// @param swallow Record (true) or bubble (false) a revert of the callback.
    /// @custom:writes hookTarget, hookSwallow, hookData
    function setHook(address target, bytes calldata data, bool swallow) external {
        hookTarget = target;
        hookSwallow = swallow;
        hookData = data;
    }

    /// @notice Approves `spender` for this token's own balance (so a callback can spend it).
    /// @param spender The spender.
    /// @param amount The allowance (token units).
    /// @custom:writes _allowances[this][spender]
    function approveFromSelf(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    /// @notice ERC-20 transfer, then the hook.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True.
    /// @custom:reads hookData, hookSwallow
    /// @custom:writes _balances[msg.sender], _balances[to], hookTarget, hookCalls, lastHookFailed, lastHookError
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
    /// @custom:reads hookData, hookSwallow
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to], hookTarget, hookCalls, lastHookFailed, lastHookError
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        _runHook();
        return true;
    }

    /// @dev Runs the one-shot hook, if any.
    function _runHook() private {
        address target = hookTarget;
        if (target == address(0)) return;
        hookTarget = address(0);
        hookCalls += 1;
        (bool ok, bytes memory ret) = target.call(hookData);
        if (ok) return;
        if (!hookSwallow) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        lastHookFailed = true;
        lastHookError = ret;
    }
}
