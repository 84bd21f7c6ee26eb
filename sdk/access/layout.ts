/**
 * solc storage layouts: the `storageLayout` output of the Solidity compiler, and a typed view of
 * its `types` table.
 *
 * Source: Solidity documentation, "Layout of State Variables in Storage" and "JSON Output of the
 * Storage Layout" (docs.soliditylang.org/en/latest/internals/layout_in_storage.html). The layout
 * lists every state variable of the most-derived contract (inherited ones included, in C3
 * linearisation order) with its slot, byte offset in the slot and a type id; the `types` table
 * describes each type id with an `encoding`:
 * - `inplace`: the value lives in the slot(s) starting at its position (value types, structs,
 *   fixed-size arrays);
 * - `mapping`: the slot itself stays empty; the value of key `k` is at
 *   `keccak256(h(k) . p)` where `p` is the mapping's slot;
 * - `dynamic_array`: the slot holds the length; element `i` starts at `keccak256(p) + i * s`;
 * - `bytes`: `bytes`/`string`; short values (< 32 bytes) live in the slot, long ones at
 *   `keccak256(p)` onwards.
 *
 * This module only classifies types; the arithmetic is in `slots.ts`.
 */

/** One state variable (or struct member) of a storage layout, as solc emits it. */
export interface StorageEntry {
  /** AST id of the variable declaration. */
  astId: number;
  /** `sourceName:ContractName` of the contract that declares the variable. */
  contract: string;
  /** The variable's (or member's) name. */
  label: string;
  /** Byte offset inside the slot, counted from the low-order (right) end. */
  offset: number;
  /** The slot, a decimal string (relative to the struct's first slot for members). */
  slot: string;
  /** Type id, a key of {@link StorageLayout.types}. */
  type: string;
}

/** One type of the `types` table of a storage layout. */
export interface StorageType {
  encoding: "inplace" | "mapping" | "dynamic_array" | "bytes";
  /** Solidity spelling, e.g. `uint256`, `mapping(address => uint256)`, `struct Vault.Position`. */
  label: string;
  /** Size in bytes, a decimal string (32 for mappings, dynamic arrays and bytes/string). */
  numberOfBytes: string;
  /** Element type of an array. */
  base?: string;
  /** Key type of a mapping. */
  key?: string;
  /** Value type of a mapping. */
  value?: string;
  /** Members of a struct (slots relative to the struct's first slot). */
  members?: StorageEntry[];
}

/** solc's `storageLayout` output for one contract. `types` is `null` when there is no storage. */
export interface StorageLayout {
  storage: StorageEntry[];
  types: Record<string, StorageType> | null;
}

/** The shape of a storage type, as far as slot arithmetic is concerned. */
export type TypeKind = "value" | "struct" | "static-array" | "dynamic-array" | "mapping" | "bytes";

/** A classified storage type (see {@link describeType}). */
export interface TypeInfo {
  /** The type id in the layout. */
  id: string;
  kind: TypeKind;
  /** Solidity spelling from the layout. */
  label: string;
  /** Size in bytes (32 for mapping, dynamic array, bytes). */
  bytes: number;
  /** Whole slots occupied at the type's position: `ceil(bytes / 32)`. */
  slots: number;
  /** Static arrays: the number of elements. */
  length?: number;
  /** Arrays: the element type id. */
  base?: string;
  /** Mappings: key and value type ids. */
  key?: string;
  value?: string;
  /** Structs: members. */
  members?: StorageEntry[];
}

/** Thrown when a layout is malformed (a type id missing from `types`). */
export class StorageLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StorageLayoutError";
  }
}

/**
 * Classifies a type id of a layout.
 * @throws {StorageLayoutError} when the id is not in the layout's `types` table.
 */
export function describeType(layout: StorageLayout, typeId: string): TypeInfo {
  const type = layout.types?.[typeId];
  if (type === undefined)
    throw new StorageLayoutError(`type ${typeId} is not in the storage layout`);
  const bytes = Number(type.numberOfBytes);
  const info: TypeInfo = {
    id: typeId,
    kind: "value",
    label: type.label,
    bytes,
    slots: Math.max(1, Math.ceil(bytes / 32)),
  };
  switch (type.encoding) {
    case "mapping":
      return { ...info, kind: "mapping", key: type.key, value: type.value };
    case "dynamic_array":
      return { ...info, kind: "dynamic-array", base: type.base };
    case "bytes":
      return { ...info, kind: "bytes" };
    case "inplace":
      if (type.members !== undefined) return { ...info, kind: "struct", members: type.members };
      if (type.base !== undefined) {
        return {
          ...info,
          kind: "static-array",
          base: type.base,
          length: staticArrayLength(type, typeId),
        };
      }
      return info;
    default:
      throw new StorageLayoutError(
        `type ${typeId} has an unknown encoding "${String(type.encoding)}"`,
      );
  }
}

/** Reads N from a type id `t_array(<base>)N_storage` (or from the label `T[N]`). */
function staticArrayLength(type: StorageType, typeId: string): number {
  const fromId = /\)(\d+)_storage$/.exec(typeId);
  if (fromId !== null) return Number(fromId[1]);
  const fromLabel = /\[(\d+)\]$/.exec(type.label);
  if (fromLabel !== null) return Number(fromLabel[1]);
  throw new StorageLayoutError(`cannot read the length of the fixed-size array type ${typeId}`);
}

/**
 * How the elements of an array of `base` are laid out: value types of up to 16 bytes share slots
 * (`perSlot` elements per slot, each `bytes` wide, from the low-order end), everything else
 * starts a new slot and takes `slots` whole slots (Solidity docs, "Layout of State Variables in
 * Storage": array elements are packed like struct members; structs and arrays always start a new
 * slot).
 */
export interface ElementLayout {
  /** Elements per slot (1 for unpacked elements). */
  perSlot: number;
  /** Slots per element (1 for packed elements). */
  slots: number;
  /** Size of one element in bytes. */
  bytes: number;
}

/** Element layout of an array whose element type id is `base` (see {@link ElementLayout}). */
export function elementLayout(layout: StorageLayout, base: string): ElementLayout {
  const info = describeType(layout, base);
  if (info.kind === "value") {
    const perSlot = Math.max(1, Math.floor(32 / info.bytes));
    return { perSlot, slots: 1, bytes: info.bytes };
  }
  return { perSlot: 1, slots: info.slots, bytes: info.slots * 32 };
}

/** True when values of the type may contain hashed (keccak-derived) slots. */
export function hasDynamicParts(
  layout: StorageLayout,
  typeId: string,
  seen = new Set<string>(),
): boolean {
  const info = describeType(layout, typeId);
  switch (info.kind) {
    case "mapping":
    case "dynamic-array":
    case "bytes":
      return true;
    case "value":
      return false;
    case "static-array":
      if (seen.has(typeId)) return false;
      seen.add(typeId);
      return hasDynamicParts(layout, info.base!, seen);
    case "struct":
      if (seen.has(typeId)) return false;
      seen.add(typeId);
      return info.members!.some((m) => hasDynamicParts(layout, m.type, seen));
  }
}

/**
 * The ABI-like type a mapping key of type id `keyTypeId` is hashed as: `address` (also for
 * contracts and `address payable`), `uintN`, `intN`, `bool`, `bytesN`, `string` or `bytes`.
 * Enums hash as `uint8`; user-defined value types as `uint<8*size>` (their values are encoded by
 * their own sign, see `slots.ts`).
 */
export function mappingKeyAbiType(layout: StorageLayout, keyTypeId: string): string {
  if (keyTypeId.startsWith("t_contract(") || keyTypeId.startsWith("t_address")) return "address";
  if (keyTypeId.startsWith("t_enum(")) return "uint8";
  if (keyTypeId.startsWith("t_string")) return "string";
  if (keyTypeId.startsWith("t_bytes_")) return "bytes"; // t_bytes_memory_ptr, t_bytes_storage
  const simple = /^t_(uint\d*|int\d*|bool|bytes\d+)$/.exec(keyTypeId);
  if (simple !== null) {
    const t = simple[1];
    return t === "uint" ? "uint256" : t === "int" ? "int256" : t;
  }
  const info = describeType(layout, keyTypeId);
  return `uint${info.bytes * 8}`;
}

/** Finds a top-level state variable by name. */
export function findVariable(layout: StorageLayout, name: string): StorageEntry | undefined {
  return layout.storage.find((entry) => entry.label === name);
}
