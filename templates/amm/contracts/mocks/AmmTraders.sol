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
