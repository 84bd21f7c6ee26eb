// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "hardhat-parallel/contracts/interfaces/IERC20.sol";

import {ParallelVault} from "../ParallelVault.sol";

/// @title VaultFlashAttacker
/// @author hardhat-parallel
/// @notice TEST CONTRACT. Runs whole vault cycles inside ONE transaction against a
///         permissionless {ParallelVault} (anyone may settle), as a flash-loan-funded attacker
///         would: request a deposit, settle the epoch itself, claim the shares, optionally donate
///         to move the price, request the redemption of every share, settle again and claim the
///         assets. The invariant tests check that no such sequence pays it more than it put in
///         and that the vault stays solvent for everyone else.
/// @dev Holds its own asset balance (funded by the tests). No storage.
contract VaultFlashAttacker {
    /// @notice The vault attacked.
    ParallelVault public immutable vault;

    /// @notice The vault's asset.
    IERC20 public immutable asset;

    /// @param vault_ The vault (must be permissionless for the cycles to settle).
    constructor(ParallelVault vault_) {
        vault = vault_;
        asset = IERC20(vault_.asset());
    }

    /// @notice One transaction: requestDeposit(`assets`), settle, claim all shares, donate
    ///         `donation` to the vault, requestRedeem(all shares), settle, redeem all.
    /// @dev A deposit too small to buy a share stops after the first claim (the assets stay in
    ///      the vault: the attacker's loss). Bubbles any vault revert.
    /// @param assets The assets deposited (asset units, > 0).
    /// @param donation Assets sent to the vault between the two settlements (asset units).
    /// @return shares The shares the deposit bought (share units).
    /// @return back The assets the redemption paid (asset units).
    function roundTrip(uint256 assets, uint256 donation) external returns (uint256 shares, uint256 back) {
        asset.approve(address(vault), assets);
        vault.requestDeposit(assets, address(this), address(this));
        vault.settle(vault.currentEpoch());
        shares = vault.maxMint(address(this));
        if (shares == 0) return (0, 0);
        vault.mint(shares, address(this));
        if (donation != 0) {
            require(asset.transfer(address(vault), donation), "VaultFlashAttacker: donation");
        }
        vault.requestRedeem(shares, address(this), address(this));
        vault.settle(vault.currentEpoch());
        back = vault.redeem(shares, address(this), address(this));
    }

    /// @notice One transaction: requestDeposit(`assets`) and cancel it at once (possible only
    ///         once the open epoch has outlived the vault's request timeout).
    /// @param assets The assets (asset units, > 0).
    /// @return refunded The assets paid back (asset units).
    function requestAndCancel(uint256 assets) external returns (uint256 refunded) {
        asset.approve(address(vault), assets);
        vault.requestDeposit(assets, address(this), address(this));
        refunded = vault.cancelDepositRequest(address(this), address(this));
    }
}
