// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MulDiv
/// @author hardhat-parallel
/// @notice `floor(x * y / d)` and `ceil(x * y / d)` with a full 512-bit intermediate product, so
///         that share/asset conversions never overflow before the division and never lose
///         precision to an early division.
/// @dev Pure arithmetic, no storage. The algorithm is Remco Bloemen's "Mathemagic: full multiply"
///      (2018, https://xn--2-umb.com/21/muldiv): the 512-bit product is taken from `mul` and
///      `mulmod` with the Chinese remainder theorem, the remainder is subtracted so the division
///      is exact, the power-of-two factor of `d` is divided out, and the odd rest is inverted
///      modulo 2^256 with Newton-Raphson (each step doubles the number of correct bits:
///      4 -> 8 -> ... -> 256). The same algorithm is used by Uniswap v3's FullMath, OpenZeppelin's
///      Math.mulDiv and solady's FixedPointMathLib.fullMulDiv; this is an independent writing of it.
library MulDiv {
    /// @notice The divisor was zero.
    error MulDivByZero();

    /// @notice The exact quotient does not fit in 256 bits.
    error MulDivOverflow();

    /// @notice Returns `floor(x * y / d)` computed with a 512-bit intermediate product.
    /// @dev Reverts with {MulDivByZero} if `d == 0` and with {MulDivOverflow} if the quotient is
    ///      at least 2^256.
    /// @param x The first factor.
    /// @param y The second factor.
    /// @param d The divisor.
    /// @return z The quotient, rounded down.
    function mulDiv(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        if (d == 0) revert MulDivByZero();
        unchecked {
            // 512-bit product [hi lo] = x * y.
            uint256 lo = x * y;
            uint256 hi;
            assembly ("memory-safe") {
                let mm := mulmod(x, y, not(0))
                hi := sub(sub(mm, lo), lt(mm, lo))
            }
            if (hi == 0) return lo / d;
            // The quotient fits in 256 bits iff hi < d.
            if (d <= hi) revert MulDivOverflow();

            // Make the division exact by subtracting the remainder from [hi lo].
            uint256 rem;
            assembly ("memory-safe") {
                rem := mulmod(x, y, d)
                hi := sub(hi, gt(rem, lo))
                lo := sub(lo, rem)
            }

            // Divide out the largest power of two dividing d (d & -d), and shift the bits of hi
            // that the division moves into the low word.
            uint256 twos = d & (0 - d);
            assembly ("memory-safe") {
                d := div(d, twos)
                lo := div(lo, twos)
                // 2^256 / twos, computed as (0 - twos) / twos + 1.
                twos := add(div(sub(0, twos), twos), 1)
            }
            lo |= hi * twos;

            // d is now odd, so it has an inverse modulo 2^256. Seed with an inverse correct to
            // 4 bits ((3d) xor 2), then six Newton-Raphson steps give 8, 16, 32, 64, 128, 256.
            uint256 inv = (3 * d) ^ 2;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;

            // The division is exact, so multiplying by the inverse modulo 2^256 is the quotient.
            z = lo * inv;
        }
    }

    /// @notice Returns `ceil(x * y / d)` computed with a 512-bit intermediate product.
    /// @dev Reverts with {MulDivByZero} if `d == 0`, with {MulDivOverflow} if the quotient does
    ///      not fit, and with a checked-arithmetic panic if rounding up overflows.
    /// @param x The first factor.
    /// @param y The second factor.
    /// @param d The divisor.
    /// @return z The quotient, rounded up.
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        z = mulDiv(x, y, d);
        if (mulmod(x, y, d) != 0) z += 1;
    }
}
