/**
 * Dev accounts: Hardhat's defaults (the `test test … junk` mnemonic, path m/44'/60'/0'/0,
 * 20 accounts, 10,000 ETH each) or the ones configured.
 */
import { mnemonicToSeedSync } from "@scure/bip39";
import { type Hex, toHex } from "viem";
import { HDKey, privateKeyToAddress } from "viem/accounts";
import type { AccountsOptions } from "./options.ts";

export const DEFAULT_MNEMONIC = "test test test test test test test test test test test junk";
export const DEFAULT_HD_PATH = "m/44'/60'/0'/0";
export const DEFAULT_ACCOUNT_COUNT = 20;
/** 10,000 ETH in wei. */
export const DEFAULT_ACCOUNT_BALANCE = 10_000n * 10n ** 18n;

export interface DevAccount {
  address: Hex;
  privateKey: Hex;
  /** Initial balance (wei). */
  balance: bigint;
}

/**
 * Derives the dev accounts.
 * @throws {Error} when the mnemonic is not valid BIP-39 or a private key is malformed.
 */
export function deriveAccounts(options: AccountsOptions = {}): DevAccount[] {
  if ("privateKeys" in options) {
    return options.privateKeys.map(({ privateKey, balance }) => ({
      address: privateKeyToAddress(privateKey).toLowerCase() as Hex,
      privateKey,
      balance,
    }));
  }
  const mnemonic = options.mnemonic ?? DEFAULT_MNEMONIC;
  const path = options.path ?? DEFAULT_HD_PATH;
  const count = options.count ?? DEFAULT_ACCOUNT_COUNT;
  const balance = options.balance ?? DEFAULT_ACCOUNT_BALANCE;
  const root = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic));
  const accounts: DevAccount[] = [];
  for (let i = 0; i < count; i++) {
    const key = root.derive(`${path}/${i}`).privateKey;
    if (key === null) throw new Error(`could not derive account ${i} at ${path}/${i}`);
    const privateKey = toHex(key);
    accounts.push({ address: privateKeyToAddress(privateKey).toLowerCase() as Hex, privateKey, balance });
  }
  return accounts;
}
