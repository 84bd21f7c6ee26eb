/**
 * Storage-slot math for the fixtures' Solidity mappings (solc storage layout: the slot of
 * `m[key]` for a mapping declared at slot `p` is `keccak256(abi.encode(key, p))`).
 */
import type { Address, Hex } from "viem";

import { encodeAbiParameters, hexToBigInt, keccak256, numberToHex } from "viem";

/**
 * Slot of `mapping(address => …)[key]` declared at slot `base`.
 * @param key Mapping key (an address).
 * @param base Declaration slot of the mapping.
 * @returns The 32-byte slot, 0x-prefixed.
 */
export function mappingSlot(key: Address, base: bigint | Hex): Hex {
  const p = typeof base === "bigint" ? base : hexToBigInt(base);
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [key, p]));
}

/** Slot of `mapping(address => mapping(address => …))[outer][inner]` declared at `base`. */
export function nestedMappingSlot(outer: Address, inner: Address, base: bigint): Hex {
  return mappingSlot(inner, mappingSlot(outer, base));
}

/** A plain slot number as a 32-byte word. */
export function slot(n: bigint | number): Hex {
  return numberToHex(BigInt(n), { size: 32 });
}
