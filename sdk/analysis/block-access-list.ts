/**
 * EIP-7928 block-level access lists (BALs) built from the engine's valued read/write sets.
 *
 * Source: EIP-7928 "Block-Level Access Lists" (ethereum/EIPs, EIPS/eip-7928.md), sections
 * "RLP Data Structures", "Ordering, Uniqueness and Determinism", "BlockAccessIndex Assignment"
 * and "Recording Semantics by Change Type".
 *
 * JSON form: the EIP's fields in camelCase, the same names as `@ethereumjs/util`'s
 * `BALJSONBlockAccessList` (Engine API / fixture form), so the output can be fed to
 * `createBlockLevelAccessListFromJSON` for cross-checking. Value formats here:
 * - `address`: 20-byte lowercase hex;
 * - `slot` and storage reads: 32-byte hex (the `LocationKey` form; sorts numerically as text);
 * - `postValue`: 32-byte hex word;
 * - `blockAccessIndex`, `postBalance` (wei), `postNonce`: hex quantities (`0x0`, `0x1bc16d674ec80000`);
 * - `newCode`: runtime bytecode hex.
 *
 * RLP form (for the header's `block_access_list_hash = keccak256(rlp(bal))`): the EIP's
 * `[address, storage_changes, storage_reads, balance_changes, nonce_changes, code_changes]`
 * per account, with every integer (slot key, storage value, index, balance, nonce) as a minimal
 * big-endian byte string (zero = empty string), as RLP encodes `uint` fields.
 */
import { RLP } from "@ethereumjs/rlp";
import { hexToBytes, keccak256, toHex, type Address, type Hex } from "viem";
import {
  normalizeSlot,
  parseLocationKey,
  type LocationKey,
  type LocationValue,
  type ReadWriteSet,
} from "../engine/location.ts";

/** keccak256 of empty code: the code hash of an account without code. */
export const EMPTY_CODE_HASH: Hex =
  "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

/** `rlp.encode([])`: the BAL of a block without any access (EIP-7928). */
export const EMPTY_BLOCK_ACCESS_LIST_RLP: Hex = "0xc0";

/** `keccak256(rlp.encode([]))`: `block_access_list_hash` of an empty BAL (EIP-7928). */
export const EMPTY_BLOCK_ACCESS_LIST_HASH: Hex =
  "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";

/** `[block_access_index, new_value]` of one storage slot. */
export interface BalStorageChange {
  blockAccessIndex: Hex;
  /** 32-byte word. */
  postValue: Hex;
}

/** All changes of one storage slot, by ascending block access index (at least one). */
export interface BalSlotChanges {
  /** 32-byte slot key. */
  slot: Hex;
  slotChanges: BalStorageChange[];
}

export interface BalBalanceChange {
  blockAccessIndex: Hex;
  /** Post balance (wei), hex quantity. */
  postBalance: Hex;
}

export interface BalNonceChange {
  blockAccessIndex: Hex;
  /** Post nonce, hex quantity. */
  postNonce: Hex;
}

export interface BalCodeChange {
  blockAccessIndex: Hex;
  /** Runtime bytecode after the change (`0x` when cleared). */
  newCode: Hex;
}

/** `AccountChanges` of EIP-7928, JSON form. */
export interface BalAccountChanges {
  address: Address;
  /** Sorted by slot; each slot at most once. */
  storageChanges: BalSlotChanges[];
  /** Read-only slots, sorted; never also in `storageChanges`. */
  storageReads: Hex[];
  balanceChanges: BalBalanceChange[];
  nonceChanges: BalNonceChange[];
  codeChanges: BalCodeChange[];
}

/** A block access list, JSON form: accounts sorted by address. */
export type BlockAccessList = BalAccountChanges[];

/** The accesses of one block access index. */
export interface AccessRecord extends ReadWriteSet {
  /**
   * Addresses accessed without reading or writing any recorded location (EIP-7928 "Scope and
   * Inclusion": e.g. the recipient of a zero-value transfer, a precompile called without value).
   * They appear with empty change lists unless something else is recorded for them.
   */
  touched?: readonly Address[];
}

export interface BlockAccessListInput {
  /** Pre-execution system calls (EIP-2935, EIP-4788, …): block access index 0. */
  preExecution?: AccessRecord;
  /**
   * The block's transactions in order: indices 1…n. Coinbase fee credits must be included as
   * writes of the coinbase balance with its post-transaction value: the EIP records them per
   * transaction even though the engine applies them lazily (they never create dependencies).
   */
  transactions: readonly AccessRecord[];
  /** Withdrawals and post-execution system calls (EIP-7002, EIP-7251): index n + 1. */
  postExecution?: AccessRecord;
  /**
   * Runtime bytecode by code hash, for code writes (a `c:` location's value is the code hash,
   * the EIP records the code itself). The empty code hash needs no entry.
   */
  bytecode?: Readonly<Record<Hex, Hex>> | ((codeHash: Hex) => Hex | undefined);
}

/**
 * Builds the block access list of a block from the read/write sets of its pre-execution system
 * calls (index 0), transactions (1…n) and post-execution phase (n + 1).
 *
 * Recording rules (EIP-7928 "Recording Semantics"): a write is a change only when its value
 * differs from the location's value immediately before this index — the last change recorded
 * earlier in the block, else the value this record read; an unchanged write counts as a read
 * (storage: into `storage_reads`; account fields: the address only). Storage slots read but
 * never changed in the block go to `storage_reads`. Every address of any location read or
 * written, or listed in `touched`, is present, with empty lists if nothing changed.
 *
 * @throws {Error} when a location key is malformed, a value is not hex or too wide, a record
 *   writes the same location twice, or a code write's bytecode is not in `bytecode` (or does not
 *   hash to the written code hash).
 */
export function buildBlockAccessList(input: BlockAccessListInput): BlockAccessList {
  const records: Array<{ index: number; record: AccessRecord }> = [];
  if (input.preExecution !== undefined) records.push({ index: 0, record: input.preExecution });
  for (const [i, record] of input.transactions.entries()) records.push({ index: i + 1, record });
  if (input.postExecution !== undefined) {
    records.push({ index: input.transactions.length + 1, record: input.postExecution });
  }
  const accounts = new Map<Address, AccountDraft>();
  const account = (address: string): AccountDraft => {
    const key = normalizeAddress(address);
    let draft = accounts.get(key);
    if (draft === undefined) {
      draft = { storage: new Map(), reads: new Set(), balance: [], nonce: [], code: [] };
      accounts.set(key, draft);
    }
    return draft;
  };
  // Last post value of each location changed so far in the block (normalised).
  const lastValue = new Map<LocationKey, Hex>();

  for (const { index, record } of records) {
    for (const address of record.touched ?? []) account(address);
    const readValues = new Map<LocationKey, Hex>();
    for (const read of record.reads) {
      const location = parseLocationKey(read.location);
      const value = normalizeValue(read, location.kind);
      if (!readValues.has(read.location)) readValues.set(read.location, value);
      const draft = account(location.address);
      if (location.kind === "storage") draft.reads.add(normalizeSlot(location.slot));
    }
    const written = new Set<LocationKey>();
    for (const write of record.writes) {
      if (written.has(write.location)) {
        throw new Error(`block access index ${index}: ${write.location} is written twice`);
      }
      written.add(write.location);
      const location = parseLocationKey(write.location);
      const value = normalizeValue(write, location.kind);
      const draft = account(location.address);
      const before = lastValue.get(write.location) ?? readValues.get(write.location);
      if (before === value) {
        // A no-op write is a read (EIP-7928 "Storage": "Reads include … no-op writes").
        if (location.kind === "storage") draft.reads.add(normalizeSlot(location.slot));
        continue;
      }
      lastValue.set(write.location, value);
      switch (location.kind) {
        case "storage": {
          const slot = normalizeSlot(location.slot);
          let changes = draft.storage.get(slot);
          if (changes === undefined) {
            changes = [];
            draft.storage.set(slot, changes);
          }
          changes.push({ blockAccessIndex: quantity(index), postValue: value });
          break;
        }
        case "balance":
          draft.balance.push({ blockAccessIndex: quantity(index), postBalance: value });
          break;
        case "nonce":
          draft.nonce.push({ blockAccessIndex: quantity(index), postNonce: value });
          break;
        case "code":
          draft.code.push({
            blockAccessIndex: quantity(index),
            newCode: lookupBytecode(input.bytecode, value, index, location.address),
          });
          break;
      }
    }
  }

  return [...accounts.keys()].sort().map((address) => {
    const draft = accounts.get(address)!;
    const slots = [...draft.storage.keys()].sort();
    return {
      address,
      storageChanges: slots.map((slot) => ({ slot, slotChanges: draft.storage.get(slot)! })),
      storageReads: [...draft.reads].filter((slot) => !draft.storage.has(slot)).sort(),
      balanceChanges: draft.balance,
      nonceChanges: draft.nonce,
      codeChanges: draft.code,
    };
  });
}

/**
 * RLP encoding of a block access list (EIP-7928 "RLP Data Structures"): integers as minimal
 * big-endian byte strings, addresses as 20 bytes, code as bytes. Encodes the list in the order
 * given (use {@link buildBlockAccessList}'s canonical order).
 *
 * @returns `0x`-prefixed RLP bytes; `0xc0` for an empty list.
 * @throws {Error} when a field is not valid hex.
 */
export function encodeBlockAccessList(bal: BlockAccessList): Hex {
  const raw = bal.map((account) => [
    hexToBytes(normalizeAddress(account.address)),
    account.storageChanges.map((slot) => [
      minimalBytes(slot.slot),
      slot.slotChanges.map((c) => [minimalBytes(c.blockAccessIndex), minimalBytes(c.postValue)]),
    ]),
    account.storageReads.map((slot) => minimalBytes(slot)),
    account.balanceChanges.map((c) => [
      minimalBytes(c.blockAccessIndex),
      minimalBytes(c.postBalance),
    ]),
    account.nonceChanges.map((c) => [minimalBytes(c.blockAccessIndex), minimalBytes(c.postNonce)]),
    account.codeChanges.map((c) => [minimalBytes(c.blockAccessIndex), checkedBytes(c.newCode)]),
  ]);
  return toHex(RLP.encode(raw));
}

/**
 * `block_access_list_hash`: keccak256 of the RLP encoding (EIP-7928 "Block Structure
 * Modification"). {@link EMPTY_BLOCK_ACCESS_LIST_HASH} for an empty list.
 */
export function hashBlockAccessList(bal: BlockAccessList): Hex {
  return keccak256(encodeBlockAccessList(bal));
}

interface AccountDraft {
  storage: Map<Hex, BalStorageChange[]>;
  reads: Set<Hex>;
  balance: BalBalanceChange[];
  nonce: BalNonceChange[];
  code: BalCodeChange[];
}

const HEX = /^0x[0-9a-fA-F]*$/;

function normalizeAddress(address: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`invalid address "${address}"`);
  return address.toLowerCase() as Address;
}

/** Storage values and code hashes as 32-byte words; balances and nonces as quantities. */
function normalizeValue(entry: LocationValue, kind: "balance" | "nonce" | "code" | "storage"): Hex {
  const { value } = entry;
  if (typeof value !== "string" || !HEX.test(value)) {
    throw new Error(`${entry.location}: value "${String(value)}" is not hex`);
  }
  const digits = value.slice(2).toLowerCase().replace(/^0+/, "");
  const width = kind === "nonce" ? 16 : 64;
  if (digits.length > width) {
    throw new Error(`${entry.location}: value ${value} is wider than ${width / 2} bytes`);
  }
  if (kind === "storage" || kind === "code") return `0x${digits.padStart(64, "0")}`;
  return quantityFromDigits(digits);
}

function quantity(n: number): Hex {
  return `0x${n.toString(16)}`;
}

function quantityFromDigits(digits: string): Hex {
  return `0x${digits === "" ? "0" : digits}`;
}

function minimalBytes(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new Error(`"${hex}" is not hex`);
  const digits = hex.slice(2).replace(/^0+/, "");
  return hexToBytes(`0x${digits.length % 2 === 1 ? `0${digits}` : digits}`);
}

function checkedBytes(hex: string): Uint8Array {
  if (!HEX.test(hex) || hex.length % 2 !== 0) throw new Error(`"${hex}" is not byte hex`);
  return hexToBytes(hex as Hex);
}

function lookupBytecode(
  bytecode: BlockAccessListInput["bytecode"],
  codeHash: Hex,
  index: number,
  address: Address,
): Hex {
  if (codeHash === EMPTY_CODE_HASH) return "0x";
  const code =
    typeof bytecode === "function"
      ? bytecode(codeHash)
      : (bytecode?.[codeHash] ??
        Object.entries(bytecode ?? {}).find(([hash]) => hash.toLowerCase() === codeHash)?.[1]);
  if (code === undefined) {
    throw new Error(
      `block access index ${index}: code of ${address} changed to code hash ${codeHash}, ` +
        "but its bytecode was not given (BlockAccessListInput.bytecode)",
    );
  }
  if (!HEX.test(code) || code.length % 2 !== 0) {
    throw new Error(`bytecode for code hash ${codeHash} is not byte hex`);
  }
  const normalized = code.toLowerCase() as Hex;
  if (keccak256(normalized) !== codeHash) {
    throw new Error(`bytecode given for code hash ${codeHash} hashes to ${keccak256(normalized)}`);
  }
  return normalized;
}
