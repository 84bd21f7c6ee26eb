/**
 * Storage-slot arithmetic, following Solidity's storage-layout rules (docs.soliditylang.org,
 * "Layout of State Variables in Storage", sections "Mappings and Dynamic Arrays" and "bytes and
 * string"):
 *
 * - a mapping at slot `p` keeps the value of key `k` at `keccak256(h(k) . p)`, where `h` pads
 *   value types to 32 bytes (as `abi.encode` would) and leaves `string`/`bytes` keys unpadded;
 * - a dynamic array at slot `p` keeps its length at `p` and element `i` at
 *   `keccak256(p) + i * slotsPerElement` (or, for packed elements,
 *   `keccak256(p) + floor(i / perSlot)`, byte offset `(i % perSlot) * size`);
 * - a fixed-size array at slot `p` keeps element `i` at `p + i * slotsPerElement` (same packing);
 * - a struct at slot `p` keeps member `m` at `p + m.slot`, byte offset `m.offset`;
 * - long `bytes`/`string` (32 bytes or more) keep their data from `keccak256(p)` on.
 *
 * Slots are handled as `bigint` in [0, 2^256) and shown as 32-byte, lowercase, `0x`-prefixed hex
 * (the format of `sdk/engine/location.ts`). Additions wrap modulo 2^256 like the EVM's.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Hex, bytesToHex, concatHex, hexToBigInt, hexToBytes, stringToHex } from "viem";

/** 2^256: slot arithmetic wraps around it. */
export const SLOT_MODULUS = 1n << 256n;

/** A value a mapping key or an array index can take (as viem decodes ABI values). */
export type KeyValue = bigint | number | boolean | string | Uint8Array;

/** Formats a slot as 32-byte, lowercase, `0x`-prefixed hex. */
export function slotToHex(slot: bigint): Hex {
  return `0x${(((slot % SLOT_MODULUS) + SLOT_MODULUS) % SLOT_MODULUS).toString(16).padStart(64, "0")}`;
}

/**
 * Parses a slot given as a bigint, a number, a decimal string (as in solc layouts) or hex.
 * @throws {RangeError} when the value is negative, not an integer or wider than 32 bytes.
 */
export function toSlot(slot: bigint | number | string): bigint {
  let value: bigint;
  if (typeof slot === "bigint") value = slot;
  else if (typeof slot === "number") {
    if (!Number.isSafeInteger(slot)) throw new RangeError(`slot ${slot} is not a safe integer`);
    value = BigInt(slot);
  } else value = BigInt(slot);
  if (value < 0n || value >= SLOT_MODULUS)
    throw new RangeError(`slot ${slot} is outside [0, 2^256)`);
  return value;
}

/** `slot + n` modulo 2^256. */
export const addSlots = (slot: bigint, n: bigint | number): bigint =>
  (slot + BigInt(n)) % SLOT_MODULUS;

/** Encodes a slot number as the 32-byte big-endian word keccak256 hashes. */
const word = (value: bigint): Hex => slotToHex(value);

/**
 * Encodes a mapping key the way Solidity hashes it (`h(k)` in the module doc).
 *
 * @param keyType the key's ABI type from {@link mappingKeyAbiType}: `address`, `uintN`, `intN`,
 *   `bool`, `bytesN`, `string` or `bytes`.
 * @param key the key: a bigint/number for integers (negative values are two's complement, so
 *   `intN` keys are sign-extended), a hex address for `address`, a boolean for `bool`, hex for
 *   `bytesN` (right-padded) and `bytes`, a JS string for `string` (UTF-8; hex is taken literally
 *   as text).
 * @throws {TypeError} when the key does not fit the type.
 */
export function encodeMappingKey(keyType: string, key: KeyValue): Hex {
  if (keyType === "string") {
    if (typeof key === "string") return stringToHex(key);
    if (key instanceof Uint8Array) return bytesToHex(key);
    throw new TypeError(`a string mapping key must be a string, got ${typeof key}`);
  }
  if (keyType === "bytes") {
    if (key instanceof Uint8Array) return bytesToHex(key);
    if (typeof key === "string" && /^0x([0-9a-fA-F]{2})*$/.test(key))
      return key.toLowerCase() as Hex;
    throw new TypeError(`a bytes mapping key must be hex or bytes, got ${String(key)}`);
  }
  return encodeWord(keyType, key);
}

/**
 * Encodes a value type as one 32-byte word, like `abi.encode` does.
 * @throws {TypeError} when the value does not fit the type.
 */
export function encodeWord(type: string, value: KeyValue): Hex {
  if (type === "address") {
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
      throw new TypeError(`expected a 20-byte hex address, got ${String(value)}`);
    }
    return `0x${value.slice(2).toLowerCase().padStart(64, "0")}`;
  }
  if (type === "bool") {
    if (typeof value !== "boolean") throw new TypeError(`expected a boolean, got ${String(value)}`);
    return word(value ? 1n : 0n);
  }
  const bytesN = /^bytes(\d+)$/.exec(type);
  if (bytesN !== null) {
    const hex = value instanceof Uint8Array ? bytesToHex(value) : value;
    const size = Number(bytesN[1]);
    if (typeof hex !== "string" || !/^0x[0-9a-fA-F]*$/.test(hex) || (hex.length - 2) / 2 > size) {
      throw new TypeError(
        `expected at most ${size} bytes of hex for ${type}, got ${String(value)}`,
      );
    }
    return `0x${hex.slice(2).toLowerCase().padEnd(64, "0")}`;
  }
  if (/^u?int\d*$/.test(type)) {
    let n: bigint;
    if (typeof value === "bigint") n = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
    else if (typeof value === "string" && /^(0x[0-9a-fA-F]+|-?\d+)$/.test(value)) n = BigInt(value);
    else if (typeof value === "boolean")
      throw new TypeError(`expected an integer for ${type}, got a boolean`);
    else throw new TypeError(`expected an integer for ${type}, got ${String(value)}`);
    return word(((n % SLOT_MODULUS) + SLOT_MODULUS) % SLOT_MODULUS);
  }
  throw new TypeError(`cannot encode a value of type ${type} as one word`);
}

/**
 * The slot of `mapping[key]` for a mapping at `slot`: `keccak256(h(key) . slot)`.
 * @param keyType see {@link encodeMappingKey}.
 */
export function mappingSlot(slot: bigint, keyType: string, key: KeyValue): bigint {
  return keccakSlot(concatHex([encodeMappingKey(keyType, key), word(slot)]));
}

/** First data slot of a dynamic array or long `bytes`/`string` at `slot`: `keccak256(slot)`. */
export function dataSlot(slot: bigint): bigint {
  return keccakSlot(word(slot));
}

/**
 * keccak-256 of `data` as a slot number. `@noble/hashes` 2.x (the engine's keccak) rather than
 * viem's `keccak256`: slot derivation runs for every declared transaction the `declared`
 * executor schedules, and the 2.x sponge is about 2.5 times faster.
 */
function keccakSlot(data: Hex): bigint {
  return hexToBigInt(bytesToHex(keccak_256(hexToBytes(data))));
}

/** Where element `index` of an array lives: its slot and its byte offset in that slot. */
export interface ElementPosition {
  slot: bigint;
  /** Byte offset from the low-order end of the slot (solc's `offset`). */
  offset: number;
}

/**
 * Position of element `index` of an array whose elements start at `start`
 * (`start` = the array's slot for fixed arrays, {@link dataSlot} for dynamic ones).
 * @param element `perSlot`, `slots` and `bytes` from `elementLayout` in `layout.ts`.
 * @throws {RangeError} for a negative index.
 */
export function elementPosition(
  start: bigint,
  index: bigint,
  element: { perSlot: number; slots: number; bytes: number },
): ElementPosition {
  if (index < 0n) throw new RangeError(`array index ${index} is negative`);
  if (element.perSlot > 1) {
    const perSlot = BigInt(element.perSlot);
    return {
      slot: addSlots(start, index / perSlot),
      offset: Number(index % perSlot) * element.bytes,
    };
  }
  return { slot: addSlots(start, index * BigInt(element.slots)), offset: 0 };
}

/** The slot of element `index` of a dynamic array at `slot` (see {@link elementPosition}). */
export function dynamicArrayElementSlot(
  slot: bigint,
  index: bigint,
  element: { perSlot: number; slots: number; bytes: number },
): ElementPosition {
  return elementPosition(dataSlot(slot), index, element);
}

/**
 * Reads the bytes of a packed value from a 32-byte storage word.
 * @param word the slot's content (32-byte hex, as `eth_getStorageAt` returns it).
 * @param offset byte offset from the low-order end (solc's `offset`).
 * @param size width in bytes.
 * @returns the value as an unsigned bigint.
 */
export function extractPacked(word: Hex, offset: number, size: number): bigint {
  const value = hexToBigInt(word);
  return (value >> BigInt(offset * 8)) & ((1n << BigInt(size * 8)) - 1n);
}
