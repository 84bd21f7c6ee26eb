// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";
import {MulDiv} from "hardhat-parallel/contracts/MulDiv.sol";
import {SafeTransfer} from "hardhat-parallel/contracts/SafeTransfer.sol";
import {TransientReentrancyGuard} from "hardhat-parallel/contracts/TransientReentrancyGuard.sol";

/// @title BaselinePairAMM
/// @author hardhat-parallel
/// @notice A Uniswap-v2-style constant-product pair whose reserves are updated by every swap: the
///         comparison for {BatchAuctionAMM}, with the same fee, the same locked minimum liquidity
///         and the same liquidity arithmetic. Its shares are an ERC-20 (this contract).
///
/// @dev ## Swap (Uniswap v2 `getAmountOut` and `swap`, router and pair in one call)
/// `amountOut = floor(amountIn * (10000 - fee) * reserveOut / (reserveIn * 10000 + amountIn *
/// (10000 - fee)))`; the input is pulled, the output paid, and the reserves updated at once,
/// so the next swap sees the new price. `reserve0 * reserve1` never decreases.
///
/// ## Why it serialises
/// Every swap reads and writes `reserve0` and `reserve1`: on a parallel chain every swap of a
/// block depends on the previous one, and the whole block is one chain. The first swap of a block
/// also writes the price accumulators and `blockTimestampLast` (Uniswap v2's TWAP oracle), which
/// every later swap of the block reads. With conventional tokens, each swap also writes the
/// pair's balance slot in both tokens. (Reserves are kept in separate slots rather than packed
/// as in Uniswap v2, so that reports name `reserve0` and `reserve1`.) The reentrancy guard is
/// transient (EIP-1153), so it adds no hot slot.
///
/// ## Liquidity
/// Synchronous: an addition receives `min(floor(a0 * S / R0), floor(a1 * S / R1))` shares and
/// pays `ceil(shares * R / S)` of each token (the Uniswap v2 router's optimal amounts); a removal
/// receives `floor(shares * R / S)` of each. The first addition receives
/// `sqrt(a0 * a1) - MINIMUM_LIQUIDITY` shares; `MINIMUM_LIQUIDITY` are locked.
///
/// ## Storage (slots relative to the first slot of this contract; 0-4 from {ConventionalERC20})
/// - 0 `_balances` (shares), 1 `_allowances`, 2 `_totalSupply`, 3 `_name`, 4 `_symbol`.
/// - 5 `reserve0`, 6 `reserve1`, 7 `blockTimestampLast`, 8 `price0CumulativeLast`,
///   9 `price1CumulativeLast` (UQ112x112 prices times seconds, wrapping as in Uniswap v2).
contract BaselinePairAMM is ConventionalERC20, TransientReentrancyGuard {
    /// @notice Shares locked forever by the first addition (Uniswap v2).
    uint256 public constant MINIMUM_LIQUIDITY = 1000;

    /// @dev Basis-point denominator.
    uint256 private constant _BPS = 10_000;

    /// @notice The first token.
    address public immutable token0;

    /// @notice The second token.
    address public immutable token1;

    /// @notice The swap fee on the input (basis points), kept in the reserves.
    uint256 public immutable feeBps;

    /// @notice The pair's token0 reserve. Written by every swap.
    uint256 public reserve0;

    /// @notice The pair's token1 reserve. Written by every swap.
    uint256 public reserve1;

    /// @notice The timestamp of the last reserve update (seconds).
    uint256 public blockTimestampLast;

    /// @notice Sum over time of `reserve1 / reserve0` (UQ112x112 times seconds, wrapping).
    uint256 public price0CumulativeLast;

    /// @notice Sum over time of `reserve0 / reserve1` (UQ112x112 times seconds, wrapping).
    uint256 public price1CumulativeLast;

    /// @notice Uniswap v2's `Sync`: the reserves after an update.
    /// @param reserve0 Token0 reserve.
    /// @param reserve1 Token1 reserve.
    event Sync(uint256 reserve0, uint256 reserve1);

    /// @notice `sender` swapped `amountIn` for `amountOut`.
    /// @param sender The trader.
    /// @param zeroForOne True if token0 was sold.
    /// @param amountIn The input.
    /// @param amountOut The output.
    /// @param to The recipient of the output.
    event Swap(address indexed sender, bool zeroForOne, uint256 amountIn, uint256 amountOut, address indexed to);

    /// @notice `provider` added `amount0` and `amount1` for `shares`.
    /// @param provider The provider.
    /// @param amount0 Token0 added.
    /// @param amount1 Token1 added.
    /// @param shares Shares minted.
    event Mint(address indexed provider, uint256 amount0, uint256 amount1, uint256 shares);

    /// @notice `provider` burnt `shares` for `amount0` and `amount1`.
    /// @param provider The provider.
    /// @param amount0 Token0 paid.
    /// @param amount1 Token1 paid.
    /// @param shares Shares burnt.
    event Burn(address indexed provider, uint256 amount0, uint256 amount1, uint256 shares);

    /// @notice An amount of zero.
    error InvalidAmount();

    /// @notice A zero address, identical tokens or a fee of 100% or more.
    error InvalidConfiguration();

    /// @notice The pair has no liquidity.
    error NotInitialized();

    /// @notice The output is below the trader's or provider's minimum.
    /// @param amount The output.
    /// @param minimum The minimum.
    error InsufficientOutput(uint256 amount, uint256 minimum);

    /// @notice A reserve would exceed 2^112 - 1 (the TWAP encoding's limit, as in Uniswap v2).
    error ReserveOverflow();

    /// @param token0_ The first token.
    /// @param token1_ The second token.
    /// @param feeBps_ The swap fee (basis points, below 10,000).
    /// @param name_ The share token's name.
    /// @param symbol_ The share token's symbol.
    constructor(address token0_, address token1_, uint256 feeBps_, string memory name_, string memory symbol_)
        ConventionalERC20(name_, symbol_)
    {
        if (token0_ == address(0) || token1_ == address(0) || token0_ == token1_ || feeBps_ >= _BPS) {
            revert InvalidConfiguration();
        }
        token0 = token0_;
        token1 = token1_;
        feeBps = feeBps_;
    }

    /// @notice Swaps `amountIn` of one token for the other at the current reserves.
    /// @param zeroForOne True to sell token0 for token1.
    /// @param amountIn The input.
    /// @param minAmountOut The least output accepted ({InsufficientOutput}).
    /// @param to The recipient of the output.
    /// @return amountOut The output.
    /// @custom:writes reserve0, reserve1, blockTimestampLast, price0CumulativeLast, price1CumulativeLast
    function swap(bool zeroForOne, uint256 amountIn, uint256 minAmountOut, address to)
        external
        nonReentrant
        returns (uint256 amountOut)
    {
        if (amountIn == 0) revert InvalidAmount();
        (uint256 r0, uint256 r1) = (reserve0, reserve1);
        if (r0 == 0 || r1 == 0) revert NotInitialized();
        amountOut = zeroForOne ? getAmountOut(amountIn, r0, r1) : getAmountOut(amountIn, r1, r0);
        if (amountOut == 0 || amountOut < minAmountOut) revert InsufficientOutput(amountOut, minAmountOut);
        if (zeroForOne) {
            SafeTransfer.safeTransferFrom(token0, msg.sender, address(this), amountIn);
            SafeTransfer.safeTransfer(token1, to, amountOut);
            _update(r0 + amountIn, r1 - amountOut, r0, r1);
        } else {
            SafeTransfer.safeTransferFrom(token1, msg.sender, address(this), amountIn);
            SafeTransfer.safeTransfer(token0, to, amountOut);
            _update(r0 - amountOut, r1 + amountIn, r0, r1);
        }
        emit Swap(msg.sender, zeroForOne, amountIn, amountOut, to);
    }

    /// @notice Adds liquidity: the first addition sets the price; later ones use the current
    ///         ratio and take only what it needs (see the contract notes).
    /// @param amount0 The most token0 to add.
    /// @param amount1 The most token1 to add.
    /// @param minShares The least shares accepted ({InsufficientOutput}).
    /// @return shares The shares minted to the caller.
    /// @custom:writes _totalSupply, _balances[msg.sender], reserve0, reserve1, blockTimestampLast, price0CumulativeLast, price1CumulativeLast
    function addLiquidity(uint256 amount0, uint256 amount1, uint256 minShares)
        external
        nonReentrant
        returns (uint256 shares)
    {
        if (amount0 == 0 || amount1 == 0) revert InvalidAmount();
        (uint256 r0, uint256 r1) = (reserve0, reserve1);
        uint256 supply = _totalSupply;
        uint256 used0 = amount0;
        uint256 used1 = amount1;
        if (supply == 0) {
            uint256 root = _sqrt(amount0 * amount1);
            if (root <= MINIMUM_LIQUIDITY) revert InsufficientOutput(0, MINIMUM_LIQUIDITY + 1);
            shares = root - MINIMUM_LIQUIDITY;
            _totalSupply = MINIMUM_LIQUIDITY; // locked: counted in the supply, owned by nobody
        } else {
            uint256 shares0 = MulDiv.mulDiv(amount0, supply, r0);
            uint256 shares1 = MulDiv.mulDiv(amount1, supply, r1);
            shares = shares0 < shares1 ? shares0 : shares1;
            used0 = MulDiv.mulDivUp(shares, r0, supply);
            used1 = MulDiv.mulDivUp(shares, r1, supply);
        }
        if (shares == 0 || shares < minShares) revert InsufficientOutput(shares, minShares);
        SafeTransfer.safeTransferFrom(token0, msg.sender, address(this), used0);
        SafeTransfer.safeTransferFrom(token1, msg.sender, address(this), used1);
        _mint(msg.sender, shares);
        _update(r0 + used0, r1 + used1, r0, r1);
        emit Mint(msg.sender, used0, used1, shares);
    }

    /// @notice Burns `shares` of the caller for their part of both reserves.
    /// @param shares The shares to burn.
    /// @param minAmount0 The least token0 accepted.
    /// @param minAmount1 The least token1 accepted.
    /// @return amount0 Token0 paid.
    /// @return amount1 Token1 paid.
    /// @custom:writes _totalSupply, _balances[msg.sender], reserve0, reserve1, blockTimestampLast, price0CumulativeLast, price1CumulativeLast
    function removeLiquidity(uint256 shares, uint256 minAmount0, uint256 minAmount1)
        external
        nonReentrant
        returns (uint256 amount0, uint256 amount1)
    {
        if (shares == 0) revert InvalidAmount();
        (uint256 r0, uint256 r1) = (reserve0, reserve1);
        uint256 supply = _totalSupply;
        amount0 = MulDiv.mulDiv(shares, r0, supply);
        amount1 = MulDiv.mulDiv(shares, r1, supply);
        if (amount0 < minAmount0) revert InsufficientOutput(amount0, minAmount0);
        if (amount1 < minAmount1) revert InsufficientOutput(amount1, minAmount1);
        _burn(msg.sender, shares);
        _update(r0 - amount0, r1 - amount1, r0, r1);
        SafeTransfer.safeTransfer(token0, msg.sender, amount0);
        SafeTransfer.safeTransfer(token1, msg.sender, amount1);
        emit Burn(msg.sender, amount0, amount1, shares);
    }

    /// @notice Both reserves and the time of their last update (Uniswap v2's `getReserves`).
    /// @return The token0 reserve.
    /// @return The token1 reserve.
    /// @return The last update (seconds).
    /// @custom:reads reserve0, reserve1, blockTimestampLast
    function getReserves() external view returns (uint256, uint256, uint256) {
        return (reserve0, reserve1, blockTimestampLast);
    }

    /// @notice Uniswap v2's `getAmountOut`: the output of `amountIn` against the given reserves.
    /// @param amountIn The input.
    /// @param reserveIn The input token's reserve.
    /// @param reserveOut The output token's reserve.
    /// @return The output, rounded down.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public view returns (uint256) {
        uint256 inWithFee = amountIn * (_BPS - feeBps);
        return MulDiv.mulDiv(inWithFee, reserveOut, reserveIn * _BPS + inWithFee);
    }

    /// @dev Writes the reserves and, on the first update of a block, the TWAP accumulators with
    ///      the reserves before it (Uniswap v2 `_update`).
    function _update(uint256 balance0, uint256 balance1, uint256 r0, uint256 r1) private {
        if (balance0 > type(uint112).max || balance1 > type(uint112).max) revert ReserveOverflow();
        uint256 elapsed = block.timestamp - blockTimestampLast;
        if (elapsed > 0 && r0 != 0 && r1 != 0) {
            unchecked {
                // UQ112x112: (r << 112) / r' fits 224 bits; the accumulators wrap by design.
                price0CumulativeLast += ((r1 << 112) / r0) * elapsed;
                price1CumulativeLast += ((r0 << 112) / r1) * elapsed;
            }
        }
        reserve0 = balance0;
        reserve1 = balance1;
        blockTimestampLast = block.timestamp;
        emit Sync(balance0, balance1);
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
