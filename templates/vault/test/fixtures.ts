/**
 * Deployment fixtures of the vault template's tests. Helpers only (no `describe`).
 */
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, maxUint256, zeroAddress } from "viem";

/** Which asset a vault is deployed over. */
export type AssetKind = "parallel" | "standard";

/** The artifact name of each asset kind. */
export const ASSET_CONTRACT = {
  parallel: "VaultParallelAsset",
  standard: "VaultStandardAsset",
} as const;

type Viem = NetworkConnection["viem"];

/** Options of {@link deployParallelVault}. */
export interface VaultOptions {
  asset?: AssetKind;
  /** The only account allowed to settle; default: permissionless (zero address). */
  settler?: Address;
  /** Minimum epoch duration in seconds; default 0. */
  minEpochDuration?: bigint;
  /** Seconds an epoch stays open before its pending requests may be cancelled; default {@link REQUEST_TIMEOUT}. */
  requestTimeout?: bigint;
}

/** The request timeout the tests deploy with: one day (seconds). */
export const REQUEST_TIMEOUT = 86_400n;

/**
 * The constructor arguments of `ParallelVault` over `asset`: name, symbol, settler (default
 * permissionless), minimum epoch duration (default 0) and request timeout (default
 * {@link REQUEST_TIMEOUT}).
 */
export function parallelVaultArgs(asset: Address, options: VaultOptions = {}) {
  return [
    asset,
    "Parallel Vault Share",
    "pvSHARE",
    options.settler ?? zeroAddress,
    options.minEpochDuration ?? 0n,
    options.requestTimeout ?? REQUEST_TIMEOUT,
  ] as const;
}

/**
 * Deploys an asset of the given kind. Both kinds have the same `mint(address,uint256)`,
 * `simulateLoss(address,uint256)` and ERC-20 functions, so the asset is returned typed as
 * `VaultStandardAsset`; use `viem.getContractAt("VaultParallelAsset", asset.address)` for the
 * sharded-holder functions.
 */
export async function deployAsset(viem: Viem, kind: AssetKind) {
  const deployed =
    kind === "parallel"
      ? await viem.deployContract("VaultParallelAsset")
      : await viem.deployContract("VaultStandardAsset");
  return viem.getContractAt("VaultStandardAsset", deployed.address);
}

/**
 * Deploys an asset and a `ParallelVault` over it.
 * @returns the asset and vault contracts.
 */
export async function deployParallelVault(viem: Viem, options: VaultOptions = {}) {
  const asset = await deployAsset(viem, options.asset ?? "parallel");
  const vault = await viem.deployContract(
    "ParallelVault",
    parallelVaultArgs(asset.address, options),
  );
  return { asset, vault };
}

/**
 * Deploys an asset and a `BaselineVault` over it.
 * @returns the asset and vault contracts.
 */
export async function deployBaselineVault(viem: Viem, kind: AssetKind = "standard") {
  const asset = await deployAsset(viem, kind);
  const vault = await viem.deployContract("BaselineVault", [
    asset.address,
    "Baseline Vault Share",
    "bvSHARE",
  ]);
  return { asset, vault };
}

/** An asset as returned by {@link deployAsset}. */
export type Asset = Awaited<ReturnType<typeof deployAsset>>;

/**
 * Mints `amount` of the asset to each account and approves `spender` for all of it (infinite
 * allowance).
 */
export async function fund(
  asset: Asset,
  accounts: readonly Address[],
  amount: bigint,
  spender: Address,
): Promise<void> {
  for (const account of accounts) {
    await asset.write.mint([account, amount]);
    await asset.write.approve([spender, maxUint256], { account });
  }
}
