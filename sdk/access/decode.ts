/**
 * Decoding: a concrete storage slot → the variable it holds, as `Contract.variable[key].member`.
 *
 * Slots of value types, structs and fixed-size arrays are found by arithmetic on the storage
 * layout. Slots derived by keccak-256 (mapping values, dynamic-array elements, long bytes/string
 * data) cannot be inverted, so the decoder hashes forward: it tries every candidate key (the
 * addresses seen in a block, small integers, …) on every mapping, nested up to `maxDepth` levels,
 * and recognises a slot when it lands in one of the regions computed that way. Unknown slots
 * decode to `undefined`.
 *
 * Labels: keys are printed as lowercase addresses, decimal integers, `true`/`false`, hex for
 * bytesN and JSON strings; an element of a dynamic array as `[i]`; the data area of a long
 * bytes/string as `name<data:i>` (i-th 32-byte word); the length slot of a dynamic array as
 * `name.length`; a slot shared by packed variables as `Contract.{a, b}` (common prefix kept:
 * `Vault.positions[0x…].{collateral, debt}`).
 */
import type { Hex } from "viem";

import {
  describeType,
  elementLayout,
  hasDynamicParts,
  mappingKeyAbiType,
  type StorageEntry,
  type StorageLayout,
} from "./layout.ts";
import {
  type KeyValue,
  addSlots,
  dataSlot,
  elementPosition,
  mappingSlot,
  SLOT_MODULUS,
  toSlot,
} from "./slots.ts";

/** A candidate mapping key or array index: addresses and other hex, integers, booleans, strings. */
export type CandidateKey = Hex | bigint | number | boolean | string;

/** One variable (or part of one) stored in a decoded slot. */
export interface SlotVariable {
  /** Path without the contract name, e.g. `balanceOf[0xf39f…]`, `pos.debt`. */
  path: string;
  /** Solidity type label. */
  type: string;
  /** Byte offset in the slot (from the low-order end) and width, for value types. */
  offset: number;
  bytes: number;
}

/** A decoded slot. `String(decoded)` is its `label`. */
export interface DecodedSlot {
  contract: string;
  /** Full label, e.g. `Token.balanceOf[0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266]`. */
  label: string;
  /** Label with addresses and long hex shortened: `Token.balanceOf[0xf39f…2266]`. */
  shortLabel: string;
  /** The state variable the slot belongs to. */
  variable: string;
  /** Everything stored in the slot (several entries for packed variables). */
  variables: SlotVariable[];
  toString(): string;
}

export interface SlotDecoderOptions {
  /** Levels of nested mappings / arrays to expand with candidate keys. Default 3. */
  maxDepth?: number;
  /** Stop generating hashed regions beyond this many. Default 200,000. */
  maxRegions?: number;
}

interface Region {
  start: bigint;
  /** Size in slots. */
  size: bigint;
  kind: "static" | "dynamic" | "bytes";
  /** `static`: the type at `start`; `dynamic`: the element type. */
  typeId: string;
  path: string;
  variable: string;
}

const MAX_DYNAMIC = 1n << 64n;

function formatKey(keyType: string, key: KeyValue): string {
  if (typeof key === "string")
    return keyType === "string" ? JSON.stringify(key) : key.toLowerCase();
  return String(key);
}

/** Shortens 20-byte and longer hex in a label: `0xf39fd6e5…2266` → `0xf39f…2266`. */
export function shortenLabel(label: string): string {
  return label.replace(/0x[0-9a-fA-F]{40,}/g, (hex) => `${hex.slice(0, 6)}…${hex.slice(-4)}`);
}

function candidatesFor(keyType: string, candidates: readonly CandidateKey[]): KeyValue[] {
  const out: KeyValue[] = [];
  const seen = new Set<string>();
  const add = (value: KeyValue): void => {
    const id = `${typeof value}:${String(value).toLowerCase()}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(value);
    }
  };
  const isHex = (c: CandidateKey): c is string =>
    typeof c === "string" && /^0x[0-9a-fA-F]*$/.test(c);
  if (keyType === "bool") {
    add(false);
    add(true);
  }
  for (const c of candidates) {
    if (keyType === "address") {
      if (isHex(c) && c.length === 42) add(c.toLowerCase());
    } else if (/^u?int\d*$/.test(keyType)) {
      if (typeof c === "bigint" || (typeof c === "number" && Number.isSafeInteger(c))) {
        const n = BigInt(c);
        if (keyType.startsWith("u") ? n >= 0n : true) add(n);
      }
    } else if (/^bytes\d+$/.test(keyType)) {
      const size = Number(keyType.slice(5));
      if (isHex(c) && c.length % 2 === 0 && (c.length - 2) / 2 <= size) add(c.toLowerCase());
    } else if (keyType === "bytes") {
      if (isHex(c) && c.length % 2 === 0) add(c.toLowerCase());
    } else if (keyType === "string") {
      if (typeof c === "string" && !isHex(c)) add(c);
    }
  }
  return out;
}

/**
 * Builds a decoder for one contract's storage; reuse it to decode many slots with the same
 * candidate keys (building it hashes every candidate into every mapping once).
 *
 * @param layout solc `storageLayout` of the contract.
 * @param contractName prefix of the labels.
 * @param candidateKeys keys to try on mappings (addresses, integers, …) and indices to try on
 *   dynamic arrays whose elements contain mappings.
 */
export function createSlotDecoder(
  layout: StorageLayout,
  contractName: string,
  candidateKeys: readonly CandidateKey[] = [],
  options: SlotDecoderOptions = {},
): (slot: Hex | bigint) => DecodedSlot | undefined {
  const maxDepth = options.maxDepth ?? 3;
  const maxRegions = options.maxRegions ?? 200_000;
  const regions: Region[] = [];
  const indices = candidatesFor("uint256", candidateKeys).filter(
    (i) => (i as bigint) < 1n << 32n,
  ) as bigint[];

  // Breadth first: every variable's first level of keys is hashed before any nested level, so
  // a nested mapping with many candidates cannot spend the whole budget of `maxRegions` before
  // the plain mappings declared after it get a region.
  const queue: Array<[bigint, string, string, string, number]> = [];
  const collect = (
    start: bigint,
    typeId: string,
    path: string,
    variable: string,
    depth: number,
  ): void => {
    queue.push([start, typeId, path, variable, depth]);
  };
  const expand = (
    start: bigint,
    typeId: string,
    path: string,
    variable: string,
    depth: number,
  ): void => {
    if (regions.length >= maxRegions) return;
    const info = describeType(layout, typeId);
    switch (info.kind) {
      case "mapping": {
        if (depth >= maxDepth) return;
        const keyType = mappingKeyAbiType(layout, info.key!);
        const value = describeType(layout, info.value!);
        for (const key of candidatesFor(keyType, candidateKeys)) {
          if (regions.length >= maxRegions) return;
          let child: bigint;
          try {
            child = mappingSlot(start, keyType, key);
          } catch {
            continue;
          }
          const childPath = `${path}[${formatKey(keyType, key)}]`;
          regions.push({
            start: child,
            size: BigInt(value.slots),
            kind: "static",
            typeId: info.value!,
            path: childPath,
            variable,
          });
          collect(child, info.value!, childPath, variable, depth + 1);
        }
        return;
      }
      case "dynamic-array": {
        const element = elementLayout(layout, info.base!);
        const size =
          element.perSlot > 1
            ? MAX_DYNAMIC / BigInt(element.perSlot) + 1n
            : MAX_DYNAMIC * BigInt(element.slots);
        const data = dataSlot(start);
        regions.push({ start: data, size, kind: "dynamic", typeId: info.base!, path, variable });
        if (depth < maxDepth && hasDynamicParts(layout, info.base!)) {
          for (const i of indices) {
            collect(
              elementPosition(data, i, element).slot,
              info.base!,
              `${path}[${i}]`,
              variable,
              depth + 1,
            );
          }
        }
        return;
      }
      case "bytes":
        regions.push({
          start: dataSlot(start),
          size: MAX_DYNAMIC,
          kind: "bytes",
          typeId,
          path,
          variable,
        });
        return;
      case "struct":
        for (const member of info.members!) {
          if (hasDynamicParts(layout, member.type)) {
            collect(
              addSlots(start, BigInt(member.slot)),
              member.type,
              `${path}.${member.label}`,
              variable,
              depth,
            );
          }
        }
        return;
      case "static-array":
        if (hasDynamicParts(layout, info.base!)) {
          const element = elementLayout(layout, info.base!);
          for (let i = 0n; i < BigInt(Math.min(info.length!, 256)); i++) {
            collect(
              elementPosition(start, i, element).slot,
              info.base!,
              `${path}[${i}]`,
              variable,
              depth,
            );
          }
        }
        return;
      case "value":
        return;
    }
  };

  let rootSize = 0n;
  for (const entry of layout.storage) {
    const slot = toSlot(entry.slot);
    const end = slot + BigInt(describeType(layout, entry.type).slots);
    if (end > rootSize) rootSize = end;
    if (hasDynamicParts(layout, entry.type)) collect(slot, entry.type, entry.label, entry.label, 0);
  }
  for (let next = 0; next < queue.length && regions.length < maxRegions; next++) {
    expand(...queue[next]!);
  }
  regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));

  /** The variables at slot offset `offset` of a value of type `typeId` labelled `path`. */
  const describeIn = (
    typeId: string,
    offset: bigint,
    path: string,
    byteOffset: number,
  ): SlotVariable[] => {
    const info = describeType(layout, typeId);
    switch (info.kind) {
      case "value":
        return [{ path, type: info.label, offset: byteOffset, bytes: info.bytes }];
      case "mapping":
        return [{ path, type: info.label, offset: 0, bytes: 32 }];
      case "dynamic-array":
        return [{ path: `${path}.length`, type: "uint256", offset: 0, bytes: 32 }];
      case "bytes":
        return [{ path, type: info.label, offset: 0, bytes: 32 }];
      case "struct":
        return membersAt(info.members!, offset, path, ".");
      case "static-array": {
        const element = elementLayout(layout, info.base!);
        if (element.perSlot > 1) {
          const first = offset * BigInt(element.perSlot);
          const out: SlotVariable[] = [];
          for (
            let i = first;
            i < first + BigInt(element.perSlot) && i < BigInt(info.length!);
            i++
          ) {
            out.push(
              ...describeIn(
                info.base!,
                0n,
                `${path}[${i}]`,
                Number(i % BigInt(element.perSlot)) * element.bytes,
              ),
            );
          }
          return out;
        }
        const slots = BigInt(element.slots);
        return describeIn(info.base!, offset % slots, `${path}[${offset / slots}]`, 0);
      }
    }
  };

  const membersAt = (
    members: readonly StorageEntry[],
    offset: bigint,
    path: string,
    separator: string,
  ): SlotVariable[] => {
    const out: SlotVariable[] = [];
    for (const member of members) {
      const slot = toSlot(member.slot);
      const size = BigInt(describeType(layout, member.type).slots);
      if (offset >= slot && offset < slot + size) {
        out.push(
          ...describeIn(
            member.type,
            offset - slot,
            `${path}${path === "" ? "" : separator}${member.label}`,
            member.offset,
          ),
        );
      }
    }
    return out;
  };

  const finish = (variables: SlotVariable[], variable: string): DecodedSlot | undefined => {
    if (variables.length === 0) return undefined;
    const label = `${contractName}.${joinPaths(variables.map((v) => v.path))}`;
    return {
      contract: contractName,
      label,
      shortLabel: shortenLabel(label),
      variable,
      variables,
      toString: () => label,
    };
  };

  return (slotInput) => {
    const slot = typeof slotInput === "bigint" ? slotInput : BigInt(slotInput);
    if (slot < 0n || slot >= SLOT_MODULUS) return undefined;
    if (slot < rootSize) {
      const variables = membersAt(layout.storage, slot, "", ".");
      return finish(variables, variables[0]?.path.split(/[.[<]/)[0] ?? "");
    }
    // Greatest region start <= slot.
    let low = 0;
    let high = regions.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (regions[mid].start <= slot) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (found < 0) return undefined;
    const region = regions[found];
    const offset = slot - region.start;
    if (offset >= region.size) return undefined;
    switch (region.kind) {
      case "static":
        return finish(describeIn(region.typeId, offset, region.path, 0), region.variable);
      case "bytes":
        return finish(
          [{ path: `${region.path}<data:${offset}>`, type: "bytes data", offset: 0, bytes: 32 }],
          region.variable,
        );
      case "dynamic": {
        const element = elementLayout(layout, region.typeId);
        if (element.perSlot > 1) {
          const first = offset * BigInt(element.perSlot);
          const variables = Array.from({ length: element.perSlot }, (_, j) =>
            describeIn(
              region.typeId,
              0n,
              `${region.path}[${first + BigInt(j)}]`,
              j * element.bytes,
            ),
          ).flat();
          return finish(variables, region.variable);
        }
        const slots = BigInt(element.slots);
        return finish(
          describeIn(region.typeId, offset % slots, `${region.path}[${offset / slots}]`, 0),
          region.variable,
        );
      }
    }
  };
}

/** `a.x`, `a.y` → `a.{x, y}`; unrelated paths → `{p, q}`. */
function joinPaths(paths: string[]): string {
  if (paths.length === 1) return paths[0];
  let prefix = paths[0];
  for (const path of paths) {
    while (!path.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  const cut = prefix.lastIndexOf(".");
  const common = cut >= 0 ? prefix.slice(0, cut + 1) : "";
  return `${common}{${paths.map((p) => p.slice(common.length)).join(", ")}}`;
}

/**
 * Decodes one slot of a contract's storage (see the module doc).
 *
 * @param layout solc `storageLayout` of the contract (also in its access manifest).
 * @param contractName prefix of the label.
 * @param slot the slot, hex or bigint.
 * @param candidateKeys keys to try on mappings: e.g. the block's senders and recipients, small
 *   integers.
 * @returns the decoded slot, or undefined when no variable (with the candidate keys) lives there.
 */
export function decodeSlot(
  layout: StorageLayout,
  contractName: string,
  slot: Hex | bigint,
  candidateKeys: readonly CandidateKey[] = [],
): DecodedSlot | undefined {
  return createSlotDecoder(layout, contractName, candidateKeys)(slot);
}
