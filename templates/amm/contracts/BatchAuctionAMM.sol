// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {Epochs} from "hardhat-parallel/contracts/Epochs.sol";
import {IParallelERC20} from "hardhat-parallel/contracts/interfaces/IParallelERC20.sol";
import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {ShardedCounter} from "hardhat-parallel/contracts/ShardedCounter.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

/// @title BatchAuctionAMM
/// @author hardhat-parallel
/// @notice A constant-product pool of two tokens that trades in batches: users commit swaps to
///         the open batch, one settlement clears the whole batch at a single uniform price
///         against the reserves, and each user claims their output. Commits and claims of
///         different users touch disjoint storage; liquidity is added and removed in the same
///         rhythm. The pool's shares are an ERC-20 (this contract).
///
/// @dev ## Flow
/// 1. `commitSwap(zeroForOne, amountIn, minAmountOut)` takes `amountIn` of the input token and
///    records the order in the caller's own slot `_orders[msg.sender]`;
///    `commitAddLiquidity(amount0, amount1, minShares)` and
///    `commitRemoveLiquidity(shares, min0, min1)` record a request in `_liquidity[msg.sender]`
///    (a removal escrows the shares). Each commit adds 1 to the sharded count `_commitments`.
/// 2. `settle(batch, swappers, providers)` (anyone, once the batch has been open
///    `minBatchDuration` seconds) is given the batch's committers, sorted ascending, and checks
///    that they are exactly the batch's commitments: each named order is pending in `batch`,
///    names are strictly increasing (no duplicates), and their number equals the sharded count
///    of commitments since the last settlement — so no order can be left out. It then clears
///    the swaps, then the liquidity requests, writes each request's result into its slot,
///    updates the reserves and records the batch price.
/// 3. `claim()` / `claimLiquidity()` pay the caller what settlement recorded for it.
///
/// ## Clearing price (uniform, constant product preserved)
/// Let `R0, R1` be the reserves, `fee` the fee in basis points and, for each order, `e` its input
/// after the fee (`floor(amountIn * (10000 - fee) / 10000)`); let `E0` (`E1`) be the sum of `e`
/// over the included orders selling token0 (token1). Every included order clears at the price
/// `p = (R1 + E1) / (R0 + E0)` (token1 per token0): a token0 seller receives
/// `floor(e * (R1 + E1) / (R0 + E0))` token1 and a token1 seller `floor(e * (R0 + E0) / (R1 + E1))`
/// token0. With exact arithmetic and no fee the reserves after the batch are
/// `(R0 + E0) * R1 / (R1 + E1)` and `(R1 + E1) * R0 / (R0 + E0)`, whose product is exactly
/// `R0 * R1`: the opposite flows are netted at the price the curve gives for the net flow. The
/// fee (kept in the reserves) and the rounding down of every output can only raise the product,
/// so `reserve0 * reserve1` never decreases across a settlement. Because all orders of a batch
/// get the same price whatever their order in the block, users of one batch cannot be sandwiched
/// against each other.
///
/// ## Minimum output
/// An order whose output at the clearing price is below its `minAmountOut` (or zero) is excluded
/// and refunded, and the price is recomputed without it; this repeats until every remaining
/// order is satisfied (at most one round per order). Liquidity requests are then priced at the
/// reserves after the swaps and the share supply before the batch: an addition receives
/// `min(floor(a0 * S / R0), floor(a1 * S / R1))` shares, uses `ceil(shares * R / S)` of each token
/// and gets the rest back; a removal receives `floor(shares * R / S)` of each token. A request
/// below its minimums is refunded in full. No request can lower the reserves per share.
///
/// ## Why each slot is or is not shared
/// - A commit writes only the caller's own request slot and the shard `shard(msg.sender)` of
///   `_commitments`; it reads `_clock` (written only by settlement). A claim writes only the
///   caller's request slot (and, for liquidity, its share balance).
/// - The reserves, the share supply, `_clock`, `_prices` and `_settledCommitments` are written
///   only by `settle` and `initialize`.
/// - The tokens: for a token implementing {IParallelERC20} the pool opts in to a sharded balance.
///   A commit's transfer credits the pool's token shard `shard(msg.sender)`. Settlement keeps
///   the reserves in shard {RESERVE_SHARD}: it moves every filled input from the committer's
///   shard into it and every output from it into the claimant's shard, so that a claim pays
///   exactly from the claimant's own shard with `transferFromShard`. Refunds never moved.
/// - The reentrancy guard is transient (EIP-1153): no storage.
/// Two commits of different users conflict only if the users share a shard (1/256 per pair).
/// Settlement reads every shard and every request of its batch: it depends on every commit of
/// its block, and is the one serial step per batch.
///
/// ## Trade-offs
/// Latency: a swap completes one settlement (and a claim) after it was committed, at a price
/// nobody knows at commit time (only bounded by `minAmountOut`). Gas: settlement reads 256
/// shards (~0.54M gas) plus, per request, its slots, its result and up to four token shard moves.
///
/// ## Storage (slots relative to the first slot of this contract; 0-4 from {ConventionalERC20})
/// - 0 `_balances` (shares), 1 `_allowances`, 2 `_totalSupply`, 3 `_name`, 4 `_symbol`.
/// - 5 `_orders`: `mapping(address => SwapOrder)`, 2 slots at `keccak256(abi.encode(user, 5)) +
///   0..1` (packing in {SwapOrder}).
/// - 6 `_liquidity`: `mapping(address => LiquidityRequest)`, 4 slots at
///   `keccak256(abi.encode(user, 6)) + 0..3` (packing in {LiquidityRequest}).
/// - 7..262 `_commitments`: `ShardedCounter.Counter`, shard `i` at slot `7 + i`.
/// - 263 `_settledCommitments`, 264 `_clock` (`Epochs.Clock`), 265 `_prices`
///   (`mapping(uint256 => Epochs.Price)`, batch `b` at `keccak256(abi.encode(b, 265)) + 0..1`:
///   `base = R0 + E0`, `quote = R1 + E1`), 266 `reserve0`, 267 `reserve1`.
/// The tokens, the fee, the minimum batch duration and the sharding flags are immutables.
///
/// ## Source of the idea
/// CoW-style batch auctions (one uniform clearing price per batch), Uniswap v2 (constant product,
/// fee on input, minimum locked liquidity), ERC-7540-style request/claim, Aptos aggregators
/// (AIP-47) for the sharded commitment count.
contract BatchAuctionAMM is ConventionalERC20, TransientReentrancyGuard {
    using ShardedCounter for ShardedCounter.Counter;
    using Epochs for Epochs.Clock;
    using Epochs for mapping(uint256 => Epochs.Price);

    /// @notice The state of a request.
    /// @dev `None`: no request; `Pending`: committed, not settled; `Filled`: settled, claimable;
    ///      `Refunded`: excluded by its minimums, the inputs are claimable back.
    enum Status {
        None,
        Pending,
        Filled,
        Refunded
    }

    /// @notice A swap order.
    /// @dev Slot 0: `batch` (bytes 0..7), `zeroForOne` (byte 8), `status` (byte 9), `amountIn`
    ///      (bytes 10..25). Slot 1: `minAmountOut` (bytes 0..15), `amountOut` (bytes 16..31).
    /// @param batch The batch it was committed to.
    /// @param zeroForOne True to sell token0 for token1.
    /// @param status See {Status}.
    /// @param amountIn The input (input-token units).
    /// @param minAmountOut The least output accepted (output-token units).
    /// @param amountOut Set by settlement: the output (Filled) or 0 (Refunded).
    struct SwapOrder {
        uint64 batch;
        bool zeroForOne;
        Status status;
        uint128 amountIn;
        uint128 minAmountOut;
        uint128 amountOut;
    }

    /// @notice A liquidity request.
    /// @dev Slot 0: `batch` (bytes 0..7), `add` (byte 8), `status` (byte 9), `amount0`
    ///      (bytes 10..25). Slot 1: `amount1` (bytes 0..15), `shares` (16..31). Slot 2:
    ///      `payShares` (0..15), `pay0` (16..31). Slot 3: `pay1` (0..15).
    /// @param batch The batch it was committed to.
    /// @param add True to add liquidity, false to remove it.
    /// @param status See {Status}.
    /// @param amount0 Add: token0 deposited. Remove: least token0 accepted.
    /// @param amount1 Add: token1 deposited. Remove: least token1 accepted.
    /// @param shares Add: least shares accepted. Remove: shares escrowed.
    /// @param payShares Set by settlement: shares to credit (minted, or the escrow refunded).
    /// @param pay0 Set by settlement: token0 to pay (removal output, or unused/refunded deposit).
    /// @param pay1 Set by settlement: token1 to pay.
    struct LiquidityRequest {
        uint64 batch;
        bool add;
        Status status;
        uint128 amount0;
        uint128 amount1;
        uint128 shares;
        uint128 payShares;
        uint128 pay0;
        uint128 pay1;
    }

    /// @dev One swap order during settlement (memory only).
    struct Fill {
        address user;
        bool zeroForOne;
        bool included;
        uint256 amountIn;
        uint256 effective;
        uint256 minOut;
        uint256 out;
    }

    /// @dev The reserves and price of a settlement in progress (memory only).
    struct Clearing {
        uint256 reserve0;
        uint256 reserve1;
        uint256 base;
        uint256 quote;
        uint256 supply;
    }

    /// @notice Shares locked forever by {initialize} (Uniswap v2's `MINIMUM_LIQUIDITY`), so the
    ///         share supply never returns to zero.
    uint256 public constant MINIMUM_LIQUIDITY = 1000;

    /// @notice The token shard in which the pool keeps its reserves (sharded-balance tokens).
    uint256 public constant RESERVE_SHARD = 0;

    /// @dev Basis-point denominator.
    uint256 private constant _BPS = 10_000;

    /// @notice The first token (sold by `zeroForOne` orders).
    address public immutable token0;

    /// @notice The second token.
    address public immutable token1;

    /// @notice The swap fee on the input (basis points), kept in the reserves.
    uint256 public immutable feeBps;

    /// @notice The minimum time a batch stays open before it can be settled (seconds).
    uint256 public immutable minBatchDuration;

    /// @dev Whether the pool keeps a sharded balance in token0 / token1.
    bool private immutable _sharded0;
    bool private immutable _sharded1;

    /// @dev Each user's swap order.
    mapping(address user => SwapOrder) internal _orders;

    /// @dev Each user's liquidity request.
    mapping(address user => LiquidityRequest) internal _liquidity;

    /// @dev Number of commits since deployment, sharded by the committer.
    ShardedCounter.Counter internal _commitments;

    /// @dev `sum(_commitments)` at the last settlement.
    uint256 internal _settledCommitments;

    /// @dev The batch clock (Epochs: one batch = one epoch).
    Epochs.Clock internal _clock;

    /// @dev The clearing price of each settled batch: `base = R0 + E0`, `quote = R1 + E1`.
    mapping(uint256 batch => Epochs.Price) internal _prices;

    /// @notice The pool's token0 reserve (token0 units). Written only by settlement.
    uint256 public reserve0;

    /// @notice The pool's token1 reserve (token1 units). Written only by settlement.
    uint256 public reserve1;

    /// @notice The pool was initialised with `amount0` and `amount1`.
    /// @param provider The initial provider.
    /// @param amount0 Token0 deposited.
    /// @param amount1 Token1 deposited.
    /// @param shares Shares credited to the provider (`MINIMUM_LIQUIDITY` more were locked).
    event Initialized(address indexed provider, uint256 amount0, uint256 amount1, uint256 shares);

    /// @notice `user` committed a swap to `batch`.
    /// @param user The trader.
    /// @param batch The batch.
    /// @param zeroForOne True to sell token0.
    /// @param amountIn The input.
    /// @param minAmountOut The least output accepted.
    event SwapCommitted(address indexed user, uint256 indexed batch, bool zeroForOne, uint256 amountIn, uint256 minAmountOut);

    /// @notice `user` committed a liquidity request to `batch`.
    /// @param user The provider.
    /// @param batch The batch.
    /// @param add True for an addition.
    /// @param amount0 See {LiquidityRequest}.
    /// @param amount1 See {LiquidityRequest}.
    /// @param shares See {LiquidityRequest}.
    event LiquidityCommitted(
        address indexed user, uint256 indexed batch, bool add, uint256 amount0, uint256 amount1, uint256 shares
    );

    /// @notice Batch `batch` cleared at `quote / base` token1 per token0.
    /// @param batch The batch.
    /// @param base `R0 + E0`.
    /// @param quote `R1 + E1`.
    /// @param reserve0 Token0 reserve after the batch.
    /// @param reserve1 Token1 reserve after the batch.
    /// @param totalSupply Share supply after the batch.
    /// @param filled Requests filled.
    /// @param refunded Requests refunded.
    event BatchSettled(
        uint256 indexed batch,
        uint256 base,
        uint256 quote,
        uint256 reserve0,
        uint256 reserve1,
        uint256 totalSupply,
        uint256 filled,
        uint256 refunded
    );

    /// @notice `user` claimed a settled swap: `amountOut` of the output token, or its input back.
    /// @param user The trader.
    /// @param batch The batch.
    /// @param refunded True if the order was excluded and its input returned.
    /// @param token The token paid.
    /// @param amount The amount paid.
    event SwapClaimed(address indexed user, uint256 indexed batch, bool refunded, address token, uint256 amount);

    /// @notice `user` claimed a settled liquidity request.
    /// @param user The provider.
    /// @param batch The batch.
    /// @param refunded True if the request was refunded.
    /// @param shares Shares credited.
    /// @param amount0 Token0 paid.
    /// @param amount1 Token1 paid.
    event LiquidityClaimed(
        address indexed user, uint256 indexed batch, bool refunded, uint256 shares, uint256 amount0, uint256 amount1
    );

    /// @notice An amount of zero, or one above 2^128 - 1.
    error InvalidAmount();

    /// @notice A zero address, identical tokens or a fee of 100% or more.
    error InvalidConfiguration();

    /// @notice The pool has no liquidity yet ({initialize} first).
    error NotInitialized();

    /// @notice {initialize} was called on an initialised pool.
    error AlreadyInitialized();

    /// @notice The initial deposit gives no more than `MINIMUM_LIQUIDITY` shares.
    error InsufficientInitialLiquidity();

    /// @notice The caller still has a request (pending or unclaimed) of this kind.
    /// @param batch Its batch.
    error RequestOutstanding(uint256 batch);

    /// @notice The caller has no request of this kind.
    error NoRequest();

    /// @notice The request's batch is not settled yet.
    /// @param batch Its batch.
    error NotSettled(uint256 batch);

    /// @notice The list given to {settle} does not name exactly the batch's commitments.
    /// @param expected The number of commitments in the batch.
    /// @param given The number of requests named.
    error IncompleteBatch(uint256 expected, uint256 given);

    /// @notice {settle} was given an account without a pending request in the batch, or a list
    ///         that is not strictly increasing.
    /// @param user The account.
    error InvalidRequest(address user);

    /// @param token0_ The first token.
    /// @param token1_ The second token.
    /// @param feeBps_ The swap fee (basis points, below 10,000).
    /// @param minBatchDuration_ The minimum time a batch stays open (seconds).
    /// @param name_ The share token's name.
    /// @param symbol_ The share token's symbol.
    constructor(
        address token0_,
        address token1_,
        uint256 feeBps_,
        uint256 minBatchDuration_,
        string memory name_,
        string memory symbol_
    ) ConventionalERC20(name_, symbol_) {
        if (token0_ == address(0) || token1_ == address(0) || token0_ == token1_ || feeBps_ >= _BPS) {
            revert InvalidConfiguration();
        }
        token0 = token0_;
        token1 = token1_;
        feeBps = feeBps_;
        minBatchDuration = minBatchDuration_;
        _sharded0 = _tryShard(token0_);
        _sharded1 = _tryShard(token1_);
    }

    // ---------------------------------------------------------------------------------------
    // Initial liquidity
    // ---------------------------------------------------------------------------------------

    /// @notice Seeds the empty pool synchronously with `amount0` and `amount1` and opens batch 0.
    ///         The caller receives `sqrt(amount0 * amount1) - MINIMUM_LIQUIDITY` shares; the
    ///         other `MINIMUM_LIQUIDITY` are locked forever (Uniswap v2).
    /// @param amount0 Token0 to deposit.
    /// @param amount1 Token1 to deposit.
    /// @return shares The shares credited to the caller.
    /// @custom:writes _totalSupply, _balances[msg.sender], reserve0, reserve1, _clock
    function initialize(uint256 amount0, uint256 amount1) external nonReentrant returns (uint256 shares) {
        if (_clock.openedAt != 0) revert AlreadyInitialized();
        if (amount0 == 0 || amount1 == 0 || amount0 > type(uint128).max || amount1 > type(uint128).max) {
            revert InvalidAmount();
        }
        uint256 root = _sqrt(amount0 * amount1);
        if (root <= MINIMUM_LIQUIDITY) revert InsufficientInitialLiquidity();
        shares = root - MINIMUM_LIQUIDITY;
        _totalSupply = root;
        _balances[msg.sender] = shares;
        reserve0 = amount0;
        reserve1 = amount1;
        _clock.start();
        _pullToReserve(token0, _sharded0, amount0);
        _pullToReserve(token1, _sharded1, amount1);
        emit Transfer(address(0), msg.sender, shares);
        emit Initialized(msg.sender, amount0, amount1, shares);
    }

    // ---------------------------------------------------------------------------------------
    // Commits
    // ---------------------------------------------------------------------------------------

    /// @notice Commits a swap of `amountIn` to the open batch; it will clear at the batch's
    ///         uniform price, or be refunded if that gives less than `minAmountOut`.
    /// @dev Reverts with {RequestOutstanding} while the caller has an unclaimed order (claim it
    ///      first), {NotInitialized} or {InvalidAmount}. The input is pulled now (into the pool's
    ///      token shard `shard(msg.sender)` for a sharded-balance token).
    /// @param zeroForOne True to sell token0 for token1, false to sell token1 for token0.
    /// @param amountIn The input (input-token units).
    /// @param minAmountOut The least output accepted (output-token units).
    /// @return batch The batch the order belongs to.
    /// @custom:reads _clock
    /// @custom:writes _orders[msg.sender], _commitments.shards[shard(msg.sender)]
    function commitSwap(bool zeroForOne, uint256 amountIn, uint256 minAmountOut)
        external
        nonReentrant
        returns (uint256 batch)
    {
        if (amountIn == 0 || amountIn > type(uint128).max || minAmountOut > type(uint128).max) revert InvalidAmount();
        batch = _openBatch();
        SwapOrder storage order = _orders[msg.sender];
        if (order.status != Status.None) revert RequestOutstanding(order.batch);
        _orders[msg.sender] = SwapOrder({
            batch: uint64(batch),
            zeroForOne: zeroForOne,
            status: Status.Pending,
            amountIn: uint128(amountIn),
            minAmountOut: uint128(minAmountOut),
            amountOut: 0
        });
        _commitments.add(msg.sender, 1);
        SafeTransfer.safeTransferFrom(zeroForOne ? token0 : token1, msg.sender, address(this), amountIn);
        emit SwapCommitted(msg.sender, batch, zeroForOne, amountIn, minAmountOut);
    }

    /// @notice Commits an addition of liquidity to the open batch: deposits `amount0` and
    ///         `amount1` now; settlement credits shares at the post-swap reserves and returns what
    ///         the reserve ratio does not use, or refunds everything below `minShares`.
    /// @param amount0 Token0 to deposit.
    /// @param amount1 Token1 to deposit.
    /// @param minShares The least shares accepted.
    /// @return batch The batch the request belongs to.
    /// @custom:reads _clock
    /// @custom:writes _liquidity[msg.sender], _commitments.shards[shard(msg.sender)]
    function commitAddLiquidity(uint256 amount0, uint256 amount1, uint256 minShares)
        external
        nonReentrant
        returns (uint256 batch)
    {
        if (
            amount0 == 0 || amount1 == 0 || amount0 > type(uint128).max || amount1 > type(uint128).max
                || minShares > type(uint128).max
        ) revert InvalidAmount();
        batch = _newLiquidityRequest(true, amount0, amount1, minShares);
        SafeTransfer.safeTransferFrom(token0, msg.sender, address(this), amount0);
        SafeTransfer.safeTransferFrom(token1, msg.sender, address(this), amount1);
    }

    /// @notice Commits a removal of `shares` to the open batch: escrows the shares now;
    ///         settlement pays their part of the post-swap reserves, or returns the shares if
    ///         that is below `minAmount0` / `minAmount1`.
    /// @param shares The shares to redeem.
    /// @param minAmount0 The least token0 accepted.
    /// @param minAmount1 The least token1 accepted.
    /// @return batch The batch the request belongs to.
    /// @custom:reads _clock
    /// @custom:writes _balances[msg.sender], _liquidity[msg.sender], _commitments.shards[shard(msg.sender)]
    function commitRemoveLiquidity(uint256 shares, uint256 minAmount0, uint256 minAmount1)
        external
        nonReentrant
        returns (uint256 batch)
    {
        if (
            shares == 0 || shares > type(uint128).max || minAmount0 > type(uint128).max
                || minAmount1 > type(uint128).max
        ) revert InvalidAmount();
        uint256 balance = _balances[msg.sender];
        if (balance < shares) revert ERC20InsufficientBalance(msg.sender, balance, shares);
        batch = _newLiquidityRequest(false, minAmount0, minAmount1, shares);
        unchecked {
            _balances[msg.sender] = balance - shares;
        }
        emit Transfer(msg.sender, address(this), shares);
    }

    // ---------------------------------------------------------------------------------------
    // Settlement
    // ---------------------------------------------------------------------------------------

    /// @notice Settles the open batch `batch`: clears its swaps at one uniform price, then its
    ///         liquidity requests, and opens the next batch (see the contract notes).
    /// @dev `swappers` and `providers` must each be strictly increasing and name exactly the
    ///      accounts with a pending request of that kind in `batch` ({InvalidRequest},
    ///      {IncompleteBatch}). Reverts with {Epochs.EpochMismatch} for another batch and
    ///      {Epochs.EpochTooYoung} before `minBatchDuration`. Anyone may call it: the lists are
    ///      fully checked, and the result does not depend on who settles.
    /// @param batch The open batch (`currentBatch()`).
    /// @param swappers The accounts with a pending swap order in `batch`, ascending.
    /// @param providers The accounts with a pending liquidity request in `batch`, ascending.
    /// @custom:reads _commitments.shards[*]
    /// @custom:writes _clock, _prices[batch], _settledCommitments, reserve0, reserve1, _totalSupply, _orders[*], _liquidity[*]
    function settle(uint256 batch, address[] calldata swappers, address[] calldata providers)
        external
        nonReentrant
    {
        uint256 committed = _commitments.sumUnsigned();
        uint256 expected = committed - _settledCommitments;
        if (swappers.length + providers.length != expected) {
            revert IncompleteBatch(expected, swappers.length + providers.length);
        }
        Clearing memory c = Clearing({reserve0: reserve0, reserve1: reserve1, base: 0, quote: 0, supply: _totalSupply});
        if (c.supply == 0) revert NotInitialized();

        Fill[] memory fills = _loadSwaps(batch, swappers);
        _clear(fills, c);
        uint256 filled = _recordSwaps(fills);

        filled += _settleLiquidity(batch, providers, c);

        _clock.close(_prices, batch, Epochs.Price({base: c.base, quote: c.quote}), minBatchDuration);
        _settledCommitments = committed;
        reserve0 = c.reserve0;
        reserve1 = c.reserve1;
        _totalSupply = c.supply;
        emit BatchSettled(batch, c.base, c.quote, c.reserve0, c.reserve1, c.supply, filled, expected - filled);
    }

    // ---------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------

    /// @notice Pays the caller's settled swap order: its output, or its input if it was refunded.
    /// @dev Reverts with {NoRequest} without an order and {NotSettled} before settlement. For a
    ///      sharded-balance token the payment comes from the pool's shard `shard(msg.sender)`,
    ///      where settlement put it.
    /// @return amount The amount paid.
    /// @custom:writes _orders[msg.sender]
    function claim() external nonReentrant returns (uint256 amount) {
        SwapOrder memory order = _orders[msg.sender];
        if (order.status == Status.None) revert NoRequest();
        if (order.status == Status.Pending) revert NotSettled(order.batch);
        delete _orders[msg.sender];
        bool refunded = order.status == Status.Refunded;
        // A refund returns the input token; a fill pays the other one.
        bool payToken0 = refunded == order.zeroForOne;
        amount = refunded ? order.amountIn : order.amountOut;
        address token = payToken0 ? token0 : token1;
        _payOut(token, payToken0 ? _sharded0 : _sharded1, msg.sender, amount);
        emit SwapClaimed(msg.sender, order.batch, refunded, token, amount);
    }

    /// @notice Pays the caller's settled liquidity request: credits its shares and pays its
    ///         tokens (removal outputs, or the unused / refunded part of a deposit).
    /// @return shares The shares credited.
    /// @return amount0 Token0 paid.
    /// @return amount1 Token1 paid.
    /// @custom:writes _liquidity[msg.sender], _balances[msg.sender]
    function claimLiquidity() external nonReentrant returns (uint256 shares, uint256 amount0, uint256 amount1) {
        LiquidityRequest memory r = _liquidity[msg.sender];
        if (r.status == Status.None) revert NoRequest();
        if (r.status == Status.Pending) revert NotSettled(r.batch);
        delete _liquidity[msg.sender];
        (shares, amount0, amount1) = (r.payShares, r.pay0, r.pay1);
        if (shares != 0) {
            _balances[msg.sender] += shares;
            emit Transfer(address(this), msg.sender, shares);
        }
        _payOut(token0, _sharded0, msg.sender, amount0);
        _payOut(token1, _sharded1, msg.sender, amount1);
        emit LiquidityClaimed(msg.sender, r.batch, r.status == Status.Refunded, shares, amount0, amount1);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice The open batch.
    /// @return The batch number.
    /// @custom:reads _clock
    function currentBatch() external view returns (uint256) {
        return _clock.current;
    }

    /// @notice When the open batch opened (seconds; 0 before {initialize}).
    /// @return The timestamp.
    /// @custom:reads _clock
    function batchOpenedAt() external view returns (uint256) {
        return _clock.openedAt;
    }

    /// @notice The clearing price of a settled batch: `quote / base` token1 per token0.
    /// @dev Reverts with {Epochs.EpochNotSettled} for a batch that is not settled.
    /// @param batch The batch.
    /// @return base `R0 + E0` of the batch.
    /// @return quote `R1 + E1` of the batch.
    /// @custom:reads _prices[batch]
    function batchPrice(uint256 batch) external view returns (uint256 base, uint256 quote) {
        Epochs.Price memory p = _prices.priceOf(batch);
        return (p.base, p.quote);
    }

    /// @notice Both reserves.
    /// @return The token0 reserve.
    /// @return The token1 reserve.
    /// @custom:reads reserve0, reserve1
    function getReserves() external view returns (uint256, uint256) {
        return (reserve0, reserve1);
    }

    /// @notice `user`'s swap order (see {SwapOrder}).
    /// @param user The trader.
    /// @return batch Its batch.
    /// @return status Its {Status} (0 none, 1 pending, 2 filled, 3 refunded).
    /// @return zeroForOne True if it sells token0.
    /// @return amountIn Its input.
    /// @return minAmountOut Its minimum output.
    /// @return amountOut Its output once filled.
    /// @custom:reads _orders[user]
    function orderOf(address user)
        external
        view
        returns (uint256 batch, uint256 status, bool zeroForOne, uint256 amountIn, uint256 minAmountOut, uint256 amountOut)
    {
        SwapOrder storage o = _orders[user];
        return (o.batch, uint256(o.status), o.zeroForOne, o.amountIn, o.minAmountOut, o.amountOut);
    }

    /// @notice `user`'s liquidity request and, once settled, what its claim pays (see
    ///         {LiquidityRequest}; the request's amounts are in its {LiquidityCommitted} event).
    /// @param user The provider.
    /// @return batch Its batch.
    /// @return status Its {Status} (0 none, 1 pending, 2 filled, 3 refunded).
    /// @return add True for an addition.
    /// @return payShares Shares the claim credits.
    /// @return pay0 Token0 the claim pays.
    /// @return pay1 Token1 the claim pays.
    /// @custom:reads _liquidity[user]
    function liquidityRequestOf(address user)
        external
        view
        returns (uint256 batch, uint256 status, bool add, uint256 payShares, uint256 pay0, uint256 pay1)
    {
        LiquidityRequest storage r = _liquidity[user];
        return (r.batch, uint256(r.status), r.add, r.payShares, r.pay0, r.pay1);
    }

    /// @notice The number of commitments waiting for the next settlement (reads all 256 shards).
    /// @return The count.
    /// @custom:reads _commitments.shards[*], _settledCommitments
    function pendingCommitments() external view returns (uint256) {
        return _commitments.sumUnsigned() - _settledCommitments;
    }

    // ---------------------------------------------------------------------------------------
    // Internal: commits
    // ---------------------------------------------------------------------------------------

    /// @dev The open batch; reverts with {NotInitialized} before {initialize}.
    function _openBatch() private view returns (uint256) {
        Epochs.Clock memory clock = _clock;
        if (clock.openedAt == 0) revert NotInitialized();
        return clock.current;
    }

    /// @dev Records the caller's liquidity request and counts the commitment.
    function _newLiquidityRequest(bool add, uint256 amount0, uint256 amount1, uint256 shares)
        private
        returns (uint256 batch)
    {
        batch = _openBatch();
        LiquidityRequest storage r = _liquidity[msg.sender];
        if (r.status != Status.None) revert RequestOutstanding(r.batch);
        _liquidity[msg.sender] = LiquidityRequest({
            batch: uint64(batch),
            add: add,
            status: Status.Pending,
            amount0: uint128(amount0),
            amount1: uint128(amount1),
            shares: uint128(shares),
            payShares: 0,
            pay0: 0,
            pay1: 0
        });
        _commitments.add(msg.sender, 1);
        emit LiquidityCommitted(msg.sender, batch, add, amount0, amount1, shares);
    }

    // ---------------------------------------------------------------------------------------
    // Internal: settlement
    // ---------------------------------------------------------------------------------------

    /// @dev Reads the named swap orders, checking that each is pending in `batch` and that the
    ///      list is strictly increasing.
    function _loadSwaps(uint256 batch, address[] calldata swappers) private view returns (Fill[] memory fills) {
        fills = new Fill[](swappers.length);
        address previous;
        for (uint256 i; i < swappers.length; ++i) {
            address user = swappers[i];
            SwapOrder storage order = _orders[user];
            if (user <= previous || order.status != Status.Pending || order.batch != batch) {
                revert InvalidRequest(user);
            }
            previous = user;
            uint256 amountIn = order.amountIn;
            fills[i] = Fill({
                user: user,
                zeroForOne: order.zeroForOne,
                included: true,
                amountIn: amountIn,
                effective: amountIn * (_BPS - feeBps) / _BPS,
                minOut: order.minAmountOut,
                out: 0
            });
        }
    }

    /// @dev Finds the uniform price: excludes every order below its minimum (or with a zero
    ///      output) and recomputes, until all included orders are satisfied. Sets `c.base`,
    ///      `c.quote`, the outputs, and the reserves after the swaps.
    function _clear(Fill[] memory fills, Clearing memory c) private pure {
        bool changed = true;
        while (changed) {
            changed = false;
            uint256 e0;
            uint256 e1;
            for (uint256 i; i < fills.length; ++i) {
                if (!fills[i].included) continue;
                if (fills[i].zeroForOne) e0 += fills[i].effective;
                else e1 += fills[i].effective;
            }
            c.base = c.reserve0 + e0;
            c.quote = c.reserve1 + e1;
            for (uint256 i; i < fills.length; ++i) {
                Fill memory f = fills[i];
                if (!f.included) continue;
                f.out = f.zeroForOne
                    ? MulDiv.mulDiv(f.effective, c.quote, c.base)
                    : MulDiv.mulDiv(f.effective, c.base, c.quote);
                if (f.out == 0 || f.out < f.minOut) {
                    f.included = false;
                    f.out = 0;
                    changed = true;
                }
            }
        }
        // Inputs are added before outputs are taken: token1 sellers fund token0 sellers' output.
        uint256 in0;
        uint256 in1;
        uint256 out0;
        uint256 out1;
        for (uint256 i; i < fills.length; ++i) {
            Fill memory f = fills[i];
            if (!f.included) continue;
            if (f.zeroForOne) {
                in0 += f.amountIn;
                out1 += f.out;
            } else {
                in1 += f.amountIn;
                out0 += f.out;
            }
        }
        c.reserve0 = c.reserve0 + in0 - out0;
        c.reserve1 = c.reserve1 + in1 - out1;
    }

    /// @dev Writes each order's result and moves the filled orders' tokens: first every input
    ///      into the reserve shard, then every output into its claimant's shard (so the reserve
    ///      shard never runs short in between). Returns the number of fills.
    function _recordSwaps(Fill[] memory fills) private returns (uint256 filled) {
        for (uint256 i; i < fills.length; ++i) {
            Fill memory f = fills[i];
            SwapOrder storage order = _orders[f.user];
            if (f.included) {
                order.status = Status.Filled;
                order.amountOut = uint128(f.out);
                ++filled;
                _moveShard(f.zeroForOne ? token0 : token1, f.zeroForOne ? _sharded0 : _sharded1, f.user, f.amountIn, true);
            } else {
                order.status = Status.Refunded;
            }
        }
        for (uint256 i; i < fills.length; ++i) {
            Fill memory f = fills[i];
            if (!f.included) continue;
            _moveShard(f.zeroForOne ? token1 : token0, f.zeroForOne ? _sharded1 : _sharded0, f.user, f.out, false);
        }
    }

    /// @dev Settles the named liquidity requests at the post-swap reserves and the share supply
    ///      before the batch (see the contract notes), updating `c.reserve0/1` and `c.supply`.
    ///      Returns the number of fills.
    function _settleLiquidity(uint256 batch, address[] calldata providers, Clearing memory c)
        private
        returns (uint256 filled)
    {
        // All requests of the batch are priced at the same snapshot.
        Clearing memory snapshot = Clearing({reserve0: c.reserve0, reserve1: c.reserve1, base: 0, quote: 0, supply: c.supply});
        address previous;
        for (uint256 i; i < providers.length; ++i) {
            address user = providers[i];
            LiquidityRequest storage r = _liquidity[user];
            if (user <= previous || r.status != Status.Pending || r.batch != batch) revert InvalidRequest(user);
            previous = user;
            bool ok = r.add ? _settleAdd(r, user, snapshot, c) : _settleRemove(r, user, snapshot, c);
            if (ok) ++filled;
        }
    }

    /// @dev Prices one addition at `s`; records the result in `r` and its effect in `c`.
    function _settleAdd(LiquidityRequest storage r, address user, Clearing memory s, Clearing memory c)
        private
        returns (bool)
    {
        uint256 a0 = r.amount0;
        uint256 a1 = r.amount1;
        uint256 shares0 = MulDiv.mulDiv(a0, s.supply, s.reserve0);
        uint256 shares1 = MulDiv.mulDiv(a1, s.supply, s.reserve1);
        uint256 shares = shares0 < shares1 ? shares0 : shares1;
        if (shares == 0 || shares < r.shares) {
            r.status = Status.Refunded;
            (r.pay0, r.pay1) = (uint128(a0), uint128(a1));
            return false;
        }
        uint256 used0 = MulDiv.mulDivUp(shares, s.reserve0, s.supply);
        uint256 used1 = MulDiv.mulDivUp(shares, s.reserve1, s.supply);
        r.status = Status.Filled;
        r.payShares = uint128(shares);
        (r.pay0, r.pay1) = (uint128(a0 - used0), uint128(a1 - used1));
        c.reserve0 += used0;
        c.reserve1 += used1;
        c.supply += shares;
        _moveShard(token0, _sharded0, user, used0, true);
        _moveShard(token1, _sharded1, user, used1, true);
        return true;
    }

    /// @dev Prices one removal at `s`; records the result in `r` and its effect in `c`.
    function _settleRemove(LiquidityRequest storage r, address user, Clearing memory s, Clearing memory c)
        private
        returns (bool)
    {
        uint256 shares = r.shares;
        uint256 out0 = MulDiv.mulDiv(shares, s.reserve0, s.supply);
        uint256 out1 = MulDiv.mulDiv(shares, s.reserve1, s.supply);
        if ((out0 == 0 && out1 == 0) || out0 < r.amount0 || out1 < r.amount1) {
            r.status = Status.Refunded;
            r.payShares = uint128(shares);
            return false;
        }
        r.status = Status.Filled;
        (r.pay0, r.pay1) = (uint128(out0), uint128(out1));
        c.reserve0 -= out0;
        c.reserve1 -= out1;
        c.supply -= shares;
        emit Transfer(address(this), address(0), shares);
        _moveShard(token0, _sharded0, user, out0, false);
        _moveShard(token1, _sharded1, user, out1, false);
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Internal: tokens
    // ---------------------------------------------------------------------------------------

    /// @dev For a sharded-balance token, moves `amount` of the pool's balance between the shard
    ///      of `user` and {RESERVE_SHARD}: into the reserve if `toReserve`, out of it otherwise.
    ///      Nothing to do for a plain token, a zero amount, or a user whose shard is the reserve's.
    function _moveShard(address token, bool sharded, address user, uint256 amount, bool toReserve) private {
        if (!sharded || amount == 0) return;
        uint256 s = IParallelERC20(token).shardOf(user);
        if (s == RESERVE_SHARD) return;
        if (toReserve) IParallelERC20(token).rebalanceShards(s, RESERVE_SHARD, amount);
        else IParallelERC20(token).rebalanceShards(RESERVE_SHARD, s, amount);
    }

    /// @dev Pulls `amount` of `token` from the caller into the reserve (moving it into
    ///      {RESERVE_SHARD} for a sharded-balance token).
    function _pullToReserve(address token, bool sharded, uint256 amount) private {
        SafeTransfer.safeTransferFrom(token, msg.sender, address(this), amount);
        _moveShard(token, sharded, msg.sender, amount, true);
    }

    /// @dev Pays `amount` of `token` to `to`: from the pool's shard `shard(to)` when it holds
    ///      enough (always, for amounts settlement placed there), else by a sweeping transfer.
    function _payOut(address token, bool sharded, address to, uint256 amount) private {
        if (amount == 0) return;
        if (sharded) {
            IParallelERC20 t = IParallelERC20(token);
            uint256 s = t.shardOf(to);
            if (t.shardBalanceOf(address(this), s) >= amount) {
                t.transferFromShard(s, to, amount);
                return;
            }
        }
        SafeTransfer.safeTransfer(token, to, amount);
    }

    /// @dev Opts in to a sharded balance in `token` if it supports it (a plain ERC-20 reverts, or
    ///      has no such function): true on success.
    function _tryShard(address token) private returns (bool) {
        try IParallelERC20(token).enableShardedBalance() {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev Integer square root, rounded down (Babylonian method, as Uniswap v2's `Math.sqrt`).
    function _sqrt(uint256 y) private pure returns (uint256 z) {
        if (y > 3) {
            z = y;
            uint256 x = y / 2 + 1;
            while (x < z) {
                z = x;
                x = (y / x + x) / 2;
            }
        } else if (y != 0) {
            z = 1;
        }
    }
}
