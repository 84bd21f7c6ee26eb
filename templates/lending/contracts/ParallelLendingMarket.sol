// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "hardhat-parallel/contracts/interfaces/IERC20.sol";
import {IParallelERC20} from "hardhat-parallel/contracts/interfaces/IParallelERC20.sol";
import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {ShardedCounter} from "hardhat-parallel/contracts/ShardedCounter.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

import {LendingMath} from "./LendingMath.sol";

/// @title ParallelLendingMarket
/// @author hardhat-parallel
/// @notice A lending market for one borrowable asset against one collateral asset, priced by an
///         oracle, whose user actions from different users touch disjoint storage: interest is
///         fixed per epoch, so no user action has to accrue (write) shared interest state.
///
/// @dev ## Flow
/// - Lenders `supply` / `withdraw` the asset and earn the supply rate; borrowers
///   `supplyCollateral` / `withdrawCollateral` the collateral asset and `borrow` / `repay` the
///   asset; anyone may `liquidate` a position whose debt exceeds its liquidation limit.
/// - Time is cut into epochs of at least `epochDuration` seconds. Within an epoch the borrow and
///   supply rates are fixed, and the interest indices are pure functions of time:
///   `borrowIndex(t) = ceil(I_b * (1 + r_b * (t - start)))`,
///   `supplyIndex(t) = floor(I_s * (1 + r_s * min(t - start, epochDuration)))` (simple interest within an epoch,
///   compounded at every epoch boundary). User actions *compute* the index from the epoch values;
///   they never write it.
/// - `rollEpoch()` (permissionless, once `epochDuration` has passed) closes the epoch: it freezes
///   the indices, sums the sharded totals and their per-shard clocks (time integrals), sets the
///   next borrow rate from the closed epoch's time-weighted utilisation with the kinked model of
///   {LendingMath}, and the next supply rate so that it streams only interest the debt accrued
///   (audit finding 2; see {rollEpoch}). Deposits are converted at the stream's end index.
///
/// ## Why each slot is or is not shared
/// - A user's position (`_positions[user]`: collateral, scaled debt, scaled supply) is written only
///   by that user's own actions, and by liquidations of it.
/// - The totals that `rollEpoch` needs are {ShardedCounter}s of *scaled* amounts (principal
///   divided by the index), which do not change as interest accrues: a supply writes
///   `_totalScaledSupply.shards[shard(msg.sender)]`, a borrow or repayment
///   `_totalScaledDebt.shards[shard(borrower)]`.
/// - `_epoch` (rates, indices, start) is written only by `rollEpoch`; user actions only read it.
///   A user action in the same block as a roll depends on it: one serial step per epoch.
/// - Health checks read only the user's own position, `_epoch` and the oracle (whose storage only
///   its updater writes).
/// - The assets: if a token implements {IParallelERC20}, the constructor opts the market in to a
///   sharded balance in it, so `transferFrom(user, market, x)` credits the market's token shard
///   `shard(user)`. Payouts (withdraw, borrow, collateral withdrawal, seized collateral) are paid
///   from one preferred shard with `transferFromShard` when it holds enough — the user's own for
///   withdrawals, the borrower's for seized collateral — and otherwise with a plain `transfer`,
///   which sweeps further shards (correct, but it reads the shards it visits, so it depends on
///   the transactions that wrote them). Borrowers draw on lenders' cash, so the market's idle cash
///   should be spread over the shards: {spreadLiquidity} (any keeper, e.g. after each roll) tops
///   shards up from one shard.
/// - The reentrancy guard is transient (EIP-1153): no storage.
/// Two users' actions therefore conflict only when the users fall in the same shard (probability
/// 1/256 per pair, about 17 of 100 random users; see the README).
///
/// ## Trade-offs
/// - Rates lag by an epoch: the borrow rate is that of the previous epoch's average utilisation,
///   and suppliers are paid, during an epoch, interest earned in the previous one. Suppliers'
///   claims never grow by more than the interest charged, so the market stays solvent whatever
///   the rates (the surplus `cash + totalDebt() - totalSupplied()` holds the reserve share, the
///   undistributed interest and rounding).
/// - If nobody rolls the epoch, borrow interest keeps accruing linearly at the old rate; the
///   suppliers' stream stops after `epochDuration` until the next roll.
/// - `rollEpoch` reads 512 shards and 512 clocks (about 3.0M gas) and depends on every action of
///   its block.
///
/// ## Rounding (in the protocol's favour)
/// Debt: `ceil(scaledDebt * borrowIndex / RAY)`; a borrow of `a` adds `ceil(a * RAY / index)`
/// scaled debt; a partial repayment of `a` removes `floor(a * RAY / index)`. Supply: a supply of
/// `a` adds `floor(a * RAY / supplyIndexAtEpochEnd())` scaled supply; a withdrawal of `a` removes
/// `ceil(a * RAY / index)`; the supplied balance is `floor(scaledSupply * supplyIndex / RAY)`.
/// Collateral limits and seized collateral round down.
///
/// ## Storage (slots relative to the first slot of this contract)
/// - 0 `_positions`: `mapping(address => Position)`, 3 slots at
///   `keccak256(abi.encode(user, 0)) + 0..2` (collateral, scaledDebt, scaledSupply).
/// - 1..256 `_totalScaledSupply`, 257..512 `_totalScaledDebt`: `ShardedCounter.Counter`, shard `i`
///   at the counter's first slot + `i`.
/// - 513..518 `_epoch`: `EpochState`; slot 513 packs `id` (bytes 0..7), `start` (8..15),
///   `borrowRate` (16..23), `supplyRate` (24..31); 514 `borrowIndex`; 515 `supplyIndex`;
///   516 `debtSecondsAtStart`; 517 `supplySecondsAtStart`; 518 `undistributed`.
/// - 519..774 `_debtClock`, 775..1030 `_supplyClock`: `uint256[256]`, shard `i` at the first slot
///   + `i`; each word packs the time of the last update (high 64 bits) and the cumulative scaled
///   amount x seconds (low 192 bits).
/// The reentrancy lock is transient; the assets, the oracle and every parameter are immutables.
///
/// ## Source of the idea
/// Compound v2 / Aave (indices, kinked rate model, close factor and liquidation bonus), Aave's
/// linear supply index between updates (here: between epochs), Aptos aggregators (AIP-47) for the
/// sharded totals, and epoch-based settlement (ERC-7540-style) for the once-per-epoch rate update.
contract ParallelLendingMarket is TransientReentrancyGuard {
    using ShardedCounter for ShardedCounter.Counter;

    /// @notice One user's position.
    /// @param collateral Collateral deposited (collateral units).
    /// @param scaledDebt Debt divided by the borrow index (RAY-scaled principal).
    /// @param scaledSupply Supplied amount divided by the supply index.
    struct Position {
        uint256 collateral;
        uint256 scaledDebt;
        uint256 scaledSupply;
    }

    /// @notice The values of the open epoch, written only by {rollEpoch}.
    /// @param id The epoch number (0 for the first).
    /// @param start When the epoch opened (seconds).
    /// @param borrowRate The epoch's borrow rate (WAD per second).
    /// @param supplyRate The epoch's supply rate (WAD per second).
    /// @param borrowIndex The borrow index at `start` (RAY).
    /// @param supplyIndex The supply index at `start` (RAY).
    /// @param debtSecondsAtStart The sum over the debt clocks of scaled debt x seconds at `start`.
    /// @param supplySecondsAtStart The sum over the supply clocks of scaled supply x seconds at
    ///        `start`.
    /// @param undistributed Suppliers' share of interest earned in closed epochs that no supply
    ///        rate has paid out yet (asset units); carried to the next roll.
    struct EpochState {
        uint64 id;
        uint64 start;
        uint64 borrowRate;
        uint64 supplyRate;
        uint256 borrowIndex;
        uint256 supplyIndex;
        uint256 debtSecondsAtStart;
        uint256 supplySecondsAtStart;
        uint256 undistributed;
    }

    /// @dev 1e18.
    uint256 private constant _WAD = LendingMath.WAD;

    /// @dev 1e27.
    uint256 private constant _RAY = LendingMath.RAY;

    /// @dev Low 192 bits of a clock word: the cumulative scaled amount x seconds.
    uint256 private constant _CLOCK_MASK = (uint256(1) << 192) - 1;

    /// @dev Gas given to the `isShardedHolder(this)` probe of {_tryShard} (a view of one slot).
    uint256 private constant _SHARD_PROBE_GAS = 50_000;

    /// @notice The asset lent and borrowed.
    address public immutable asset;

    /// @notice The collateral asset.
    address public immutable collateralAsset;

    /// @notice The price feed of the collateral in units of the asset.
    address public immutable oracle;

    /// @notice The minimum length of an epoch (seconds).
    uint256 public immutable epochDuration;

    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable collateralFactor;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable liquidationThreshold;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable liquidationBonus;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable closeFactor;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable reserveFactor;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable baseRatePerSecond;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable slope1PerSecond;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable slope2PerSecond;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable kink;
    /// @notice See {LendingMath.MarketParams}.
    uint256 public immutable maxOracleAge;

    /// @dev Whether the market keeps a sharded balance in `asset` / `collateralAsset`.
    bool private immutable _assetSharded;
    bool private immutable _collateralSharded;

    /// @dev Each user's position.
    mapping(address user => Position) internal _positions;

    /// @dev Sum of all `scaledSupply`, sharded by the user.
    ShardedCounter.Counter internal _totalScaledSupply;

    /// @dev Sum of all `scaledDebt`, sharded by the borrower.
    ShardedCounter.Counter internal _totalScaledDebt;

    /// @dev The open epoch.
    EpochState internal _epoch;

    /// @dev Per shard of `_totalScaledDebt`: the time integral of that shard's scaled debt
    ///      (low 192 bits: scaled debt x seconds since deployment, up to the high 64 bits: the
    ///      time of the last update). Written, like the shard, only by the shard's borrowers.
    uint256[256] internal _debtClock;

    /// @dev Per shard of `_totalScaledSupply`: the time integral of its scaled supply, packed as
    ///      `_debtClock`. Written only by the shard's lenders.
    uint256[256] internal _supplyClock;

    /// @notice `user` supplied `assets`, credited as `scaled` scaled supply.
    /// @param user The lender.
    /// @param assets The amount (asset units).
    /// @param scaled The scaled supply added.
    event Supply(address indexed user, uint256 assets, uint256 scaled);

    /// @notice `user` withdrew `assets`, debited as `scaled` scaled supply.
    /// @param user The lender.
    /// @param assets The amount (asset units).
    /// @param scaled The scaled supply removed.
    event Withdraw(address indexed user, uint256 assets, uint256 scaled);

    /// @notice `user` deposited `amount` of collateral.
    /// @param user The borrower.
    /// @param amount The amount (collateral units).
    event SupplyCollateral(address indexed user, uint256 amount);

    /// @notice `user` withdrew `amount` of collateral.
    /// @param user The borrower.
    /// @param amount The amount (collateral units).
    event WithdrawCollateral(address indexed user, uint256 amount);

    /// @notice `user` borrowed `assets`, recorded as `scaled` scaled debt.
    /// @param user The borrower.
    /// @param assets The amount (asset units).
    /// @param scaled The scaled debt added.
    event Borrow(address indexed user, uint256 assets, uint256 scaled);

    /// @notice `payer` repaid `assets` of `user`'s debt, removing `scaled` scaled debt.
    /// @param payer The account that paid.
    /// @param user The borrower.
    /// @param assets The amount (asset units).
    /// @param scaled The scaled debt removed.
    event Repay(address indexed payer, address indexed user, uint256 assets, uint256 scaled);

    /// @notice `liquidator` repaid `repaid` of `borrower`'s debt and received `seized` collateral.
    /// @param liquidator The liquidator.
    /// @param borrower The liquidated borrower.
    /// @param repaid The debt repaid (asset units).
    /// @param seized The collateral received (collateral units).
    event Liquidate(address indexed liquidator, address indexed borrower, uint256 repaid, uint256 seized);

    /// @notice Epoch `id` opened with these values.
    /// @param id The new epoch.
    /// @param borrowIndex The borrow index at its start (RAY).
    /// @param supplyIndex The supply index at its start (RAY).
    /// @param totalDebt Total debt at its start (asset units).
    /// @param totalSupplied Total supplied at its start (asset units).
    /// @param utilisation The closed epoch's time-weighted utilisation (the ratio of the time
    ///        integrals of debt and supply), capped at 1 (WAD): it sets `borrowRate`.
    /// @param borrowRate The new borrow rate (WAD per second).
    /// @param supplyRate The new supply rate (WAD per second), streaming earned interest to the
    ///        supply present at the roll for `epochDuration` seconds.
    event EpochRolled(
        uint256 indexed id,
        uint256 borrowIndex,
        uint256 supplyIndex,
        uint256 totalDebt,
        uint256 totalSupplied,
        uint256 utilisation,
        uint256 borrowRate,
        uint256 supplyRate
    );

    /// @notice {spreadLiquidity} moved `moved` of the market's asset from shard `fromShard`.
    /// @param fromShard The source shard of the market's balance in the asset.
    /// @param moved The amount moved to other shards (asset units).
    event LiquiditySpread(uint256 indexed fromShard, uint256 moved);

    /// @notice An amount of zero, or one that rounds to zero scaled units.
    error ZeroAmount();

    /// @notice A zero address where an account or token is needed.
    error ZeroAddress();

    /// @notice The debt after the action would exceed the borrow limit.
    /// @param debt The debt after the action (asset units).
    /// @param limit `collateral * price * collateralFactor` (asset units).
    error InsufficientCollateral(uint256 debt, uint256 limit);

    /// @notice More collateral was asked than the position holds.
    /// @param requested The amount asked (collateral units).
    /// @param available The position's collateral (collateral units).
    error ExceedsCollateral(uint256 requested, uint256 available);

    /// @notice More was asked than the lender has supplied.
    /// @param requested The amount asked (asset units).
    /// @param available The supplied balance (asset units).
    error ExceedsSupplied(uint256 requested, uint256 available);

    /// @notice The position has no debt to repay.
    /// @param user The borrower.
    error NoDebt(address user);

    /// @notice The position is not liquidatable: its debt is within the liquidation limit.
    /// @param debt The debt (asset units).
    /// @param limit `collateral * price * liquidationThreshold` (asset units).
    error PositionHealthy(uint256 debt, uint256 limit);

    /// @notice A liquidation tried to repay more than the close factor allows.
    /// @param repay The amount asked (asset units).
    /// @param maxRepay `ceil(debt * closeFactor)` (asset units).
    error RepayExceedsCloseFactor(uint256 repay, uint256 maxRepay);

    /// @notice A liquidation would seize more collateral than the position holds.
    /// @param seized The collateral it would seize (collateral units).
    /// @param collateral The position's collateral (collateral units).
    error SeizeExceedsCollateral(uint256 seized, uint256 collateral);

    /// @notice A liquidation would seize less than the liquidator's minimum.
    /// @param seized The collateral it would seize (collateral units).
    /// @param minSeized The minimum asked (collateral units).
    error SeizeBelowMinimum(uint256 seized, uint256 minSeized);

    /// @notice The open epoch cannot be rolled before `end`.
    /// @param end The earliest timestamp of the roll (seconds).
    error EpochNotOver(uint256 end);

    /// @notice {spreadLiquidity} needs the asset to be a sharded-balance token.
    error AssetNotSharded();

    /// @notice A liquidation's repayment would burn no scaled debt (it rounds to zero), so it
    ///         may not seize collateral (audit finding 9).
    /// @param repay The amount asked (asset units).
    error RepayBurnsNoDebt(uint256 repay);

    /// @notice A transfer in credited the market with less than it asked for (a fee-on-transfer
    ///         or otherwise deflationary token): such tokens are refused, as the market credits
    ///         the amount asked.
    /// @param token The token.
    /// @param expected The amount asked (token units).
    /// @param received The amount the market's balance grew by (token units).
    error ReceivedLess(address token, uint256 expected, uint256 received);

    /// @notice A value does not fit the 64-bit field it is stored in (audit finding 10).
    /// @param value The value.
    error ValueOverflow(uint256 value);

    /// @notice A liquidation exhausted `borrower`'s collateral and wrote off the debt left,
    ///         `lost`, which the suppliers bear at once (the supply index was lowered).
    /// @param borrower The borrower.
    /// @param lost The debt written off (asset units).
    /// @param supplyIndexAfter The supply index at the epoch start after the write-off (RAY).
    event BadDebtWrittenOff(address indexed borrower, uint256 lost, uint256 supplyIndexAfter);

    /// @param asset_ The asset lent and borrowed.
    /// @param collateralAsset_ The collateral asset (must differ from `asset_`).
    /// @param oracle_ The price of the collateral in units of the asset.
    /// @param params The risk and rate parameters (see {LendingMath.MarketParams}); the highest
    ///        borrow rate must fit 64 bits.
    /// @param epochDuration_ The minimum length of an epoch (seconds, non-zero).
    constructor(
        address asset_,
        address collateralAsset_,
        address oracle_,
        LendingMath.MarketParams memory params,
        uint256 epochDuration_
    ) {
        if (asset_ == address(0) || collateralAsset_ == address(0) || oracle_ == address(0)) revert ZeroAddress();
        if (asset_ == collateralAsset_ || epochDuration_ == 0) revert LendingMath.InvalidMarketParams();
        LendingMath.validate(params, type(uint64).max);
        asset = asset_;
        collateralAsset = collateralAsset_;
        oracle = oracle_;
        epochDuration = epochDuration_;
        collateralFactor = params.collateralFactor;
        liquidationThreshold = params.liquidationThreshold;
        liquidationBonus = params.liquidationBonus;
        closeFactor = params.closeFactor;
        reserveFactor = params.reserveFactor;
        baseRatePerSecond = params.baseRatePerSecond;
        slope1PerSecond = params.slope1PerSecond;
        slope2PerSecond = params.slope2PerSecond;
        kink = params.kink;
        maxOracleAge = params.maxOracleAge;
        _assetSharded = _tryShard(asset_);
        _collateralSharded = _tryShard(collateralAsset_);
        // Epoch 0: nothing supplied, so the utilisation is 0 and the borrow rate the base rate.
        _epoch = EpochState({
            id: 0,
            start: uint64(block.timestamp),
            borrowRate: uint64(LendingMath.borrowRate(params, 0)),
            supplyRate: 0,
            borrowIndex: _RAY,
            supplyIndex: _RAY,
            debtSecondsAtStart: 0,
            supplySecondsAtStart: 0,
            undistributed: 0
        });
    }

    // ---------------------------------------------------------------------------------------
    // Lenders
    // ---------------------------------------------------------------------------------------

    /// @notice Supplies `assets` of the asset, which earn interest from the next epoch on.
    /// @dev Adds `floor(assets * RAY / supplyIndexAtEpochEnd())` to the caller's scaled supply and
    ///      to the shard `shard(msg.sender)` of the scaled total, then pulls the assets (credited
    ///      to the market's token shard `shard(msg.sender)` for a sharded-balance asset). The
    ///      deposit is converted at the index the open epoch's interest stream reaches at its end,
    ///      so it takes no part of the interest that stream pays out (earned before it arrived;
    ///      audit finding 2): it is worth `assets` at the end of the epoch, slightly less before.
    ///      Updates the shard's supply clock first.
    /// @param assets The amount (asset units).
    /// @return scaled The scaled supply added.
    /// @custom:reads _epoch.supplyRate, _epoch.supplyIndex
    /// @custom:writes _positions[msg.sender].scaledSupply, _totalScaledSupply.shards[shard(msg.sender)], _supplyClock[shard(msg.sender)]
    /// @custom:calls _assetSharded ? IParallelERC20(asset).shardOf(msg.sender),
    ///     _assetSharded ? IParallelERC20(asset).shardBalanceOf(this, shard(msg.sender)),
    ///     !_assetSharded ? IERC20(asset).balanceOf(this),
    ///     IERC20(asset).transferFrom(msg.sender, this, assets)
    function supply(uint256 assets) external nonReentrant returns (uint256 scaled) {
        scaled = MulDiv.mulDiv(assets, _RAY, _supplyIndexAtEnd());
        if (scaled == 0) revert ZeroAmount();
        _positions[msg.sender].scaledSupply += scaled;
        _tick(_supplyClock, _totalScaledSupply, msg.sender);
        _totalScaledSupply.add(msg.sender, scaled);
        _pull(asset, _assetSharded, msg.sender, assets);
        emit Supply(msg.sender, assets, scaled);
    }

    /// @notice Withdraws `assets` of the caller's supplied balance; `type(uint256).max` withdraws
    ///         all of it.
    /// @dev Removes `ceil(assets * RAY / supplyIndex)` scaled supply (all of it for the maximum,
    ///      paying `floor(scaledSupply * supplyIndex / RAY)`). Paid from the market's token shard
    ///      `shard(msg.sender)` when it holds enough (see the contract notes). Reverts with
    ///      {ExceedsSupplied}, or in the token if the market's cash is short.
    /// @param assets The amount (asset units), or `type(uint256).max`.
    /// @return withdrawn The amount paid (asset units).
    /// @custom:reads _epoch.start, _epoch.supplyRate, _epoch.supplyIndex
    /// @custom:writes _positions[msg.sender].scaledSupply, _totalScaledSupply.shards[shard(msg.sender)], _supplyClock[shard(msg.sender)]
    /// @custom:calls _assetSharded ? IParallelERC20(asset).shardOf(msg.sender),
    ///     _assetSharded ? IParallelERC20(asset).shardBalanceOf(this, shard(msg.sender)),
    ///     _assetSharded ? IParallelERC20(asset).transferFromShard(shard(msg.sender), msg.sender, *),
    ///     !_assetSharded ? IERC20(asset).transfer(msg.sender, *)
    function withdraw(uint256 assets) external nonReentrant returns (uint256 withdrawn) {
        Position storage p = _positions[msg.sender];
        uint256 index = _supplyIndexNow();
        uint256 balance = p.scaledSupply;
        uint256 scaled;
        if (assets == type(uint256).max) {
            scaled = balance;
            withdrawn = MulDiv.mulDiv(balance, index, _RAY);
        } else {
            scaled = MulDiv.mulDivUp(assets, _RAY, index);
            if (scaled > balance) revert ExceedsSupplied(assets, MulDiv.mulDiv(balance, index, _RAY));
            withdrawn = assets;
        }
        if (withdrawn == 0) revert ZeroAmount();
        p.scaledSupply = balance - scaled;
        _tick(_supplyClock, _totalScaledSupply, msg.sender);
        _totalScaledSupply.sub(msg.sender, scaled);
        _payOut(asset, _assetSharded, msg.sender, msg.sender, withdrawn);
        emit Withdraw(msg.sender, withdrawn, scaled);
    }

    // ---------------------------------------------------------------------------------------
    // Borrowers
    // ---------------------------------------------------------------------------------------

    /// @notice Deposits `amount` of the collateral asset into the caller's position.
    /// @dev Needs no price and no index: touches only the caller's collateral slot (and, in the
    ///      token, the market's shard `shard(msg.sender)` for a sharded-balance collateral).
    /// @param amount The amount (collateral units).
    /// @custom:writes _positions[msg.sender].collateral
    /// @custom:calls _collateralSharded ? IParallelERC20(collateralAsset).shardOf(msg.sender),
    ///     _collateralSharded ? IParallelERC20(collateralAsset).shardBalanceOf(this, shard(msg.sender)),
    ///     !_collateralSharded ? IERC20(collateralAsset).balanceOf(this),
    ///     IERC20(collateralAsset).transferFrom(msg.sender, this, amount)
    function supplyCollateral(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _positions[msg.sender].collateral += amount;
        _pull(collateralAsset, _collateralSharded, msg.sender, amount);
        emit SupplyCollateral(msg.sender, amount);
    }

    /// @notice Withdraws `amount` of the caller's collateral, if its debt stays within the borrow
    ///         limit of what remains.
    /// @dev A position without debt needs no price (the oracle is not called, so a stale oracle
    ///      never locks debt-free collateral). Reverts with {ExceedsCollateral},
    ///      {InsufficientCollateral} or an oracle error of {LendingMath}.
    /// @param amount The amount (collateral units).
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex, _positions[msg.sender].scaledDebt
    /// @custom:writes _positions[msg.sender].collateral
    /// @custom:calls ILendingOracle(oracle).latestPrice(),
    ///     _collateralSharded ? IParallelERC20(collateralAsset).shardOf(msg.sender),
    ///     _collateralSharded ? IParallelERC20(collateralAsset).shardBalanceOf(this, shard(msg.sender)),
    ///     _collateralSharded ? IParallelERC20(collateralAsset).transferFromShard(shard(msg.sender), msg.sender, amount),
    ///     !_collateralSharded ? IERC20(collateralAsset).transfer(msg.sender, amount)
    function withdrawCollateral(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Position storage p = _positions[msg.sender];
        uint256 collateral = p.collateral;
        if (amount > collateral) revert ExceedsCollateral(amount, collateral);
        uint256 remaining = collateral - amount;
        uint256 scaledDebt = p.scaledDebt;
        if (scaledDebt != 0) {
            uint256 debt = MulDiv.mulDivUp(scaledDebt, _borrowIndexNow(), _RAY);
            uint256 borrowLimit =
                LendingMath.limit(remaining, LendingMath.checkedPrice(oracle, maxOracleAge), collateralFactor);
            if (debt > borrowLimit) revert InsufficientCollateral(debt, borrowLimit);
        }
        p.collateral = remaining;
        _payOut(collateralAsset, _collateralSharded, msg.sender, msg.sender, amount);
        emit WithdrawCollateral(msg.sender, amount);
    }

    /// @notice Borrows `assets` against the caller's collateral.
    /// @dev Adds `ceil(assets * RAY / borrowIndex)` scaled debt; the resulting debt
    ///      `ceil(scaledDebt * borrowIndex / RAY)` must not exceed
    ///      `collateral * price * collateralFactor` ({InsufficientCollateral}). Paid from the
    ///      market's token shard `shard(msg.sender)` when it holds enough, else by a sweeping
    ///      transfer (see the contract notes).
    /// @param assets The amount (asset units).
    /// @return scaled The scaled debt added.
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex, _positions[msg.sender].collateral
    /// @custom:writes _positions[msg.sender].scaledDebt, _totalScaledDebt.shards[shard(msg.sender)], _debtClock[shard(msg.sender)]
    /// @custom:calls ILendingOracle(oracle).latestPrice(),
    ///     _assetSharded ? IParallelERC20(asset).shardOf(msg.sender),
    ///     _assetSharded ? IParallelERC20(asset).shardBalanceOf(this, shard(msg.sender)),
    ///     _assetSharded ? IParallelERC20(asset).transferFromShard(shard(msg.sender), msg.sender, assets),
    ///     !_assetSharded ? IERC20(asset).transfer(msg.sender, assets)
    function borrow(uint256 assets) external nonReentrant returns (uint256 scaled) {
        if (assets == 0) revert ZeroAmount();
        Position storage p = _positions[msg.sender];
        uint256 index = _borrowIndexNow();
        scaled = MulDiv.mulDivUp(assets, _RAY, index);
        uint256 newScaledDebt = p.scaledDebt + scaled;
        uint256 debt = MulDiv.mulDivUp(newScaledDebt, index, _RAY);
        uint256 borrowLimit =
            LendingMath.limit(p.collateral, LendingMath.checkedPrice(oracle, maxOracleAge), collateralFactor);
        if (debt > borrowLimit) revert InsufficientCollateral(debt, borrowLimit);
        p.scaledDebt = newScaledDebt;
        _tick(_debtClock, _totalScaledDebt, msg.sender);
        _totalScaledDebt.add(msg.sender, scaled);
        _payOut(asset, _assetSharded, msg.sender, msg.sender, assets);
        emit Borrow(msg.sender, assets, scaled);
    }

    /// @notice Repays up to `assets` of `onBehalfOf`'s debt from the caller's funds; any amount at
    ///         or above the debt (e.g. `type(uint256).max`) repays exactly the debt.
    /// @dev A partial repayment removes `floor(assets * RAY / borrowIndex)` scaled debt (reverting
    ///      with {ZeroAmount} if that is zero); a full one removes all of it. Needs no price.
    /// @param assets The most to repay (asset units).
    /// @param onBehalfOf The borrower whose debt is repaid.
    /// @return repaid The amount paid (asset units).
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex
    /// @custom:writes _positions[onBehalfOf].scaledDebt, _totalScaledDebt.shards[shard(onBehalfOf)], _debtClock[shard(onBehalfOf)]
    /// @custom:calls _assetSharded ? IParallelERC20(asset).shardOf(msg.sender),
    ///     _assetSharded ? IParallelERC20(asset).shardBalanceOf(this, shard(msg.sender)),
    ///     !_assetSharded ? IERC20(asset).balanceOf(this),
    ///     IERC20(asset).transferFrom(msg.sender, this, *)
    function repay(uint256 assets, address onBehalfOf) external nonReentrant returns (uint256 repaid) {
        if (assets == 0) revert ZeroAmount();
        Position storage p = _positions[onBehalfOf];
        uint256 scaledDebt = p.scaledDebt;
        if (scaledDebt == 0) revert NoDebt(onBehalfOf);
        uint256 index = _borrowIndexNow();
        uint256 debt = MulDiv.mulDivUp(scaledDebt, index, _RAY);
        uint256 burned;
        if (assets >= debt) {
            repaid = debt;
            burned = scaledDebt;
        } else {
            repaid = assets;
            burned = MulDiv.mulDiv(assets, _RAY, index);
            if (burned == 0) revert ZeroAmount();
        }
        p.scaledDebt = scaledDebt - burned;
        _tick(_debtClock, _totalScaledDebt, onBehalfOf);
        _totalScaledDebt.sub(onBehalfOf, burned);
        _pull(asset, _assetSharded, msg.sender, repaid);
        emit Repay(msg.sender, onBehalfOf, repaid, burned);
    }

    // ---------------------------------------------------------------------------------------
    // Liquidation
    // ---------------------------------------------------------------------------------------

    /// @notice Repays `repayAssets` of an unhealthy `borrower`'s debt and receives collateral worth
    ///         `repayAssets * (1 + liquidationBonus)` at the oracle price.
    /// @dev The position is unhealthy when `debt > collateral * price * liquidationThreshold`
    ///      ({PositionHealthy} otherwise). `repayAssets` may be at most `ceil(debt * closeFactor)`
    ///      ({RepayExceedsCloseFactor}); the collateral seized is
    ///      `floor(repayAssets * (1 + bonus) / price)`; if that exceeds the position's collateral,
    ///      all of it is seized and only `ceil(collateral * price / (1 + bonus))` is repaid
    ///      ({SeizeExceedsCollateral} if that is zero). The seizure must not fall below
    ///      `minSeized` ({SeizeBelowMinimum}); a repayment burning no scaled debt reverts with
    ///      {RepayBurnsNoDebt}. If the collateral is exhausted and debt is left, the rest is
    ///      written off against the suppliers ({BadDebtWrittenOff}; reads all supply shards and
    ///      writes `_epoch.supplyIndex`). The seized collateral is paid from the market's collateral
    ///      shard `shard(borrower)`, where the borrower's deposits landed.
    /// @param borrower The position to liquidate.
    /// @param repayAssets The debt to repay (asset units).
    /// @param minSeized The least collateral the liquidator accepts (collateral units).
    /// @return seized The collateral paid to the caller (collateral units).
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex, _epoch.supplyRate, _totalScaledSupply.shards[*]
    /// @custom:writes _positions[borrower].collateral, _positions[borrower].scaledDebt, _totalScaledDebt.shards[shard(borrower)], _debtClock[shard(borrower)], _epoch.supplyIndex
    function liquidate(address borrower, uint256 repayAssets, uint256 minSeized)
        external
        nonReentrant
        returns (uint256 seized)
    {
        if (repayAssets == 0) revert ZeroAmount();
        Position storage p = _positions[borrower];
        uint256 index = _borrowIndexNow();
        uint256 scaledDebt = p.scaledDebt;
        uint256 debt = MulDiv.mulDivUp(scaledDebt, index, _RAY);
        uint256 price = LendingMath.checkedPrice(oracle, maxOracleAge);
        uint256 collateral = p.collateral;
        uint256 threshold = LendingMath.limit(collateral, price, liquidationThreshold);
        if (debt <= threshold) revert PositionHealthy(debt, threshold);
        uint256 maxRepay = MulDiv.mulDivUp(debt, closeFactor, _WAD);
        if (repayAssets > maxRepay) revert RepayExceedsCloseFactor(repayAssets, maxRepay);
        seized = LendingMath.seizeAmount(repayAssets, price, liquidationBonus);
        if (seized > collateral) {
            // Not enough collateral for the bonus: take all of it for the debt it is worth.
            seized = collateral;
            repayAssets = MulDiv.mulDivUp(collateral, price, _WAD + liquidationBonus);
            if (repayAssets == 0) revert SeizeExceedsCollateral(seized, collateral);
        }
        if (seized < minSeized) revert SeizeBelowMinimum(seized, minSeized);
        uint256 burned = repayAssets == debt ? scaledDebt : MulDiv.mulDiv(repayAssets, _RAY, index);
        if (burned == 0) revert RepayBurnsNoDebt(repayAssets);
        p.collateral = collateral - seized;
        _burnDebt(p, borrower, scaledDebt, burned, seized == collateral, index);
        _pull(asset, _assetSharded, msg.sender, repayAssets);
        _payOut(collateralAsset, _collateralSharded, borrower, msg.sender, seized);
        emit Liquidate(msg.sender, borrower, repayAssets, seized);
    }

    // ---------------------------------------------------------------------------------------
    // Epochs
    // ---------------------------------------------------------------------------------------

    /// @notice Closes the open epoch and opens the next. Anyone may call it once `epochDuration`
    ///         has passed ({EpochNotOver} before).
    /// @dev Audit finding 2: nothing one transaction does around the roll can set the rates or
    ///      the suppliers' interest.
    ///      - The borrow index is frozen at the current time; the supply index at the end of the
    ///        closed epoch's interest stream (`supplyIndexAtEpochEnd()`).
    ///      - The next borrow rate comes from the closed epoch's **time-weighted** utilisation,
    ///        `(debtSeconds * borrowIndex) / (supplySeconds * supplyIndex)`, where `debtSeconds`
    ///        and `supplySeconds` are the integrals over the epoch of the scaled totals, read from
    ///        the per-shard clocks. An amount that stays zero seconds (borrowed and repaid, or
    ///        supplied and withdrawn, in the transaction of the roll) adds nothing to them.
    ///      - The suppliers are paid only interest the borrowers were actually charged: the
    ///        closed epoch's borrow interest is `debtSeconds * borrowIndexAtStart * borrowRate`
    ///        (what the scaled debt grew by), rounded down; `1 - reserveFactor` of it, plus what
    ///        earlier rolls left undistributed, is the budget. The next supply rate streams that
    ///        budget over the next `epochDuration` seconds to the supply present at the roll
    ///        (capped at the highest borrow rate); new deposits are converted at the stream's end
    ///        index, so they take no part of it. Whatever the rate cannot pay out exactly is
    ///        carried in `_epoch.undistributed`. So the suppliers' claims never grow by more than
    ///        the interest the market has earned, whatever the rates are.
    ///      Reads all 512 counter shards and 512 clocks (about 2.5M gas): it depends on every
    ///      supply, withdrawal, borrow, repayment and liquidation before it in its block, and
    ///      every later user action of the block depends on it.
    /// @custom:reads _totalScaledSupply.shards[*], _totalScaledDebt.shards[*], _debtClock[*], _supplyClock[*]
    /// @custom:writes _epoch
    function rollEpoch() external nonReentrant {
        EpochState memory e = _epoch;
        uint256 end = uint256(e.start) + epochDuration;
        if (block.timestamp < end) revert EpochNotOver(end);
        EpochState memory next;
        next.id = e.id + 1;
        next.start = _toUint64(block.timestamp);
        next.borrowIndex = LendingMath.growUp(e.borrowIndex, e.borrowRate, block.timestamp - e.start);
        next.supplyIndex = LendingMath.growDown(e.supplyIndex, e.supplyRate, epochDuration);
        uint256 scaledDebt;
        uint256 scaledSupply;
        (scaledDebt, next.debtSecondsAtStart) = _clockSums(_debtClock, _totalScaledDebt);
        (scaledSupply, next.supplySecondsAtStart) = _clockSums(_supplyClock, _totalScaledSupply);
        uint256 epochDebtSeconds = next.debtSecondsAtStart - e.debtSecondsAtStart;
        uint256 u = LendingMath.utilisation(
            MulDiv.mulDiv(epochDebtSeconds, next.borrowIndex, _RAY),
            MulDiv.mulDiv(next.supplySecondsAtStart - e.supplySecondsAtStart, next.supplyIndex, _RAY)
        );
        next.borrowRate = _toUint64(LendingMath.borrowRate(_params(), u));
        {
            // Interest charged in the closed epoch: each unit of scaled debt held for dt seconds
            // grew by borrowIndexAtStart * borrowRate * dt (the debt side rounds up: a floor).
            uint256 earned = MulDiv.mulDiv(epochDebtSeconds, e.borrowIndex * e.borrowRate, _RAY * _WAD);
            uint256 budget = MulDiv.mulDiv(earned, _WAD - reserveFactor, _WAD) + e.undistributed;
            (uint256 supplyRate_, uint256 credited) =
                _stream(budget, MulDiv.mulDivUp(scaledSupply, next.supplyIndex, _RAY));
            next.supplyRate = _toUint64(supplyRate_);
            next.undistributed = budget - credited;
        }
        _epoch = next;
        _emitRolled(next, scaledDebt, scaledSupply, u);
    }

    /// @dev Emits {EpochRolled} for the epoch `n` just opened.
    function _emitRolled(EpochState memory n, uint256 scaledDebt, uint256 scaledSupply, uint256 u) private {
        emit EpochRolled(
            n.id,
            n.borrowIndex,
            n.supplyIndex,
            MulDiv.mulDivUp(scaledDebt, n.borrowIndex, _RAY),
            MulDiv.mulDiv(scaledSupply, n.supplyIndex, _RAY),
            u,
            n.borrowRate,
            n.supplyRate
        );
    }

    /// @dev The supply rate that streams at most `budget` to `supplied` over `epochDuration`
    ///      seconds, `floor(budget / (supplied * epochDuration))` capped at the highest borrow
    ///      rate, and the most that rate can credit, `ceil(supplied * rate * epochDuration)`
    ///      (never above `budget`).
    function _stream(uint256 budget, uint256 supplied) private view returns (uint256 rate, uint256 credited) {
        if (supplied == 0 || budget == 0) return (0, 0);
        rate = MulDiv.mulDiv(budget, _WAD, supplied * epochDuration);
        uint256 cap = LendingMath.borrowRate(_params(), _WAD);
        if (rate > cap) rate = cap;
        credited = MulDiv.mulDivUp(supplied * rate, epochDuration, _WAD);
    }

    // ---------------------------------------------------------------------------------------
    // Liquidity placement (keepers)
    // ---------------------------------------------------------------------------------------

    /// @notice Moves the market's own cash between its shards in the asset so that borrowers and
    ///         lenders are paid from a shard nobody else in their block touches: for each of the
    ///         `count` shards from `firstShard` on (mod N, skipping `fromShard`), tops the shard up
    ///         to `target` from shard `fromShard`, until `fromShard` is empty.
    /// @dev Changes no accounting (the market's total balance is unchanged), so anyone may call
    ///      it; a bad call only makes later payouts sweep (slower, never wrong). Touches no storage
    ///      of the market (only the token's), so it carries no access annotation. Reverts with
    ///      {AssetNotSharded} if the market has no sharded balance in the asset.
    /// @param fromShard The shard to take cash from.
    /// @param firstShard The first shard to top up.
    /// @param count How many shards to visit.
    /// @param target The balance each visited shard should reach (asset units).
    /// @return moved The total moved (asset units).
    function spreadLiquidity(uint256 fromShard, uint256 firstShard, uint256 count, uint256 target)
        external
        nonReentrant
        returns (uint256 moved)
    {
        if (!_assetSharded) revert AssetNotSharded();
        IParallelERC20 token = IParallelERC20(asset);
        uint256 n = token.balanceShards();
        uint256 available = token.shardBalanceOf(address(this), fromShard);
        for (uint256 i; i < count && available != 0; ++i) {
            uint256 s = (firstShard + i) % n;
            if (s == fromShard) continue;
            uint256 held = token.shardBalanceOf(address(this), s);
            if (held >= target) continue;
            uint256 need = target - held;
            if (need > available) need = available;
            token.rebalanceShards(fromShard, s, need);
            available -= need;
            moved += need;
        }
        emit LiquiditySpread(fromShard, moved);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice The borrow index now (RAY): `ceil(I_b * (1 + r_b * (now - start)))`.
    /// @return The index.
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex
    function borrowIndex() external view returns (uint256) {
        return _borrowIndexNow();
    }

    /// @notice The supply index now (RAY): `floor(I_s * (1 + r_s * min(now - start, epochDuration)))`.
    /// @return The index.
    /// @custom:reads _epoch.start, _epoch.supplyRate, _epoch.supplyIndex
    function supplyIndex() external view returns (uint256) {
        return _supplyIndexNow();
    }

    /// @notice The supply index the open epoch's interest stream reaches at its end (RAY):
    ///         `floor(I_s * (1 + r_s * epochDuration))`. Deposits are converted at it.
    /// @return The index.
    /// @custom:reads _epoch.supplyRate, _epoch.supplyIndex
    function supplyIndexAtEpochEnd() external view returns (uint256) {
        return _supplyIndexAtEnd();
    }

    /// @notice Suppliers' interest earned in closed epochs and not yet streamed out (asset
    ///         units): part of the market's surplus, paid by a later epoch's supply rate.
    /// @return The amount.
    /// @custom:reads _epoch.undistributed
    function undistributedInterest() external view returns (uint256) {
        return _epoch.undistributed;
    }

    /// @notice The time integrals of the scaled totals up to now (scaled units x seconds since
    ///         deployment; reads all 512 shards and 512 clocks): for off-chain use.
    /// @return debtSeconds The integral of the total scaled debt.
    /// @return supplySeconds The integral of the total scaled supply.
    /// @custom:reads _totalScaledSupply.shards[*], _totalScaledDebt.shards[*], _debtClock[*], _supplyClock[*]
    function scaledSeconds() external view returns (uint256 debtSeconds, uint256 supplySeconds) {
        (, debtSeconds) = _clockSums(_debtClock, _totalScaledDebt);
        (, supplySeconds) = _clockSums(_supplyClock, _totalScaledSupply);
    }

    /// @notice The open epoch's values.
    /// @return id The epoch number.
    /// @return start When it opened (seconds).
    /// @return borrowRate_ Its borrow rate (WAD per second).
    /// @return supplyRate_ Its supply rate (WAD per second).
    /// @return borrowIndexAtStart The borrow index at its start (RAY).
    /// @return supplyIndexAtStart The supply index at its start (RAY).
    /// @custom:reads _epoch
    function currentEpoch()
        external
        view
        returns (
            uint256 id,
            uint256 start,
            uint256 borrowRate_,
            uint256 supplyRate_,
            uint256 borrowIndexAtStart,
            uint256 supplyIndexAtStart
        )
    {
        EpochState memory e = _epoch;
        return (e.id, e.start, e.borrowRate, e.supplyRate, e.borrowIndex, e.supplyIndex);
    }

    /// @notice `user`'s raw position.
    /// @param user The user.
    /// @return collateral Collateral (collateral units).
    /// @return scaledDebt Scaled debt.
    /// @return scaledSupply Scaled supply.
    /// @custom:reads _positions[user]
    function positionOf(address user)
        external
        view
        returns (uint256 collateral, uint256 scaledDebt, uint256 scaledSupply)
    {
        Position storage p = _positions[user];
        return (p.collateral, p.scaledDebt, p.scaledSupply);
    }

    /// @notice `user`'s debt now, rounded up (asset units).
    /// @param user The borrower.
    /// @return The debt.
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex, _positions[user].scaledDebt
    function debtOf(address user) external view returns (uint256) {
        return MulDiv.mulDivUp(_positions[user].scaledDebt, _borrowIndexNow(), _RAY);
    }

    /// @notice `user`'s supplied balance now, rounded down (asset units).
    /// @param user The lender.
    /// @return The balance.
    /// @custom:reads _epoch.start, _epoch.supplyRate, _epoch.supplyIndex, _positions[user].scaledSupply
    function suppliedOf(address user) external view returns (uint256) {
        return MulDiv.mulDiv(_positions[user].scaledSupply, _supplyIndexNow(), _RAY);
    }

    /// @notice `user`'s collateral (collateral units).
    /// @param user The borrower.
    /// @return The collateral.
    /// @custom:reads _positions[user].collateral
    function collateralOf(address user) external view returns (uint256) {
        return _positions[user].collateral;
    }

    /// @notice `user`'s debt and its two limits at the oracle price.
    /// @dev Reverts with an oracle error of {LendingMath} if the price is unusable.
    /// @param user The borrower.
    /// @return debt The debt now (asset units, rounded up).
    /// @return borrowLimit `collateral * price * collateralFactor` (asset units).
    /// @return liquidationLimit `collateral * price * liquidationThreshold` (asset units); the
    ///         position is liquidatable when `debt > liquidationLimit`.
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex, _positions[user].collateral, _positions[user].scaledDebt
    function accountHealth(address user)
        external
        view
        returns (uint256 debt, uint256 borrowLimit, uint256 liquidationLimit)
    {
        Position storage p = _positions[user];
        uint256 price = LendingMath.checkedPrice(oracle, maxOracleAge);
        debt = MulDiv.mulDivUp(p.scaledDebt, _borrowIndexNow(), _RAY);
        borrowLimit = LendingMath.limit(p.collateral, price, collateralFactor);
        liquidationLimit = LendingMath.limit(p.collateral, price, liquidationThreshold);
    }

    /// @notice Total debt now, rounded up (asset units). Reads all 256 debt shards: for off-chain
    ///         use.
    /// @return The total debt.
    /// @custom:reads _epoch.start, _epoch.borrowRate, _epoch.borrowIndex, _totalScaledDebt.shards[*]
    function totalDebt() external view returns (uint256) {
        return MulDiv.mulDivUp(_totalScaledDebt.sumUnsigned(), _borrowIndexNow(), _RAY);
    }

    /// @notice Total supplied now, rounded down (asset units). Reads all 256 supply shards: for
    ///         off-chain use.
    /// @return The total supplied.
    /// @custom:reads _epoch.start, _epoch.supplyRate, _epoch.supplyIndex, _totalScaledSupply.shards[*]
    function totalSupplied() external view returns (uint256) {
        return MulDiv.mulDiv(_totalScaledSupply.sumUnsigned(), _supplyIndexNow(), _RAY);
    }

    /// @notice The sums of the scaled totals (reads all 512 shards).
    /// @return scaledSupply Sum of all scaled supply.
    /// @return scaledDebt Sum of all scaled debt.
    /// @custom:reads _totalScaledSupply.shards[*], _totalScaledDebt.shards[*]
    function scaledTotals() external view returns (uint256 scaledSupply, uint256 scaledDebt) {
        return (_totalScaledSupply.sumUnsigned(), _totalScaledDebt.sumUnsigned());
    }

    /// @notice The risk and rate parameters.
    /// @return The parameters.
    function marketParams() external view returns (LendingMath.MarketParams memory) {
        return _params();
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    /// @dev The borrow index at `block.timestamp` (reads `_epoch` slots 513 and 514).
    function _borrowIndexNow() internal view returns (uint256) {
        EpochState storage e = _epoch;
        return LendingMath.growUp(e.borrowIndex, e.borrowRate, block.timestamp - e.start);
    }

    /// @dev The supply index at `block.timestamp` (reads `_epoch` slots 513 and 515): the open
    ///      epoch's interest stream runs for `epochDuration` seconds, then stops until the roll.
    function _supplyIndexNow() internal view returns (uint256) {
        EpochState storage e = _epoch;
        uint256 dt = block.timestamp - e.start;
        return LendingMath.growDown(e.supplyIndex, e.supplyRate, dt < epochDuration ? dt : epochDuration);
    }

    /// @dev The supply index the open epoch's stream reaches at its end (reads slots 513, 515).
    function _supplyIndexAtEnd() internal view returns (uint256) {
        EpochState storage e = _epoch;
        return LendingMath.growDown(e.supplyIndex, e.supplyRate, epochDuration);
    }

    /// @dev Brings the clock of `key`'s shard up to now: adds the shard's scaled amount (before
    ///      the caller changes it) times the seconds since the clock's last update. Touches only
    ///      the shard's clock word and counter shard, which only users of that shard write.
    function _tick(uint256[256] storage clocks, ShardedCounter.Counter storage total, address key) private {
        uint256 s = ShardedCounter.shardOf(key);
        uint256 word = clocks[s];
        uint256 last = word >> 192;
        if (last == block.timestamp) return;
        uint256 cumulative = (word & _CLOCK_MASK) + _shardValue(total, s) * (block.timestamp - last);
        if (cumulative > _CLOCK_MASK) revert ValueOverflow(cumulative);
        clocks[s] = (block.timestamp << 192) | cumulative;
    }

    /// @dev The sum of the 256 shards of `total` and of their clocks brought up to now.
    function _clockSums(uint256[256] storage clocks, ShardedCounter.Counter storage total)
        private
        view
        returns (uint256 sum, uint256 seconds_)
    {
        for (uint256 s; s < 256; ++s) {
            uint256 value = _shardValue(total, s);
            uint256 word = clocks[s];
            sum += value;
            seconds_ += (word & _CLOCK_MASK) + value * (block.timestamp - (word >> 192));
        }
    }

    /// @dev Shard `s` of a counter of scaled amounts, which is never negative.
    function _shardValue(ShardedCounter.Counter storage total, uint256 s) private view returns (uint256) {
        int256 v = total.valueAt(s);
        if (v < 0) revert ValueOverflow(uint256(-v));
        return uint256(v);
    }

    /// @dev The parameters, rebuilt from the immutables.
    function _params() internal view returns (LendingMath.MarketParams memory) {
        return LendingMath.MarketParams({
            collateralFactor: collateralFactor,
            liquidationThreshold: liquidationThreshold,
            liquidationBonus: liquidationBonus,
            closeFactor: closeFactor,
            reserveFactor: reserveFactor,
            baseRatePerSecond: baseRatePerSecond,
            slope1PerSecond: slope1PerSecond,
            slope2PerSecond: slope2PerSecond,
            kink: kink,
            maxOracleAge: maxOracleAge
        });
    }

    /// @dev Pays `amount` of `token` to `to`. For a sharded-balance token, from the market's shard
    ///      `shard(key)` if it holds enough (touching that shard only), else by a sweeping
    ///      `transfer` that starts at `shard(to)`.
    function _payOut(address token, bool sharded, address key, address to, uint256 amount) private {
        if (sharded) {
            IParallelERC20 t = IParallelERC20(token);
            uint256 s = t.shardOf(key);
            if (t.shardBalanceOf(address(this), s) >= amount) {
                t.transferFromShard(s, to, amount);
                return;
            }
        }
        SafeTransfer.safeTransfer(token, to, amount);
    }

    /// @dev Pulls `amount` of `token` from `from` with `transferFrom` and checks that the market's
    ///      balance grew by at least `amount` ({ReceivedLess} otherwise: fee-on-transfer tokens are
    ///      refused). For a sharded-balance token it compares the market's shard `shard(from)`,
    ///      the one slot the transfer credits, so the check reads nothing another user writes;
    ///      for a conventional token, the market's balance slot, which every transfer writes
    ///      anyway. A token returning `false` fails in {SafeTransfer}.
    function _pull(address token, bool sharded, address from, uint256 amount) private {
        uint256 before = _held(token, sharded, from);
        SafeTransfer.safeTransferFrom(token, from, address(this), amount);
        uint256 after_ = _held(token, sharded, from);
        if (after_ < before || after_ - before < amount) {
            revert ReceivedLess(token, amount, after_ < before ? 0 : after_ - before);
        }
    }

    /// @dev The market's balance in `token` that a transfer from `from` credits: its shard
    ///      `shard(from)` for a sharded-balance token, else its whole balance.
    function _held(address token, bool sharded, address from) private view returns (uint256) {
        if (sharded) {
            IParallelERC20 t = IParallelERC20(token);
            return t.shardBalanceOf(address(this), t.shardOf(from));
        }
        return IERC20(token).balanceOf(address(this));
    }

    /// @dev Opts in to a sharded balance in `token` if it supports it: calls
    ///      `enableShardedBalance()` (ignoring a revert), then asks `isShardedHolder(this)` in a
    ///      static call and returns true only for an answer of exactly 32 bytes encoding `true`
    ///      (audit finding 3). A token whose fallback accepts any selector (WETH9) returns no data
    ///      (or reverts, as a static call cannot write), so it is treated as a plain ERC-20.
    function _tryShard(address token) private returns (bool) {
        try IParallelERC20(token).enableShardedBalance() {} catch {}
        // Gas-capped: a fallback that writes storage fails in a static call by using up all the
        // gas it is given, which must not starve the constructor.
        (bool ok, bytes memory ret) =
            token.staticcall{gas: _SHARD_PROBE_GAS}(abi.encodeCall(IParallelERC20.isShardedHolder, (address(this))));
        return ok && ret.length == 32 && abi.decode(ret, (uint256)) == 1;
    }

    /// @dev Removes `burned` of `borrower`'s `scaledDebt`; if `exhausted` (the liquidation took
    ///      all collateral) and debt is left, writes that rest off too (audit finding 5).
    function _burnDebt(
        Position storage p,
        address borrower,
        uint256 scaledDebt,
        uint256 burned,
        bool exhausted,
        uint256 index
    ) private {
        uint256 scaledLeft = scaledDebt - burned;
        _tick(_debtClock, _totalScaledDebt, borrower);
        if (exhausted && scaledLeft != 0) {
            p.scaledDebt = 0;
            _totalScaledDebt.sub(borrower, scaledDebt);
            // The debt lost, plus the interest it accrued in the open epoch: the debt clocks
            // counted that interest as earned, and the next roll pays earned interest to the
            // suppliers, so they must give it back here (at most the whole epoch's growth).
            uint256 lost = MulDiv.mulDivUp(scaledLeft, index, _RAY)
                + MulDiv.mulDivUp(scaledLeft, index - _epoch.borrowIndex, _RAY);
            _writeOff(borrower, lost);
        } else {
            p.scaledDebt = scaledLeft;
            _totalScaledDebt.sub(borrower, burned);
        }
    }

    /// @dev Lowers the supply index at the open epoch's start so that every supplied balance falls
    ///      pro rata by `lost` in total (rounded so that suppliers lose at least `lost`). Reads the
    ///      256 supply shards and writes `_epoch.supplyIndex`: a bad-debt liquidation is a serial
    ///      step, as a roll is. If the loss reaches the total supplied, the index drops to 1 wei.
    function _writeOff(address borrower, uint256 lost) private {
        uint256 supplied = MulDiv.mulDiv(_totalScaledSupply.sumUnsigned(), _supplyIndexNow(), _RAY);
        uint256 indexAtStart = _epoch.supplyIndex;
        uint256 after_ = lost >= supplied ? 1 : MulDiv.mulDiv(indexAtStart, supplied - lost, supplied);
        if (after_ == 0) after_ = 1;
        _epoch.supplyIndex = after_;
        emit BadDebtWrittenOff(borrower, lost, after_);
    }

    /// @dev `value` as a uint64, reverting with {ValueOverflow} if it does not fit.
    function _toUint64(uint256 value) private pure returns (uint64) {
        if (value > type(uint64).max) revert ValueOverflow(value);
        return uint64(value);
    }
}
