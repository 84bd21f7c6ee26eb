/**
 * The declared access of a transaction, known before it runs: what the `declared` executor
 * schedules with (Solana Sealevel's model: a transaction names the accounts it touches up front).
 *
 * A call from `S` to `T` is declared when `T` holds a contract whose function, chosen by the
 * calldata's selector, has `@custom:reads` / `@custom:writes` annotations (see
 * `docs/annotations.md`), or when `T` holds no code (a plain transfer). Its declared locations:
 * - the sender's nonce and balance (written), the sender's code (read: EIP-3607);
 * - the recipient's balance (written when the transaction carries value, else read), its nonce
 *   and code (read);
 * - the function's declared slots of `T`'s storage, resolved for this call (`msg.sender` and
 *   `tx.origin` = `S`, the calldata's arguments); a pattern that cannot be listed (`*` on a
 *   mapping) counts as the whole storage of `T`.
 * A call to an ERC-1967 proxy (`erc1967.ts`) is declared by its implementation's function,
 * applied to the proxy's storage, plus the proxy's read of its implementation slot and of the
 * implementation's code.
 * Calls into other contracts are declared by the function's `@custom:calls`, composed from the
 * callees' manifests (`sdk/access/calls.ts`): the callees' accounts (read) and their declared
 * storage, plus the caller's slots that hold a callee's address. A declared call to a contract
 * without a manifest (or to an undeclared function) makes the transaction undeclared. A nested
 * call the annotations do not declare is found after execution: the block falls back to
 * Block-STM (see `executor.ts`).
 *
 * Undeclared (the transaction runs alone): contract creation, EIP-7702 set-code transactions and
 * delegated accounts, calls to code without an access manifest or to a function without
 * annotations, calldata that does not decode, and transactions from or to the coinbase (its
 * balance changes with every fee: lazy credit).
 */
import { Capability } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { DeclarationSource } from "../../conformance.ts";
import {
  balanceKey,
  codeKey,
  type LocationKey,
  nonceKey,
  storageKey,
  isStorageKey,
  locationAddress,
} from "../../location.ts";
import type { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import { ERC1967_IMPLEMENTATION_SLOT, erc1967ProxyAt } from "../../erc1967.ts";

/** A transaction whose accesses are declared. Location keys follow `location.ts`. */
export interface DeclaredTransaction {
  kind: "declared";
  /** What runs, for messages: `Contract.function(...)` or `transfer`. */
  label: string;
  /** Locations the transaction may read (its writes included). */
  reads: Set<LocationKey>;
  /** Locations the transaction may write. */
  writes: Set<LocationKey>;
  /** Addresses (lowercase) whose whole storage may be read / written (a `*` pattern). */
  anyStorageRead: Set<string>;
  anyStorageWrite: Set<string>;
}

/** A transaction that runs alone, and why. */
export interface UndeclaredTransaction {
  kind: "undeclared";
  reason: string;
}

export type TransactionAccess = DeclaredTransaction | UndeclaredTransaction;

/** EIP-7702 delegation designator: `0xef0100 || address`. */
const DELEGATION_PREFIX = [0xef, 0x01, 0x00];

/**
 * The declared access of `etx` on top of `state` (committed state before the block).
 * @param declarations the chain's source of annotations (undefined: only plain transfers are declared).
 * @param coinbase the block's coinbase (lowercase).
 */
export function transactionAccess(
  etx: EngineTransaction,
  state: WorldState,
  declarations: DeclarationSource | undefined,
  coinbase: string,
): TransactionAccess {
  const tx = etx.tx;
  const from = etx.from.toLowerCase();
  const to = tx.to?.toString().toLowerCase();
  if (to === undefined) return { kind: "undeclared", reason: "contract creation" };
  if (tx.supports(Capability.EIP7702EOACode))
    return { kind: "undeclared", reason: "EIP-7702 set-code transaction" };
  if (from === coinbase || to === coinbase)
    return { kind: "undeclared", reason: "sent from or to the coinbase" };
  const reads = new Set<LocationKey>([codeKey(from), nonceKey(to), codeKey(to), balanceKey(to)]);
  const writes = new Set<LocationKey>([nonceKey(from), balanceKey(from)]);
  // A call without value leaves the recipient's balance as it was: a read (EIP-7928's rule).
  if (tx.value > 0n) writes.add(balanceKey(to));
  const access: DeclaredTransaction = {
    kind: "declared",
    label: "transfer",
    reads,
    writes,
    anyStorageRead: new Set(),
    anyStorageWrite: new Set(),
  };
  const code = state.codeAt(to);
  if (code.length > 0) {
    if (DELEGATION_PREFIX.every((b, i) => code[i] === b))
      return { kind: "undeclared", reason: "call to an EIP-7702 delegated account" };
    const calldata = bytesToHex(tx.data) as Hex;
    // A call to an ERC-1967 proxy runs its implementation's function on the proxy's storage.
    const proxy = erc1967ProxyAt(state, to);
    if (proxy?.kind === "beacon")
      return {
        kind: "undeclared",
        reason: `call to ${to}, a beacon proxy (its implementation comes from a call to the beacon)`,
      };
    let runs = code;
    if (proxy !== undefined) {
      runs = state.codeAt(proxy.implementation);
      reads.add(storageKey(to, ERC1967_IMPLEMENTATION_SLOT));
      reads.add(codeKey(proxy.implementation));
    }
    const env = {
      code: (address: Hex) => state.codeAt(address),
      storage: (address: Hex, slot: Hex) => state.read(storageKey(address, slot)),
    };
    const frame = declarations?.frame(runs, calldata, from as Hex, from as Hex, to as Hex, env);
    if (frame === undefined)
      return {
        kind: "undeclared",
        reason:
          proxy === undefined
            ? `call to ${to}, a contract without an access manifest`
            : `call to ${to}, a proxy of ${proxy.implementation}, a contract without an access manifest`,
      };
    const fn = `${frame.contract}.${frame.function}${proxy === undefined ? "" : " (through an ERC-1967 proxy)"}`;
    if (!frame.declared)
      return {
        kind: "undeclared",
        reason: `${fn} has no @custom:reads / @custom:writes annotations`,
      };
    if (frame.slots === undefined)
      return { kind: "undeclared", reason: `${fn}: calldata does not decode` };
    access.label = fn;
    if (frame.calls !== undefined) {
      const composed = frame.calls(env);
      if (composed.undeclared !== undefined)
        return { kind: "undeclared", reason: `${fn}: ${composed.undeclared}` };
      for (const slot of composed.selfReads) reads.add(storageKey(to, slot));
      for (const callee of composed.callees) {
        reads.add(codeKey(callee));
        reads.add(nonceKey(callee));
        reads.add(balanceKey(callee));
      }
      for (const [callee, entry] of composed.storage) {
        for (const slot of entry.writes) writes.add(storageKey(callee, slot));
        for (const slot of entry.reads) reads.add(storageKey(callee, slot));
        if (entry.readMatchers.length > 0 || entry.writeMatchers.length > 0)
          access.anyStorageRead.add(callee);
        if (entry.writeMatchers.length > 0) access.anyStorageWrite.add(callee);
      }
    }
    for (const slot of frame.slots.writes) writes.add(storageKey(to, slot));
    for (const slot of frame.slots.reads) reads.add(storageKey(to, slot));
    if (frame.slots.anyRead || frame.slots.anyWrite) access.anyStorageRead.add(to);
    if (frame.slots.anyWrite) access.anyStorageWrite.add(to);
  }
  for (const key of writes) reads.add(key); // writes imply reads
  return access;
}

/**
 * Whether an executed transaction stayed inside its declared access: the first location it read
 * or wrote outside it, or undefined.
 */
export function firstUndeclaredAccess(
  access: DeclaredTransaction,
  reads: Iterable<LocationKey>,
  writes: Iterable<LocationKey>,
): { location: LocationKey; access: "read" | "write" } | undefined {
  const covered = (key: LocationKey, keys: Set<LocationKey>, anyStorage: Set<string>): boolean =>
    keys.has(key) || (isStorageKey(key) && anyStorage.has(locationAddress(key)));
  for (const key of writes)
    if (!covered(key, access.writes, access.anyStorageWrite))
      return { location: key, access: "write" };
  for (const key of reads)
    if (!covered(key, access.reads, access.anyStorageRead))
      return { location: key, access: "read" };
  return undefined;
}
