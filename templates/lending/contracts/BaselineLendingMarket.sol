// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

import {LendingMath} from "./LendingMath.sol";

/// @title BaselineLendingMarket
/// @author hardhat-parallel
/// @notice A conventional lending market that accrues interest on every action, Compound-v2
///         style: the comparison for {ParallelLendingMarket}, with the same parameters, rate
///         model, collateral rules and liquidation rules.
///
/// @dev ## Accrual (Compound v2 `CToken.accrueInterest`, per second instead of per block)
/// Every action first calls {accrueInterest}: if time has passed since `accrualTimestamp`, it
/// takes the borrow rate of the kinked model at the *current* utilisation
/// `totalBorrows / (cash + totalBorrows - totalReserves)` and applies simple interest for the
/// elapsed time: `interest = floor(rate * dt * totalBorrows / 1e18)`,
/// `totalBorrows += interest`, `totalReserves += floor(interest * reserveFactor / 1e18)`,
/// `borrowIndex += floor(rate * dt * borrowIndex / 1e18)`, `accrualTimestamp = now`. Lenders hold
/// shares priced at the exchange rate `(cash + totalBorrows - totalReserves) * 1e18 / totalShares`
/// (1e18 while there are no shares); a borrower's debt is `principal * borrowIndex /
/// interestIndex` of its snapshot. Rates follow utilisation at every action, with no lag.
///
/// ## Why it serialises
/// - The first action of a block writes `accrualTimestamp`, `borrowIndex`, `totalBorrows` and
///   `totalReserves`; every later action of the block reads them, so all depend on the first.
/// - Every supply and withdrawal writes `totalShares`, every borrow and repayment `totalBorrows`,
///   and every action reads them: each action also depends on the previous one of its kind.
/// - The cash is the market's balance in the asset, which every transfer in or out writes.
/// On a parallel chain a block of market actions is therefore one chain of dependencies.
///
/// ## Deviations from Compound v2 (to keep the comparison fair and the baseline safe)
/// One market holds both the asset and the collateral (no comptroller, no cToken for the
/// collateral); a borrower's debt and the shares burnt by a withdrawal round *up* (Compound
/// rounds both down); liquidation uses a liquidation threshold above the collateral factor, as
/// {ParallelLendingMarket}. The reentrancy guard is transient (EIP-1153), so it adds no hot slot.
///
/// ## Storage (slots relative to the first slot of this contract)
/// - 0 `supplyShares`: `mapping(address => uint256)` at `keccak256(abi.encode(user, 0))`.
/// - 1 `accountBorrows`: `mapping(address => BorrowSnapshot)`, 2 slots at
///   `keccak256(abi.encode(user, 1)) + 0..1` (principal, interestIndex).
/// - 2 `collateralOf`: `mapping(address => uint256)` at `keccak256(abi.encode(user, 2))`.
/// - 3 `totalShares`, 4 `totalBorrows`, 5 `totalReserves`, 6 `borrowIndex` (WAD-based, starts at
///   1e18 as Compound's), 7 `accrualTimestamp`, 8 `cashTracked`.
///
/// ## Donations are ignored (audit finding 6)
/// The cash in the exchange rate is `cashTracked`, the market's own record of the asset it
/// received and paid out, not `balanceOf(this)`: a token sent to the market directly changes no
/// price, so the empty-market inflation (supply 1 wei, donate, the next supplier's shares round
/// to almost nothing) does nothing. Donated tokens stay in the contract, unaccounted.
contract BaselineLendingMarket is TransientReentrancyGuard {
    /// @notice A borrower's debt at its last update.
    /// @param principal The debt then (asset units).
    /// @param interestIndex The `borrowIndex` then.
    struct BorrowSnapshot {
        uint256 principal;
        uint256 interestIndex;
    }

    /// @dev 1e18.
    uint256 private constant _WAD = LendingMath.WAD;

    /// @notice The asset lent and borrowed.
    address public immutable asset;

    /// @notice The collateral asset.
    address public immutable collateralAsset;

    /// @notice The price feed of the collateral in units of the asset.
    address public immutable oracle;

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

    /// @notice Each lender's shares of the supplied pool ("cTokens").
    mapping(address user => uint256) public supplyShares;

    /// @notice Each borrower's debt snapshot.
    mapping(address user => BorrowSnapshot) public accountBorrows;

    /// @notice Each borrower's collateral (collateral units).
    mapping(address user => uint256) public collateralOf;

    /// @notice Total lender shares.
    uint256 public totalShares;

    /// @notice Total debt at the last accrual (asset units).
    uint256 public totalBorrows;

    /// @notice The protocol's share of accrued interest (asset units).
    uint256 public totalReserves;

    /// @notice The borrow index at the last accrual (1e18 at deployment).
    uint256 public borrowIndex;

    /// @notice When interest was last accrued (seconds).
    uint256 public accrualTimestamp;

    /// @notice The asset the market holds by its own accounting (asset units): increased by
    ///         supplies, repayments and liquidations, decreased by withdrawals and borrows.
    ///         Direct transfers to the market are not counted.
    uint256 public cashTracked;

    /// @notice Interest was accrued.
    /// @param cashPrior The cash before (asset units).
    /// @param interestAccumulated The interest added to `totalBorrows` (asset units).
    /// @param borrowIndex The new index.
    /// @param totalBorrows The new total debt (asset units).
    event AccrueInterest(uint256 cashPrior, uint256 interestAccumulated, uint256 borrowIndex, uint256 totalBorrows);

    /// @notice `user` supplied `assets` for `shares`.
    /// @param user The lender.
    /// @param assets The amount (asset units).
    /// @param shares The shares minted.
    event Supply(address indexed user, uint256 assets, uint256 shares);

    /// @notice `user` withdrew `assets` for `shares`.
    /// @param user The lender.
    /// @param assets The amount (asset units).
    /// @param shares The shares burnt.
    event Withdraw(address indexed user, uint256 assets, uint256 shares);

    /// @notice `user` deposited `amount` of collateral.
    /// @param user The borrower.
    /// @param amount The amount (collateral units).
    event SupplyCollateral(address indexed user, uint256 amount);

    /// @notice `user` withdrew `amount` of collateral.
    /// @param user The borrower.
    /// @param amount The amount (collateral units).
    event WithdrawCollateral(address indexed user, uint256 amount);

    /// @notice `user` borrowed `assets`.
    /// @param user The borrower.
    /// @param assets The amount (asset units).
    /// @param debt The borrower's debt after (asset units).
    event Borrow(address indexed user, uint256 assets, uint256 debt);

    /// @notice `payer` repaid `assets` of `user`'s debt.
    /// @param payer The account that paid.
    /// @param user The borrower.
    /// @param assets The amount (asset units).
    /// @param debt The borrower's debt after (asset units).
    event Repay(address indexed payer, address indexed user, uint256 assets, uint256 debt);

    /// @notice `liquidator` repaid `repaid` of `borrower`'s debt and received `seized` collateral.
    /// @param liquidator The liquidator.
    /// @param borrower The liquidated borrower.
    /// @param repaid The debt repaid (asset units).
    /// @param seized The collateral received (collateral units).
    event Liquidate(address indexed liquidator, address indexed borrower, uint256 repaid, uint256 seized);

    /// @notice An amount of zero, or one that rounds to zero shares.
    error ZeroAmount();

    /// @notice A zero address where an account or token is needed.
    error ZeroAddress();

    /// @notice The market's cash is below the amount asked.
    /// @param requested The amount asked (asset units).
    /// @param cash The cash (asset units).
    error InsufficientCash(uint256 requested, uint256 cash);

    /// @notice The debt after the action would exceed the borrow limit.
    /// @param debt The debt after the action (asset units).
    /// @param limit `collateral * price * collateralFactor` (asset units).
    error InsufficientCollateral(uint256 debt, uint256 limit);

    /// @notice More collateral was asked than the position holds.
    /// @param requested The amount asked (collateral units).
    /// @param available The position's collateral (collateral units).
    error ExceedsCollateral(uint256 requested, uint256 available);

    /// @notice More was asked than the lender's shares are worth.
    /// @param requested The amount asked (asset units).
    /// @param available The lender's balance (asset units).
    error ExceedsSupplied(uint256 requested, uint256 available);

    /// @notice The position has no debt to repay.
    /// @param user The borrower.
    error NoDebt(address user);

    /// @notice The position is not liquidatable.
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

    /// @param asset_ The asset lent and borrowed.
    /// @param collateralAsset_ The collateral asset (must differ from `asset_`).
    /// @param oracle_ The price of the collateral in units of the asset.
    /// @param params The risk and rate parameters (see {LendingMath.MarketParams}).
    constructor(address asset_, address collateralAsset_, address oracle_, LendingMath.MarketParams memory params) {
        if (asset_ == address(0) || collateralAsset_ == address(0) || oracle_ == address(0)) revert ZeroAddress();
        if (asset_ == collateralAsset_) revert LendingMath.InvalidMarketParams();
        LendingMath.validate(params, type(uint64).max);
        asset = asset_;
        collateralAsset = collateralAsset_;
        oracle = oracle_;
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
        borrowIndex = _WAD;
        accrualTimestamp = block.timestamp;
    }

    // ---------------------------------------------------------------------------------------
    // Accrual
    // ---------------------------------------------------------------------------------------

    /// @notice Applies interest since the last accrual at the borrow rate of the current
    ///         utilisation (see the contract notes). A second call in the same block changes
    ///         nothing (but still reads the accrual variables).
    /// @custom:reads cashTracked
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves
    function accrueInterest() public {
        uint256 prior = accrualTimestamp;
        if (block.timestamp == prior) return;
        uint256 cashPrior = _cash();
        uint256 borrows = totalBorrows;
        uint256 reserves = totalReserves;
        uint256 index = borrowIndex;
        uint256 factor = LendingMath.borrowRate(_params(), _utilisation(cashPrior, borrows, reserves))
            * (block.timestamp - prior);
        uint256 interest = MulDiv.mulDiv(factor, borrows, _WAD);
        uint256 newIndex = index + MulDiv.mulDiv(factor, index, _WAD);
        totalBorrows = borrows + interest;
        totalReserves = reserves + MulDiv.mulDiv(interest, reserveFactor, _WAD);
        borrowIndex = newIndex;
        accrualTimestamp = block.timestamp;
        emit AccrueInterest(cashPrior, interest, newIndex, borrows + interest);
    }

    // ---------------------------------------------------------------------------------------
    // Lenders
    // ---------------------------------------------------------------------------------------

    /// @notice Accrues, then supplies `assets` for `floor(assets * 1e18 / exchangeRate)` shares.
    /// @param assets The amount (asset units).
    /// @return shares The shares minted.
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, supplyShares[msg.sender], totalShares, cashTracked
    function supply(uint256 assets) external nonReentrant returns (uint256 shares) {
        accrueInterest();
        shares = MulDiv.mulDiv(assets, _WAD, _exchangeRate());
        if (shares == 0) revert ZeroAmount();
        supplyShares[msg.sender] += shares;
        totalShares += shares;
        cashTracked += assets;
        SafeTransfer.safeTransferFrom(asset, msg.sender, address(this), assets);
        emit Supply(msg.sender, assets, shares);
    }

    /// @notice Accrues, then withdraws `assets` (`type(uint256).max`: everything), burning
    ///         `ceil(assets * 1e18 / exchangeRate)` shares.
    /// @param assets The amount (asset units), or `type(uint256).max`.
    /// @return withdrawn The amount paid (asset units).
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, supplyShares[msg.sender], totalShares, cashTracked
    function withdraw(uint256 assets) external nonReentrant returns (uint256 withdrawn) {
        accrueInterest();
        uint256 rate = _exchangeRate();
        uint256 held = supplyShares[msg.sender];
        uint256 shares;
        if (assets == type(uint256).max) {
            shares = held;
            withdrawn = MulDiv.mulDiv(held, rate, _WAD);
        } else {
            shares = MulDiv.mulDivUp(assets, _WAD, rate);
            if (shares > held) revert ExceedsSupplied(assets, MulDiv.mulDiv(held, rate, _WAD));
            withdrawn = assets;
        }
        if (withdrawn == 0) revert ZeroAmount();
        uint256 cash = _cash();
        if (withdrawn > cash) revert InsufficientCash(withdrawn, cash);
        supplyShares[msg.sender] = held - shares;
        totalShares -= shares;
        cashTracked -= withdrawn;
        SafeTransfer.safeTransfer(asset, msg.sender, withdrawn);
        emit Withdraw(msg.sender, withdrawn, shares);
    }

    // ---------------------------------------------------------------------------------------
    // Borrowers
    // ---------------------------------------------------------------------------------------

    /// @notice Accrues, then deposits `amount` of collateral.
    /// @param amount The amount (collateral units).
    /// @custom:reads cashTracked
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, collateralOf[msg.sender]
    function supplyCollateral(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        accrueInterest();
        collateralOf[msg.sender] += amount;
        SafeTransfer.safeTransferFrom(collateralAsset, msg.sender, address(this), amount);
        emit SupplyCollateral(msg.sender, amount);
    }

    /// @notice Accrues, then withdraws `amount` of collateral if the debt stays within the borrow
    ///         limit of what remains (no price is needed without debt).
    /// @param amount The amount (collateral units).
    /// @custom:reads accountBorrows[msg.sender], cashTracked
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, collateralOf[msg.sender]
    function withdrawCollateral(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        accrueInterest();
        uint256 collateral = collateralOf[msg.sender];
        if (amount > collateral) revert ExceedsCollateral(amount, collateral);
        uint256 remaining = collateral - amount;
        uint256 debt = _borrowBalance(msg.sender);
        if (debt != 0) {
            uint256 borrowLimit =
                LendingMath.limit(remaining, LendingMath.checkedPrice(oracle, maxOracleAge), collateralFactor);
            if (debt > borrowLimit) revert InsufficientCollateral(debt, borrowLimit);
        }
        collateralOf[msg.sender] = remaining;
        SafeTransfer.safeTransfer(collateralAsset, msg.sender, amount);
        emit WithdrawCollateral(msg.sender, amount);
    }

    /// @notice Accrues, then borrows `assets` if the market has the cash and the debt stays within
    ///         `collateral * price * collateralFactor`.
    /// @param assets The amount (asset units).
    /// @custom:reads collateralOf[msg.sender]
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, accountBorrows[msg.sender], cashTracked
    function borrow(uint256 assets) external nonReentrant {
        if (assets == 0) revert ZeroAmount();
        accrueInterest();
        uint256 cash = _cash();
        if (assets > cash) revert InsufficientCash(assets, cash);
        uint256 debt = _borrowBalance(msg.sender) + assets;
        uint256 borrowLimit = LendingMath.limit(
            collateralOf[msg.sender], LendingMath.checkedPrice(oracle, maxOracleAge), collateralFactor
        );
        if (debt > borrowLimit) revert InsufficientCollateral(debt, borrowLimit);
        accountBorrows[msg.sender] = BorrowSnapshot({principal: debt, interestIndex: borrowIndex});
        totalBorrows += assets;
        cashTracked -= assets;
        SafeTransfer.safeTransfer(asset, msg.sender, assets);
        emit Borrow(msg.sender, assets, debt);
    }

    /// @notice Accrues, then repays up to `assets` of `onBehalfOf`'s debt (any amount at or above
    ///         the debt repays exactly the debt).
    /// @param assets The most to repay (asset units).
    /// @param onBehalfOf The borrower.
    /// @return repaid The amount paid (asset units).
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, accountBorrows[onBehalfOf], cashTracked
    function repay(uint256 assets, address onBehalfOf) external nonReentrant returns (uint256 repaid) {
        if (assets == 0) revert ZeroAmount();
        accrueInterest();
        uint256 debt = _borrowBalance(onBehalfOf);
        if (debt == 0) revert NoDebt(onBehalfOf);
        repaid = assets < debt ? assets : debt;
        _reduceDebt(onBehalfOf, debt, repaid);
        cashTracked += repaid;
        SafeTransfer.safeTransferFrom(asset, msg.sender, address(this), repaid);
        emit Repay(msg.sender, onBehalfOf, repaid, debt - repaid);
    }

    // ---------------------------------------------------------------------------------------
    // Liquidation
    // ---------------------------------------------------------------------------------------

    /// @notice Accrues, then repays `repayAssets` of an unhealthy `borrower`'s debt for collateral
    ///         worth `repayAssets * (1 + liquidationBonus)`; the same rules and errors as
    ///         {ParallelLendingMarket-liquidate}.
    /// @param borrower The position to liquidate.
    /// @param repayAssets The debt to repay (asset units).
    /// @param minSeized The least collateral the liquidator accepts (collateral units).
    /// @return seized The collateral paid to the caller (collateral units).
    /// @custom:writes accrualTimestamp, borrowIndex, totalBorrows, totalReserves, accountBorrows[borrower], collateralOf[borrower], cashTracked
    function liquidate(address borrower, uint256 repayAssets, uint256 minSeized)
        external
        nonReentrant
        returns (uint256 seized)
    {
        if (repayAssets == 0) revert ZeroAmount();
        accrueInterest();
        uint256 debt = _borrowBalance(borrower);
        uint256 price = LendingMath.checkedPrice(oracle, maxOracleAge);
        uint256 collateral = collateralOf[borrower];
        uint256 threshold = LendingMath.limit(collateral, price, liquidationThreshold);
        if (debt <= threshold) revert PositionHealthy(debt, threshold);
        uint256 maxRepay = MulDiv.mulDivUp(debt, closeFactor, _WAD);
        if (repayAssets > maxRepay) revert RepayExceedsCloseFactor(repayAssets, maxRepay);
        seized = LendingMath.seizeAmount(repayAssets, price, liquidationBonus);
        if (seized > collateral) revert SeizeExceedsCollateral(seized, collateral);
        if (seized < minSeized) revert SeizeBelowMinimum(seized, minSeized);
        _reduceDebt(borrower, debt, repayAssets);
        collateralOf[borrower] = collateral - seized;
        cashTracked += repayAssets;
        SafeTransfer.safeTransferFrom(asset, msg.sender, address(this), repayAssets);
        SafeTransfer.safeTransfer(collateralAsset, msg.sender, seized);
        emit Liquidate(msg.sender, borrower, repayAssets, seized);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice `user`'s debt as of the last accrual, rounded up (asset units).
    /// @param user The borrower.
    /// @return The debt.
    /// @custom:reads borrowIndex, accountBorrows[user]
    function borrowBalanceStored(address user) external view returns (uint256) {
        return _borrowBalance(user);
    }

    /// @notice The exchange rate as of the last accrual: asset units per share, times 1e18.
    /// @return The rate.
    /// @custom:reads totalShares, totalBorrows, totalReserves, cashTracked
    function exchangeRateStored() external view returns (uint256) {
        return _exchangeRate();
    }

    /// @notice `user`'s supplied balance as of the last accrual, rounded down (asset units).
    /// @param user The lender.
    /// @return The balance.
    /// @custom:reads totalShares, totalBorrows, totalReserves, supplyShares[user], cashTracked
    function suppliedOfStored(address user) external view returns (uint256) {
        return MulDiv.mulDiv(supplyShares[user], _exchangeRate(), _WAD);
    }

    /// @notice The market's cash by its own accounting ({cashTracked}; donations excluded).
    /// @return The cash (asset units).
    /// @custom:reads cashTracked
    function getCash() external view returns (uint256) {
        return _cash();
    }

    /// @notice The borrow rate at the current utilisation (WAD per second).
    /// @return The rate.
    /// @custom:reads totalBorrows, totalReserves, cashTracked
    function borrowRatePerSecond() external view returns (uint256) {
        return LendingMath.borrowRate(_params(), _utilisation(_cash(), totalBorrows, totalReserves));
    }

    /// @notice `user`'s debt (as of the last accrual) and its two limits at the oracle price.
    /// @param user The borrower.
    /// @return debt The debt (asset units, rounded up).
    /// @return borrowLimit `collateral * price * collateralFactor` (asset units).
    /// @return liquidationLimit `collateral * price * liquidationThreshold` (asset units).
    /// @custom:reads borrowIndex, accountBorrows[user], collateralOf[user]
    function accountHealth(address user)
        external
        view
        returns (uint256 debt, uint256 borrowLimit, uint256 liquidationLimit)
    {
        uint256 price = LendingMath.checkedPrice(oracle, maxOracleAge);
        debt = _borrowBalance(user);
        borrowLimit = LendingMath.limit(collateralOf[user], price, collateralFactor);
        liquidationLimit = LendingMath.limit(collateralOf[user], price, liquidationThreshold);
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    /// @dev The market's cash by its own accounting ({cashTracked}), never `balanceOf(this)`.
    function _cash() internal view returns (uint256) {
        return cashTracked;
    }

    /// @dev Compound v2's utilisation `borrows / (cash + borrows - reserves)`, capped at 1.
    function _utilisation(uint256 cash, uint256 borrows, uint256 reserves) internal pure returns (uint256) {
        uint256 pool = cash + borrows;
        return LendingMath.utilisation(borrows, pool > reserves ? pool - reserves : 0);
    }

    /// @dev `(cash + totalBorrows - totalReserves) * 1e18 / totalShares`, or 1e18 without shares.
    function _exchangeRate() internal view returns (uint256) {
        uint256 shares = totalShares;
        if (shares == 0) return _WAD;
        uint256 pool = _cash() + totalBorrows;
        uint256 reserves = totalReserves;
        return MulDiv.mulDiv(pool > reserves ? pool - reserves : 0, _WAD, shares);
    }

    /// @dev `ceil(principal * borrowIndex / interestIndex)`, or 0 without a snapshot.
    function _borrowBalance(address user) internal view returns (uint256) {
        BorrowSnapshot storage s = accountBorrows[user];
        uint256 principal = s.principal;
        if (principal == 0) return 0;
        return MulDiv.mulDivUp(principal, borrowIndex, s.interestIndex);
    }

    /// @dev Records `user`'s debt as `debt - amount` at the current index and lowers the total
    ///      (saturating: individual debts round up, so their sum can exceed `totalBorrows`).
    function _reduceDebt(address user, uint256 debt, uint256 amount) internal {
        accountBorrows[user] = BorrowSnapshot({principal: debt - amount, interestIndex: borrowIndex});
        uint256 borrows = totalBorrows;
        totalBorrows = borrows > amount ? borrows - amount : 0;
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
}
