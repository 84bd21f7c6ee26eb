/**
 * Slot patterns: what one annotated storage location compiles to.
 *
 * A pattern is a derivation with holes: start at the slot of a state variable (`root`), apply
 * `steps` (mapping lookups, array indexing, struct members, the data area of `bytes`/`string`),
 * and the location is the `slots` consecutive slots from there. The keys of mapping and index
 * steps are {@link KeyTerm}s: a parameter of the call, `msg.sender`, `tx.origin`, `this`, a
 * literal, any key (`*`) or a key function such as `shard(x)`. A pattern without `param`,
 * `sender`, `origin`, `this` or `any` terms is one concrete set of slots; `instantiate.ts` fills
 * the holes for a concrete call.
 *
 * Patterns are plain JSON (slots as 32-byte hex, integers as decimal strings) so they can be
 * stored in manifests (`manifest.ts`).
 */
import type { Hex } from "viem";

/** A key of a mapping lookup or an array index, possibly a hole filled per call. */
export type KeyTerm =
  /** Argument `index` of the call (ABI order); `path` walks into tuple (struct) arguments. */
  | {
      kind: "param";
      name: string;
      index: number;
      type: string;
      path?: Array<{ index: number; name: string }>;
    }
  /** `msg.sender` of the call frame. */
  | { kind: "sender" }
  /** `tx.origin`. */
  | { kind: "origin" }
  /** The address of the contract itself (`this`, `address(this)`). */
  | { kind: "this" }
  /**
   * A literal, already converted to the type it is used as: `value` is a decimal string for
   * `uintN`/`intN`, lowercase hex for `address`/`bytesN`/`bytes`, `true`/`false` for `bool`, and
   * the text itself for `string`.
   */
  | { kind: "literal"; type: string; value: string }
  /** Any key (`*`). */
  | { kind: "any" }
  /**
   * A key function from the registry of `key-functions.ts`, e.g. `shard`; `n` is the length of
   * the fixed-size array being indexed when the function needs it.
   */
  | { kind: "fn"; name: string; args: KeyTerm[]; n?: number };

/** One derivation step of a {@link SlotPattern}. */
export type PatternStep =
  /** `keccak256(h(key) . slot)`; `keyType` is the ABI type the key is hashed as. */
  | { op: "mapping"; key: KeyTerm; keyType: string }
  /**
   * Array element: start = slot (fixed) or keccak256(slot) (dynamic); element i at
   * `start + floor(i / perSlot)` (packed, byte offset `(i % perSlot) * bytes`) or
   * `start + i * slots`. `length` is set for fixed-size arrays.
   */
  | {
      op: "index";
      key: KeyTerm;
      array: "fixed" | "dynamic";
      length?: number;
      perSlot: number;
      slots: number;
      bytes: number;
    }
  /** Struct member: `slot + memberSlot`; `offset` is the member's byte offset in its slot. */
  | { op: "member"; name: string; slot: number; offset: number }
  /** The data area of a long `bytes`/`string`: any slot from keccak256(slot) on. */
  | { op: "data" };

/** One declared location, as a derivation from a state variable's slot. */
export interface SlotPattern {
  /** Canonical text, e.g. `balanceOf[to]`, `positions[msg.sender].marks[*]`. */
  expr: string;
  /** The state variable the derivation starts from. */
  variable: string;
  /** Slot of that variable (32-byte hex). */
  root: Hex;
  steps: PatternStep[];
  /** Number of consecutive slots the location occupies (1 for value types). */
  slots: number;
  /**
   * Byte offset of a packed value inside its slot, from the low-order end (solc's `offset`).
   * Absent for packed array elements, whose offset depends on the index (see `instantiate`).
   */
  offset?: number;
  /** Width in bytes of a value type (absent for structs, arrays, mappings, bytes/string). */
  bytes?: number;
  /** Solidity type of the location, e.g. `uint256`, `struct Vault.Position`. */
  type: string;
  /** Set for locations the annotation implies rather than names (the length of an indexed dynamic array). */
  implied?: "length";
  /** `cond ? location` (`a ? b ? location`): declared only when every guard holds (see {@link Guard}). */
  guards?: Guard[];
}

/**
 * The condition of a guarded location or call (`cond ? x`, `!cond ? x`): a `bool` in the
 * contract's storage (`pattern`, whose slot counts as read), a `bool` parameter, an immutable
 * (read from the runtime code at `offsets`) or a constant. Evaluated against the state a declaration is resolved in
 * (before the block for the `declared` schedule, at the frame's start for the run-time check);
 * without state, both outcomes are declared.
 */
export type Guard = { expr: string; negate: boolean } & (
  | { kind: "storage"; pattern: SlotPattern }
  | { kind: "param"; name: string; index: number }
  | { kind: "immutable"; offsets: number[] }
  | { kind: "constant"; value: boolean }
);

/** Keys that make a pattern depend on the call (or on anything, for `any`). */
export function termIsConcrete(term: KeyTerm): boolean {
  switch (term.kind) {
    case "literal":
      return true;
    case "fn":
      return term.args.every(termIsConcrete);
    default:
      return false;
  }
}

/** True when a pattern has no holes at all: it is the same set of slots for every call. */
export function patternIsConcrete(pattern: SlotPattern): boolean {
  return pattern.steps.every((step) => {
    if (step.op === "data") return false;
    if (step.op === "member") return true;
    return termIsConcrete(step.key);
  });
}

/** True when a pattern contains `*` (or a bytes/string data area): it cannot be enumerated in general. */
export function patternHasWildcard(pattern: SlotPattern): boolean {
  const hasAny = (term: KeyTerm): boolean =>
    term.kind === "any" || (term.kind === "fn" && term.args.some(hasAny));
  return pattern.steps.some(
    (step) =>
      step.op === "data" || ((step.op === "mapping" || step.op === "index") && hasAny(step.key)),
  );
}

/**
 * Where the address a `@custom:calls` call goes to comes from (see `docs/annotations.md`,
 * "Calls into other contracts"): an immutable (read from the caller's runtime code at `offsets`,
 * solc's `immutableReferences`), a constant (`value`), a state variable (read at run time from
 * the caller's storage: `slot`, address at byte `offset` from the low-order end) or a parameter.
 */
export type CallTarget =
  | { kind: "immutable"; name: string; offsets: number[] }
  | { kind: "constant"; name: string; value: Hex }
  | { kind: "storage"; name: string; slot: Hex; offset: number }
  | { kind: "param"; name: string; index: number };

/** One declared call into another contract, e.g. `IERC20(asset).transferFrom(msg.sender, this, amount)`. */
export interface CallPattern {
  /** Canonical text. */
  expr: string;
  target: CallTarget;
  /** The contract or interface the callee is called as. */
  type: string;
  /** Canonical signature of the function called, e.g. `transferFrom(address,address,uint256)`. */
  signature: string;
  /** Its 4-byte selector (lowercase hex). */
  selector: Hex;
  /**
   * The arguments in ABI order, as key terms of the caller (its parameters, `msg.sender`,
   * `tx.origin`, `this`, literals, or `*`: any value), typed as the callee's parameters.
   */
  args: KeyTerm[];
  /** 1-based line of the call's tag, for warnings. */
  line?: number;
  /** `cond ? call`: declared only when every guard holds. */
  guards?: Guard[];
}
