/**
 * Dev accounts: derived from a mnemonic (Hardhat's defaults, the `test test … junk` mnemonic,
 * path m/44'/60'/0'/0, 20 accounts, 10,000 ETH each: `CHAIN_DEFAULTS.accounts` in options.ts)
 * or given as private keys.
 */
import { mnemonicToSeedSync } from "@scure/bip39";
import { type Hex, toHex } from "viem";
import { HDKey, privateKeyToAddress } from "viem/accounts";
import { type AccountsOptions, resolveAccountsOptions } from "./options.ts";

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
  const resolved = resolveAccountsOptions(options);
  if ("privateKeys" in resolved) {
    return resolved.privateKeys.map(({ privateKey, balance }) => ({
      address: privateKeyToAddress(privateKey).toLowerCase() as Hex,
      privateKey,
      balance,
    }));
  }
  const { mnemonic, path, count, balance } = resolved;
  const root = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic));
  const accounts: DevAccount[] = [];
  for (let i = 0; i < count; i++) {
    const key = root.derive(`${path}/${i}`).privateKey;
    if (key === null) throw new Error(`could not derive account ${i} at ${path}/${i}`);
    const privateKey = toHex(key);
    accounts.push({
      address: privateKeyToAddress(privateKey).toLowerCase() as Hex,
      privateKey,
      balance,
    });
  }
  return accounts;
}
