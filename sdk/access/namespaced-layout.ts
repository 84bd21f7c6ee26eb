/**
 * EIP-7201 namespaced storage: structs tagged `@custom:storage-location erc7201:<id>` that a
 * contract keeps at a slot derived from `<id>` instead of in its sequential layout (the pattern
 * of OpenZeppelin Contracts Upgradeable 5.x: `ERC20Storage` at `erc7201:openzeppelin.storage.ERC20`).
 *
 * solc's `storageLayout` output lists state variables only, so a namespaced struct (never a
 * state variable) does not appear in it. This module lays the struct out from the AST with the
 * compiler's rules and adds it to the contract's layout as a pseudo state variable named after
 * the struct, at the namespace's slot — so annotations can name its members
 * (`ERC20Storage._balances[to]`) and reports decode them, through the same code as ordinary
 * variables. Type ids and labels are spelled as solc spells them, so a struct that is also used
 * as a state variable gets the same table entries as in solc's own output (the tests compare).
 *
 * Sources:
 * - EIP-7201 "Namespaced Storage Layout": the root of namespace `id` is
 *   `keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~bytes32(uint256(0xff))`, and the
 *   struct's members are laid out from that root as a struct's members are in storage;
 * - Solidity docs, "Layout of State Variables in Storage": items are packed into 32-byte slots
 *   in declaration order, a value that does not fit the rest of a slot starts the next one;
 *   structs and arrays always start a new slot and the item after them does too; mappings,
 *   dynamic arrays, `bytes` and `string` take one whole slot; a static array packs its
 *   elements by the same rules.
 */
import { encodeAbiParameters, keccak256, toBytes } from "viem";
import type { StorageEntry, StorageLayout, StorageType } from "./layout.ts";

/** The storage-location tag of EIP-7201 (NatSpec on a struct definition). */
const STORAGE_LOCATION = /@custom:storage-location\s+erc7201:(\S+)/;

/**
 * The root slot of an EIP-7201 namespace.
 *
 * @param id the namespace id, e.g. `openzeppelin.storage.ERC20`.
 * @returns `keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~0xff` (EIP-7201).
 * @example
 * erc7201Slot("openzeppelin.storage.ERC20")
 * // 0x52c63247e1f47db19d5ce0460030c497f067ca4cebf71ba98eeadabe20bace00n
 */
export function erc7201Slot(id: string): bigint {
  const inner = BigInt(keccak256(toBytes(id))) - 1n;
  const outer = BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }], [inner])));
  return outer & ~0xffn;
}

/** An AST node as far as this module reads it (solc's compact JSON AST). */
export interface LayoutAstNode {
  id: number;
  nodeType: string;
  name?: string;
  canonicalName?: string;
  documentation?: { text?: string } | null;
  members?: LayoutAstNode[];
  typeName?: LayoutAstNode;
  keyType?: LayoutAstNode;
  valueType?: LayoutAstNode;
  baseType?: LayoutAstNode;
  length?: LayoutAstNode | null;
  referencedDeclaration?: number;
  underlyingType?: LayoutAstNode;
  stateMutability?: string;
  typeDescriptions?: { typeIdentifier?: string; typeString?: string };
  [key: string]: unknown;
}

/** A namespaced struct found in a contract (or one of its bases). */
export interface NamespacedStruct {
  /** The namespace id after `erc7201:`. */
  namespace: string;
  /** The struct's definition. */
  struct: LayoutAstNode;
  /** `sourceName:ContractName` of the contract that defines it (solc's `contract` field). */
  contract: string;
}

/**
 * The namespaced structs defined in `contracts` (a most-derived contract and its bases, each
 * with its `sourceName:ContractName`), in the given order.
 */
export function findNamespacedStructs(
  contracts: ReadonlyArray<{ node: { nodes: LayoutAstNode[] }; fqn: string }>,
): NamespacedStruct[] {
  const found: NamespacedStruct[] = [];
  for (const { node, fqn } of contracts) {
    for (const child of node.nodes) {
      if (child.nodeType !== "StructDefinition") continue;
      const match = STORAGE_LOCATION.exec(child.documentation?.text ?? "");
      if (match !== null) found.push({ namespace: match[1]!, struct: child, contract: fqn });
    }
  }
  return found;
}

/**
 * Thrown when a namespaced struct cannot be laid out (a member type this module does not know,
 * or a name that clashes with a state variable).
 */
export class NamespacedLayoutError extends Error {
  override name = "NamespacedLayoutError";
}

/**
 * `layout` with every struct of `structs` added as a pseudo state variable named after the
 * struct (`label`), at its namespace's root slot (`slot`, decimal), and the types it needs in
 * the `types` table. `layout` itself is not modified.
 *
 * @param owner `sourceName:ContractName` of the contract the layout belongs to: solc names it
 *   as the `contract` of every entry of a layout, inherited variables and struct members too.
 * @param declarations every AST node by id (structs, enums, contracts, user-defined value types
 *   the members refer to).
 * @throws {NamespacedLayoutError} on a member type that cannot be laid out, or a struct named
 *   like one of the contract's state variables.
 */
export function withNamespacedStructs(
  layout: StorageLayout,
  structs: readonly NamespacedStruct[],
  owner: string,
  declarations: ReadonlyMap<number, LayoutAstNode>,
): StorageLayout {
  if (structs.length === 0) return layout;
  const types: Record<string, StorageType> = { ...(layout.types ?? {}) };
  const storage = [...layout.storage];
  const builder = new TypeTableBuilder(types, declarations);
  for (const { namespace, struct, contract } of structs) {
    const label = struct.name!;
    if (storage.some((entry) => entry.label === label))
      throw new NamespacedLayoutError(
        `the namespaced struct ${label} (erc7201:${namespace}) has the name of a state variable of ${contract}; rename one of them`,
      );
    const type = builder.struct(struct, owner);
    storage.push({
      astId: struct.id,
      contract: owner,
      label,
      offset: 0,
      slot: erc7201Slot(namespace).toString(),
      type,
    });
  }
  return { storage, types };
}

/** A laid-out type: its id in the table and its size in bytes. */
interface Sized {
  id: string;
  bytes: number;
  /** Structs and arrays start a new slot, and so does the item after them. */
  ownSlots: boolean;
}

const ELEMENTARY = /^(u?int)(\d*)$|^bytes(\d+)$/;

/** Fills a solc-style `types` table with the types of struct members. */
class TypeTableBuilder {
  readonly #types: Record<string, StorageType>;
  readonly #declarations: ReadonlyMap<number, LayoutAstNode>;

  constructor(
    types: Record<string, StorageType>,
    declarations: ReadonlyMap<number, LayoutAstNode>,
  ) {
    this.#types = types;
    this.#declarations = declarations;
  }

  /** Lays out a struct definition; returns its type id (`t_struct(Name)<id>_storage`). */
  struct(definition: LayoutAstNode, contract: string): string {
    const id = `t_struct(${definition.name})${definition.id}_storage`;
    if (this.#types[id] !== undefined) return id;
    const members: StorageEntry[] = [];
    let slot = 0;
    let offset = 0;
    for (const member of definition.members ?? []) {
      const sized = this.#type(member.typeName!, contract);
      if (sized.ownSlots || offset + sized.bytes > 32) {
        if (offset > 0) slot++;
        offset = 0;
      }
      members.push({
        astId: member.id,
        contract,
        label: member.name!,
        offset,
        slot: slot.toString(),
        type: sized.id,
      });
      if (sized.ownSlots) {
        slot += Math.ceil(sized.bytes / 32);
        offset = 0;
      } else {
        offset += sized.bytes;
      }
    }
    const slots = slot + (offset > 0 ? 1 : 0);
    this.#types[id] = {
      encoding: "inplace",
      label: `struct ${definition.canonicalName ?? definition.name}`,
      members,
      numberOfBytes: (Math.max(slots, 1) * 32).toString(),
    };
    return id;
  }

  #type(node: LayoutAstNode, contract: string): Sized {
    switch (node.nodeType) {
      case "ElementaryTypeName":
        return this.#elementary(node);
      case "Mapping": {
        const key = this.#mappingKey(node.keyType!, contract);
        const value = this.#type(node.valueType!, contract);
        const id = `t_mapping(${key.id},${value.id})`;
        this.#put(id, {
          encoding: "mapping",
          key: key.id,
          label: `mapping(${this.#label(key.id)} => ${this.#label(value.id)})`,
          numberOfBytes: "32",
          value: value.id,
        });
        return { id, bytes: 32, ownSlots: false };
      }
      case "ArrayTypeName":
        return this.#array(node, contract);
      case "UserDefinedTypeName":
        return this.#userDefined(node, contract);
      default:
        throw new NamespacedLayoutError(`cannot lay out a ${node.nodeType} in namespaced storage`);
    }
  }

  /** @param record false to size the type without adding it to the table. */
  #elementary(node: LayoutAstNode, record = true): Sized {
    const put = (id: string, type: StorageType) => {
      if (record) this.#put(id, type);
    };
    const name = node.name === "uint" ? "uint256" : node.name === "int" ? "int256" : node.name!;
    if (name === "string" || name === "bytes") {
      const id = `t_${name}_storage`;
      put(id, { encoding: "bytes", label: name, numberOfBytes: "32" });
      return { id, bytes: 32, ownSlots: false };
    }
    if (name === "address") {
      const payable = node.stateMutability === "payable";
      const id = payable ? "t_address_payable" : "t_address";
      put(id, {
        encoding: "inplace",
        label: payable ? "address payable" : "address",
        numberOfBytes: "20",
      });
      return { id, bytes: 20, ownSlots: false };
    }
    if (name === "bool") {
      put("t_bool", { encoding: "inplace", label: "bool", numberOfBytes: "1" });
      return { id: "t_bool", bytes: 1, ownSlots: false };
    }
    const match = ELEMENTARY.exec(name);
    if (match === null)
      throw new NamespacedLayoutError(`cannot lay out the type ${name} in namespaced storage`);
    const bytes =
      match[3] !== undefined ? Number(match[3]) : match[2] === "" ? 32 : Number(match[2]) / 8;
    const id = `t_${name}`;
    put(id, { encoding: "inplace", label: name, numberOfBytes: bytes.toString() });
    return { id, bytes, ownSlots: false };
  }

  /** Mapping keys: value types as usual; `string`/`bytes` keys are `memory` types in solc's ids. */
  #mappingKey(node: LayoutAstNode, contract: string): Sized {
    if (
      node.nodeType === "ElementaryTypeName" &&
      (node.name === "string" || node.name === "bytes")
    ) {
      const id = `t_${node.name}_memory_ptr`;
      this.#put(id, { encoding: "bytes", label: node.name, numberOfBytes: "32" });
      return { id, bytes: 32, ownSlots: false };
    }
    return this.#type(node, contract);
  }

  #array(node: LayoutAstNode, contract: string): Sized {
    const base = this.#type(node.baseType!, contract);
    const label = `${this.#label(base.id)}[${node.length == null ? "" : this.#arrayLength(node)}]`;
    if (node.length == null) {
      const id = `t_array(${base.id})dyn_storage`;
      this.#put(id, { base: base.id, encoding: "dynamic_array", label, numberOfBytes: "32" });
      return { id, bytes: 32, ownSlots: false };
    }
    const length = this.#arrayLength(node);
    const slots =
      base.ownSlots || base.bytes > 16
        ? length * Math.ceil(base.bytes / 32)
        : Math.ceil(length / Math.floor(32 / base.bytes));
    const id = `t_array(${base.id})${length}_storage`;
    const bytes = slots * 32;
    this.#put(id, { base: base.id, encoding: "inplace", label, numberOfBytes: bytes.toString() });
    return { id, bytes, ownSlots: true };
  }

  /** The length of a static array, from its type string (`uint8[3] storage ref`). */
  #arrayLength(node: LayoutAstNode): number {
    const typeString = node.typeDescriptions?.typeString ?? "";
    const match = /\[(\d+)\](?: storage (?:ref|pointer))?$/.exec(typeString);
    if (match === null)
      throw new NamespacedLayoutError(
        `cannot tell the length of the array type ${typeString || "(unknown)"} in namespaced storage`,
      );
    return Number(match[1]);
  }

  #userDefined(node: LayoutAstNode, contract: string): Sized {
    const declaration = this.#declarations.get(node.referencedDeclaration ?? -1);
    if (declaration === undefined)
      throw new NamespacedLayoutError(
        `cannot find the declaration of ${node.typeDescriptions?.typeString ?? "a member type"} in the AST`,
      );
    const qualified = declaration.canonicalName ?? declaration.name!;
    switch (declaration.nodeType) {
      case "StructDefinition": {
        const id = this.struct(declaration, contract);
        return { id, bytes: Number(this.#types[id]!.numberOfBytes), ownSlots: true };
      }
      case "EnumDefinition": {
        const id = `t_enum(${declaration.name})${declaration.id}`;
        this.#put(id, { encoding: "inplace", label: `enum ${qualified}`, numberOfBytes: "1" });
        return { id, bytes: 1, ownSlots: false };
      }
      case "ContractDefinition": {
        const id = `t_contract(${declaration.name})${declaration.id}`;
        this.#put(id, { encoding: "inplace", label: `contract ${qualified}`, numberOfBytes: "20" });
        return { id, bytes: 20, ownSlots: false };
      }
      case "UserDefinedValueTypeDefinition": {
        // The underlying type's size; solc lists only the value type itself in the table.
        const underlying = this.#elementary(declaration.underlyingType!, false);
        const id = `t_userDefinedValueType(${declaration.name})${declaration.id}`;
        this.#put(id, {
          encoding: "inplace",
          label: qualified,
          numberOfBytes: underlying.bytes.toString(),
        });
        return { id, bytes: underlying.bytes, ownSlots: false };
      }
      default:
        throw new NamespacedLayoutError(
          `cannot lay out a member of type ${declaration.nodeType} in namespaced storage`,
        );
    }
  }

  #label(id: string): string {
    return this.#types[id]!.label;
  }

  #put(id: string, type: StorageType): void {
    this.#types[id] ??= type;
  }
}
