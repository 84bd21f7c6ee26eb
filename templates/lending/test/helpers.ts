/**
 * Shared helpers of the lending template's tests: the network to run on, the market parameters,
 * deployment fixtures, the off-chain twins of the contracts' pure arithmetic, test users on
 * chosen shards, and a check of transactions' storage accesses against the contracts'
 * `@custom:reads` / `@custom:writes` annotations.
 *
 * This file only holds helpers (no `describe`), so it is harmless when mocha loads every `.ts`
 * file of a scaffolded project's `test/` directory.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import {
  type Address,
  type Hex,
  encodeAbiParameters,
  getAddress,
  hexToBigInt,
  keccak256,
  maxUint256,
  stringToHex,
} from "viem";

/**
 * The network the functional and property tests connect to — the single place to change it.
 * Unset, they use Hardhat's default network; `HP_TEST_NETWORK=parallel` runs them on
 * hardhat-parallel's Block-STM network. The contention tests always use `parallel`.
 */
export const NETWORK: string | undefined = process.env.HP_TEST_NETWORK ?? undefined;

/** Opens a fresh connection (a fresh chain) to {@link NETWORK}. */
export async function connect() {
  return network.create(NETWORK);
}

/** 1e18: factors, prices, per-second rates. */
export const WAD = 10n ** 18n;
/** 1e27: interest indices. */
export const RAY = 10n ** 27n;
/** One token with 18 decimals. */
export const ONE = 10n ** 18n;
/** Seconds in a (365-day) year, to express annual rates per second. */
export const YEAR = 31_536_000n;

/** N of `ShardedCounter.Counter` and of a ParallelERC20 holder's balance shards. */
export const SHARDS = 256n;

/** `LendingMath.MarketParams`, field for field. All factors WAD, rates WAD per second. */
export interface MarketParams {
  collateralFactor: bigint;
  liquidationThreshold: bigint;
  liquidationBonus: bigint;
  closeFactor: bigint;
  reserveFactor: bigint;
  baseRatePerSecond: bigint;
  slope1PerSecond: bigint;
  slope2PerSecond: bigint;
  kink: bigint;
  maxOracleAge: bigint;
}

/**
 * The parameters every test market uses unless told otherwise: borrow up to 75% of the
 * collateral's value, liquidation above 80% with a 5% bonus and a 50% close factor, 10% of
 * interest to reserves; a kinked rate of 2% a year at zero utilisation, +20% a year up to the
 * 80% kink and +300% a year above it; prices older than one hour are refused.
 */
export const DEFAULT_PARAMS: MarketParams = {
  collateralFactor: (75n * WAD) / 100n,
  liquidationThreshold: (80n * WAD) / 100n,
  liquidationBonus: (5n * WAD) / 100n,
  closeFactor: WAD / 2n,
  reserveFactor: WAD / 10n,
  baseRatePerSecond: (2n * WAD) / 100n / YEAR,
  slope1PerSecond: (20n * WAD) / 100n / YEAR,
  slope2PerSecond: (300n * WAD) / 100n / YEAR,
  kink: (80n * WAD) / 100n,
  maxOracleAge: 3600n,
};

/** Epoch length of the test markets (seconds). */
export const EPOCH = 3600n;

/** The oracle's initial price: 2,000 asset units per collateral unit (WAD). */
export const PRICE = 2_000n * WAD;

/** Which token contracts a market is deployed over. */
export type TokenKind = "parallel" | "standard";

type Viem = NetworkConnection["viem"];

/**
 * Deploys an asset, a collateral token (both of `kind`), an oracle at {@link PRICE} and a
 * `ParallelLendingMarket` over them.
 * @returns the contracts; the tokens are typed as `LendingParallelToken` (both kinds share
 *   `mint` and the ERC-20 functions).
 */
export async function deployParallelMarket(
  viem: Viem,
  options: { kind?: TokenKind; params?: MarketParams; epoch?: bigint; asset?: Address } = {},
) {
  const { asset, collateral, oracle } = await deployTokens(
    viem,
    options.kind ?? "parallel",
    options.asset,
  );
  const market = await viem.deployContract("ParallelLendingMarket", [
    asset.address,
    collateral.address,
    oracle.address,
    options.params ?? DEFAULT_PARAMS,
    options.epoch ?? EPOCH,
  ]);
  return { asset, collateral, oracle, market };
}

/**
 * Deploys an asset, a collateral token (both of `kind`, default standard), an oracle at
 * {@link PRICE} and a `BaselineLendingMarket` over them.
 */
export async function deployBaselineMarket(
  viem: Viem,
  options: { kind?: TokenKind; params?: MarketParams } = {},
) {
  const { asset, collateral, oracle } = await deployTokens(viem, options.kind ?? "standard");
  const market = await viem.deployContract("BaselineLendingMarket", [
    asset.address,
    collateral.address,
    oracle.address,
    options.params ?? DEFAULT_PARAMS,
  ]);
  return { asset, collateral, oracle, market };
}

async function deployTokens(viem: Viem, kind: TokenKind, assetAddress?: Address) {
  const deploy = (name: string, symbol: string) =>
    kind === "parallel"
      ? viem.deployContract("LendingParallelToken", [name, symbol, 18])
      : viem.deployContract("LendingStandardToken", [name, symbol, 18]);
  const asset =
    assetAddress === undefined
      ? await viem.getContractAt(
          "LendingParallelToken",
          (await deploy("Test Dollar", "TUSD")).address,
        )
      : await viem.getContractAt("LendingParallelToken", assetAddress);
  const collateral = await viem.getContractAt(
    "LendingParallelToken",
    (await deploy("Test Ether", "TETH")).address,
  );
  const oracle = await viem.deployContract("LendingTestOracle", [PRICE]);
  return { asset, collateral, oracle };
}

/** A token as returned by the fixtures. */
export type Token = Awaited<ReturnType<typeof deployTokens>>["asset"];

/** Mints `amount` of `token` to each account and approves `spender` for all of it. */
export async function fund(
  token: Token,
  accounts: readonly Address[],
  amount: bigint,
  spender: Address,
): Promise<void> {
  for (const account of accounts) {
    await token.write.mint([account, amount]);
    await token.write.approve([spender, maxUint256], { account });
  }
}

/** `floor(x * y / d)`. */
export function mulDiv(x: bigint, y: bigint, d: bigint): bigint {
  return (x * y) / d;
}

/** `ceil(x * y / d)`. */
export function mulDivUp(x: bigint, y: bigint, d: bigint): bigint {
  const p = x * y;
  return p / d + (p % d === 0n ? 0n : 1n);
}

/**
 * The annotation language's `shard(x)` for an address: `uint256(keccak256(abi.encode(x))) % n`.
 * @param key an address.
 * @param n number of shards (default 256).
 */
export function shardOf(key: Address, n: bigint = SHARDS): bigint {
  return hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }], [key]))) % n;
}

/**
 * Deterministic addresses `address(uint160(uint256(keccak256("<seed>/<i>"))))` for
 * i = 0, 1, 2, ... — "random" users that are the same on every run.
 */
export function seededAddresses(
  seed: string,
  count: number,
  skip: (address: Address) => boolean = () => false,
): Address[] {
  const out: Address[] = [];
  for (let i = 0; out.length < count; i++) {
    const address = getAddress(`0x${keccak256(stringToHex(`${seed}/${i}`)).slice(-40)}`);
    if (!skip(address)) out.push(address);
  }
  return out;
}

/**
 * Deterministic users whose addresses fall on pairwise distinct shards of an `n`-shard counter
 * (candidates from {@link seededAddresses}, skipped when their shard is taken or listed in
 * `avoid`).
 *
 * Why pick users: with address-derived shards, k random users share a shard with an earlier one
 * about `k - n(1 - (1 - 1/n)^k)` times (17 of 100 for n = 256). A test that asserts "no
 * dependency" must choose users that do not collide and say so; {@link expectedCollidingKeys}
 * gives what random users get.
 * @throws {RangeError} when `count` + the avoided shards exceed `n`.
 */
export function usersOnDistinctShards(
  seed: string,
  count: number,
  avoid: Iterable<bigint> = [],
  n: bigint = SHARDS,
): Address[] {
  const taken = new Set<bigint>(avoid);
  if (BigInt(count + taken.size) > n)
    throw new RangeError(`cannot place ${count} users on ${n} shards`);
  return seededAddresses(seed, count, (address) => {
    const shard = shardOf(address, n);
    if (taken.has(shard)) return true;
    taken.add(shard);
    return false;
  });
}

/**
 * Expected number of keys, among `k` distinct uniformly random keys, that land in a shard
 * already used by an earlier key: `k - n * (1 - (1 - 1/n)^k)`.
 */
export function expectedCollidingKeys(k: number, n: number): number {
  return k - n * (1 - (1 - 1 / n) ** k);
}

/** How many of `keys` (in order) fall in a shard that an earlier key already used. */
export function collidingKeys(keys: readonly Address[], n: bigint = SHARDS): number {
  const seen = new Set<bigint>();
  let colliding = 0;
  for (const key of keys) {
    const shard = shardOf(key, n);
    if (seen.has(shard)) colliding++;
    seen.add(shard);
  }
  return colliding;
}

/**
 * Impersonates each address and gives it `ether` wei for gas, so that tests can send its
 * transactions unsigned (`{ account: address }`).
 */
export async function activate(
  connection: NetworkConnection,
  addresses: readonly Address[],
  ether: bigint = 10n ** 20n,
) {
  for (const address of addresses) {
    await connection.networkHelpers.impersonateAccount(address);
    await connection.networkHelpers.setBalance(address, ether);
  }
}

/** Storage slot of `mapping[key]` for a mapping declared at `slot`. */
export function mappingSlot(key: Address, slot: bigint): bigint {
  return hexToBigInt(
    keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [key, slot])),
  );
}

/** The `abi.encode(key, slot)` preimage of {@link mappingSlot}, as a hash → preimage entry. */
export function mappingPreimage(key: Address, slot: bigint): [Hex, Hex] {
  const preimage = encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [key, slot]);
  return [keccak256(preimage), preimage];
}
