// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConventionalERC20} from "hardhat-parallel/contracts/ConventionalERC20.sol";

/// @title VaultWeth9
/// @author hardhat-parallel
/// @notice TEST TOKEN. A wrapped-ether token in the style of WETH9: `deposit` (payable) wraps,
///         `withdraw` unwraps, and a payable `fallback` accepts ANY selector and runs `deposit`.
///         So a call of a function the token does not have (e.g. `enableShardedBalance()`) does
///         not revert, and a static call of one (e.g. `isShardedHolder(x)`) reverts because
///         `deposit` writes storage: the pattern audit finding #3 is about.
/// @dev Written for the tests (WETH9's behaviour, not its code). An allowance of
///      `type(uint256).max` is never decreased, as in WETH9.
///      Storage: 0 `balanceOf`, 1 `allowance`.
contract VaultWeth9 {
    /// @notice Name, symbol and decimals as WETH9.
    string public constant name = "Vault Wrapped Ether";
    /// @notice The symbol.
    string public constant symbol = "VWETH";
    /// @notice 18, as ether.
    uint8 public constant decimals = 18;

    /// @notice Balances (wei).
    mapping(address => uint256) public balanceOf;
    /// @notice Allowances (wei).
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice ERC-20 Transfer.
    /// @param from The sender.
    /// @param to The recipient.
    /// @param value The amount (wei).
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval.
    /// @param owner The owner.
    /// @param spender The spender.
    /// @param value The allowance (wei).
    event Approval(address indexed owner, address indexed spender, uint256 value);
    /// @notice Ether was wrapped.
    /// @param account The account credited.
    /// @param value The amount (wei).
    event Deposit(address indexed account, uint256 value);
    /// @notice Ether was unwrapped.
    /// @param account The account debited.
    /// @param value The amount (wei).
    event Withdrawal(address indexed account, uint256 value);

    /// @notice Any call with unknown calldata wraps the ether sent with it (possibly zero).
    /// @custom:writes balanceOf[msg.sender]
    fallback() external payable {
        deposit();
    }

    /// @notice Plain ether transfers wrap too.
    /// @custom:writes balanceOf[msg.sender]
    receive() external payable {
        deposit();
    }

    /// @notice Wraps `msg.value` for the caller (writes its balance even when the value is 0).
    /// @custom:writes balanceOf[msg.sender]
    function deposit() public payable {
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    /// @notice Unwraps `value` and sends the ether to the caller.
    /// @param value The amount (wei).
    /// @custom:writes balanceOf[msg.sender]
    function withdraw(uint256 value) external {
        require(balanceOf[msg.sender] >= value, "VaultWeth9: balance");
        balanceOf[msg.sender] -= value;
        (bool ok,) = msg.sender.call{value: value}("");
        require(ok, "VaultWeth9: send");
        emit Withdrawal(msg.sender, value);
    }

    /// @notice The wrapped ether (equals this contract's ether balance).
    /// @return The supply (wei).
    function totalSupply() external view returns (uint256) {
        return address(this).balance;
    }

    /// @notice ERC-20 approve.
    /// @param spender The spender.
    /// @param value The allowance (wei).
    /// @return True.
    /// @custom:writes allowance[msg.sender][spender]
    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice ERC-20 transfer.
    /// @param to The recipient.
    /// @param value The amount (wei).
    /// @return True.
    /// @custom:writes balanceOf[msg.sender], balanceOf[to]
    function transfer(address to, uint256 value) external returns (bool) {
        return transferFrom(msg.sender, to, value);
    }

    /// @notice ERC-20 transferFrom (no allowance needed when `from` is the caller).
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (wei).
    /// @return True.
    /// @custom:writes allowance[from][msg.sender], balanceOf[from], balanceOf[to]
    function transferFrom(address from, address to, uint256 value) public returns (bool) {
        require(balanceOf[from] >= value, "VaultWeth9: balance");
        if (from != msg.sender && allowance[from][msg.sender] != type(uint256).max) {
            require(allowance[from][msg.sender] >= value, "VaultWeth9: allowance");
            allowance[from][msg.sender] -= value;
        }
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        return true;
    }
}

/// @title VaultFeeOnTransferToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. An ERC-20 that burns `feeBps` basis points of every transfer: the recipient
///         receives less than the amount named (open faucet, anyone sets the fee).
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `feeBps`.
contract VaultFeeOnTransferToken is ConventionalERC20 {
    /// @notice The fee taken from each transfer (basis points, at most 10,000).
    uint256 public feeBps;

    constructor() ConventionalERC20("Vault Fee Token", "VFEE") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the fee (basis points).
    /// @param bps The fee; at most 10,000.
    /// @custom:writes feeBps
    function setFee(uint256 bps) external {
        require(bps <= 10_000, "VaultFeeOnTransferToken: fee");
        feeBps = bps;
    }

    /// @dev Moves `value` minus the fee, and burns the fee from `from`.
    function _transfer(address from, address to, uint256 value) internal override {
        uint256 fee = value * feeBps / 10_000;
        if (fee != 0) _burn(from, fee);
        super._transfer(from, to, value - fee);
    }
}

/// @title VaultFalseReturnToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. An ERC-20 whose `transfer`/`transferFrom` return `false` without moving
///         anything while `failing` is set (some old tokens signal failure that way).
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `failing`.
contract VaultFalseReturnToken is ConventionalERC20 {
    /// @notice Whether transfers fail by returning false.
    bool public failing;

    constructor() ConventionalERC20("Vault False Token", "VFALSE") {}

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Switches the failure mode.
    /// @param on Whether transfers return false.
    /// @custom:writes failing
    function setFailing(bool on) external {
        failing = on;
    }

    /// @notice Returns false (moving nothing) while failing, else transfers.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return Whether it moved the tokens.
    /// @custom:reads failing
    /// @custom:writes _balances[msg.sender], _balances[to]
    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    /// @notice Returns false (moving nothing) while failing, else transfers.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount (token units).
    /// @return Whether it moved the tokens.
    /// @custom:reads failing
    /// @custom:writes _allowances[from][msg.sender], _balances[from], _balances[to]
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}

/// @title VaultNoReturnToken
/// @author hardhat-parallel
/// @notice TEST TOKEN. An ERC-20 whose `transfer`/`transferFrom`/`approve` return nothing
///         (USDT-style); it reverts on failure.
/// @dev Storage: 0 `balanceOf`, 1 `allowance`.
contract VaultNoReturnToken {
    /// @notice Balances.
    mapping(address => uint256) public balanceOf;
    /// @notice Allowances.
    mapping(address => mapping(address => uint256)) public allowance;
    /// @notice 18.
    uint8 public constant decimals = 18;

    /// @notice ERC-20 Transfer.
    /// @param from The sender.
    /// @param to The recipient.
    /// @param value The amount.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Mints `amount` to `to` (open faucet).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes balanceOf[to]
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Approve, returning nothing.
    /// @param spender The spender.
    /// @param value The allowance.
    /// @custom:writes allowance[msg.sender][spender]
    function approve(address spender, uint256 value) external {
        allowance[msg.sender][spender] = value;
    }

    /// @notice Transfer, returning nothing; reverts when the balance is short.
    /// @param to The recipient.
    /// @param value The amount.
    /// @custom:writes balanceOf[msg.sender], balanceOf[to]
    function transfer(address to, uint256 value) external {
        _move(msg.sender, to, value);
    }

    /// @notice TransferFrom, returning nothing; reverts when the balance or allowance is short.
    /// @param from The account debited.
    /// @param to The recipient.
    /// @param value The amount.
    /// @custom:writes allowance[from][msg.sender], balanceOf[from], balanceOf[to]
    function transferFrom(address from, address to, uint256 value) external {
        require(allowance[from][msg.sender] >= value, "VaultNoReturnToken: allowance");
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
    }

    /// @dev Moves `value` from `from` to `to`.
    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "VaultNoReturnToken: balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

/// @title IVaultTokenHooks
/// @author hardhat-parallel
/// @notice The callbacks of {VaultHookAsset}, shaped like ERC-777's `tokensToSend` (before the
///         balances move) and `tokensReceived` (after).
interface IVaultTokenHooks {
    /// @notice Called on the sender's hook before its tokens move.
    /// @param operator The caller of the token.
    /// @param from The sender.
    /// @param to The recipient.
    /// @param amount The amount.
    function tokensToSend(address operator, address from, address to, uint256 amount) external;

    /// @notice Called on the recipient's hook after the tokens moved.
    /// @param operator The caller of the token.
    /// @param from The sender.
    /// @param to The recipient.
    /// @param amount The amount.
    function tokensReceived(address operator, address from, address to, uint256 amount) external;
}

/// @title VaultHookAsset
/// @author hardhat-parallel
/// @notice TEST TOKEN. An ERC-20 with ERC-777-style hooks: an account may register a hook
///         contract; the sender's hook is called BEFORE the balances move, the recipient's AFTER.
///         A hook may call anything, e.g. read a vault's price in the middle of a vault call.
/// @dev Storage: 0-4 from {ConventionalERC20}; 5 `hookOf`.
contract VaultHookAsset is ConventionalERC20 {
    /// @notice The hook contract of each account (zero: none).
    mapping(address account => address hook) public hookOf;

    constructor() ConventionalERC20("Vault Hook Asset", "VHOOK") {}

    /// @notice Mints `amount` to `to` (open faucet; no hook).
    /// @param to The recipient.
    /// @param amount The amount (token units).
    /// @custom:writes _totalSupply, _balances[to]
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Registers the caller's hook contract (zero removes it).
    /// @param hook The hook.
    /// @custom:writes hookOf[msg.sender]
    function setHook(address hook) external {
        hookOf[msg.sender] = hook;
    }

    /// @dev Calls `from`'s `tokensToSend`, moves, then calls `to`'s `tokensReceived`.
    function _transfer(address from, address to, uint256 value) internal override {
        address sendHook = hookOf[from];
        if (sendHook != address(0)) IVaultTokenHooks(sendHook).tokensToSend(msg.sender, from, to, value);
        super._transfer(from, to, value);
        address receiveHook = hookOf[to];
        if (receiveHook != address(0)) IVaultTokenHooks(receiveHook).tokensReceived(msg.sender, from, to, value);
    }
}

/// @title IVaultPriceViews
/// @author hardhat-parallel
/// @notice The vault views {VaultHookReader} reads from inside a hook.
interface IVaultPriceViews {
    /// @notice ERC-4626 totalAssets.
    /// @return The managed assets.
    function totalAssets() external view returns (uint256);

    /// @notice ERC-4626 convertToAssets.
    /// @param shares The shares.
    /// @return The assets.
    function convertToAssets(uint256 shares) external view returns (uint256);

    /// @notice ERC-4626 convertToShares.
    /// @param assets The assets.
    /// @return The shares.
    function convertToShares(uint256 assets) external view returns (uint256);
}

/// @title VaultHookReader
/// @author hardhat-parallel
/// @notice TEST CONTRACT. A holder of a {VaultHookAsset} that, from its own hooks, reads a vault's
///         price views (as a protocol pricing the vault's shares would) and records what it saw:
///         the read-only reentrancy probe. It can make requests and claims on the vault itself.
/// @dev Storage: 0 `vault`, 1 `probeShares`, 2 `sawAssets`, 3 `sawConvertToAssets`,
///      4 `sawConvertToShares`, 5 `readReverted`, 6 `readError`, 7 `hookRuns`.
contract VaultHookReader is IVaultTokenHooks {
    /// @notice The vault whose views the hooks read.
    address public vault;
    /// @notice The shares (and assets) converted in the probe.
    uint256 public probeShares;
    /// @notice `totalAssets()` seen in the last hook.
    uint256 public sawAssets;
    /// @notice `convertToAssets(probeShares)` seen in the last hook.
    uint256 public sawConvertToAssets;
    /// @notice `convertToShares(probeShares)` seen in the last hook.
    uint256 public sawConvertToShares;
    /// @notice Whether the last hook's read reverted.
    bool public readReverted;
    /// @notice The revert data of the last failed read.
    bytes public readError;
    /// @notice How many hooks ran.
    uint256 public hookRuns;

    /// @param vault_ The vault to probe.
    /// @param probeShares_ The amount converted in the probe.
    constructor(address vault_, uint256 probeShares_) {
        vault = vault_;
        probeShares = probeShares_;
    }

    /// @notice Calls `target` with `data` as this contract (approve, setHook, requestDeposit...).
    /// @param target The contract.
    /// @param data The calldata.
    /// @return The return data.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @inheritdoc IVaultTokenHooks
    function tokensToSend(address, address, address, uint256) external {
        _probe();
    }

    /// @inheritdoc IVaultTokenHooks
    function tokensReceived(address, address, address, uint256) external {
        _probe();
    }

    /// @dev Reads the three views; records the values or the revert.
    function _probe() private {
        hookRuns += 1;
        IVaultPriceViews v = IVaultPriceViews(vault);
        try v.totalAssets() returns (uint256 a) {
            sawAssets = a;
            sawConvertToAssets = v.convertToAssets(probeShares);
            sawConvertToShares = v.convertToShares(probeShares);
            readReverted = false;
        } catch (bytes memory err) {
            readReverted = true;
            readError = err;
        }
    }
}
