// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./interfaces/IERC20.sol";

/// @title ConventionalERC20
/// @author hardhat-parallel
/// @notice A conventional ERC-20 (one balance slot per holder, one `totalSupply` slot), the
///         baseline that {ParallelERC20} and the templates are compared against.
///
/// @dev The logic follows the usual OpenZeppelin shape (internal `_transfer`, `_mint`, `_burn`,
///      `_approve`, `_spendAllowance`, ERC-6093 errors, infinite allowances are not decreased);
///      it is written here rather than imported so that the repository has no Solidity
///      dependency and so that every function carries its access annotation.
///
///      ## Hot spots (why it is the baseline)
///      - `_totalSupply` is written by every mint and burn: concurrent mints depend on each other.
///      - `_balances[h]` of a popular recipient `h` (a vault, a pool) is written by every transfer
///        to it: concurrent deposits into the same contract depend on each other. {ParallelERC20}
///        removes both.
///
///      ## Storage (in declaration order, slots relative to the first slot of this contract)
///      - slot 0 `_balances`: `mapping(address => uint256)`; the balance of `a` is at
///        `keccak256(abi.encode(a, 0))`.
///      - slot 1 `_allowances`: `mapping(address => mapping(address => uint256))`; the allowance
///        of `(o, s)` is at `keccak256(abi.encode(s, keccak256(abi.encode(o, 1))))`.
///      - slot 2 `_totalSupply`: `uint256`.
///      - slots 3, 4 `_name`, `_symbol`: `string` (short strings inline, long ones at
///        `keccak256(slot)`); written only by the constructor.
abstract contract ConventionalERC20 is IERC20 {
    /// @dev Balance of each holder.
    mapping(address account => uint256) internal _balances;

    /// @dev Allowance of each `(owner, spender)` pair.
    mapping(address account => mapping(address spender => uint256)) internal _allowances;

    /// @dev Total supply: written by every mint and burn (the classic hot spot).
    uint256 internal _totalSupply;

    /// @dev Token name, set once by the constructor.
    string internal _name;

    /// @dev Token symbol, set once by the constructor.
    string internal _symbol;

    /// @notice The sender's balance is too low (ERC-6093).
    /// @param sender The account debited.
    /// @param balance Its balance.
    /// @param needed The amount requested.
    error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);

    /// @notice The sender is invalid (the zero address) (ERC-6093).
    /// @param sender The sender.
    error ERC20InvalidSender(address sender);

    /// @notice The receiver is invalid (the zero address) (ERC-6093).
    /// @param receiver The receiver.
    error ERC20InvalidReceiver(address receiver);

    /// @notice The spender's allowance is too low (ERC-6093).
    /// @param spender The spender.
    /// @param allowance Its allowance.
    /// @param needed The amount requested.
    error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);

    /// @notice The approver is invalid (the zero address) (ERC-6093).
    /// @param approver The approver.
    error ERC20InvalidApprover(address approver);

    /// @notice The spender is invalid (the zero address) (ERC-6093).
    /// @param spender The spender.
    error ERC20InvalidSpender(address spender);

    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    constructor(string memory name_, string memory symbol_) {
        _name = name_;
        _symbol = symbol_;
    }

    /// @inheritdoc IERC20
    /// @custom:reads _name
    function name() public view virtual returns (string memory) {
        return _name;
    }

    /// @inheritdoc IERC20
    /// @custom:reads _symbol
    function symbol() public view virtual returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IERC20
    function decimals() public view virtual returns (uint8) {
        return 18;
    }

    /// @inheritdoc IERC20
    /// @custom:reads _totalSupply
    function totalSupply() public view virtual returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc IERC20
    /// @custom:reads _balances[account]
    function balanceOf(address account) public view virtual returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IERC20
    /// @custom:reads _allowances[owner][spender]
    function allowance(address owner, address spender) public view virtual returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @inheritdoc IERC20
    /// @custom:writes _balances[msg.sender], _balances[to]
    function transfer(address to, uint256 value) public virtual returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    /// @custom:writes _allowances[msg.sender][spender]
    function approve(address spender, uint256 value) public virtual returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to]
    function transferFrom(address from, address to, uint256 value) public virtual returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        return true;
    }

    /// @dev Moves `value` from `from` to `to`; both must be non-zero.
    function _transfer(address from, address to, uint256 value) internal virtual {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 fromBalance = _balances[from];
        if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
        unchecked {
            _balances[from] = fromBalance - value;
        }
        // Cannot overflow: the sum of all balances is the total supply, which is checked on mint.
        unchecked {
            _balances[to] += value;
        }
        emit Transfer(from, to, value);
    }

    /// @dev Creates `value` tokens for `to`: writes `_totalSupply` and `_balances[to]`.
    function _mint(address to, uint256 value) internal virtual {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _totalSupply += value;
        unchecked {
            _balances[to] += value;
        }
        emit Transfer(address(0), to, value);
    }

    /// @dev Destroys `value` tokens of `from`: writes `_balances[from]` and `_totalSupply`.
    function _burn(address from, uint256 value) internal virtual {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        uint256 fromBalance = _balances[from];
        if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
        unchecked {
            _balances[from] = fromBalance - value;
            _totalSupply -= value;
        }
        emit Transfer(from, address(0), value);
    }

    /// @dev Sets the allowance of `(owner, spender)` and emits {Approval}.
    function _approve(address owner, address spender, uint256 value) internal virtual {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// @dev Decreases the allowance of `(owner, spender)` by `value`, unless it is infinite
    ///      (`type(uint256).max`), in which case it is only read. Does not emit {Approval}.
    function _spendAllowance(address owner, address spender, uint256 value) internal virtual {
        uint256 current = _allowances[owner][spender];
        if (current == type(uint256).max) return;
        if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
        unchecked {
            _allowances[owner][spender] = current - value;
        }
    }
}
