// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC7540Operator
/// @notice ERC-7540 operators: a controller lets an operator request and claim on its behalf.
///         ERC-165 interface id 0xe3bc4e65.
interface IERC7540Operator {
    /// @notice `controller` approved or revoked `operator`.
    /// @param controller The account that delegates.
    /// @param operator The operator.
    /// @param approved Whether the operator is approved.
    event OperatorSet(address indexed controller, address indexed operator, bool approved);

    /// @notice Approves or revokes `operator` for the caller.
    /// @param operator The operator.
    /// @param approved Whether to approve it.
    /// @return True.
    function setOperator(address operator, bool approved) external returns (bool);

    /// @notice Whether `operator` may act for `controller`.
    /// @param controller The controller.
    /// @param operator The operator.
    /// @return The approval status.
    function isOperator(address controller, address operator) external view returns (bool);
}

/// @title IERC7540Deposit
/// @notice ERC-7540 asynchronous deposit requests. ERC-165 interface id 0xce3bbe50.
interface IERC7540Deposit {
    /// @notice `owner`'s `assets` were locked in a deposit request for `controller`.
    /// @param controller The account that controls (claims) the request.
    /// @param owner The account whose assets were taken.
    /// @param requestId The request id (0: requests are aggregated per controller).
    /// @param sender The caller.
    /// @param assets The amount of assets (asset units).
    event DepositRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 assets
    );

    /// @notice Takes `assets` from `owner` into the vault and records a deposit request for
    ///         `controller`.
    /// @param assets The amount of assets (asset units).
    /// @param controller The account that will claim the shares.
    /// @param owner The account whose assets are taken (the caller or one of its operators).
    /// @return requestId The request id.
    function requestDeposit(uint256 assets, address controller, address owner) external returns (uint256 requestId);

    /// @notice Assets of `controller`'s requests that are not yet claimable.
    /// @param requestId The request id.
    /// @param controller The controller.
    /// @return pendingAssets The amount (asset units).
    function pendingDepositRequest(uint256 requestId, address controller) external view returns (uint256 pendingAssets);

    /// @notice Assets of `controller`'s requests that are claimable.
    /// @param requestId The request id.
    /// @param controller The controller.
    /// @return claimableAssets The amount (asset units).
    function claimableDepositRequest(uint256 requestId, address controller)
        external
        view
        returns (uint256 claimableAssets);

    /// @notice Claims: credits `receiver` with the shares of `assets` of `controller`'s claimable
    ///         deposit requests.
    /// @param assets The claimable assets to claim (asset units).
    /// @param receiver The account credited with the shares.
    /// @param controller The controller of the requests.
    /// @return shares The shares credited (share units).
    function deposit(uint256 assets, address receiver, address controller) external returns (uint256 shares);

    /// @notice Claims exactly `shares` of `controller`'s claimable deposit requests.
    /// @param shares The claimable shares to claim (share units).
    /// @param receiver The account credited with the shares.
    /// @param controller The controller of the requests.
    /// @return assets The claimable assets consumed (asset units).
    function mint(uint256 shares, address receiver, address controller) external returns (uint256 assets);
}

/// @title IERC7540Redeem
/// @notice ERC-7540 asynchronous redemption requests. ERC-165 interface id 0x620ee8e4.
interface IERC7540Redeem {
    /// @notice `owner`'s `shares` were locked in a redemption request for `controller`.
    /// @param controller The account that controls (claims) the request.
    /// @param owner The account whose shares were taken.
    /// @param requestId The request id (0: requests are aggregated per controller).
    /// @param sender The caller.
    /// @param shares The amount of shares (share units).
    event RedeemRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 shares
    );

    /// @notice Takes `shares` from `owner` and records a redemption request for `controller`.
    /// @param shares The amount of shares (share units).
    /// @param controller The account that will claim the assets.
    /// @param owner The account whose shares are taken.
    /// @return requestId The request id.
    function requestRedeem(uint256 shares, address controller, address owner) external returns (uint256 requestId);

    /// @notice Shares of `controller`'s requests that are not yet claimable.
    /// @param requestId The request id.
    /// @param controller The controller.
    /// @return pendingShares The amount (share units).
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256 pendingShares);

    /// @notice Shares of `controller`'s requests that are claimable.
    /// @param requestId The request id.
    /// @param controller The controller.
    /// @return claimableShares The amount (share units).
    function claimableRedeemRequest(uint256 requestId, address controller)
        external
        view
        returns (uint256 claimableShares);
}
