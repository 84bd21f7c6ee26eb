/**
 * Instantiation: a {@link SlotPattern} + a concrete call (arguments, `msg.sender`, `tx.origin`,
 * the contract's address) → the slots it declares.
 *
 * Patterns whose keys are all known for the call become a list of slots (`kind: "slots"`);
 * `*` on a fixed-size array is enumerated when the result stays small. Everything else (`*` on a
 * mapping or a dynamic array, the data area of bytes/string, very large fixed arrays) becomes a
 * matcher (`kind: "matcher"`) that decides whether a given slot belongs to the pattern.
 *
 * Matching a slot reached through a mapping with a `*` key needs the keccak-256 preimages the
 * call computed (a mapping slot is `keccak256(key . parent)` and cannot be inverted otherwise):
 * pass them as {@link Preimages} (hash → preimage, e.g. recorded from the KECCAK256 opcode of
 * the call frame). Dynamic arrays and bytes under a known parent slot need no preimages.
 * Without the needed preimages, a matcher answers `false`.
 */
import { type Address, type Hex, hexToBigInt, keccak256 } from "viem";

import { getKeyFunction, type TypedValue } from "./key-functions.ts";
import type { KeyTerm, PatternStep, SlotPattern } from "./pattern.ts";
import {
  SLOT_MODULUS,
  type KeyValue,
  addSlots,
  dataSlot,
  elementPosition,
  encodeMappingKey,
  mappingSlot,
  slotToHex,
} from "./slots.ts";

/** The call a pattern is instantiated for. */
export interface CallContext {
  /** Decoded arguments in ABI order (as viem's `decodeFunctionData` returns them). */
  args?: readonly unknown[];
  /** `msg.sender` of the call frame. */
  sender?: Address;
  /** `tx.origin`. */
  origin?: Address;
  /** Address of the called contract (for `this` keys). */
  self?: Address;
}

/** keccak-256 preimages seen during a call: 32-byte hash (lowercase hex) → preimage (hex). */
export type Preimages = ReadonlyMap<Hex, Hex>;

/** A pattern that came out as a finite list of slots. */
export interface SlotsInstance {
  kind: "slots";
  /** The slots, 32-byte lowercase hex, in derivation order; empty when the call would revert
   * before touching them (e.g. an index out of a fixed array's range, a negative index). */
  slots: Hex[];
  /** Byte offset of a packed value in its slot (single-slot instances only). */
  offset?: number;
  /** Width of the value in bytes, for value types. */
  bytes?: number;
}

/** A pattern that cannot be enumerated: a membership test. */
export interface MatcherInstance {
  kind: "matcher";
  /** The pattern's expression, e.g. `allowance[msg.sender][*]`. */
  description: string;
  /** Whether `slot` belongs to the pattern for this call (see the module doc for `preimages`). */
  match(slot: Hex | bigint, preimages?: Preimages): boolean;
}

export type PatternInstance = SlotsInstance | MatcherInstance;

/** Above this many slots, a pattern is matched instead of enumerated. */
export const ENUMERATION_LIMIT = 4096;

/** Elements of a dynamic array (and 32-byte words of a bytes/string) at most: 2^64. */
const MAX_DYNAMIC_ELEMENTS = 1n << 64n;

/** Thrown when a pattern needs something the call context does not have. */
export class MissingContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingContextError";
  }
}

/** Sentinel: the call would revert before the access (bad index). */
const INVALID = Symbol("invalid key");

type ResolvedKey = { value: KeyValue; type: string } | typeof INVALID;

/**
 * Value of a key term for a call.
 * @throws {MissingContextError} when the term needs an argument, sender, origin or self that
 *   `ctx` lacks.
 */
export function evaluateTerm(
  term: Exclude<KeyTerm, { kind: "any" }>,
  ctx: CallContext,
): TypedValue {
  switch (term.kind) {
    case "sender":
      if (ctx.sender === undefined) throw new MissingContextError("the pattern needs msg.sender");
      return { type: "address", value: ctx.sender };
    case "origin":
      if (ctx.origin === undefined) throw new MissingContextError("the pattern needs tx.origin");
      return { type: "address", value: ctx.origin };
    case "this":
      if (ctx.self === undefined)
        throw new MissingContextError("the pattern needs the contract's address (this)");
      return { type: "address", value: ctx.self };
    case "literal":
      return { type: term.type, value: literalValue(term.type, term.value) };
    case "param": {
      if (ctx.args === undefined || ctx.args.length <= term.index) {
        throw new MissingContextError(`the pattern needs argument ${term.index} (${term.name})`);
      }
      let value: unknown = ctx.args[term.index];
      for (const step of term.path ?? []) {
        if (Array.isArray(value)) value = value[step.index];
        else if (value !== null && typeof value === "object")
          value = (value as Record<string, unknown>)[step.name];
        else throw new MissingContextError(`argument ${term.name} has no member ${step.name}`);
      }
      return { type: term.type, value: value as KeyValue };
    }
    case "fn": {
      const keyFunction = getKeyFunction(term.name);
      if (keyFunction === undefined)
        throw new Error(
          `unknown key function "${term.name}" (register it with registerKeyFunction)`,
        );
      const args = term.args.map((arg) => {
        if (arg.kind === "any") throw new Error(`* cannot be an argument of ${term.name}()`);
        return evaluateTerm(arg, ctx);
      });
      return { type: keyFunction.resultType, value: keyFunction.evaluate(args, term.n) };
    }
  }
}

function literalValue(type: string, value: string): KeyValue {
  if (/^u?int\d*$/.test(type)) return BigInt(value);
  if (type === "bool") return value === "true";
  return value;
}

const isAny = (step: PatternStep): boolean =>
  (step.op === "mapping" || step.op === "index") && step.key.kind === "any";

function resolveStepKey(
  step: Extract<PatternStep, { op: "mapping" | "index" }>,
  ctx: CallContext,
): ResolvedKey {
  const { type, value } = evaluateTerm(step.key as Exclude<KeyTerm, { kind: "any" }>, ctx);
  if (step.op === "mapping") return { type, value };
  let index: bigint;
  if (typeof value === "bigint") index = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) index = BigInt(value);
  else return INVALID;
  if (index < 0n || (step.length !== undefined && index >= BigInt(step.length))) return INVALID;
  return { type, value: index };
}

/** Slot (and packed byte offset) after applying a concrete step to `slot`. */
function applyStep(
  step: PatternStep,
  slot: bigint,
  key: ResolvedKey | undefined,
): { slot: bigint; offset?: number } {
  switch (step.op) {
    case "member":
      return { slot: addSlots(slot, step.slot), offset: step.offset };
    case "mapping":
      if (key === undefined || key === INVALID) throw new Error("unresolved mapping key");
      return { slot: mappingSlot(slot, step.keyType, key.value) };
    case "index": {
      if (key === undefined || key === INVALID) throw new Error("unresolved index");
      const start = step.array === "dynamic" ? dataSlot(slot) : slot;
      return elementPosition(start, key.value as bigint, step);
    }
    case "data":
      throw new Error("the data area of bytes/string cannot be enumerated");
  }
}

/** Slot-distance between consecutive distinct element positions, and how many there are. */
function fixedArraySpan(step: Extract<PatternStep, { op: "index" }>): {
  stride: bigint;
  count: bigint;
} {
  const length = BigInt(step.length ?? 0);
  if (step.perSlot > 1)
    return { stride: 1n, count: (length + BigInt(step.perSlot) - 1n) / BigInt(step.perSlot) };
  return { stride: BigInt(step.slots), count: length };
}

/**
 * Fills a pattern's holes for one call.
 * @returns the slots, or a matcher when they cannot be listed (see the module doc).
 * @throws {MissingContextError} when the pattern needs an argument, sender, origin or self that
 *   `ctx` lacks.
 */
export function instantiate(pattern: SlotPattern, ctx: CallContext = {}): PatternInstance {
  const keys = pattern.steps.map((step) =>
    (step.op === "mapping" || step.op === "index") && step.key.kind !== "any"
      ? resolveStepKey(step, ctx)
      : undefined,
  );
  if (keys.some((key) => key === INVALID)) return { kind: "slots", slots: [] };

  const enumerated = enumerate(pattern, keys);
  if (enumerated !== undefined) {
    const instance: SlotsInstance = { kind: "slots", slots: enumerated.slots.map(slotToHex) };
    if (pattern.bytes !== undefined) instance.bytes = pattern.bytes;
    if (enumerated.slots.length === 1 && pattern.bytes !== undefined && pattern.bytes < 32) {
      instance.offset = enumerated.offset ?? pattern.offset ?? 0;
    }
    return instance;
  }
  return buildMatcher(pattern, keys);
}

/** Lists a pattern's slots when it has no non-enumerable wildcard and stays under the limit. */
function enumerate(
  pattern: SlotPattern,
  keys: Array<ResolvedKey | undefined>,
): { slots: bigint[]; offset?: number } | undefined {
  let current: bigint[] = [hexToBigInt(pattern.root)];
  let offset: number | undefined;
  for (const [i, step] of pattern.steps.entries()) {
    if (step.op === "data") return undefined;
    if (isAny(step)) {
      if (step.op !== "index" || step.array !== "fixed") return undefined;
      const { stride, count } = fixedArraySpan(step);
      if (BigInt(current.length) * count > BigInt(ENUMERATION_LIMIT)) return undefined;
      current = current.flatMap((slot) =>
        Array.from({ length: Number(count) }, (_, j) => addSlots(slot, BigInt(j) * stride)),
      );
      offset = undefined;
      continue;
    }
    const results = current.map((slot) => applyStep(step, slot, keys[i]));
    current = results.map((r) => r.slot);
    offset = results[0]?.offset;
  }
  if (current.length * pattern.slots > ENUMERATION_LIMIT) return undefined;
  const slots =
    pattern.slots === 1
      ? current
      : current.flatMap((slot) =>
          Array.from({ length: pattern.slots }, (_, j) => addSlots(slot, j)),
        );
  const lastStep = pattern.steps.at(-1);
  return {
    slots,
    offset: lastStep?.op === "index" || lastStep?.op === "member" ? offset : undefined,
  };
}

const normalizeHex = (hex: Hex): Hex => hex.toLowerCase() as Hex;

function buildMatcher(pattern: SlotPattern, keys: Array<ResolvedKey | undefined>): MatcherInstance {
  const steps = pattern.steps;
  const root = hexToBigInt(pattern.root);
  // concrete[k]: the slot after k steps when steps[0..k) have no wildcard.
  const concrete: Array<bigint | undefined> = [root];
  for (const [k, step] of steps.entries()) {
    const previous = concrete[k];
    concrete.push(
      previous === undefined || step.op === "data" || isAny(step)
        ? undefined
        : applyStep(step, previous, keys[k]).slot,
    );
  }
  const encodedKeys = steps.map((step, k) => {
    const key = keys[k];
    return step.op === "mapping" && key !== undefined && key !== INVALID
      ? normalizeHex(encodeMappingKey(step.keyType, key.value))
      : undefined;
  });
  const sub = (a: bigint, b: bigint): bigint =>
    (((a - b) % SLOT_MODULUS) + SLOT_MODULUS) % SLOT_MODULUS;

  const prefixMatches = (k: number, target: bigint, preimages: Preimages | undefined): boolean => {
    const known = concrete[k];
    if (known !== undefined) return known === target;
    const step = steps[k - 1];
    switch (step.op) {
      case "member":
        return prefixMatches(k - 1, sub(target, BigInt(step.slot)), preimages);
      case "mapping": {
        const preimage = preimages?.get(slotToHex(target));
        if (preimage === undefined) return false;
        const body = preimage.slice(2).toLowerCase();
        const valueKey = step.keyType !== "string" && step.keyType !== "bytes";
        if (body.length < 64 || (valueKey && body.length !== 128)) return false;
        const keyPart = `0x${body.slice(0, -64)}`;
        if (encodedKeys[k - 1] !== undefined && encodedKeys[k - 1] !== keyPart) return false;
        return prefixMatches(k - 1, BigInt(`0x${body.slice(-64)}`), preimages);
      }
      case "index":
      case "data": {
        const dynamic = step.op === "data" || step.array === "dynamic";
        const key = step.op === "data" ? undefined : keys[k - 1];
        const stride = step.op === "data" || step.perSlot > 1 ? 1n : BigInt(step.slots);
        const delta =
          key !== undefined && key !== INVALID && step.op === "index"
            ? elementPosition(0n, key.value as bigint, step).slot
            : undefined;
        if (!dynamic) {
          const fixed = step as Extract<PatternStep, { op: "index" }>;
          if (delta !== undefined) return prefixMatches(k - 1, sub(target, delta), preimages);
          const { stride: fixedStride, count } = fixedArraySpan(fixed);
          const parent = concrete[k - 1];
          if (parent !== undefined) {
            const d = sub(target, parent);
            return d < count * fixedStride && d % fixedStride === 0n;
          }
          for (let d = 0n; d < count * fixedStride; d += fixedStride) {
            if (prefixMatches(k - 1, sub(target, d), preimages)) return true;
          }
          return false;
        }
        const limit =
          step.op === "index" && step.perSlot > 1
            ? MAX_DYNAMIC_ELEMENTS / BigInt(step.perSlot) + 1n
            : MAX_DYNAMIC_ELEMENTS * stride;
        const fits = (d: bigint): boolean =>
          delta !== undefined ? d === delta : d < limit && d % stride === 0n;
        const parent = concrete[k - 1];
        if (parent !== undefined) return fits(sub(target, dataSlot(parent)));
        if (preimages === undefined) return false;
        for (const [hash, preimage] of preimages) {
          if (preimage.length !== 66) continue;
          if (
            fits(sub(target, hexToBigInt(hash))) &&
            prefixMatches(k - 1, hexToBigInt(preimage), preimages)
          )
            return true;
        }
        return false;
      }
    }
  };

  const n = steps.length;
  const span = BigInt(pattern.slots);
  return {
    kind: "matcher",
    description: pattern.expr,
    match(slot, preimages) {
      const s = typeof slot === "bigint" ? slot : hexToBigInt(slot);
      const base = concrete[n];
      if (base !== undefined) return sub(s, base) < span;
      for (let j = 0n; j < span; j++) {
        if (prefixMatches(n, sub(s, j), preimages)) return true;
      }
      return false;
    },
  };
}

/**
 * Convenience: every slot of a pattern for a call as a flat list, and the matchers of the parts
 * that cannot be listed.
 */
export function instantiateAll(
  patterns: readonly SlotPattern[],
  ctx: CallContext = {},
): { slots: Hex[]; matchers: MatcherInstance[] } {
  const slots = new Set<Hex>();
  const matchers: MatcherInstance[] = [];
  for (const pattern of patterns) {
    const instance = instantiate(pattern, ctx);
    if (instance.kind === "slots") for (const slot of instance.slots) slots.add(slot);
    else matchers.push(instance);
  }
  return { slots: [...slots], matchers };
}

/** keccak-256 of a hex preimage, as a normalised slot key for {@link Preimages} maps. */
export const preimageKey = (preimage: Hex): Hex => normalizeHex(keccak256(preimage));
