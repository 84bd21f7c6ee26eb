// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {Epochs} from "hardhat-parallel/contracts/Epochs.sol";
import {IERC20} from "hardhat-parallel/contracts/interfaces/IERC20.sol";
import {IParallelERC20} from "hardhat-parallel/contracts/interfaces/IParallelERC20.sol";
import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {ShardedCounter} from "hardhat-parallel/contracts/ShardedCounter.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

import {IERC7540Deposit, IERC7540Operator, IERC7540Redeem} from "./interfaces/IERC7540.sol";

/// @title ParallelVault
/// @author hardhat-parallel
/// @notice An ERC-7540 asynchronous vault (ERC-4626 share accounting) whose requests and claims
///         from different users touch disjoint storage, so that they execute in parallel.
///
/// @dev ## Flow
/// 1. `requestDeposit(assets, controller, owner)` takes `assets` from `owner` and adds them to
///    `controller`'s pending request; `requestRedeem(shares, controller, owner)` takes `shares`
///    from `owner` (into the vault's escrow) likewise.
/// 2. `settle(epoch)` closes the open epoch at ONE share price, computed from the vault's managed
///    assets and share supply *before* the epoch's flows: every deposit of the epoch buys shares
///    and every redemption sells shares at that price. Settlement is permissioned (only
///    `settler`) or, if `settler` is the zero address, permissionless. The settler hands its role
///    over in two steps ({proposeSettler}, {acceptSettler}) or renounces it ({renounceSettler}:
///    settlement becomes permissionless).
/// 3. `deposit`/`mint` (claim shares) and `redeem`/`withdraw` (claim assets) convert the caller's
///    settled requests at their epoch's recorded price.
/// 4. If the open epoch has not been settled `requestTimeout` seconds after it opened, a
///    controller (or its operator) may cancel its pending deposit ({cancelDepositRequest}: the
///    assets are paid back) or redemption ({cancelRedeemRequest}: the shares are returned), so a
///    lost or silent settler cannot lock requests.
///
/// ## Views are not an on-chain oracle
/// `totalAssets`, `convertToShares`, `convertToAssets`, `pendingDepositAssets`,
/// `pendingRedeemShares` and `reservedAssets` sum 256-shard counters (and `totalAssets` and the
/// conversions the asset balance, 256 more shards with a {ParallelERC20}): about 1,000 cold slot
/// reads, 1.9M gas (standard asset) to 2.5M gas (ParallelERC20) per call, measured in
/// `test/vault-audit.test.ts`. They are meant for off-chain use; a contract that needs the share
/// price should read a settled epoch's {epochPrice} (two slots). They revert with
/// {TransientReentrancyGuard.ReentrantCall} while a vault call is running (read-only reentrancy:
/// inside an asset's hook the books are half updated).
///
/// ## Why each slot is or is not shared
/// - Per-user slots carry the amounts: `_depositRequests[controller]`, `_redeemRequests[controller]`
///   and share balances are written only by their user's own transactions.
/// - Only what must be summed is shared, and it is sharded: the epoch's requested assets
///   (`_requestedAssets`) and shares (`_requestedShares`), and the assets paid out to redeemers
///   (`_claimedRedeemAssets`) are {ShardedCounter}s; a request writes the shard `shard(owner)`, a
///   redemption claim the shard `shard(controller)`. They are cumulative (never reset) so a
///   request never writes a slot settlement wrote; settlement remembers the sums it has consumed.
/// - `_totalSupply`, `_clock`, `_prices` and the `_settled*` totals are written only by
///   `settle`; requests and claims only read `_clock` and a settled epoch's `_prices[e]`, which
///   no other request or claim writes.
/// - The asset: if it is a {ParallelERC20}, the constructor opts the vault in to a sharded
///   balance, so `transferFrom(owner, vault, assets)` credits the vault's shard `shard(owner)` —
///   the same shard index as the vault's own `_requestedAssets` write. With a conventional ERC-20
///   every deposit writes `balanceOf[vault]` in the token and the vault cannot avoid it.
/// - The reentrancy guard is transient (EIP-1153): no storage.
/// Two requests from different users therefore conflict only when their owners fall in the same
/// shard (probability 1/256 per pair; see the README for 100 users). Settlement reads every shard
/// and the asset balance, so it depends on all requests of its block: it is the one serial step
/// per epoch, the price paid for parallel requests (settlement latency for parallelism).
///
/// ## Accounting
/// - `managed` (ERC-4626 `totalAssets`) = asset balance of the vault − assets reserved for
///   settled-but-unclaimed redemptions − assets of not-yet-settled deposit requests. Gains
///   (donations, yield sent to the vault) and losses show up in it at the next settlement.
/// - The epoch price is `base = managed + 1` assets for `quote = totalSupply + 10^DECIMALS_OFFSET`
///   shares: virtual assets and shares as in OpenZeppelin's ERC-4626 (decimals offset), which make
///   the donation ("inflation") attack on the first depositor unprofitable.
/// - Every conversion rounds in the vault's favour: shares for deposited assets and assets for
///   redeemed shares round down, both at settlement (epoch totals) and per user (so the sum of
///   the users' amounts never exceeds the epoch total); `mint`/`withdraw` round the amount they
///   consume up.
/// - `totalSupply` includes settled-but-unclaimed deposit shares and not-yet-settled redemption
///   shares (the vault's escrow). The escrow is not stored as `balanceOf(vault)` — that would be
///   one slot written by every request and claim, the hot spot this design removes — so
///   `sum(balanceOf) <= totalSupply`; the {IERC20-Transfer} events to and from the vault let
///   indexers follow the escrow.
///
/// ## Storage (slots relative to the first slot of this contract; 0-4 from {ConventionalERC20})
/// - 0 `_balances`, 1 `_allowances`, 2 `_totalSupply`, 3 `_name`, 4 `_symbol` (see there).
/// - 5 `_operators`: `mapping(address => mapping(address => bool))`, `(controller, operator)` at
///   `keccak256(abi.encode(operator, keccak256(abi.encode(controller, 5))))`.
/// - 6 `_depositRequests`: `mapping(address => DepositState)`, 4 slots at
///   `keccak256(abi.encode(controller, 6)) + 0..3` (pendingAssets, pendingEpoch, claimableAssets,
///   claimableShares).
/// - 7 `_redeemRequests`: `mapping(address => RedeemState)`, 4 slots at
///   `keccak256(abi.encode(controller, 7)) + 0..3`.
/// - 8..263 `_requestedAssets`, 264..519 `_requestedShares`, 520..775 `_claimedRedeemAssets`:
///   `ShardedCounter.Counter`, shard `i` at the counter's first slot + `i`.
/// - 776 `_clock`: `Epochs.Clock` (current, openedAt packed).
/// - 777 `_prices`: `mapping(uint256 => Epochs.Price)`, epoch `e` at `keccak256(abi.encode(e, 777)) + 0..1`.
/// - 778 `_settledRequestedAssets`, 779 `_settledRequestedShares`, 780 `_settledRedeemAssets`.
/// - 781 `settler` (address), 782 `pendingSettler` (address): written only by the settler
///   hand-over functions, read by `settle` (not by requests or claims).
/// The reentrancy lock is transient; `asset`, `assetSharded`, `minEpochDuration`,
/// `requestTimeout` and the decimals are immutables.
///
/// ## Source of the idea
/// ERC-7540 (asynchronous tokenized vaults), ERC-4626 (share accounting, virtual offsets as in
/// OpenZeppelin's implementation), epoch-settled vaults and batch auctions (one uniform price per
/// batch), Aptos aggregators (AIP-47) for the sharded totals.
contract ParallelVault is
    ConventionalERC20,
    TransientReentrancyGuard,
    IERC7540Operator,
    IERC7540Deposit,
    IERC7540Redeem
{
    using ShardedCounter for ShardedCounter.Counter;
    using Epochs for Epochs.Clock;
    using Epochs for Epochs.Price;
    using Epochs for mapping(uint256 => Epochs.Price);

    /// @notice A controller's deposit side.
    /// @dev `pendingAssets` were requested in epoch `pendingEpoch`; once that epoch is settled they
    ///      are folded (converted at the epoch's price) into `claimableAssets`/`claimableShares` by
    ///      the controller's next transaction, or read as claimable by the views.
    struct DepositState {
        uint256 pendingAssets;
        uint256 pendingEpoch;
        uint256 claimableAssets;
        uint256 claimableShares;
    }

    /// @notice A controller's redemption side (mirror of {DepositState}).
    struct RedeemState {
        uint256 pendingShares;
        uint256 pendingEpoch;
        uint256 claimableShares;
        uint256 claimableAssets;
    }

    /// @dev Intermediate totals of a settlement (see {_books}).
    struct Books {
        uint256 requestedAssets;
        uint256 requestedShares;
        uint256 depositAssets;
        uint256 redeemShares;
        uint256 reserved;
        uint256 managed;
    }

    /// @notice Decimals added to the asset's decimals for shares: 10^3 virtual shares.
    uint8 public constant DECIMALS_OFFSET = 3;

    /// @notice The request id of every request: requests are aggregated per controller (ERC-7540).
    uint256 public constant REQUEST_ID = 0;

    /// @dev Gas given to the `isShardedHolder(vault)` probe of the asset (one cold slot read and
    ///      a call need under 10k).
    uint256 private constant _PROBE_GAS = 50_000;

    /// @dev `10 ** DECIMALS_OFFSET`: virtual shares of the price.
    uint256 private constant _VIRTUAL_SHARES = 10 ** DECIMALS_OFFSET;

    /// @notice The ERC-20 asset (ERC-4626 `asset()`).
    address public immutable asset;

    /// @notice Whether the vault holds a sharded balance in the asset: true only if, after
    ///         `enableShardedBalance()`, the asset answered `isShardedHolder(vault)` with exactly
    ///         32 bytes encoding `true` (a token whose fallback accepts any call, such as WETH9,
    ///         does not).
    bool public immutable assetSharded;

    /// @notice The minimum time an epoch stays open before it can be settled (seconds).
    uint256 public immutable minEpochDuration;

    /// @notice Seconds after the open epoch opened from which its pending requests may be
    ///         cancelled by their controllers (non-zero).
    uint256 public immutable requestTimeout;

    /// @dev Decimals of the asset, read once at deployment (18 if the asset does not say).
    uint8 private immutable _assetDecimals;

    /// @dev ERC-7540 operator approvals: `_operators[controller][operator]`.
    mapping(address controller => mapping(address operator => bool)) internal _operators;

    /// @dev Deposit side of each controller.
    mapping(address controller => DepositState) internal _depositRequests;

    /// @dev Redemption side of each controller.
    mapping(address controller => RedeemState) internal _redeemRequests;

    /// @dev Cumulative assets requested for deposit since deployment, sharded by owner.
    ShardedCounter.Counter internal _requestedAssets;

    /// @dev Cumulative shares requested for redemption since deployment, sharded by owner.
    ShardedCounter.Counter internal _requestedShares;

    /// @dev Cumulative assets paid to redemption claims since deployment, sharded by controller.
    ShardedCounter.Counter internal _claimedRedeemAssets;

    /// @dev The epoch clock.
    Epochs.Clock internal _clock;

    /// @dev The settlement price of each settled epoch.
    mapping(uint256 epoch => Epochs.Price) internal _prices;

    /// @dev `sum(_requestedAssets)` consumed by the settlements so far.
    uint256 internal _settledRequestedAssets;

    /// @dev `sum(_requestedShares)` consumed by the settlements so far.
    uint256 internal _settledRequestedShares;

    /// @dev Cumulative assets owed to redeemers by the settlements so far.
    uint256 internal _settledRedeemAssets;

    /// @notice The only account allowed to settle, or the zero address if anyone may.
    address public settler;

    /// @notice The account {settler} proposed as its successor (zero: none).
    address public pendingSettler;

    /// @notice `current` proposed `proposed` as the next settler (zero: proposal withdrawn).
    /// @param current The settler.
    /// @param proposed The proposed successor.
    event SettlerProposed(address indexed current, address indexed proposed);

    /// @notice The settler changed from `previous` to `next` (zero: permissionless settlement).
    /// @param previous The former settler.
    /// @param next The new settler.
    event SettlerChanged(address indexed previous, address indexed next);

    /// @notice `controller`'s pending deposit of `assets` was cancelled and paid to `receiver`.
    /// @param controller The controller of the request.
    /// @param receiver The account paid.
    /// @param assets The assets paid back (asset units).
    event DepositRequestCancelled(address indexed controller, address indexed receiver, uint256 assets);

    /// @notice `controller`'s pending redemption of `shares` was cancelled; the shares went to
    ///         `receiver`.
    /// @param controller The controller of the request.
    /// @param receiver The account credited with the shares.
    /// @param shares The shares returned (share units).
    event RedeemRequestCancelled(address indexed controller, address indexed receiver, uint256 shares);

    /// @notice Epoch `epoch` was settled at the price `totalAssets + 1 : totalSupply + 10^3`.
    /// @param epoch The settled epoch.
    /// @param totalAssets Managed assets before the epoch's flows (asset units).
    /// @param totalSupply Share supply before the epoch's flows (share units).
    /// @param depositAssets Assets of the epoch's deposit requests.
    /// @param depositShares Shares minted for them.
    /// @param redeemShares Shares of the epoch's redemption requests (burnt).
    /// @param redeemAssets Assets reserved for them.
    event EpochSettled(
        uint256 indexed epoch,
        uint256 totalAssets,
        uint256 totalSupply,
        uint256 depositAssets,
        uint256 depositShares,
        uint256 redeemShares,
        uint256 redeemAssets
    );

    /// @notice ERC-4626: `sender` claimed `shares` for `assets` into `owner`'s balance.
    /// @param sender The controller of the claimed request.
    /// @param owner The receiver of the shares.
    /// @param assets The assets of the request (asset units).
    /// @param shares The shares received (share units).
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);

    /// @notice ERC-4626: `owner`'s settled redemption paid `assets` to `receiver` for `shares`.
    /// @param sender The caller.
    /// @param receiver The receiver of the assets.
    /// @param owner The controller of the claimed request.
    /// @param assets The assets paid (asset units).
    /// @param shares The shares of the request (share units).
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );

    /// @notice A request or claim of zero.
    error ZeroAmount();

    /// @notice The zero address was given where an account is needed.
    error ZeroAddress();

    /// @notice The caller is neither `account` nor one of its operators.
    /// @param caller The caller.
    /// @param account The owner or controller.
    error NotOwnerOrOperator(address caller, address account);

    /// @notice Settlement is permissioned and the caller is not the settler.
    /// @param caller The caller.
    error UnauthorizedSettler(address caller);

    /// @notice More was asked than is claimable.
    /// @param requested The amount asked.
    /// @param claimable The claimable amount.
    error ExceedsClaimable(uint256 requested, uint256 claimable);

    /// @notice ERC-7540: the preview functions revert for asynchronous flows.
    error AsyncFlow();

    /// @notice The caller is not the proposed settler.
    /// @param caller The caller.
    error NotPendingSettler(address caller);

    /// @notice The open epoch is younger than the request timeout: its requests cannot be
    ///         cancelled yet.
    /// @param cancellableAt The first timestamp at which they can (seconds).
    error RequestNotExpired(uint256 cancellableAt);

    /// @notice `controller` has no pending (unsettled) request of that kind.
    /// @param controller The controller.
    error NothingToCancel(address controller);

    /// @notice The asset moved a different amount into the vault than the request named
    ///         (fee-on-transfer or rebasing assets are not supported).
    /// @param expected The assets named (asset units).
    /// @param received The increase of the vault's balance (asset units).
    error AssetTransferMismatch(uint256 expected, uint256 received);

    /// @notice The asset address has no code.
    /// @param asset The address given.
    error AssetHasNoCode(address asset);

    /// @notice A request timeout of zero was given.
    error ZeroRequestTimeout();

    /// @param asset_ The ERC-20 asset. If it implements {IParallelERC20}, the vault opts in to a
    ///        sharded balance in it.
    /// @param name_ The share token's name.
    /// @param symbol_ The share token's symbol.
    /// @param settler_ The only account allowed to settle, or zero for permissionless settlement.
    /// @param minEpochDuration_ The minimum epoch duration (seconds).
    /// @param requestTimeout_ Seconds after an epoch opened from which its pending requests may be
    ///        cancelled (non-zero; choose it well above the settler's normal cadence).
    /// @custom:writes settler, _clock
    constructor(
        address asset_,
        string memory name_,
        string memory symbol_,
        address settler_,
        uint256 minEpochDuration_,
        uint256 requestTimeout_
    ) ConventionalERC20(name_, symbol_) {
        if (asset_ == address(0)) revert ZeroAddress();
        if (asset_.code.length == 0) revert AssetHasNoCode(asset_);
        if (requestTimeout_ == 0) revert ZeroRequestTimeout();
        asset = asset_;
        settler = settler_;
        minEpochDuration = minEpochDuration_;
        requestTimeout = requestTimeout_;
        uint8 assetDecimals = 18;
        try IERC20(asset_).decimals() returns (uint8 d) {
            assetDecimals = d;
        } catch {}
        _assetDecimals = assetDecimals;
        // Opt in to a sharded balance if the asset supports it (a plain ERC-20 reverts: ignored).
        // "Did not revert" proves nothing (WETH9's fallback accepts any selector), so the vault
        // counts the asset as sharded only if it then answers isShardedHolder(vault) == true.
        try IParallelERC20(asset_).enableShardedBalance() {} catch {}
        assetSharded = _answersTrue(asset_, abi.encodeCall(IParallelERC20.isShardedHolder, (address(this))));
        _clock.start();
    }

    // ---------------------------------------------------------------------------------------
    // Requests
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IERC7540Deposit
    /// @dev Folds `controller`'s settled request first (so one controller can have a claimable and
    ///      a pending request), adds `assets` to its pending request in the open epoch, adds them
    ///      to the shard `shard(owner)` of the requested total, and pulls them from `owner`.
    ///      Reverts with {AssetTransferMismatch} unless the vault's balance grew by exactly
    ///      `assets`; the balance is read where the transfer writes it (the token's
    ///      `balanceOf[vault]`, or with a sharded asset only the shard `shard(owner)`), so the
    ///      check adds no location shared with other users' requests.
    /// @custom:reads _operators[owner][msg.sender], _clock, _prices[*]
    /// @custom:writes _depositRequests[controller], _requestedAssets.shards[shard(owner)]
    function requestDeposit(uint256 assets, address controller, address owner)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        if (assets == 0) revert ZeroAmount();
        if (controller == address(0)) revert ZeroAddress();
        _checkCaller(owner);
        DepositState storage s = _depositRequests[controller];
        _foldDeposit(s);
        s.pendingAssets += assets;
        s.pendingEpoch = _clock.current;
        _requestedAssets.add(owner, assets);
        uint256 before = _assetBalanceAt(owner);
        SafeTransfer.safeTransferFrom(asset, owner, address(this), assets);
        uint256 received = _assetBalanceAt(owner);
        received = received > before ? received - before : 0;
        if (received != assets) revert AssetTransferMismatch(assets, received);
        emit DepositRequest(controller, owner, REQUEST_ID, msg.sender, assets);
        return REQUEST_ID;
    }

    /// @inheritdoc IERC7540Redeem
    /// @dev A caller that is neither `owner` nor its operator spends `owner`'s share allowance
    ///      (ERC-7540 allows both). The shares leave `owner`'s balance into the vault's escrow.
    /// @custom:reads _operators[owner][msg.sender], _clock, _prices[*]
    /// @custom:writes _allowances[owner][msg.sender], _balances[owner], _redeemRequests[controller], _requestedShares.shards[shard(owner)]
    function requestRedeem(uint256 shares, address controller, address owner)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        if (shares == 0) revert ZeroAmount();
        if (controller == address(0)) revert ZeroAddress();
        if (owner != msg.sender && !_operators[owner][msg.sender]) _spendAllowance(owner, msg.sender, shares);
        uint256 balance = _balances[owner];
        if (balance < shares) revert ERC20InsufficientBalance(owner, balance, shares);
        unchecked {
            _balances[owner] = balance - shares;
        }
        RedeemState storage s = _redeemRequests[controller];
        _foldRedeem(s);
        s.pendingShares += shares;
        s.pendingEpoch = _clock.current;
        _requestedShares.add(owner, shares);
        emit Transfer(owner, address(this), shares);
        emit RedeemRequest(controller, owner, REQUEST_ID, msg.sender, shares);
        return REQUEST_ID;
    }

    // ---------------------------------------------------------------------------------------
    // Settlement
    // ---------------------------------------------------------------------------------------

    /// @notice Closes the open epoch `epoch` at one price (see the contract notes): mints the
    ///         shares of its deposit requests, burns the shares of its redemption requests and
    ///         reserves their assets, records the price and opens the next epoch.
    /// @dev Reads every shard of the three counters and the asset balance: this transaction
    ///      depends on every request and redemption claim before it in its block, by design.
    ///      Reverts with {UnauthorizedSettler}, {Epochs.EpochMismatch} (wrong or already settled
    ///      epoch) or {Epochs.EpochTooYoung}.
    /// @param epoch The open epoch (`currentEpoch()`).
    /// @custom:reads settler, _requestedAssets.shards[*], _requestedShares.shards[*], _claimedRedeemAssets.shards[*]
    /// @custom:writes _clock, _prices[epoch], _settledRequestedAssets, _settledRequestedShares, _settledRedeemAssets, _totalSupply
    function settle(uint256 epoch) external nonReentrant {
        address settler_ = settler;
        if (settler_ != address(0) && msg.sender != settler_) revert UnauthorizedSettler(msg.sender);
        Books memory b = _books();
        uint256 supply = _totalSupply;
        Epochs.Price memory price = Epochs.Price({base: b.managed + 1, quote: supply + _VIRTUAL_SHARES});
        uint256 depositShares = price.toQuote(b.depositAssets);
        uint256 redeemAssets = price.toBase(b.redeemShares);
        _clock.close(_prices, epoch, price, minEpochDuration);
        _settledRequestedAssets = b.requestedAssets;
        _settledRequestedShares = b.requestedShares;
        _settledRedeemAssets += redeemAssets;
        // redeemShares <= supply: they are escrowed shares, still counted in the supply.
        _totalSupply = supply + depositShares - b.redeemShares;
        emit Transfer(address(0), address(this), depositShares);
        emit Transfer(address(this), address(0), b.redeemShares);
        emit EpochSettled(epoch, b.managed, supply, b.depositAssets, depositShares, b.redeemShares, redeemAssets);
    }

    /// @notice Proposes `newSettler` as the next settler (zero withdraws a proposal); it takes
    ///         over when it calls {acceptSettler}. Only the current settler; a permissionless
    ///         vault has none.
    /// @param newSettler The proposed settler.
    /// @custom:reads settler
    /// @custom:writes pendingSettler
    function proposeSettler(address newSettler) external {
        address current = settler;
        if (current == address(0) || msg.sender != current) revert UnauthorizedSettler(msg.sender);
        pendingSettler = newSettler;
        emit SettlerProposed(current, newSettler);
    }

    /// @notice The proposed settler takes over (second step of the hand-over).
    /// @custom:reads pendingSettler
    /// @custom:writes settler, pendingSettler
    function acceptSettler() external {
        if (msg.sender != pendingSettler || msg.sender == address(0)) revert NotPendingSettler(msg.sender);
        address previous = settler;
        settler = msg.sender;
        pendingSettler = address(0);
        emit SettlerChanged(previous, msg.sender);
    }

    /// @notice The settler gives up its role for good: settlement becomes permissionless.
    /// @custom:reads settler
    /// @custom:writes settler, pendingSettler
    function renounceSettler() external {
        address current = settler;
        if (current == address(0) || msg.sender != current) revert UnauthorizedSettler(msg.sender);
        settler = address(0);
        pendingSettler = address(0);
        emit SettlerChanged(current, address(0));
    }

    // ---------------------------------------------------------------------------------------
    // Cancellation after the request timeout
    // ---------------------------------------------------------------------------------------

    /// @notice Cancels `controller`'s whole pending (unsettled) deposit request and pays its
    ///         assets to `receiver`, once the open epoch has been open for {requestTimeout}
    ///         seconds. Callable by the controller or its operator (the request belongs to the
    ///         controller, whoever paid for it). A settled request is claimable instead.
    /// @dev Removes the assets from the requested total in the shard `shard(controller)` (the
    ///      counter is summed, so the shard the request wrote need not be the one debited), so
    ///      the next settlement neither prices nor mints for them. Reverts with
    ///      {RequestNotExpired}, {NothingToCancel}, {NotOwnerOrOperator} or {ZeroAddress}.
    /// @param controller The controller of the request.
    /// @param receiver The account paid.
    /// @return assets The assets paid back (asset units).
    /// @custom:reads _operators[controller][msg.sender], _clock
    /// @custom:writes _depositRequests[controller], _requestedAssets.shards[shard(controller)]
    function cancelDepositRequest(address controller, address receiver)
        external
        nonReentrant
        returns (uint256 assets)
    {
        if (receiver == address(0)) revert ZeroAddress();
        _checkCaller(controller);
        DepositState storage s = _depositRequests[controller];
        assets = s.pendingAssets;
        if (assets == 0 || _clock.isSettled(s.pendingEpoch)) revert NothingToCancel(controller);
        _checkExpired();
        s.pendingAssets = 0;
        _requestedAssets.sub(controller, assets);
        SafeTransfer.safeTransfer(asset, receiver, assets);
        emit DepositRequestCancelled(controller, receiver, assets);
    }

    /// @notice Cancels `controller`'s whole pending (unsettled) redemption request and credits
    ///         its shares back to `receiver`, once the open epoch has been open for
    ///         {requestTimeout} seconds. Callable by the controller or its operator.
    /// @dev The shares leave the vault's escrow (they were still counted in the supply, so
    ///      `totalSupply` does not change). Reverts as {cancelDepositRequest}.
    /// @param controller The controller of the request.
    /// @param receiver The account credited with the shares.
    /// @return shares The shares returned (share units).
    /// @custom:reads _operators[controller][msg.sender], _clock
    /// @custom:writes _redeemRequests[controller], _requestedShares.shards[shard(controller)], _balances[receiver]
    function cancelRedeemRequest(address controller, address receiver)
        external
        nonReentrant
        returns (uint256 shares)
    {
        if (receiver == address(0)) revert ZeroAddress();
        _checkCaller(controller);
        RedeemState storage s = _redeemRequests[controller];
        shares = s.pendingShares;
        if (shares == 0 || _clock.isSettled(s.pendingEpoch)) revert NothingToCancel(controller);
        _checkExpired();
        s.pendingShares = 0;
        _requestedShares.sub(controller, shares);
        _balances[receiver] += shares;
        emit Transfer(address(this), receiver, shares);
        emit RedeemRequestCancelled(controller, receiver, shares);
    }

    // ---------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------

    /// @notice ERC-7540 claim: credits `receiver` with the shares of `assets` of `controller`'s
    ///         claimable deposit (pro rata of its claimable shares, rounded down; claiming all
    ///         claimable assets gives all claimable shares).
    /// @param assets The claimable assets to claim (asset units).
    /// @param receiver The account credited with the shares.
    /// @param controller The controller of the request (the caller or its operator).
    /// @return shares The shares credited (share units).
    /// @custom:reads _operators[controller][msg.sender], _clock, _prices[*]
    /// @custom:writes _depositRequests[controller], _balances[receiver]
    function deposit(uint256 assets, address receiver, address controller)
        public
        nonReentrant
        returns (uint256 shares)
    {
        if (receiver == address(0)) revert ZeroAddress();
        _checkCaller(controller);
        DepositState storage s = _depositRequests[controller];
        _foldDeposit(s);
        uint256 claimableAssets = s.claimableAssets;
        if (assets > claimableAssets) revert ExceedsClaimable(assets, claimableAssets);
        uint256 claimableShares = s.claimableShares;
        shares = assets == claimableAssets ? claimableShares : MulDiv.mulDiv(claimableShares, assets, claimableAssets);
        s.claimableAssets = claimableAssets - assets;
        s.claimableShares = claimableShares - shares;
        _balances[receiver] += shares;
        emit Transfer(address(this), receiver, shares);
        emit Deposit(controller, receiver, assets, shares);
    }

    /// @notice ERC-4626 `deposit` as an ERC-7540 claim by the caller (controller = caller).
    /// @param assets The claimable assets to claim (asset units).
    /// @param receiver The account credited with the shares.
    /// @return shares The shares credited (share units).
    /// @custom:reads _clock, _prices[*]
    /// @custom:writes _depositRequests[msg.sender], _balances[receiver]
    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        return deposit(assets, receiver, msg.sender);
    }

    /// @notice ERC-7540 claim of exactly `shares` of `controller`'s claimable deposit; consumes
    ///         the pro-rata claimable assets, rounded up.
    /// @param shares The claimable shares to claim (share units).
    /// @param receiver The account credited with the shares.
    /// @param controller The controller of the request.
    /// @return assets The claimable assets consumed (asset units).
    /// @custom:reads _operators[controller][msg.sender], _clock, _prices[*]
    /// @custom:writes _depositRequests[controller], _balances[receiver]
    function mint(uint256 shares, address receiver, address controller) public nonReentrant returns (uint256 assets) {
        if (receiver == address(0)) revert ZeroAddress();
        _checkCaller(controller);
        DepositState storage s = _depositRequests[controller];
        _foldDeposit(s);
        uint256 claimableShares = s.claimableShares;
        if (shares > claimableShares) revert ExceedsClaimable(shares, claimableShares);
        uint256 claimableAssets = s.claimableAssets;
        assets = shares == claimableShares ? claimableAssets : MulDiv.mulDivUp(claimableAssets, shares, claimableShares);
        s.claimableAssets = claimableAssets - assets;
        s.claimableShares = claimableShares - shares;
        _balances[receiver] += shares;
        emit Transfer(address(this), receiver, shares);
        emit Deposit(controller, receiver, assets, shares);
    }

    /// @notice ERC-4626 `mint` as an ERC-7540 claim by the caller (controller = caller).
    /// @param shares The claimable shares to claim (share units).
    /// @param receiver The account credited with the shares.
    /// @return assets The claimable assets consumed (asset units).
    /// @custom:reads _clock, _prices[*]
    /// @custom:writes _depositRequests[msg.sender], _balances[receiver]
    function mint(uint256 shares, address receiver) external returns (uint256 assets) {
        return mint(shares, receiver, msg.sender);
    }

    /// @notice ERC-7540 claim: pays `receiver` the assets of `shares` of `controller`'s claimable
    ///         redemption (pro rata, rounded down; claiming all shares pays all claimable assets).
    /// @dev The asset transfer debits the vault's balance in the asset; with a {ParallelERC20} it
    ///      starts at the vault's shard `shard(receiver)` (see there for what happens when that
    ///      shard is short).
    /// @param shares The claimable shares to redeem (share units).
    /// @param receiver The account paid.
    /// @param controller The controller of the request.
    /// @return assets The assets paid (asset units).
    /// @custom:reads _operators[controller][msg.sender], _clock, _prices[*]
    /// @custom:writes _redeemRequests[controller], _claimedRedeemAssets.shards[shard(controller)]
    function redeem(uint256 shares, address receiver, address controller)
        external
        nonReentrant
        returns (uint256 assets)
    {
        if (receiver == address(0)) revert ZeroAddress();
        _checkCaller(controller);
        RedeemState storage s = _redeemRequests[controller];
        _foldRedeem(s);
        uint256 claimableShares = s.claimableShares;
        if (shares > claimableShares) revert ExceedsClaimable(shares, claimableShares);
        uint256 claimableAssets = s.claimableAssets;
        assets = shares == claimableShares ? claimableAssets : MulDiv.mulDiv(claimableAssets, shares, claimableShares);
        s.claimableShares = claimableShares - shares;
        s.claimableAssets = claimableAssets - assets;
        _claimedRedeemAssets.add(controller, assets);
        SafeTransfer.safeTransfer(asset, receiver, assets);
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
    }

    /// @notice ERC-7540 claim of exactly `assets` of `controller`'s claimable redemption; consumes
    ///         the pro-rata claimable shares, rounded up.
    /// @param assets The claimable assets to withdraw (asset units).
    /// @param receiver The account paid.
    /// @param controller The controller of the request.
    /// @return shares The claimable shares consumed (share units).
    /// @custom:reads _operators[controller][msg.sender], _clock, _prices[*]
    /// @custom:writes _redeemRequests[controller], _claimedRedeemAssets.shards[shard(controller)]
    function withdraw(uint256 assets, address receiver, address controller)
        external
        nonReentrant
        returns (uint256 shares)
    {
        if (receiver == address(0)) revert ZeroAddress();
        _checkCaller(controller);
        RedeemState storage s = _redeemRequests[controller];
        _foldRedeem(s);
        uint256 claimableAssets = s.claimableAssets;
        if (assets > claimableAssets) revert ExceedsClaimable(assets, claimableAssets);
        uint256 claimableShares = s.claimableShares;
        shares = assets == claimableAssets ? claimableShares : MulDiv.mulDivUp(claimableShares, assets, claimableAssets);
        s.claimableShares = claimableShares - shares;
        s.claimableAssets = claimableAssets - assets;
        _claimedRedeemAssets.add(controller, assets);
        SafeTransfer.safeTransfer(asset, receiver, assets);
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
    }

    // ---------------------------------------------------------------------------------------
    // Operators
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IERC7540Operator
    /// @custom:writes _operators[msg.sender][operator]
    function setOperator(address operator, bool approved) external returns (bool) {
        _operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
        return true;
    }

    /// @inheritdoc IERC7540Operator
    /// @custom:reads _operators[controller][operator]
    function isOperator(address controller, address operator) external view returns (bool) {
        return _operators[controller][operator];
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IERC7540Deposit
    /// @custom:reads _depositRequests[controller], _clock
    function pendingDepositRequest(uint256 requestId, address controller) external view returns (uint256 pendingAssets) {
        if (requestId != REQUEST_ID) return 0;
        DepositState storage s = _depositRequests[controller];
        return _clock.isSettled(s.pendingEpoch) ? 0 : s.pendingAssets;
    }

    /// @inheritdoc IERC7540Deposit
    /// @custom:reads _depositRequests[controller], _clock, _prices[*]
    function claimableDepositRequest(uint256 requestId, address controller)
        external
        view
        returns (uint256 claimableAssets)
    {
        if (requestId != REQUEST_ID) return 0;
        return _depositView(controller).claimableAssets;
    }

    /// @inheritdoc IERC7540Redeem
    /// @custom:reads _redeemRequests[controller], _clock
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256 pendingShares) {
        if (requestId != REQUEST_ID) return 0;
        RedeemState storage s = _redeemRequests[controller];
        return _clock.isSettled(s.pendingEpoch) ? 0 : s.pendingShares;
    }

    /// @inheritdoc IERC7540Redeem
    /// @custom:reads _redeemRequests[controller], _clock, _prices[*]
    function claimableRedeemRequest(uint256 requestId, address controller)
        external
        view
        returns (uint256 claimableShares)
    {
        if (requestId != REQUEST_ID) return 0;
        return _redeemView(controller).claimableShares;
    }

    /// @notice ERC-4626: the assets `controller` can claim with {deposit} now.
    /// @param controller The controller.
    /// @return The claimable assets (asset units).
    /// @custom:reads _depositRequests[controller], _clock, _prices[*]
    function maxDeposit(address controller) external view returns (uint256) {
        return _depositView(controller).claimableAssets;
    }

    /// @notice ERC-4626: the shares `controller` can claim with {mint} now.
    /// @param controller The controller.
    /// @return The claimable shares (share units).
    /// @custom:reads _depositRequests[controller], _clock, _prices[*]
    function maxMint(address controller) external view returns (uint256) {
        return _depositView(controller).claimableShares;
    }

    /// @notice ERC-4626: the assets `controller` can claim with {withdraw} now.
    /// @param controller The controller.
    /// @return The claimable assets (asset units).
    /// @custom:reads _redeemRequests[controller], _clock, _prices[*]
    function maxWithdraw(address controller) external view returns (uint256) {
        return _redeemView(controller).claimableAssets;
    }

    /// @notice ERC-4626: the shares `controller` can claim with {redeem} now.
    /// @param controller The controller.
    /// @return The claimable shares (share units).
    /// @custom:reads _redeemRequests[controller], _clock, _prices[*]
    function maxRedeem(address controller) external view returns (uint256) {
        return _redeemView(controller).claimableShares;
    }

    /// @notice ERC-7540: reverts, the vault is asynchronous.
    /// @return Never returns.
    function previewDeposit(uint256) external pure returns (uint256) {
        revert AsyncFlow();
    }

    /// @notice ERC-7540: reverts, the vault is asynchronous.
    /// @return Never returns.
    function previewMint(uint256) external pure returns (uint256) {
        revert AsyncFlow();
    }

    /// @notice ERC-7540: reverts, the vault is asynchronous.
    /// @return Never returns.
    function previewWithdraw(uint256) external pure returns (uint256) {
        revert AsyncFlow();
    }

    /// @notice ERC-7540: reverts, the vault is asynchronous.
    /// @return Never returns.
    function previewRedeem(uint256) external pure returns (uint256) {
        revert AsyncFlow();
    }

    /// @notice ERC-4626: the assets managed for share holders now (excludes pending deposits and
    ///         assets reserved for settled redemptions). Reads every shard (about 1,000 cold
    ///         slots with a ParallelERC20 asset, 2.5M gas): a view for off-chain use, not an
    ///         on-chain oracle. Reverts with {TransientReentrancyGuard.ReentrantCall} inside a
    ///         vault call (e.g. from an asset hook), where the books are half updated.
    /// @return The managed assets (asset units).
    /// @custom:reads _requestedAssets.shards[*], _requestedShares.shards[*], _claimedRedeemAssets.shards[*], _settledRequestedAssets, _settledRequestedShares, _settledRedeemAssets
    function totalAssets() external view nonReentrantView returns (uint256) {
        return _books().managed;
    }

    /// @notice ERC-4626: shares that `assets` would buy at the current price, rounded down. Costs
    ///         as {totalAssets} and, like it, reverts inside a vault call.
    /// @param assets The assets (asset units).
    /// @return The shares (share units).
    /// @custom:reads _totalSupply, _requestedAssets.shards[*], _requestedShares.shards[*], _claimedRedeemAssets.shards[*], _settledRequestedAssets, _settledRequestedShares, _settledRedeemAssets
    function convertToShares(uint256 assets) external view nonReentrantView returns (uint256) {
        return MulDiv.mulDiv(assets, _totalSupply + _VIRTUAL_SHARES, _books().managed + 1);
    }

    /// @notice ERC-4626: assets that `shares` are worth at the current price, rounded down. Costs
    ///         as {totalAssets} and, like it, reverts inside a vault call.
    /// @param shares The shares (share units).
    /// @return The assets (asset units).
    /// @custom:reads _totalSupply, _requestedAssets.shards[*], _requestedShares.shards[*], _claimedRedeemAssets.shards[*], _settledRequestedAssets, _settledRequestedShares, _settledRedeemAssets
    function convertToAssets(uint256 shares) external view nonReentrantView returns (uint256) {
        return MulDiv.mulDiv(shares, _books().managed + 1, _totalSupply + _VIRTUAL_SHARES);
    }

    /// @notice The open epoch.
    /// @return The epoch id.
    /// @custom:reads _clock
    function currentEpoch() external view returns (uint256) {
        return _clock.current;
    }

    /// @notice When the open epoch opened (seconds).
    /// @return The timestamp.
    /// @custom:reads _clock
    function epochOpenedAt() external view returns (uint256) {
        return _clock.openedAt;
    }

    /// @notice The settlement price of a settled epoch: `assets` for `shares`.
    /// @param epoch The epoch.
    /// @return assets Managed assets + 1 at the settlement.
    /// @return shares Share supply + 10^DECIMALS_OFFSET at the settlement.
    /// @custom:reads _prices[epoch]
    function epochPrice(uint256 epoch) external view returns (uint256 assets, uint256 shares) {
        Epochs.Price memory p = _prices.priceOf(epoch);
        return (p.base, p.quote);
    }

    /// @notice Assets of deposit requests waiting for the next settlement. Reads every shard;
    ///         reverts inside a vault call.
    /// @return The assets (asset units).
    /// @custom:reads _requestedAssets.shards[*], _settledRequestedAssets
    function pendingDepositAssets() external view nonReentrantView returns (uint256) {
        return _requestedAssets.sumUnsigned() - _settledRequestedAssets;
    }

    /// @notice Shares of redemption requests waiting for the next settlement. Reads every shard;
    ///         reverts inside a vault call.
    /// @return The shares (share units).
    /// @custom:reads _requestedShares.shards[*], _settledRequestedShares
    function pendingRedeemShares() external view nonReentrantView returns (uint256) {
        return _requestedShares.sumUnsigned() - _settledRequestedShares;
    }

    /// @notice Assets owed to settled, not yet claimed redemptions. Reads every shard; reverts
    ///         inside a vault call.
    /// @return The assets (asset units).
    /// @custom:reads _claimedRedeemAssets.shards[*], _settledRedeemAssets
    function reservedAssets() external view nonReentrantView returns (uint256) {
        return _settledRedeemAssets - _claimedRedeemAssets.sumUnsigned();
    }

    /// @notice ERC-7575: the share token (this contract).
    /// @return This vault.
    function share() external view returns (address) {
        return address(this);
    }

    /// @notice The share token's decimals: the asset's plus {DECIMALS_OFFSET}.
    /// @return The decimals.
    function decimals() public view override returns (uint8) {
        return _assetDecimals + DECIMALS_OFFSET;
    }

    /// @notice ERC-165: ERC-165, ERC-7540 operator / async deposit / async redeem, ERC-7575.
    /// @param interfaceId The interface id.
    /// @return Whether it is supported.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == type(IERC7540Operator).interfaceId // 0xe3bc4e65
            || interfaceId == type(IERC7540Deposit).interfaceId // 0xce3bbe50
            || interfaceId == type(IERC7540Redeem).interfaceId // 0x620ee8e4
            || interfaceId == 0x2f0a18c5; // ERC-7575
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    /// @dev Whether a static call of `target` with `data` succeeds and returns exactly 32 bytes
    ///      encoding `true` (1). Any other answer — a revert, no data, longer or shorter data,
    ///      another word — is `false`. The call gets at most {_PROBE_GAS}: a token whose
    ///      fallback writes storage (WETH9) fails a static call by an exceptional halt that
    ///      consumes all the gas it was given, which must not be the deployment's.
    function _answersTrue(address target, bytes memory data) private view returns (bool) {
        (bool ok, bytes memory ret) = target.staticcall{gas: _PROBE_GAS}(data);
        return ok && ret.length == 32 && abi.decode(ret, (uint256)) == 1;
    }

    /// @dev The vault's asset balance where a transfer from `from` credits it: the shard
    ///      `shard(from)` of a sharded balance (see {assetSharded}), else `balanceOf(vault)`.
    function _assetBalanceAt(address from) private view returns (uint256) {
        if (assetSharded) {
            IParallelERC20 token = IParallelERC20(asset);
            return token.shardBalanceOf(address(this), token.shardOf(from));
        }
        return IERC20(asset).balanceOf(address(this));
    }

    /// @dev Reverts with {RequestNotExpired} while the open epoch is younger than
    ///      {requestTimeout}.
    function _checkExpired() private view {
        uint256 cancellableAt = uint256(_clock.openedAt) + requestTimeout;
        if (block.timestamp < cancellableAt) revert RequestNotExpired(cancellableAt);
    }

    /// @dev Reverts unless the caller is `account` or one of its operators.
    function _checkCaller(address account) internal view {
        if (account != msg.sender && !_operators[account][msg.sender]) revert NotOwnerOrOperator(msg.sender, account);
    }

    /// @dev Converts a settled pending deposit into claimable assets and shares at its epoch's
    ///      price (rounded down). Reads `_clock` and `_prices[pendingEpoch]` only if something is
    ///      pending.
    function _foldDeposit(DepositState storage s) internal {
        uint256 pending = s.pendingAssets;
        if (pending == 0) return;
        uint256 epoch = s.pendingEpoch;
        if (!_clock.isSettled(epoch)) return;
        s.claimableShares += _prices.priceOf(epoch).toQuote(pending);
        s.claimableAssets += pending;
        s.pendingAssets = 0;
    }

    /// @dev Converts a settled pending redemption into claimable shares and assets at its
    ///      epoch's price (rounded down).
    function _foldRedeem(RedeemState storage s) internal {
        uint256 pending = s.pendingShares;
        if (pending == 0) return;
        uint256 epoch = s.pendingEpoch;
        if (!_clock.isSettled(epoch)) return;
        s.claimableAssets += _prices.priceOf(epoch).toBase(pending);
        s.claimableShares += pending;
        s.pendingShares = 0;
    }

    /// @dev `controller`'s deposit side as if folded (for views).
    function _depositView(address controller) internal view returns (DepositState memory s) {
        s = _depositRequests[controller];
        if (s.pendingAssets != 0 && _clock.isSettled(s.pendingEpoch)) {
            s.claimableShares += _prices.priceOf(s.pendingEpoch).toQuote(s.pendingAssets);
            s.claimableAssets += s.pendingAssets;
            s.pendingAssets = 0;
        }
    }

    /// @dev `controller`'s redemption side as if folded (for views).
    function _redeemView(address controller) internal view returns (RedeemState memory s) {
        s = _redeemRequests[controller];
        if (s.pendingShares != 0 && _clock.isSettled(s.pendingEpoch)) {
            s.claimableAssets += _prices.priceOf(s.pendingEpoch).toBase(s.pendingShares);
            s.claimableShares += s.pendingShares;
            s.pendingShares = 0;
        }
    }

    /// @dev The totals a settlement needs: requested sums, the open epoch's flows, the reserve for
    ///      settled redemptions and the managed assets (clamped at zero if a loss exceeds them).
    function _books() internal view returns (Books memory b) {
        b.requestedAssets = _requestedAssets.sumUnsigned();
        b.requestedShares = _requestedShares.sumUnsigned();
        b.depositAssets = b.requestedAssets - _settledRequestedAssets;
        b.redeemShares = b.requestedShares - _settledRequestedShares;
        b.reserved = _settledRedeemAssets - _claimedRedeemAssets.sumUnsigned();
        uint256 held = IERC20(asset).balanceOf(address(this));
        uint256 owed = b.reserved + b.depositAssets;
        b.managed = held > owed ? held - owed : 0;
    }
}
