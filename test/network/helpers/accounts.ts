/**
 * Hardhat's default dev accounts as viem local accounts (they hold the private keys, so tests
 * can sign raw transactions), and deterministic throw-away keys for benchmarks.
 */
import type { Hex, PrivateKeyAccount } from "viem";

import { keccak256, numberToHex, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";

/** The mnemonic Hardhat derives its default dev accounts from. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Chain id of Hardhat's default network (and of `parallel`, per `sdk/engine/options.ts`). */
export const DEV_CHAIN_ID = 31337;

/** Number of dev accounts Hardhat's default network funds (10,000 ETH each). */
export const DEV_ACCOUNT_COUNT = 20;

const cache = new Map<number, ReturnType<typeof mnemonicToAccount>>();

/**
 * Dev account `index` (path `m/44'/60'/0'/0/index` of {@link DEV_MNEMONIC}) as a viem local
 * account that can sign transactions. Derivation is cached (it costs a PBKDF2 run).
 * @param index 0 ≤ index < {@link DEV_ACCOUNT_COUNT} for a funded account.
 */
export function devAccount(index: number) {
  let account = cache.get(index);
  if (account === undefined) {
    account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    cache.set(index, account);
  }
  return account;
}

/**
 * A deterministic private key for throw-away account `index` of a named set:
 * `keccak256("hardhat-parallel:" + label + ":" + index)`. Never funded by default.
 * @param label Distinguishes sets (e.g. `"bench"`).
 * @param index Any non-negative integer.
 */
export function throwawayKey(label: string, index: number): Hex {
  return keccak256(toHex(`hardhat-parallel:${label}:${index}`));
}

/** {@link throwawayKey} as a viem local account. */
export function throwawayAccount(label: string, index: number): PrivateKeyAccount {
  return privateKeyToAccount(throwawayKey(label, index));
}

/** `value` as a JSON-RPC quantity (`0x`-prefixed, no leading zeros). */
export function quantity(value: number | bigint): Hex {
  return numberToHex(value);
}
