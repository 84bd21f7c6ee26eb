// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TransientReentrancyGuard
/// @author hardhat-parallel
/// @notice A reentrancy guard whose lock lives in transient storage (EIP-1153), so it never
///         writes persistent storage, on any chain.
///
/// @dev ## Why
/// The classic guard (`uint256 _status` set to ENTERED on entry and back to NOT_ENTERED on exit)
/// writes one storage slot in every guarded call. On a parallel-executing chain that slot is read
/// and written by every transaction that calls any guarded function of the contract, so all of
/// them depend on each other: the guard alone serialises the contract. A transient slot is
/// discarded at the end of every transaction and is never part of the state other transactions
/// read, so it creates no dependency.
///
/// Some libraries (e.g. solady's `ReentrancyGuardTransient`) use transient storage only where
/// they know it exists and fall back to a storage slot elsewhere. This guard does not fall back:
/// it requires EIP-1153 (Cancun or later: Ethereum mainnet since March 2024, and every parallel
/// chain this project targets), and fails to run rather than silently becoming a hot spot.
///
/// ## Storage
/// No persistent storage. One transient variable, `_locked` (`bool transient`, Solidity 0.8.28+):
/// the compiler allocates it in the contract's transient storage layout (which is separate from
/// the persistent layout and starts at transient slot 0), so it cannot collide with persistent
/// variables, nor with other transient variables of the inheriting contract. It is true while a
/// guarded function runs and false otherwise; it is reset on exit, so several guarded calls in
/// one transaction work, and it is discarded with the transaction in any case. (A transient
/// variable rather than inline `tstore` to a hand-picked slot: same bytecode, checked by the
/// compiler, and no EIP-1153 composability warning in every build.)
///
/// Because it touches no persistent storage, the guard adds nothing to any function's
/// reads/writes annotation.
abstract contract TransientReentrancyGuard {
    /// @dev The lock: true while a guarded function runs. A `transient` state variable (Solidity
    ///      0.8.28+), so it lives in the transient storage layout, not in persistent storage.
    bool private transient _locked;

    /// @notice A guarded function was entered again before it returned.
    error ReentrantCall();

    /// @notice Prevents a contract from calling itself, directly or indirectly, through any two
    ///         functions that carry this modifier.
    modifier nonReentrant() {
        _enterGuard();
        _;
        _exitGuard();
    }

    /// @notice For view functions that must not observe state in the middle of a guarded call
    ///         (e.g. a price read by a callback before the state update): reverts with
    ///         {ReentrantCall} while a guarded function runs.
    modifier nonReentrantView() {
        if (_reentrancyGuardEntered()) revert ReentrantCall();
        _;
    }

    /// @dev Reverts if the lock is held, then takes it (`TLOAD`, `TSTORE` only).
    function _enterGuard() private {
        if (_locked) revert ReentrantCall();
        _locked = true;
    }

    /// @dev Releases the lock (`TSTORE` only).
    function _exitGuard() private {
        _locked = false;
    }

    /// @notice Whether a guarded function of this contract is currently running.
    /// @return True between the start and the end of a guarded call.
    function _reentrancyGuardEntered() internal view returns (bool) {
        return _locked;
    }
}
