// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";

/// @title AmmWeth9
/// @author hardhat-parallel
/// @notice TEST TOKEN. A wrapped-ether token in the style of WETH9: `deposit` (also reached by
///         the payable fallback, whatever the selector) mints to the caller the ether sent, and
///         `withdraw` burns and pays it back. Because its fallback accepts any calldata, a call
///         of a function it does not have (such as `enableShardedBalance()`) succeeds and
///         returns nothing, and the same call in a static context reverts (the fallback writes
///         storage). Plus an open faucet `mint`, so tests need no ether. Never deploy it
///         anywhere that matters.
/// @dev Storage: 0 `balanceOf`, 1 `allowance`, 2 `totalMinted`. `transferFrom` keeps WETH9's
///      rules: no allowance needed when `src == msg.sender`, and an allowance of `2^256 - 1` is
///      never decreased.
contract AmmWeth9 {
    /// @notice Balances (wei of wrapped ether).
    mapping(address => uint256) public balanceOf;

    /// @notice Allowances.
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice Tokens minted by the faucet (not backed by ether).
    uint256 public totalMinted;

    /// @notice ERC-20 `Transfer`.
    /// @param src The sender.
    /// @param dst The recipient.
    /// @param wad The amount.
    event Transfer(address indexed src, address indexed dst, uint256 wad);

    /// @notice ERC-20 `Approval`.
    /// @param src The owner.
    /// @param guy The spender.
    /// @param wad The amount.
    event Approval(address indexed src, address indexed guy, uint256 wad);

    /// @notice Ether was wrapped.
    /// @param dst The account credited.
    /// @param wad The amount.
    event Deposit(address indexed dst, uint256 wad);

    /// @notice Ether was unwrapped.
    /// @param src The account debited.
    /// @param wad The amount.
    event Withdrawal(address indexed src, uint256 wad);

    /// @notice Wraps the ether sent: any calldata without a matching function lands here.
    fallback() external payable {
        deposit();
    }

    /// @notice Wraps the ether sent (plain transfers).
    receive() external payable {
        deposit();
    }

    /// @notice Credits the caller with the ether sent.
    /// @custom:writes balanceOf[msg.sender]
    function deposit() public payable {
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    /// @notice Burns `wad` of the caller's tokens and sends it the ether.
    /// @param wad The amount.
    /// @custom:writes balanceOf[msg.sender]
    function withdraw(uint256 wad) external {
        require(balanceOf[msg.sender] >= wad, "balance");
        balanceOf[msg.sender] -= wad;
        payable(msg.sender).transfer(wad);
        emit Withdrawal(msg.sender, wad);
    }

    /// @notice Open faucet (test only): credits `to` with `wad` unbacked tokens.
    /// @param to The recipient.
    /// @param wad The amount.
    /// @custom:writes balanceOf[to], totalMinted
    function mint(address to, uint256 wad) external {
        balanceOf[to] += wad;
        totalMinted += wad;
        emit Transfer(address(0), to, wad);
    }

    /// @notice Total supply: the wrapped ether plus the faucet's tokens.
    /// @return The supply.
    /// @custom:reads totalMinted
    function totalSupply() external view returns (uint256) {
        return address(this).balance + totalMinted;
    }

    /// @notice ERC-20 approve.
    /// @param guy The spender.
    /// @param wad The amount.
    /// @return True.
    /// @custom:writes allowance[msg.sender][guy]
    function approve(address guy, uint256 wad) external returns (bool) {
        allowance[msg.sender][guy] = wad;
        emit Approval(msg.sender, guy, wad);
        return true;
    }

    /// @notice ERC-20 transfer.
    /// @param dst The recipient.
    /// @param wad The amount.
    /// @return True.
    /// @custom:writes balanceOf[msg.sender], balanceOf[dst]
    function transfer(address dst, uint256 wad) external returns (bool) {
        return transferFrom(msg.sender, dst, wad);
    }

    /// @notice ERC-20 transferFrom, WETH9 rules.
    /// @param src The account debited.
    /// @param dst The recipient.
    /// @param wad The amount.
    /// @return True.
    /// @custom:writes allowance[src][msg.sender], balanceOf[src], balanceOf[dst]
    function transferFrom(address src, address dst, uint256 wad) public returns (bool) {
        require(balanceOf[src] >= wad, "balance");
        if (src != msg.sender && allowance[src][msg.sender] != type(uint256).max) {
            require(allowance[src][msg.sender] >= wad, "allowance");
            allowance[src][msg.sender] -= wad;
        }
        balanceOf[src] -= wad;
        balanceOf[dst] += wad;
        emit Transfer(src, dst, wad);
        return true;
    }
}

/// @title AmmFeeOnTransferToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. A conventional ERC-20 that burns a fee (1% unless changed; anyone can
///         change it, like a token with a fee switch) of every transfer: the recipient receives
///         the rest. Open faucet. Never deploy it anywhere that matters.
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `feeBps`.
contract AmmFeeOnTransferToken is ConventionalERC20 {
    /// @notice The fee burnt on every transfer (basis points).
    uint256 public feeBps = 100;

    /// @notice Sets the fee (basis points, at most 10,000).
    /// @param value The new fee.
    /// @custom:writes feeBps
    function setFeeBps(uint256 value) external {
        require(value <= 10_000, "fee");
        feeBps = value;
    }

    constructor() ConventionalERC20("AMM Fee-on-transfer Token", "AFT") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Transfers `value` minus the fee, which is burnt.
    /// @param to The recipient.
    /// @param value The amount debited (token units).
    /// @return True.
    /// @custom:reads feeBps
    /// @custom:writes _balances[msg.sender], _balances[to], _totalSupply
    function transfer(address to, uint256 value) public override returns (bool) {
        _feeTransfer(msg.sender, to, value);
        return true;
    }

    /// @notice transferFrom, minus the fee, which is burnt.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount debited (token units).
    /// @return True.
    /// @custom:reads feeBps
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to], _totalSupply
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _feeTransfer(from, to, value);
        return true;
    }

    /// @dev Moves `value - fee` to `to` and burns the fee.
    function _feeTransfer(address from, address to, uint256 value) private {
        uint256 fee = value * feeBps / 10_000;
        _transfer(from, to, value - fee);
        if (fee != 0) _burn(from, fee);
    }
}

/// @title AmmFalseReturnToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. An ERC-20 whose `transfer` and `transferFrom` move nothing and return
///         `false` once `failing` is set (anyone can set it). Open faucet. Never deploy it
///         anywhere that matters.
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `failing`.
contract AmmFalseReturnToken is ConventionalERC20 {
    /// @notice Whether transfers fail (return false) instead of moving tokens.
    bool public failing;

    constructor() ConventionalERC20("AMM False-returning Token", "AFR") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes transfers fail (true) or work (false).
    /// @param value The new flag.
    /// @custom:writes failing
    function setFailing(bool value) external {
        failing = value;
    }

    /// @notice ERC-20 transfer, or `false` without a move while `failing`.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return Whether tokens moved.
    /// @custom:reads failing
    /// @custom:writes _balances[msg.sender], _balances[to]
    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    /// @notice ERC-20 transferFrom, or `false` without a move while `failing`.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return Whether tokens moved.
    /// @custom:reads failing
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to]
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}
