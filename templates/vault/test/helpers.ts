/**
 * Shared helpers of the vault template's tests: the network to run on, the off-chain twins of
 * the library's pure functions (shard choice, mulDiv, storage-slot derivation) and a picker of
 * test users on pairwise distinct shards.
 *
 * This file only holds helpers (no `describe`), so it is harmless when mocha loads every `.ts`
 * file of a scaffolded project's `test/` directory.
 */
import { network } from "hardhat";
import {
  type Address,
  type Hex,
  type PrivateKeyAccount,
  encodeAbiParameters,
  hexToBigInt,
  keccak256,
  numberToHex,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/**
 * The network every template test connects to — the single place to change it: hardhat-parallel's
 * Block-STM network by default; `HP_TEST_NETWORK=<name>` picks another (e.g. `parallelStrict`,
 * or `default` for Hardhat's EDR network).
 */
export const NETWORK: string | undefined = process.env.HP_TEST_NETWORK ?? "parallel";

/** Opens a fresh connection (a fresh chain) to {@link NETWORK}. */
export async function connect() {
  if (process.env.HP_TEST_NETWORK === undefined) return network.create("parallel");
  return network.create(NETWORK === "default" ? undefined : NETWORK);
}

/** N of `ShardedCounter.Counter` and of a ParallelERC20 holder's balance shards. */
export const SHARDS = 256n;

/** The vault's `DECIMALS_OFFSET` and its virtual shares `10^DECIMALS_OFFSET`. */
export const DECIMALS_OFFSET = 3;
export const VIRTUAL_SHARES = 10n ** BigInt(DECIMALS_OFFSET);

/** One token with 18 decimals. */
export const ONE = 10n ** 18n;

/**
 * The annotation language's `shard(x)` for an address: `uint256(keccak256(abi.encode(x))) % n`.
 * @param key an address.
 * @param n number of shards (default 256).
 */
export function shardOf(key: Address, n: bigint = SHARDS): bigint {
  return hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }], [key]))) % n;
}

/** `floor(x * y / d)` (bigint arithmetic is exact). @throws {RangeError} when `d` is 0. */
export function mulDiv(x: bigint, y: bigint, d: bigint): bigint {
  return (x * y) / d;
}

/** `ceil(x * y / d)`. @throws {RangeError} when `d` is 0. */
export function mulDivUp(x: bigint, y: bigint, d: bigint): bigint {
  const p = x * y;
  return p / d + (p % d === 0n ? 0n : 1n);
}

/**
 * Storage slot of `mapping[key]` for a mapping declared at `slot`: `keccak256(abi.encode(key, slot))`.
 * @param key an address or a uint256 key.
 * @param slot the mapping's own slot.
 */
export function mappingSlot(key: Address | bigint, slot: bigint): bigint {
  const encoded =
    typeof key === "bigint"
      ? encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [key, slot])
      : encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [key, slot]);
  return hexToBigInt(keccak256(encoded));
}

/** A slot number as the 32-byte hex `eth_getStorageAt` expects. */
export const slotHex = (slot: bigint): Hex => numberToHex(slot, { size: 32 });

/** Decodes a storage word as a signed 256-bit integer (for `int256` shards). */
export function toSigned(word: Hex | undefined): bigint {
  const v = hexToBigInt(word ?? "0x0");
  return v >= 1n << 255n ? v - (1n << 256n) : v;
}

/**
 * Deterministic test users whose addresses fall on pairwise distinct shards of an `n`-shard
 * counter: user candidates are `privateKeyToAccount(keccak256("hardhat-parallel/vault-user/<i>"))`
 * for i = 0, 1, 2, ..., and a candidate is skipped when its shard is already taken.
 *
 * Why pick users: with address-derived shards, k random users collide in some shard with
 * probability about `1 - exp(-k(k-1)/2n)` (for k = 100 and n = 256 that is certain; about 17 of
 * them share a shard with an earlier one on average). A test that asserts "no dependency" must
 * therefore choose users that do not collide and say so; a test of random users must expect the
 * collisions (see the template README).
 *
 * @param count how many users (at most `n`).
 * @param n number of shards (default 256).
 * @returns the accounts, in candidate order; they hold no ether.
 * @throws {RangeError} when `count > n`.
 */
export function usersOnDistinctShards(count: number, n: bigint = SHARDS): PrivateKeyAccount[] {
  if (BigInt(count) > n)
    throw new RangeError(`cannot place ${count} users on ${n} distinct shards`);
  const taken = new Set<bigint>();
  const users: PrivateKeyAccount[] = [];
  for (let i = 0; users.length < count; i++) {
    const account = candidateUser(i);
    const shard = shardOf(account.address, n);
    if (taken.has(shard)) continue;
    taken.add(shard);
    users.push(account);
  }
  return users;
}

/**
 * The `i`-th candidate test user: `privateKeyToAccount(keccak256("hardhat-parallel/vault-user/<i>"))`.
 * Its address, and so its shard, is as good as random.
 */
export function candidateUser(i: number): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(stringToHex(`hardhat-parallel/vault-user/${i}`)));
}

/**
 * The first `count` candidate users ({@link candidateUser} 0, 1, ..., count − 1), NOT chosen by
 * shard: deterministic stand-ins for random users, so several of them share a shard (for 100
 * users and 256 shards, about 17 on average; see {@link expectedCollidingKeys}).
 * @returns the accounts, in candidate order; they hold no ether.
 */
export function candidateUsers(count: number): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) => candidateUser(i));
}

/**
 * Expected number of keys, among `k` distinct uniformly random keys, that land in a shard already
 * used by an earlier key: `k - n * (1 - (1 - 1/n)^k)`. On a parallel chain each of them depends
 * on an earlier transaction of the block through the shared shard.
 */
export function expectedCollidingKeys(k: number, n: number): number {
  return k - n * (1 - (1 - 1 / n) ** k);
}

/** Probability that `k` uniformly random keys all land on distinct shards of `n`. */
export function probabilityNoCollision(k: number, n: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p *= Math.max(0, 1 - i / n);
  return p;
}
