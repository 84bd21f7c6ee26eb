/**
 * ERC-1967 proxies, as the `declared` executor sees them: a call to a proxy runs its
 * implementation's function on the proxy's storage, so the call's declared access is the
 * implementation's declaration applied to the proxy's address, plus what the proxy itself reads
 * to find the implementation.
 *
 * Source: ERC-1967 "Proxy Storage Slots": the implementation address is stored at
 * `bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)`, the admin at
 * `…("eip1967.proxy.admin") - 1` and the beacon at `…("eip1967.proxy.beacon") - 1`.
 * OpenZeppelin's `ERC1967Proxy` (UUPS) and `TransparentUpgradeableProxy` (5.x: its admin is an
 * immutable, not read from storage) keep the implementation there. Beacon proxies ask the beacon
 * contract for the implementation with a call, which cannot be resolved before execution: they
 * stay undeclared.
 */
import type { StateReader } from "./state/state-reader.ts";
import { storageKey } from "./location.ts";

/** `bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)` (ERC-1967). */
export const ERC1967_IMPLEMENTATION_SLOT =
  "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc" as const;
/** `bytes32(uint256(keccak256("eip1967.proxy.admin")) - 1)` (ERC-1967). */
export const ERC1967_ADMIN_SLOT =
  "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103" as const;
/** `bytes32(uint256(keccak256("eip1967.proxy.beacon")) - 1)` (ERC-1967). */
export const ERC1967_BEACON_SLOT =
  "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50" as const;

/** What an address is, as far as ERC-1967 goes. */
export type Erc1967Proxy =
  | { kind: "implementation"; implementation: string }
  | { kind: "beacon"; beacon: string };

/**
 * The ERC-1967 proxy at `address` in `state`: its implementation (lowercase address) when the
 * implementation slot holds one, its beacon when the beacon slot does, else undefined.
 */
export function erc1967ProxyAt(state: StateReader, address: string): Erc1967Proxy | undefined {
  const implementation = state.read(storageKey(address, ERC1967_IMPLEMENTATION_SLOT));
  if (implementation !== 0n)
    return { kind: "implementation", implementation: toAddress(implementation) };
  const beacon = state.read(storageKey(address, ERC1967_BEACON_SLOT));
  if (beacon !== 0n) return { kind: "beacon", beacon: toAddress(beacon) };
  return undefined;
}

function toAddress(word: bigint): string {
  return `0x${(word & ((1n << 160n) - 1n)).toString(16).padStart(40, "0")}`;
}
