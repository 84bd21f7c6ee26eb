/**
 * The state one transaction executes against: an `@ethereumjs` state manager that keeps the
 * transaction's changes in a journaled overlay over a {@link StateReader} and records the
 * transaction's read set and write set (docs/design.md §3) exactly, at the level of account fields and
 * storage slots.
 *
 * - Reads: the first read of a location whose value comes from the base state is recorded with
 *   that value. Account fields are recorded lazily, when the EVM actually looks at them (the
 *   account object handed to the EVM is a {@link TrackedAccount}); an absent account counts as a
 *   read of its balance, nonce and code. Reads of the transaction's own writes are not reads.
 * - Writes: at the end, every location whose final value differs from the base value (EIP-7928
 *   semantics: a write of an unchanged value is a read, not a write).
 * - Checkpoints: an undo journal (ethereumjs-style journaled state), so `checkpoint`, `commit`
 *   and `revert` cost O(changes), never a copy of the state.
 * - Lazy coinbase credit (as pevm): after the top-level call has run, the fee payment to the
 *   block's coinbase is not recorded as a read or write; it is returned as `feeCredit` and
 *   applied by the executor, so fee payments never create dependencies.
 *
 * One instance is reused for every transaction of a VM: {@link TxState.begin} resets it.
 */
import type { AccountFields, StateManagerInterface, StorageDump } from "@ethereumjs/common";
import {
  Account,
  type Address,
  bigIntToUnpaddedBytes,
  bytesToBigInt,
  bytesToHex,
  KECCAK256_NULL,
  KECCAK256_RLP,
} from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import {
  balanceKey,
  codeKey,
  storageKey,
  nonceKey,
  type LocationKey,
  isStorageKey,
  locationAddress,
  locationSlot,
} from "../location.ts";
import type { FrameTracker } from "../conformance.ts";
import { MissingStateError } from "./fork-reader.ts";
import { EMPTY_CODE_HASH, type StateReader } from "./state-reader.ts";

const EMPTY = new Uint8Array();
const ABSENT = Symbol("absent");

/** What a finished transaction did to state. */
export interface TxStateResult {
  /** First-read values of base-state locations, in first-read order. */
  reads: Map<LocationKey, bigint>;
  /** Final values of the locations the transaction changed. */
  writes: Map<LocationKey, bigint>;
  /** Code bytes created by the transaction, by code hash. */
  codes: Map<bigint, Uint8Array>;
  /** Fee owed to the coinbase (wei), applied lazily by the executor. */
  feeCredit: bigint;
  /** Kind of the nested frame where a failure started, if one failed (for revert messages). */
  failureOrigin?: "create" | "call";
}

type UndoEntry =
  | { kind: "value"; key: LocationKey; previous: bigint | typeof ABSENT }
  | { kind: "clear"; address: string; previous: boolean };

/**
 * An ethereumjs `Account` that reports which fields the EVM reads. Setters and the constructor
 * use the private fields, so only real reads are recorded.
 */
class TrackedAccount extends Account {
  // A plain property (not #private): Account's constructor may call overridden methods
  // before a subclass's private fields exist.
  _onRead?: (field: "nonce" | "balance" | "code") => void;
  constructor(
    nonce: bigint,
    balance: bigint,
    codeHash: Uint8Array,
    codeSize: number,
    onRead: (field: "nonce" | "balance" | "code") => void,
  ) {
    super(nonce, balance, KECCAK256_RLP, codeHash, codeSize);
    this._onRead = onRead;
  }
  override get nonce(): bigint {
    this._onRead?.("nonce");
    return this._nonce!;
  }
  override set nonce(value: bigint) {
    this._nonce = value;
  }
  override get balance(): bigint {
    this._onRead?.("balance");
    return this._balance!;
  }
  override set balance(value: bigint) {
    this._balance = value;
  }
  override get codeHash(): Uint8Array {
    this._onRead?.("code");
    return this._codeHash!;
  }
  override set codeHash(value: Uint8Array) {
    this._codeHash = value;
  }
  override isContract(): boolean {
    this._onRead?.("code");
    return super.isContract();
  }
  override isEmpty(): boolean {
    this._onRead?.("nonce");
    this._onRead?.("balance");
    this._onRead?.("code");
    return super.isEmpty();
  }
}

const lower = (address: Address): string => address.toString();
const storageKeyOf = (address: string, slot: Uint8Array): LocationKey =>
  // Hot path: the address is already lowercase and the slot 32 bytes, so no normalisation.
  `s:${address}:${bytesToHex(slot.length === 32 ? slot : padSlot(slot))}` as LocationKey;
function padSlot(slot: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(slot, 32 - slot.length);
  return out;
}
const hashToBytes = (hash: bigint): Uint8Array =>
  hash === 0n ? KECCAK256_NULL : padSlot(bigIntToUnpaddedBytes(hash));

export class TxState implements StateManagerInterface {
  #base!: StateReader;
  #coinbase = "";
  #overlay = new Map<LocationKey, bigint>();
  #cleared = new Set<string>();
  #codes = new Map<bigint, Uint8Array>();
  #reads = new Map<LocationKey, bigint>();
  #journal: UndoEntry[] = [];
  #checkpoints: number[] = [];
  #feePhase = false;
  #feeCredit = 0n;
  #failureOrigin: "create" | "call" | undefined;
  /** Conformance tracker of the current transaction, when declared access is checked. */
  tracker: FrameTracker | undefined;
  /**
   * Forked chains: loads locations the base state lacks ({@link MissingStateError}); the EVM's
   * read is then retried. Unset: the error goes up (a Block-STM lane reports it instead).
   */
  resolveMissing: ((keys: LocationKey[]) => Promise<void>) | undefined;

  /**
   * Runs `read`; a read of state not loaded yet is loaded with `resolveMissing` and retried.
   * Without `resolveMissing` (not forked, or a lane) it is a plain call: these reads are the
   * EVM's hot path, and an extra async frame per read would cost every chain.
   */
  #loaded<T>(read: () => T): T | Promise<T> {
    return this.resolveMissing === undefined ? read() : this.#retrying(read);
  }

  async #retrying<T>(read: () => T): Promise<T> {
    for (;;) {
      try {
        return read();
      } catch (error) {
        if (!(error instanceof MissingStateError) || this.resolveMissing === undefined) throw error;
        await this.resolveMissing(error.keys);
      }
    }
  }

  /** Values of storage at the start of the transaction (EIP-2200 "original value"). */
  readonly originalStorageCache = {
    get: async (address: Address, key: Uint8Array): Promise<Uint8Array> => {
      const skey = storageKeyOf(lower(address), key);
      return this.#loaded(() => bigIntToUnpaddedBytes(this.#base.read(skey)));
    },
    clear: (): void => {},
  };

  /** Starts a transaction over `base`; `coinbase` is the block's fee recipient (lowercase). */
  begin(base: StateReader, coinbase: string): void {
    this.#base = base;
    this.#coinbase = coinbase.toLowerCase();
    this.#overlay = new Map();
    this.#cleared = new Set();
    this.#codes = new Map();
    this.#reads = new Map();
    this.#journal = [];
    this.#checkpoints = [];
    this.#feePhase = false;
    this.#feeCredit = 0n;
    this.#failureOrigin = undefined;
    this.tracker = undefined;
  }

  /** The code of an account without recording a read (for the conformance check). */
  peekCode(address: string): Uint8Array {
    const hash = this.#peek(codeKey(address));
    return hash === 0n ? EMPTY : this.#codeBytes(hash);
  }

  /** A storage word without recording a read (for composing declared calls). */
  peekStorage(address: string, slot: `0x${string}`): bigint {
    return this.#peek(storageKey(address, slot));
  }

  /** Records the kind of a nested frame that failed; the first one is kept. */
  noteFailedFrame(kind: "create" | "call"): void {
    this.#failureOrigin ??= kind;
  }

  /** Marks the end of EVM execution: what follows is refund and fee payment. */
  enterFeePhase(): void {
    this.#feePhase = true;
  }

  /** Ends the transaction and returns its read set, write set, new code and fee. */
  finish(): TxStateResult {
    const writes = new Map<LocationKey, bigint>();
    for (const address of this.#cleared) {
      for (const [key, value] of this.#base.storageOf(address)) {
        if (value !== 0n && !this.#overlay.has(key)) writes.set(key, 0n);
      }
    }
    for (const [key, value] of this.#overlay) {
      if (value !== this.#base.read(key)) writes.set(key, value);
      else if (!this.#reads.has(key)) this.#reads.set(key, value); // unchanged write = read
    }
    const codes = new Map<bigint, Uint8Array>();
    for (const [key, value] of writes) {
      if (key.charCodeAt(0) === 99 /* c */ && value !== 0n) {
        const code = this.#codes.get(value);
        if (code !== undefined) codes.set(value, code);
      }
    }
    return {
      reads: this.#reads,
      writes,
      codes,
      feeCredit: this.#feeCredit,
      failureOrigin: this.#failureOrigin,
    };
  }

  // ---- value access ---------------------------------------------------------------------

  /** The current value of a location; records a base read the first time. */
  #get(key: LocationKey, cleared = false): bigint {
    const local = this.#overlay.get(key);
    if (local !== undefined) return local;
    if (cleared) return 0n;
    let value = this.#reads.get(key);
    if (value === undefined) {
      value = this.#base.read(key);
      if (!this.#feePhase || !key.endsWith(this.#coinbase)) this.#reads.set(key, value);
    }
    return value;
  }

  /** The current value without recording a read. */
  #peek(key: LocationKey): bigint {
    return this.#overlay.get(key) ?? this.#reads.get(key) ?? this.#base.read(key);
  }

  #set(key: LocationKey, value: bigint): void {
    const previous = this.#overlay.has(key) ? this.#overlay.get(key)! : ABSENT;
    if (previous === value) return;
    this.#journal.push({ kind: "value", key, previous });
    this.#overlay.set(key, value);
  }

  #isFeeAccount(address: string): boolean {
    return this.#feePhase && address === this.#coinbase;
  }

  // ---- accounts -------------------------------------------------------------------------

  async getAccount(address: Address): Promise<Account | undefined> {
    return this.#loaded(() => {
      const a = lower(address);
      const b = balanceKey(a);
      const n = nonceKey(a);
      const c = codeKey(a);
      if (this.#isFeeAccount(a)) {
        const balance = this.#peek(b) + this.#feeCredit;
        return new Account(this.#peek(n), balance, KECCAK256_RLP, hashToBytes(this.#peek(c)));
      }
      const balance = this.#peek(b);
      const nonce = this.#peek(n);
      const codeHash = this.#peek(c);
      if (balance === 0n && nonce === 0n && codeHash === 0n) {
        // An absent (empty) account: the EVM learns all three fields at once.
        this.#get(b);
        this.#get(n);
        this.#get(c);
        return undefined;
      }
      const codeSize = codeHash === 0n ? 0 : this.#codeBytes(codeHash).length;
      return new TrackedAccount(nonce, balance, hashToBytes(codeHash), codeSize, (field) => {
        this.#get(field === "nonce" ? n : field === "balance" ? b : c);
      });
    });
  }

  async putAccount(address: Address, account?: Account): Promise<void> {
    if (account === undefined) return this.deleteAccount(address);
    const a = lower(address);
    await this.#preloadAccount(a);
    const balance = account["_balance"] as bigint;
    if (this.#isFeeAccount(a)) {
      this.#feeCredit = balance - this.#peek(balanceKey(a));
      return;
    }
    this.#putField(balanceKey(a), balance);
    this.#putField(nonceKey(a), account["_nonce"] as bigint);
    const codeHash = bytesToBigInt(account["_codeHash"] as Uint8Array);
    this.#putField(codeKey(a), codeHash === EMPTY_CODE_HASH ? 0n : codeHash);
  }

  /** Writes a field only when it changes, so an untouched field stays out of the write set. */
  #putField(key: LocationKey, value: bigint): void {
    if (this.#peek(key) !== value) this.#set(key, value);
  }

  /** Loads an account's fields (forked) before a write that compares with them. */
  #preloadAccount(a: string): Promise<void> | undefined {
    if (this.resolveMissing === undefined) return undefined;
    return this.#retrying(() => {
      this.#peek(balanceKey(a));
      this.#peek(nonceKey(a));
      this.#peek(codeKey(a));
    });
  }

  async deleteAccount(address: Address): Promise<void> {
    const a = lower(address);
    await this.#preloadAccount(a);
    if (this.#isFeeAccount(a)) return;
    this.#putField(balanceKey(a), 0n);
    this.#putField(nonceKey(a), 0n);
    this.#putField(codeKey(a), 0n);
    await this.clearStorage(address);
  }

  async modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    return this.#loaded(() => {
      const a = lower(address);
      if (fields.balance !== undefined) this.#putField(balanceKey(a), fields.balance);
      if (fields.nonce !== undefined) this.#putField(nonceKey(a), fields.nonce);
      if (fields.codeHash !== undefined) {
        const hash = bytesToBigInt(fields.codeHash);
        this.#putField(codeKey(a), hash === EMPTY_CODE_HASH ? 0n : hash);
      }
    });
  }

  // ---- code -----------------------------------------------------------------------------

  #codeBytes(hash: bigint): Uint8Array {
    return this.#codes.get(hash) ?? this.#base.code(hash);
  }

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const hash = value.length === 0 ? 0n : bytesToBigInt(keccak_256(value));
    if (hash !== 0n) this.#codes.set(hash, value);
    this.#putField(codeKey(lower(address)), hash);
  }

  async getCode(address: Address): Promise<Uint8Array> {
    return this.#loaded(() => {
      const hash = this.#get(codeKey(lower(address)));
      return hash === 0n ? EMPTY : this.#codeBytes(hash);
    });
  }

  async getCodeSize(address: Address): Promise<number> {
    return (await this.getCode(address)).length;
  }

  // ---- storage --------------------------------------------------------------------------

  async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    return this.#loaded(() => {
      const a = lower(address);
      const skey = storageKeyOf(a, key);
      this.tracker?.access(a, locationSlot(skey), "read");
      return bigIntToUnpaddedBytes(this.#get(skey, this.#cleared.has(a)));
    });
  }

  async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const a = lower(address);
    const skey = storageKeyOf(a, key);
    this.tracker?.access(a, locationSlot(skey), "write");
    this.#set(skey, bytesToBigInt(value));
  }

  async clearStorage(address: Address): Promise<void> {
    const a = lower(address);
    // Drop local slot values of this account, journaled, then mark it cleared.
    for (const key of [...this.#overlay.keys()]) {
      if (isStorageKey(key) && locationAddress(key) === a) {
        this.#journal.push({ kind: "value", key, previous: this.#overlay.get(key)! });
        this.#overlay.delete(key);
      }
    }
    this.#journal.push({ kind: "clear", address: a, previous: this.#cleared.has(a) });
    this.#cleared.add(a);
  }

  async dumpStorage(address: Address): Promise<StorageDump> {
    return this.#loaded(() => {
      const a = lower(address);
      const dump: StorageDump = {};
      if (!this.#cleared.has(a)) {
        for (const [key, value] of this.#base.storageOf(a))
          dump[locationSlot(key)] = `0x${value.toString(16)}`;
      }
      for (const [key, value] of this.#overlay) {
        if (isStorageKey(key) && locationAddress(key) === a)
          dump[locationSlot(key)] = `0x${value.toString(16)}`;
      }
      return dump;
    });
  }

  // ---- checkpoints ----------------------------------------------------------------------

  async checkpoint(): Promise<void> {
    this.#checkpoints.push(this.#journal.length);
  }

  async commit(): Promise<void> {
    this.#checkpoints.pop();
  }

  async revert(): Promise<void> {
    const position = this.#checkpoints.pop() ?? 0;
    while (this.#journal.length > position) {
      const entry = this.#journal.pop()!;
      if (entry.kind === "clear") {
        if (!entry.previous) this.#cleared.delete(entry.address);
      } else if (entry.previous === ABSENT) {
        this.#overlay.delete(entry.key);
      } else {
        this.#overlay.set(entry.key, entry.previous);
      }
    }
  }

  // ---- roots (not Merkle-Patricia; see docs) ----------------------------------------------

  async getStateRoot(): Promise<Uint8Array> {
    return new Uint8Array(32);
  }
  async setStateRoot(): Promise<void> {
    throw new Error("setStateRoot is not supported by the parallel engine's state");
  }
  async hasStateRoot(): Promise<boolean> {
    return false;
  }
  clearCaches(): void {}
  shallowCopy(): StateManagerInterface {
    const copy = new TxState();
    copy.begin(this.#base, this.#coinbase);
    return copy;
  }
}
