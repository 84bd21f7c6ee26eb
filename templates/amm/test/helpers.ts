/**
 * Shared helpers of the AMM template's tests: the network to run on, deployment fixtures, the
 * off-chain twins of the contracts' pure arithmetic, test users on chosen shards, and settlement
 * lists.
 *
 * This file only holds helpers (no `describe`), so it is harmless when mocha loads every `.ts`
 * file of a scaffolded project's `test/` directory.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import {
  type Address,
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

/** One token with 18 decimals. */
export const ONE = 10n ** 18n;

/** The swap fee of the test pools: 0.30% (basis points). */
export const FEE_BPS = 30n;

/**
 * The price bound of the test pools (basis points): a batch's clearing price may be at most 20%
 * worse for an order than the pool price when the batch is settled (loose, so that the functional
 * tests can trade a tenth of the pool in one batch). The cross-batch sandwich test uses twice the
 * fee, the README's recommendation for production.
 */
export const MAX_PRICE_DEVIATION_BPS = 2_000n;

/** Basis-point denominator. */
export const BPS = 10_000n;

/** Shares locked by the first deposit (Uniswap v2's `MINIMUM_LIQUIDITY`). */
export const MINIMUM_LIQUIDITY = 1000n;

/** N of `ShardedCounter.Counter` and of a ParallelERC20 holder's balance shards. */
export const SHARDS = 256n;

/** `BatchAuctionAMM.Status`. */
export const Status = { None: 0n, Pending: 1n, Filled: 2n, Refunded: 3n } as const;

/** Which token contracts a pool is deployed over. */
export type TokenKind = "parallel" | "standard";

type Viem = NetworkConnection["viem"];

/** Deploys two test tokens of `kind`, typed as `AmmParallelToken` (both share mint + ERC-20). */
export async function deployTokens(viem: Viem, kind: TokenKind) {
  const deploy = (name: string, symbol: string) =>
    kind === "parallel"
      ? viem.deployContract("AmmParallelToken", [name, symbol])
      : viem.deployContract("AmmStandardToken", [name, symbol]);
  const token0 = await viem.getContractAt(
    "AmmParallelToken",
    (await deploy("Token Zero", "TK0")).address,
  );
  const token1 = await viem.getContractAt(
    "AmmParallelToken",
    (await deploy("Token One", "TK1")).address,
  );
  return { token0, token1 };
}

/** A token as returned by {@link deployTokens}. */
export type Token = Awaited<ReturnType<typeof deployTokens>>["token0"];

/**
 * Deploys two tokens of `kind` (default parallel) and a `BatchAuctionAMM` over them with the
 * {@link FEE_BPS} fee and `minBatchDuration` (default 0).
 */
export async function deployBatchAMM(
  viem: Viem,
  options: {
    kind?: TokenKind;
    minBatchDuration?: bigint;
    maxPriceDeviationBps?: bigint;
    feeBps?: bigint;
    tokens?: { token0: Token; token1: Token };
  } = {},
) {
  const { token0, token1 } =
    options.tokens ?? (await deployTokens(viem, options.kind ?? "parallel"));
  const pool = await viem.deployContract("BatchAuctionAMM", [
    token0.address,
    token1.address,
    options.feeBps ?? FEE_BPS,
    options.minBatchDuration ?? 0n,
    options.maxPriceDeviationBps ?? MAX_PRICE_DEVIATION_BPS,
    "Batch AMM Share",
    "BAS",
  ]);
  return { token0, token1, pool };
}

/** Deploys two tokens of `kind` (default standard) and a `BaselinePairAMM` over them. */
export async function deployBaselinePair(viem: Viem, kind: TokenKind = "standard") {
  const { token0, token1 } = await deployTokens(viem, kind);
  const pair = await viem.deployContract("BaselinePairAMM", [
    token0.address,
    token1.address,
    FEE_BPS,
    "Baseline Pair Share",
    "BPS",
  ]);
  return { token0, token1, pair };
}

/** Mints `amount` of each token to each account and approves `spender` for all of it. */
export async function fund(
  tokens: readonly Token[],
  accounts: readonly Address[],
  amount: bigint,
  spender: Address,
): Promise<void> {
  for (const token of tokens) {
    for (const account of accounts) {
      await token.write.mint([account, amount]);
      await token.write.approve([spender, maxUint256], { account });
    }
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

/** Integer square root, rounded down. */
export function sqrt(y: bigint): bigint {
  if (y < 2n) return y;
  let x = y;
  let z = (y >> 1n) + 1n;
  while (z < x) {
    x = z;
    z = (y / z + z) >> 1n;
  }
  return x;
}

/** Addresses in ascending order, as `settle` wants them. */
export function ascending(addresses: Iterable<Address>): Address[] {
  return [...addresses].sort((a, b) => (hexToBigInt(a) < hexToBigInt(b) ? -1 : 1));
}

/** The annotation language's `shard(x)`: `uint256(keccak256(abi.encode(x))) % n`. */
export function shardOf(key: Address, n: bigint = SHARDS): bigint {
  return hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }], [key]))) % n;
}

/** Deterministic addresses `address(uint160(uint256(keccak256("<seed>/<i>"))))`, i = 0, 1, ... */
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
 * Deterministic users on pairwise distinct shards, none in `avoid` (e.g. the pool's reserve
 * shard). See the lending template's helper of the same name for why tests pick users.
 * @throws {RangeError} when they cannot fit.
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

/** Expected number of `k` random keys that land in a shard an earlier key used: `k - n(1 - (1 - 1/n)^k)`. */
export function expectedCollidingKeys(k: number, n: number): number {
  return k - n * (1 - (1 - 1 / n) ** k);
}

/** How many of `keys` (in order) fall in a shard an earlier key already used. */
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

/** Impersonates each address and gives it gas money, so tests can send its transactions unsigned. */
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
export function mappingPreimage(key: Address, slot: bigint): [`0x${string}`, `0x${string}`] {
  const preimage = encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [key, slot]);
  return [keccak256(preimage), preimage];
}
