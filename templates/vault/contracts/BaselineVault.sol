// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {IERC20} from "hardhat-parallel/contracts/interfaces/IERC20.sol";
import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

/// @title BaselineVault
/// @author hardhat-parallel
/// @notice A conventional, synchronous ERC-4626 vault: the comparison for {ParallelVault}.
///
/// @dev The logic follows OpenZeppelin's ERC4626 (written here, not copied): `totalAssets` is the
///      vault's asset balance, conversions use the same virtual offset as {ParallelVault}
///      (`totalAssets + 1` assets for `totalSupply + 10^DECIMALS_OFFSET` shares), previews round
///      in the vault's favour (deposit/redeem down, mint/withdraw up), assets move in before
///      shares are minted and shares are burnt before assets move out.
///
///      ## Why it serialises
///      Every `deposit`/`mint`/`withdraw`/`redeem` reads `_totalSupply` and the asset balance to
///      price the operation and writes `_totalSupply`, and (through the asset) writes the vault's
///      balance slot in the asset token. On a parallel chain, every vault operation in a block
///      therefore depends on the one before it — whatever the asset.
///
///      ## Reentrancy
///      The four entry points are `nonReentrant` and the price views `nonReentrantView`, with the
///      library's {TransientReentrancyGuard} as in {ParallelVault}: in `deposit`/`mint` the assets
///      arrive before the shares are minted, so a hook of the asset (ERC-777-style) running at
///      that point would see the assets in and the supply not yet grown (an over-priced share).
///      The lock is transient storage: it adds no storage slot, so the comparison's dependencies
///      are those of a conventional vault and nothing else.
///
///      ## Storage (0-4 from {ConventionalERC20})
///      0 `_balances`, 1 `_allowances`, 2 `_totalSupply`, 3 `_name`, 4 `_symbol`. `asset` and
///      the decimals are immutables; the reentrancy lock is transient.
contract BaselineVault is ConventionalERC20, TransientReentrancyGuard {
    /// @notice Decimals added to the asset's decimals for shares: 10^3 virtual shares.
    uint8 public constant DECIMALS_OFFSET = 3;

    /// @dev `10 ** DECIMALS_OFFSET`.
    uint256 private constant _VIRTUAL_SHARES = 10 ** DECIMALS_OFFSET;

    /// @notice The ERC-20 asset (ERC-4626 `asset()`).
    address public immutable asset;

    /// @dev Decimals of the asset, read once at deployment (18 if the asset does not say).
    uint8 private immutable _assetDecimals;

    /// @notice ERC-4626: `sender` deposited `assets` and `owner` received `shares`.
    /// @param sender The caller.
    /// @param owner The receiver of the shares.
    /// @param assets The assets (asset units).
    /// @param shares The shares (share units).
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);

    /// @notice ERC-4626: `owner`'s `shares` were burnt and `receiver` received `assets`.
    /// @param sender The caller.
    /// @param receiver The receiver of the assets.
    /// @param owner The owner of the shares.
    /// @param assets The assets (asset units).
    /// @param shares The shares (share units).
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );

    /// @notice More was asked than `owner` can withdraw.
    /// @param owner The owner.
    /// @param assets The assets asked.
    /// @param max The maximum.
    error ERC4626ExceededMaxWithdraw(address owner, uint256 assets, uint256 max);

    /// @notice More was asked than `owner` can redeem.
    /// @param owner The owner.
    /// @param shares The shares asked.
    /// @param max The maximum.
    error ERC4626ExceededMaxRedeem(address owner, uint256 shares, uint256 max);

    /// @param asset_ The ERC-20 asset.
    /// @param name_ The share token's name.
    /// @param symbol_ The share token's symbol.
    constructor(address asset_, string memory name_, string memory symbol_) ConventionalERC20(name_, symbol_) {
        asset = asset_;
        uint8 assetDecimals = 18;
        try IERC20(asset_).decimals() returns (uint8 d) {
            assetDecimals = d;
        } catch {}
        _assetDecimals = assetDecimals;
    }

    /// @notice The share token's decimals: the asset's plus {DECIMALS_OFFSET}.
    /// @return The decimals.
    function decimals() public view override returns (uint8) {
        return _assetDecimals + DECIMALS_OFFSET;
    }

    /// @notice ERC-4626: the vault's asset balance. Reverts with
    ///         {TransientReentrancyGuard.ReentrantCall} inside a vault call.
    /// @return The assets (asset units).
    function totalAssets() external view nonReentrantView returns (uint256) {
        return _totalAssets();
    }

    /// @notice ERC-4626: shares that `assets` buy now, rounded down. Reverts inside a vault call.
    /// @param assets The assets (asset units).
    /// @return The shares (share units).
    /// @custom:reads _totalSupply
    function convertToShares(uint256 assets) external view nonReentrantView returns (uint256) {
        return _toShares(assets, false);
    }

    /// @notice ERC-4626: assets that `shares` are worth now, rounded down. Reverts inside a vault
    ///         call.
    /// @param shares The shares (share units).
    /// @return The assets (asset units).
    /// @custom:reads _totalSupply
    function convertToAssets(uint256 shares) external view nonReentrantView returns (uint256) {
        return _toAssets(shares, false);
    }

    /// @notice ERC-4626: no deposit limit.
    /// @return `type(uint256).max`.
    function maxDeposit(address) external pure returns (uint256) {
        return type(uint256).max;
    }

    /// @notice ERC-4626: no mint limit.
    /// @return `type(uint256).max`.
    function maxMint(address) external pure returns (uint256) {
        return type(uint256).max;
    }

    /// @notice ERC-4626: the assets `owner`'s shares are worth, rounded down. Reverts inside a
    ///         vault call.
    /// @param owner The owner.
    /// @return The assets (asset units).
    /// @custom:reads _balances[owner], _totalSupply
    function maxWithdraw(address owner) external view nonReentrantView returns (uint256) {
        return _toAssets(_balances[owner], false);
    }

    /// @notice ERC-4626: `owner`'s shares.
    /// @param owner The owner.
    /// @return The shares (share units).
    /// @custom:reads _balances[owner]
    function maxRedeem(address owner) external view returns (uint256) {
        return _balances[owner];
    }

    /// @notice ERC-4626: shares a deposit of `assets` gives now (rounded down). Reverts inside a
    ///         vault call.
    /// @param assets The assets (asset units).
    /// @return The shares (share units).
    /// @custom:reads _totalSupply
    function previewDeposit(uint256 assets) external view nonReentrantView returns (uint256) {
        return _toShares(assets, false);
    }

    /// @notice ERC-4626: assets a mint of `shares` costs now (rounded up). Reverts inside a vault
    ///         call.
    /// @param shares The shares (share units).
    /// @return The assets (asset units).
    /// @custom:reads _totalSupply
    function previewMint(uint256 shares) external view nonReentrantView returns (uint256) {
        return _toAssets(shares, true);
    }

    /// @notice ERC-4626: shares a withdrawal of `assets` burns now (rounded up). Reverts inside a
    ///         vault call.
    /// @param assets The assets (asset units).
    /// @return The shares (share units).
    /// @custom:reads _totalSupply
    function previewWithdraw(uint256 assets) external view nonReentrantView returns (uint256) {
        return _toShares(assets, true);
    }

    /// @notice ERC-4626: assets a redemption of `shares` pays now (rounded down). Reverts inside a
    ///         vault call.
    /// @param shares The shares (share units).
    /// @return The assets (asset units).
    /// @custom:reads _totalSupply
    function previewRedeem(uint256 shares) external view nonReentrantView returns (uint256) {
        return _toAssets(shares, false);
    }

    /// @notice ERC-4626: takes `assets` from the caller and mints the shares they buy to `receiver`.
    /// @param assets The assets (asset units).
    /// @param receiver The receiver of the shares.
    /// @return shares The shares minted (share units).
    /// @custom:writes _totalSupply, _balances[receiver]
    function deposit(uint256 assets, address receiver) external nonReentrant returns (uint256 shares) {
        shares = _toShares(assets, false);
        SafeTransfer.safeTransferFrom(asset, msg.sender, address(this), assets);
        _mint(receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    /// @notice ERC-4626: mints exactly `shares` to `receiver` for the assets they cost.
    /// @param shares The shares (share units).
    /// @param receiver The receiver of the shares.
    /// @return assets The assets taken (asset units).
    /// @custom:writes _totalSupply, _balances[receiver]
    function mint(uint256 shares, address receiver) external nonReentrant returns (uint256 assets) {
        assets = _toAssets(shares, true);
        SafeTransfer.safeTransferFrom(asset, msg.sender, address(this), assets);
        _mint(receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    /// @notice ERC-4626: burns the shares worth `assets` from `owner` and pays `receiver`.
    /// @param assets The assets (asset units).
    /// @param receiver The receiver of the assets.
    /// @param owner The owner of the shares (the caller, or it spends its allowance).
    /// @return shares The shares burnt (share units).
    /// @custom:reads _balances[owner]
    /// @custom:writes _allowances[owner][msg.sender], _balances[owner], _totalSupply
    function withdraw(uint256 assets, address receiver, address owner) external nonReentrant returns (uint256 shares) {
        uint256 max = _toAssets(_balances[owner], false);
        if (assets > max) revert ERC4626ExceededMaxWithdraw(owner, assets, max);
        shares = _toShares(assets, true);
        _exit(receiver, owner, assets, shares);
    }

    /// @notice ERC-4626: burns `shares` from `owner` and pays `receiver` what they are worth.
    /// @param shares The shares (share units).
    /// @param receiver The receiver of the assets.
    /// @param owner The owner of the shares (the caller, or it spends its allowance).
    /// @return assets The assets paid (asset units).
    /// @custom:writes _allowances[owner][msg.sender], _balances[owner], _totalSupply
    function redeem(uint256 shares, address receiver, address owner) external nonReentrant returns (uint256 assets) {
        uint256 max = _balances[owner];
        if (shares > max) revert ERC4626ExceededMaxRedeem(owner, shares, max);
        assets = _toAssets(shares, false);
        _exit(receiver, owner, assets, shares);
    }

    /// @dev The vault's asset balance.
    function _totalAssets() internal view returns (uint256) {
        return IERC20(asset).balanceOf(address(this));
    }

    /// @dev Shares for `assets` at the current price (`totalAssets + 1` for
    ///      `totalSupply + 10^DECIMALS_OFFSET`), rounded up if `up`, else down.
    function _toShares(uint256 assets, bool up) internal view returns (uint256) {
        uint256 supply = _totalSupply + _VIRTUAL_SHARES;
        uint256 managed = _totalAssets() + 1;
        return up ? MulDiv.mulDivUp(assets, supply, managed) : MulDiv.mulDiv(assets, supply, managed);
    }

    /// @dev Assets for `shares` at the current price, rounded up if `up`, else down.
    function _toAssets(uint256 shares, bool up) internal view returns (uint256) {
        uint256 supply = _totalSupply + _VIRTUAL_SHARES;
        uint256 managed = _totalAssets() + 1;
        return up ? MulDiv.mulDivUp(shares, managed, supply) : MulDiv.mulDiv(shares, managed, supply);
    }

    /// @dev Spends allowance if needed, burns, then pays (burn before transfer: no reentrancy
    ///      window with stale supply).
    function _exit(address receiver, address owner, uint256 assets, uint256 shares) internal {
        if (msg.sender != owner) _spendAllowance(owner, msg.sender, shares);
        _burn(owner, shares);
        SafeTransfer.safeTransfer(asset, receiver, assets);
        emit Withdraw(msg.sender, receiver, owner, assets, shares);
    }
}
