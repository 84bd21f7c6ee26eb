// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./interfaces/IERC20.sol";
import {IERC20Permit} from "./interfaces/IERC20Permit.sol";
import {IParallelERC20} from "./interfaces/IParallelERC20.sol";
import {ShardedCounter} from "./ShardedCounter.sol";

/// @title ParallelERC20
/// @author hardhat-parallel
/// @notice An ERC-20 with EIP-2612 permit whose two classic hot spots are sharded: the total
///         supply is a {ShardedCounter}, and any holder (typically a vault or a pool) can opt in
///         to a sharded balance, so that transfers *to* it from different senders write
///         different slots.
///
/// @dev ## Why
/// With a conventional ERC-20, every deposit into a vault writes `balanceOf[vault]` in the token,
/// so on a parallel chain 100 deposits in one block form a chain of 100 dependencies no matter how
/// well the vault itself is written; every mint and burn also writes `totalSupply`. Neither can be
/// fixed in the vault. Here:
/// - `totalSupply` is `ShardedCounter.Counter`: a mint to `to` adds to shard `shard(to)`, a burn
///   from `from` subtracts from shard `shard(from)`; `totalSupply()` sums the shards (a view).
/// - a holder that calls {enableShardedBalance} keeps its balance in 256 signed shards instead of
///   one slot. A credit to it lands in the shard chosen by the *counterparty*: the sender of a
///   transfer (`shard(from)`), or `shard(0)` for a mint. Deposits from users in different shards
///   write different slots. `balanceOf(holder)` returns the sum of its shards.
///
/// ## Debits from a sharded holder
/// A debit of `amount` from a sharded holder paid to `to` starts at shard `shard(to)`: the shard
/// where `to`'s own earlier payments to the holder landed, so a vault that pays a user back from
/// that user's deposits touches the same shard the deposit touched. If that shard holds less than
/// `amount`, the debit takes what it holds and continues with shards `shard(to)+1, +2, ...`
/// (mod N) until `amount` is covered, and reverts with {ERC20InsufficientBalance} only if the
/// whole balance (the sum) is short. So `transfer` keeps ERC-20 semantics — it succeeds exactly
/// when `balanceOf(holder) >= amount` — at the price of touching more shards (and thus depending
/// on more transactions) when the preferred shard is short. This is why `transfer` and
/// `transferFrom` declare `_shardedBalances[from].shards[*]`. A holder that wants a
/// one-shard debit with an exact annotation calls {transferFromShard}, which never sweeps, and
/// can move balance between its shards with {rebalanceShards} (e.g. at a settlement, to fund the
/// shards its users will be paid from). Shards of a holder never go negative.
///
/// ## Source of the idea
/// Aptos aggregators (AIP-47) for the commutative supply; the observation that a pool's or
/// vault's own `balanceOf` slot in the token it holds is a hot spot that no change to the pool can
/// remove (Block-STM analyses of mainnet blocks, e.g. RISE's pevm); Sealevel's explicit account
/// lists for {transferFromShard}.
///
/// ## Storage (in declaration order, slots relative to the first slot of this contract)
/// - slot 0 `_balances`: `mapping(address => uint256)`, the balance of a non-sharded holder `a`
///   at `keccak256(abi.encode(a, 0))`. Zero for sharded holders.
/// - slot 1 `_allowances`: `mapping(address => mapping(address => uint256))`, the allowance of
///   `(o, s)` at `keccak256(abi.encode(s, keccak256(abi.encode(o, 1))))`.
/// - slot 2 `_shardedHolder`: `mapping(address => bool)`, whether `a` is sharded, at
///   `keccak256(abi.encode(a, 2))`. Written only by {enableShardedBalance}/{disableShardedBalance},
///   read by every transfer (for both parties): reading a slot nobody writes creates no dependency.
/// - slot 3 `_shardedBalances`: `mapping(address => ShardedCounter.Counter)`; shard `i` of holder
///   `h` is at `uint256(keccak256(abi.encode(h, 3))) + i`, `0 <= i < 256`.
/// - slots 4..259 `_totalSupply`: `ShardedCounter.Counter`, shard `i` at slot `4 + i`.
/// - slot 260 `_nonces`: `mapping(address => uint256)`, the permit nonce of `o` at
///   `keccak256(abi.encode(o, 260))`.
/// - slots 261, 262 `_name`, `_symbol`: `string`, written only by the constructor.
/// The EIP-712 domain separator and the hashed name are immutables (in the code, not in storage).
abstract contract ParallelERC20 is IERC20, IERC20Permit, IParallelERC20 {
    using ShardedCounter for ShardedCounter.Counter;

    /// @dev Number of balance shards of a sharded holder (the length of `Counter.shards`).
    uint256 internal constant _BALANCE_SHARDS = 256;

    /// @dev `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    /// @dev `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @dev `keccak256("1")`, the EIP-712 domain version.
    bytes32 private constant _HASHED_VERSION = keccak256("1");

    /// @dev Upper bound of a canonical ECDSA `s` (secp256k1n / 2), EIP-2.
    uint256 private constant _MAX_S = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @dev Balance of each non-sharded holder.
    mapping(address account => uint256) internal _balances;

    /// @dev Allowance of each `(owner, spender)` pair.
    mapping(address account => mapping(address spender => uint256)) internal _allowances;

    /// @dev Whether a holder keeps a sharded balance.
    mapping(address holder => bool) internal _shardedHolder;

    /// @dev The balance shards of each sharded holder.
    mapping(address holder => ShardedCounter.Counter) internal _shardedBalances;

    /// @dev The total supply, sharded by the account minted to / burned from.
    ShardedCounter.Counter internal _totalSupply;

    /// @dev EIP-2612 nonce of each owner.
    mapping(address owner => uint256) internal _nonces;

    /// @dev Token name, set once by the constructor.
    string internal _name;

    /// @dev Token symbol, set once by the constructor.
    string internal _symbol;

    /// @dev `keccak256(bytes(name))`, for the EIP-712 domain.
    bytes32 private immutable _hashedName;

    /// @dev The chain id at deployment, to detect forks.
    uint256 private immutable _cachedChainId;

    /// @dev The domain separator for `_cachedChainId` and this address.
    bytes32 private immutable _cachedDomainSeparator;

    /// @notice The sender's balance is too low (ERC-6093). For a sharded holder, `balance` is the
    ///         sum of its shards.
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

    /// @notice The permit's deadline has passed.
    /// @param deadline The deadline.
    error ERC2612ExpiredSignature(uint256 deadline);

    /// @notice The permit was not signed by `owner`.
    /// @param signer The recovered signer (zero for a malformed signature).
    /// @param owner The owner named in the permit.
    error ERC2612InvalidSigner(address signer, address owner);

    /// @notice A shard-level operation was called by a holder that is not sharded.
    /// @param holder The holder.
    error ParallelERC20NotSharded(address holder);

    /// @notice One shard of a sharded holder holds less than requested.
    /// @param holder The holder.
    /// @param shardIndex The shard.
    /// @param available The amount in that shard.
    /// @param needed The amount requested.
    error ParallelERC20InsufficientShardBalance(address holder, uint256 shardIndex, uint256 available, uint256 needed);

    /// @notice A shard index is not below N.
    /// @param shardIndex The index.
    error ParallelERC20InvalidShard(uint256 shardIndex);

    /// @param name_ The token name (also the EIP-712 domain name).
    /// @param symbol_ The token symbol.
    constructor(string memory name_, string memory symbol_) {
        _name = name_;
        _symbol = symbol_;
        _hashedName = keccak256(bytes(name_));
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator(keccak256(bytes(name_)));
    }

    // ---------------------------------------------------------------------------------------
    // ERC-20 views
    // ---------------------------------------------------------------------------------------

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

    /// @notice The total supply: the sum of the 256 supply shards. Reads all of them, so call it
    ///         off-chain or in rare paths.
    /// @return The total supply (token units).
    /// @custom:reads _totalSupply.shards[*]
    function totalSupply() public view virtual returns (uint256) {
        return _totalSupply.sumUnsigned();
    }

    /// @notice The balance of `account`: its balance slot, or the sum of its 256 shards if it is a
    ///         sharded holder.
    /// @param account The account.
    /// @return The balance (token units).
    /// @custom:reads _shardedHolder[account], !_shardedHolder[account] ? _balances[account],
    ///     _shardedHolder[account] ? _shardedBalances[account].shards[*]
    function balanceOf(address account) public view virtual returns (uint256) {
        if (_shardedHolder[account]) return _shardedBalances[account].sumUnsigned();
        return _balances[account];
    }

    /// @inheritdoc IERC20
    /// @custom:reads _allowances[owner][spender]
    function allowance(address owner, address spender) public view virtual returns (uint256) {
        return _allowances[owner][spender];
    }

    // ---------------------------------------------------------------------------------------
    // ERC-20 mutators
    // ---------------------------------------------------------------------------------------

    /// @notice Moves `value` from the caller to `to`. If the caller is sharded the debit starts at
    ///         shard `shard(to)` and sweeps further shards if that one is short; if `to` is
    ///         sharded the credit lands in shard `shard(msg.sender)`.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True (reverts on failure).
    /// @custom:reads _shardedHolder[msg.sender], _shardedHolder[to]
    /// @custom:writes !_shardedHolder[msg.sender] ? _balances[msg.sender], _shardedHolder[msg.sender] ? _shardedBalances[msg.sender].shards[*],
    ///     !_shardedHolder[to] ? _balances[to], _shardedHolder[to] ? _shardedBalances[to].shards[shard(msg.sender)]
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

    /// @notice Moves `value` from `from` to `to` using the caller's allowance. Sharded parties are
    ///         handled as in {transfer}: the debit starts at `shard(to)`, the credit lands in
    ///         `shard(from)`.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return True (reverts on failure).
    /// @custom:reads _shardedHolder[from], _shardedHolder[to]
    /// @custom:writes _allowances[from][msg.sender],
    ///     !_shardedHolder[from] ? _balances[from], _shardedHolder[from] ? _shardedBalances[from].shards[*],
    ///     !_shardedHolder[to] ? _balances[to], _shardedHolder[to] ? _shardedBalances[to].shards[shard(from)]
    function transferFrom(address from, address to, uint256 value) public virtual returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // EIP-2612
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IERC20Permit
    /// @custom:writes _nonces[owner], _allowances[owner][spender]
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) public virtual {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        uint256 nonce = _nonces[owner];
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
        address signer;
        // Reject malleable (high-s) signatures and bad recovery ids (EIP-2); ecrecover returns 0
        // for invalid signatures, which never equals a real owner because owner 0 is rejected.
        if (uint256(s) <= _MAX_S && (v == 27 || v == 28)) signer = ecrecover(digest, v, r, s);
        if (signer == address(0) || signer != owner) revert ERC2612InvalidSigner(signer, owner);
        unchecked {
            _nonces[owner] = nonce + 1;
        }
        _approve(owner, spender, value);
    }

    /// @inheritdoc IERC20Permit
    /// @custom:reads _nonces[owner]
    function nonces(address owner) public view virtual returns (uint256) {
        return _nonces[owner];
    }

    /// @inheritdoc IERC20Permit
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() public view virtual returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return _buildDomainSeparator(_hashedName);
    }

    /// @notice The EIP-712 domain of permits (EIP-5267).
    /// @return fields Bitmap of the fields used: name, version, chainId, verifyingContract.
    /// @return name_ The domain name (the token name).
    /// @return version The domain version, "1".
    /// @return chainId The chain id.
    /// @return verifyingContract This token.
    /// @return salt Unused (zero).
    /// @return extensions Unused (empty).
    /// @custom:reads _name
    function eip712Domain()
        public
        view
        virtual
        returns (
            bytes1 fields,
            string memory name_,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", _name, "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    // ---------------------------------------------------------------------------------------
    // Sharded holders
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IParallelERC20
    /// @dev Moves the caller's current single-slot balance into its shard `shard(msg.sender)`.
    /// @custom:writes _shardedHolder[msg.sender], _balances[msg.sender], _shardedBalances[msg.sender].shards[shard(msg.sender)]
    function enableShardedBalance() public virtual {
        if (_shardedHolder[msg.sender]) return;
        _shardedHolder[msg.sender] = true;
        uint256 plain = _balances[msg.sender];
        if (plain != 0) {
            _balances[msg.sender] = 0;
            _shardedBalances[msg.sender].add(msg.sender, plain);
        }
        emit ShardedBalanceEnabled(msg.sender);
    }

    /// @inheritdoc IParallelERC20
    /// @dev Sums the caller's shards into its single balance slot and clears them.
    /// @custom:writes _shardedHolder[msg.sender], _balances[msg.sender], _shardedBalances[msg.sender].shards[*]
    function disableShardedBalance() public virtual {
        if (!_shardedHolder[msg.sender]) return;
        _shardedHolder[msg.sender] = false;
        ShardedCounter.Counter storage c = _shardedBalances[msg.sender];
        uint256 total;
        for (uint256 i; i < _BALANCE_SHARDS; ++i) {
            int256 v = c.shards[i];
            if (v != 0) {
                total += uint256(v); // shards of a holder are never negative
                c.shards[i] = 0;
            }
        }
        _balances[msg.sender] += total;
        emit ShardedBalanceDisabled(msg.sender);
    }

    /// @inheritdoc IParallelERC20
    /// @custom:reads _shardedHolder[holder]
    function isShardedHolder(address holder) public view virtual returns (bool) {
        return _shardedHolder[holder];
    }

    /// @inheritdoc IParallelERC20
    function balanceShards() public pure virtual returns (uint256) {
        return _BALANCE_SHARDS;
    }

    /// @inheritdoc IParallelERC20
    function shardOf(address key) public pure virtual returns (uint256) {
        return ShardedCounter.shardOf(key, _BALANCE_SHARDS);
    }

    /// @inheritdoc IParallelERC20
    /// @custom:reads _shardedBalances[holder].shards[shardIndex]
    function shardBalanceOf(address holder, uint256 shardIndex) public view virtual returns (uint256) {
        if (shardIndex >= _BALANCE_SHARDS) revert ParallelERC20InvalidShard(shardIndex);
        return uint256(_shardedBalances[holder].shards[shardIndex]);
    }

    /// @inheritdoc IParallelERC20
    /// @dev The credit to a sharded `to` lands in `shard(msg.sender)`, as in {transfer}.
    /// @custom:reads _shardedHolder[msg.sender], _shardedHolder[to]
    /// @custom:writes _shardedBalances[msg.sender].shards[shardIndex],
    ///     !_shardedHolder[to] ? _balances[to], _shardedHolder[to] ? _shardedBalances[to].shards[shard(msg.sender)]
    function transferFromShard(uint256 shardIndex, address to, uint256 amount) public virtual returns (bool) {
        if (!_shardedHolder[msg.sender]) revert ParallelERC20NotSharded(msg.sender);
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _debitShard(msg.sender, shardIndex, amount);
        _credit(to, msg.sender, amount);
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    /// @inheritdoc IParallelERC20
    /// @custom:reads _shardedHolder[msg.sender]
    /// @custom:writes _shardedBalances[msg.sender].shards[fromShard], _shardedBalances[msg.sender].shards[toShard]
    function rebalanceShards(uint256 fromShard, uint256 toShard, uint256 amount) public virtual {
        if (!_shardedHolder[msg.sender]) revert ParallelERC20NotSharded(msg.sender);
        if (toShard >= _BALANCE_SHARDS) revert ParallelERC20InvalidShard(toShard);
        _debitShard(msg.sender, fromShard, amount);
        _shardedBalances[msg.sender].addToShard(toShard, int256(amount));
        emit ShardsRebalanced(msg.sender, fromShard, toShard, amount);
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    /// @dev Moves `value` from `from` to `to`; both must be non-zero.
    function _transfer(address from, address to, uint256 value) internal virtual {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _debit(from, to, value);
        _credit(to, from, value);
        emit Transfer(from, to, value);
    }

    /// @dev Creates `value` tokens for `to`. Writes the supply shard `shard(to)` and either
    ///      `_balances[to]` or, for a sharded `to`, its shard `shard(0)` (the mint's sender is the
    ///      zero address).
    function _mint(address to, uint256 value) internal virtual {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _totalSupply.add(to, value);
        _credit(to, address(0), value);
        emit Transfer(address(0), to, value);
    }

    /// @dev Destroys `value` tokens of `from`. Writes the supply shard `shard(from)` and either
    ///      `_balances[from]` or, for a sharded `from`, its shards from `shard(0)` on.
    function _burn(address from, uint256 value) internal virtual {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        _debit(from, address(0), value);
        _totalSupply.sub(from, value);
        emit Transfer(from, address(0), value);
    }

    /// @dev Credits `value` to `account`, on behalf of `counterparty` (the sender). A sharded
    ///      account is credited in shard `shard(counterparty)`.
    function _credit(address account, address counterparty, uint256 value) internal virtual {
        if (_shardedHolder[account]) {
            _shardedBalances[account].add(counterparty, value);
        } else {
            _balances[account] += value;
        }
    }

    /// @dev Debits `value` from `account`, paid to `counterparty` (the recipient). For a sharded
    ///      account, takes from shard `shard(counterparty)` first and sweeps the following shards
    ///      (mod N) if it is short; reverts with {ERC20InsufficientBalance} (the balance being the
    ///      sum of all shards) if the whole balance is short. A zero debit touches no shard.
    function _debit(address account, address counterparty, uint256 value) internal virtual {
        if (!_shardedHolder[account]) {
            uint256 balance = _balances[account];
            if (balance < value) revert ERC20InsufficientBalance(account, balance, value);
            unchecked {
                _balances[account] = balance - value;
            }
            return;
        }
        if (value == 0) return;
        ShardedCounter.Counter storage c = _shardedBalances[account];
        uint256 index = ShardedCounter.shardOf(counterparty, _BALANCE_SHARDS);
        uint256 remaining = value;
        for (uint256 visited; visited < _BALANCE_SHARDS; ++visited) {
            int256 held = c.shards[index];
            if (held > 0) {
                uint256 take = uint256(held) < remaining ? uint256(held) : remaining;
                c.shards[index] = held - int256(take);
                remaining -= take;
                if (remaining == 0) return;
            }
            index = index + 1 == _BALANCE_SHARDS ? 0 : index + 1;
        }
        // Every shard was visited, so `value - remaining` is the whole balance.
        revert ERC20InsufficientBalance(account, value - remaining, value);
    }

    /// @dev Debits exactly shard `shardIndex` of the sharded `holder`; never sweeps.
    function _debitShard(address holder, uint256 shardIndex, uint256 amount) internal virtual {
        if (shardIndex >= _BALANCE_SHARDS) revert ParallelERC20InvalidShard(shardIndex);
        int256 held = _shardedBalances[holder].shards[shardIndex];
        uint256 available = held > 0 ? uint256(held) : 0;
        if (available < amount) revert ParallelERC20InsufficientShardBalance(holder, shardIndex, available, amount);
        _shardedBalances[holder].shards[shardIndex] = held - int256(amount);
    }

    /// @dev Sets the allowance of `(owner, spender)` and emits {Approval}.
    function _approve(address owner, address spender, uint256 value) internal virtual {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// @dev Decreases the allowance of `(owner, spender)` by `value` unless it is infinite
    ///      (`type(uint256).max`), in which case it is only read. Does not emit {Approval}.
    function _spendAllowance(address owner, address spender, uint256 value) internal virtual {
        uint256 current = _allowances[owner][spender];
        if (current == type(uint256).max) return;
        if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
        unchecked {
            _allowances[owner][spender] = current - value;
        }
    }

    /// @dev The EIP-712 domain separator for `hashedName`, this chain and this address.
    function _buildDomainSeparator(bytes32 hashedName) private view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPEHASH, hashedName, _HASHED_VERSION, block.chainid, address(this)));
    }
}
