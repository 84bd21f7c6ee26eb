// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

import {IVaultTokenHooks} from "./VaultAdversarialAssets.sol";

/// @title LibrarySafeTransferHarness
/// @author hardhat-parallel
/// @notice TEST HARNESS. Exposes {SafeTransfer.safeTransfer} (`push`: pays out of this contract's
///         balance) and {SafeTransfer.safeTransferFrom} (`pull`: takes from an account that
///         approved this contract), each also behind {TransientReentrancyGuard} (`guardedPush`,
///         `guardedPull`), so that the tests can run the library against hostile tokens and see
///         what it does with a token that re-enters its caller.
/// @dev It is also an ERC-777-style hook receiver ({IVaultTokenHooks}, as called by
///      {VaultHookAsset}): when a token calls one of its hooks, the harness calls itself with the
///      calldata set by {setHookCall} (if any) and bubbles a revert, which is how a hook token
///      re-enters the contract that called it. The hook call is one-shot (cleared before it is
///      made, restored by a revert), so a nested transfer cannot recurse.
///
///      Storage: 0 `hookCall` (bytes); 1 `hookRuns` (uint256). The reentrancy lock is transient.
contract LibrarySafeTransferHarness is TransientReentrancyGuard, IVaultTokenHooks {
    /// @notice The calldata the harness sends to itself from a token hook (empty: none).
    bytes public hookCall;

    /// @notice How many token hooks called the harness.
    uint256 public hookRuns;

    /// @notice {SafeTransfer.safeTransfer}: sends `amount` of `token` from this contract to `to`.
    /// @param token The token.
    /// @param to The recipient.
    /// @param amount The amount (token units).
    function push(address token, address to, uint256 amount) external {
        SafeTransfer.safeTransfer(token, to, amount);
    }

    /// @notice {SafeTransfer.safeTransferFrom}: takes `amount` of `token` from `from` (which
    ///         approved this contract) into this contract.
    /// @param token The token.
    /// @param from The account debited.
    /// @param amount The amount (token units).
    function pull(address token, address from, uint256 amount) external {
        SafeTransfer.safeTransferFrom(token, from, address(this), amount);
    }

    /// @notice {push} behind the reentrancy guard.
    /// @param token The token.
    /// @param to The recipient.
    /// @param amount The amount (token units).
    function guardedPush(address token, address to, uint256 amount) external nonReentrant {
        SafeTransfer.safeTransfer(token, to, amount);
    }

    /// @notice {pull} behind the reentrancy guard.
    /// @param token The token.
    /// @param from The account debited.
    /// @param amount The amount (token units).
    function guardedPull(address token, address from, uint256 amount) external nonReentrant {
        SafeTransfer.safeTransferFrom(token, from, address(this), amount);
    }

    /// @notice Sets the calldata the harness sends to itself when a token hook calls it.
    /// @param data The calldata (empty: the hooks do nothing but count).
    /// @custom:writes hookCall
    function setHookCall(bytes calldata data) external {
        hookCall = data;
    }

    /// @notice Registers this harness as its own hook on a {VaultHookAsset}-style token
    ///         (`setHook(address)`), so the token calls it when its balance moves.
    /// @param token The hook token.
    function registerHookOn(address token) external {
        (bool ok, bytes memory ret) = token.call(abi.encodeWithSignature("setHook(address)", address(this)));
        if (!ok) _bubble(ret);
    }

    /// @inheritdoc IVaultTokenHooks
    /// @custom:writes hookCall, hookRuns
    function tokensToSend(address, address, address, uint256) external {
        _runHook();
    }

    /// @inheritdoc IVaultTokenHooks
    /// @custom:writes hookCall, hookRuns
    function tokensReceived(address, address, address, uint256) external {
        _runHook();
    }

    /// @dev Counts the hook and, if {hookCall} is set, clears it and calls this contract with it
    ///      (bubbling a revert).
    function _runHook() private {
        hookRuns += 1;
        bytes memory data = hookCall;
        if (data.length == 0) return;
        delete hookCall;
        (bool ok, bytes memory ret) = address(this).call(data);
        if (!ok) _bubble(ret);
    }

    /// @dev Reverts with `ret` unchanged.
    function _bubble(bytes memory ret) private pure {
        assembly ("memory-safe") {
            revert(add(ret, 0x20), mload(ret))
        }
    }
}

/// @title LibraryScriptedToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. An ERC-20 (open faucet) whose `transfer` and `transferFrom` can be scripted
///         to misbehave in the ways a token can answer a call: revert with any data (a custom
///         error, an `Error(string)`, nothing at all), or move the tokens and then return any
///         bytes instead of the ABI-encoded `true` (`false`, `2`, a 1-byte answer, 64 bytes...).
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `mode` (uint8); 6 `scripted` (bytes).
contract LibraryScriptedToken is ConventionalERC20 {
    /// @notice What `transfer`/`transferFrom` do.
    /// @dev `Standard`: ERC-20, returns true. `Revert`: reverts with {scripted} as the revert
    ///      data. `ReturnRaw`: moves the tokens, then returns {scripted} as the raw return data.
    enum Mode {
        Standard,
        Revert,
        ReturnRaw
    }

    /// @notice The current behaviour.
    Mode public mode;

    /// @notice The revert data or return data of the scripted behaviour.
    bytes public scripted;

    constructor() ConventionalERC20("Library Scripted Token", "LST") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Scripts the behaviour of the next transfers.
    /// @param newMode The behaviour.
    /// @param data The revert data (`Revert`) or return data (`ReturnRaw`).
    /// @custom:writes mode, scripted
    function script(Mode newMode, bytes calldata data) external {
        mode = newMode;
        scripted = data;
    }

    /// @notice ERC-20 transfer, as scripted.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True (in `Standard` mode; otherwise the scripted answer is returned instead).
    /// @custom:reads mode, scripted
    /// @custom:writes _balances[msg.sender], _balances[to]
    function transfer(address to, uint256 value) public override returns (bool) {
        _before();
        _transfer(msg.sender, to, value);
        _after();
        return true;
    }

    /// @notice ERC-20 transferFrom, as scripted.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True (in `Standard` mode; otherwise the scripted answer is returned instead).
    /// @custom:reads mode, scripted
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to]
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _before();
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        _after();
        return true;
    }

    /// @dev In `Revert` mode, reverts with {scripted}.
    function _before() private view {
        if (mode != Mode.Revert) return;
        bytes memory data = scripted;
        assembly ("memory-safe") {
            revert(add(data, 0x20), mload(data))
        }
    }

    /// @dev In `ReturnRaw` mode, ends the call returning {scripted} as the raw return data.
    function _after() private view {
        if (mode != Mode.ReturnRaw) return;
        bytes memory data = scripted;
        assembly ("memory-safe") {
            return(add(data, 0x20), mload(data))
        }
    }
}

/// @title LibraryPhantomToken
/// @author hardhat-parallel
/// @notice TEST CONTRACT. Has no `transfer`/`transferFrom` at all, only a payable `fallback` that
///         accepts any call, counts it and returns nothing: the shape of a "phantom function"
///         (WETH9's fallback answers `permit` that way). To {SafeTransfer} such a call looks
///         exactly like a successful transfer of a token that returns nothing (USDT-style), so
///         the library reports success although nothing moved: a known limit, shown by the tests.
/// @dev Storage: 0 `calls`.
contract LibraryPhantomToken {
    /// @notice How many calls the fallback accepted.
    uint256 public calls;

    /// @notice Accepts any calldata (and ether), counts it, returns nothing.
    /// @custom:writes calls
    fallback() external payable {
        calls += 1;
    }
}
