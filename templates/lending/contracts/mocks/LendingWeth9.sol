// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title LendingWeth9
/// @author hardhat-parallel
/// @notice Test-only wrapped-ether token shaped like WETH9: its payable fallback accepts any
///         selector it does not know (crediting `msg.value` as a deposit, even of zero), so calls
///         such as `enableShardedBalance()` or `shardOf(address)` succeed and return no data, and
///         in a static call the fallback's storage write reverts. Used to check that the lending
///         market treats it as a conventional ERC-20 (audit finding 3). It adds `mint` for tests.
/// @dev Storage: 0 `balanceOf` (`mapping(address => uint256)`), 1 `allowance`
///      (`mapping(address => mapping(address => uint256))`), 2 `totalDeposits`.
contract LendingWeth9 {
    /// @notice Balances.
    mapping(address owner => uint256) public balanceOf;

    /// @notice Allowances.
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice Every amount deposited or minted, written by the fallback on each call.
    uint256 public totalDeposits;

    /// @notice `value` moved from `from` to `to`.
    /// @param from The sender.
    /// @param to The recipient.
    /// @param value The amount.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice `owner` allowed `spender` to move `value`.
    /// @param owner The owner.
    /// @param spender The spender.
    /// @param value The allowance.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Balance or allowance too small (WETH9 uses a bare `require`; a named error here).
    error LendingWeth9Insufficient();

    /// @notice Any unknown selector: a deposit of `msg.value` (WETH9's behaviour).
    fallback() external payable {
        balanceOf[msg.sender] += msg.value;
        totalDeposits += msg.value;
    }

    /// @notice Plain ether: a deposit.
    receive() external payable {
        balanceOf[msg.sender] += msg.value;
        totalDeposits += msg.value;
    }

    /// @notice Test helper: credits `amount` to `to`.
    /// @param to The recipient.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalDeposits += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Allows `spender` to move `value` of the caller's.
    /// @param spender The spender.
    /// @param value The allowance.
    /// @return Always true.
    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice Moves `value` from the caller to `to`.
    /// @param to The recipient.
    /// @param value The amount.
    /// @return Always true.
    function transfer(address to, uint256 value) external returns (bool) {
        return transferFrom(msg.sender, to, value);
    }

    /// @notice Moves `value` from `from` to `to`, spending allowance unless the caller is `from`
    ///         or the allowance is the maximum.
    /// @param from The sender.
    /// @param to The recipient.
    /// @param value The amount.
    /// @return Always true.
    function transferFrom(address from, address to, uint256 value) public returns (bool) {
        if (balanceOf[from] < value) revert LendingWeth9Insufficient();
        if (from != msg.sender && allowance[from][msg.sender] != type(uint256).max) {
            if (allowance[from][msg.sender] < value) revert LendingWeth9Insufficient();
            allowance[from][msg.sender] -= value;
        }
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        return true;
    }
}
