/**
 * Declarations for the engine's run-time check and the `declared` executor.
 *
 * `compileManifestForRuntime(manifest)` precompiles a contract's manifest once; the returned
 * function is called per call frame with the frame's calldata, `msg.sender`, `tx.origin` and the
 * contract's own address, and returns the storage slots of that contract the frame is declared
 * to read and write:
 *
 * ```ts
 * const declarationsOf = compileManifestForRuntime(manifest);          // once per contract
 * const frame = declarationsOf(calldata, sender, origin, address);     // once per call frame
 * if (frame.declared) {
 *   for (const slot of actualWrites) if (!frame.mayWrite(slot, preimages)) violation(slot);
 *   for (const slot of actualReads) if (!frame.mayRead(slot, preimages)) violation(slot);
 * }
 * ```
 *
 * - Slots are 32-byte lowercase hex (the `s:` location format of `sdk/engine/location.ts`).
 * - `reads` includes every declared write (writes imply reads); contract-level declarations are
 *   included (see `effectiveDeclaration` in `manifest.ts`).
 * - Concrete slots are in the `reads`/`writes` sets (O(1) lookups). Patterns with `*` or a
 *   bytes/string data area are matchers, tried by `mayRead`/`mayWrite` after the sets; to
 *   recognise slots reached through a mapping `*` they need the keccak-256 preimages the frame
 *   computed (`Preimages`: hash → preimage, lowercase hex; e.g. recorded by wrapping the EVM's
 *   KECCAK256 opcode). Without them such slots are reported as undeclared.
 * - Cost: patterns that depend on nothing of the call (literal keys, `*`) are instantiated once
 *   at compile time; per frame, the arguments are ABI-decoded only when a pattern uses one, and
 *   each call-dependent pattern costs one keccak-256 per mapping or dynamic-array step.
 * - Unknown selectors (fallback/receive, functions not in the manifest), calldata shorter than
 *   4 bytes and undeclared functions give `declared: false`: the engine should not check them.
 * - Calldata that does not decode (the function would revert in its ABI decoder) gives the
 *   declaration without the argument-dependent patterns, and `decodeError`.
 */
import {
  type Abi,
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Hex,
  bytesToHex,
  decodeAbiParameters,
  hexToBigInt,
  toFunctionSelector,
} from "viem";

import {
  type CallContext,
  evaluateTerm,
  type MatcherInstance,
  type Preimages,
  instantiate,
} from "./instantiate.ts";
import type { TypedValue } from "./key-functions.ts";
import { type AccessManifest, effectiveDeclaration, type FunctionAccess } from "./manifest.ts";
import type { CallPattern, Guard, KeyTerm, SlotPattern } from "./pattern.ts";
import { slotToHex } from "./slots.ts";

/** What one call frame is declared to access in its own contract's storage. */
export interface FrameDeclaration {
  /** The 4-byte selector of the calldata (undefined for calldata shorter than 4 bytes). */
  selector?: Hex;
  /** Signature of the function, when the manifest knows the selector. */
  signature?: string;
  /** False when there is no declaration to check against (see the module doc). */
  declared: boolean;
  /** Concrete slots the frame may read (writes included). */
  reads: ReadonlySet<Hex>;
  /** Concrete slots the frame may write. */
  writes: ReadonlySet<Hex>;
  /** Patterns that could not be listed (`*`, bytes data), for reads (writes included) and writes. */
  readMatchers: readonly MatcherInstance[];
  writeMatchers: readonly MatcherInstance[];
  /** True when any matcher is present. */
  wildcards: boolean;
  /** Set when the calldata did not decode; argument-dependent patterns were left out. */
  decodeError?: string;
  /**
   * The declared calls into other contracts (`@custom:calls`) with their arguments evaluated for
   * this frame; composed with the callees' manifests by `composeCalls` (`calls.ts`). Absent when
   * the function declares none, or its calldata did not decode.
   */
  calls?: EvaluatedCall[];
  /** Whether a read of `slot` is declared. Always false when `declared` is false. */
  mayRead(slot: Hex, preimages?: Preimages): boolean;
  /** Whether a write of `slot` is declared. Always false when `declared` is false. */
  mayWrite(slot: Hex, preimages?: Preimages): boolean;
}

/**
 * One argument of a declared call for one frame: a value, or a term standing for the argument in
 * the callee's patterns (`*`, or a key function with its arguments evaluated, e.g. the caller's
 * `shard(msg.sender)` as `shard(0x…)`).
 */
export type CallArgument = { value: TypedValue } | { term: KeyTerm };

/** A declared call with its arguments evaluated for one frame. */
export interface EvaluatedCall {
  pattern: CallPattern;
  /** The callee's address, when the target is a parameter (else `composeCalls` reads it). */
  target?: Address;
  args: CallArgument[];
}

/**
 * Per-frame declarations of one contract; see the module doc. `argTerms`: arguments (by ABI
 * index) that stand for a term rather than their value (a caller's `*` or `shard(x)` in
 * `@custom:calls`): patterns keyed by them use the term, whatever the calldata holds there.
 */
export type RuntimeDeclarations = (
  calldata: Hex,
  sender: Address,
  origin: Address,
  self?: Address,
  argTerms?: ReadonlyMap<number, KeyTerm>,
  state?: FrameState,
) => FrameDeclaration;

/**
 * The frame's own code and storage, for guards (`cond ? location`). Without it every guarded
 * location and call is declared (both outcomes).
 */
export interface FrameState {
  /** The runtime code the frame runs (immutables are read from it). */
  code: Uint8Array;
  /** A word of the frame's storage. */
  storage(slot: Hex): bigint;
}

/**
 * Whether a guard holds for a frame: true or false, or undefined when it cannot be told (no
 * state). `reads` receives the guard's slot (it is read to decide).
 */
export function evaluateGuard(
  guard: Guard,
  ctx: CallContext,
  state: FrameState | undefined,
  reads: Set<Hex>,
): boolean | undefined {
  let value: boolean | undefined;
  if (guard.kind === "constant") value = guard.value;
  else if (guard.kind === "param") {
    const arg = ctx.args?.[guard.index];
    value = typeof arg === "boolean" ? arg : undefined;
  } else if (guard.kind === "immutable") {
    const start = guard.offsets[0];
    if (state !== undefined && state.code.length >= start + 32)
      value = state.code.subarray(start, start + 32).some((b) => b !== 0);
  } else {
    const instance = instantiate(guard.pattern, ctx);
    if (instance.kind !== "slots" || instance.slots.length !== 1) return undefined;
    const slot = instance.slots[0];
    reads.add(slot);
    if (state !== undefined)
      value = ((state.storage(slot) >> BigInt((guard.pattern.offset ?? 0) * 8)) & 0xffn) !== 0n;
  }
  return value === undefined ? undefined : value !== guard.negate;
}

const usesCall = (term: KeyTerm): boolean =>
  term.kind === "param" ||
  term.kind === "sender" ||
  term.kind === "origin" ||
  term.kind === "this" ||
  (term.kind === "fn" && term.args.some(usesCall));

const usesParams = (term: KeyTerm): boolean =>
  term.kind === "param" || (term.kind === "fn" && term.args.some(usesParams));

const patternUses = (pattern: SlotPattern, test: (term: KeyTerm) => boolean): boolean =>
  pattern.steps.some((step) => (step.op === "mapping" || step.op === "index") && test(step.key));

const guardsUseParams = (guards: readonly Guard[] | undefined): boolean =>
  guards?.some(
    (g) => g.kind === "param" || (g.kind === "storage" && patternUses(g.pattern, usesParams)),
  ) ?? false;

interface Precompiled {
  fn: FunctionAccess;
  inputs: readonly AbiParameter[];
  needsArgs: boolean;
  fixedReads: Set<Hex>;
  fixedWrites: Set<Hex>;
  fixedReadMatchers: MatcherInstance[];
  fixedWriteMatchers: MatcherInstance[];
  callReads: SlotPattern[];
  callWrites: SlotPattern[];
  calls: CallPattern[];
}

/**
 * `pattern` with the keys that are arguments in `terms` replaced by those terms: `*`, or a key
 * function such as `shard(0x…)` (the caller's `shard(msg.sender)`), which takes the length of
 * the fixed-size array it indexes here and counts as `*` anywhere else.
 */
function withArgTerms(pattern: SlotPattern, terms: ReadonlyMap<number, KeyTerm>): SlotPattern {
  const touches = (term: KeyTerm): boolean =>
    (term.kind === "param" && terms.has(term.index)) ||
    (term.kind === "fn" && term.args.some(touches));
  if (!patternUses(pattern, touches)) return pattern;
  return {
    ...pattern,
    steps: pattern.steps.map((step) => {
      if ((step.op !== "mapping" && step.op !== "index") || !touches(step.key)) return step;
      const replacement = step.key.kind === "param" ? terms.get(step.key.index)! : undefined;
      if (replacement?.kind === "fn" && step.op === "index" && step.array === "fixed")
        return { ...step, key: { ...replacement, n: step.length } };
      return { ...step, key: { kind: "any" } };
    }),
  };
}

const normalizeSlot = (slot: Hex): Hex =>
  slot.length === 66 ? (slot.toLowerCase() as Hex) : slotToHex(hexToBigInt(slot));

function makeFrame(
  selector: Hex | undefined,
  signature: string | undefined,
  declared: boolean,
  reads: Set<Hex>,
  writes: Set<Hex>,
  readMatchers: MatcherInstance[],
  writeMatchers: MatcherInstance[],
  decodeError?: string,
): FrameDeclaration {
  const frame: FrameDeclaration = {
    selector,
    signature,
    declared,
    reads,
    writes,
    readMatchers,
    writeMatchers,
    wildcards: readMatchers.length > 0 || writeMatchers.length > 0,
    mayRead(slot, preimages) {
      if (!declared) return false;
      const s = normalizeSlot(slot);
      return reads.has(s) || readMatchers.some((m) => m.match(s, preimages));
    },
    mayWrite(slot, preimages) {
      if (!declared) return false;
      const s = normalizeSlot(slot);
      return writes.has(s) || writeMatchers.some((m) => m.match(s, preimages));
    },
  };
  if (decodeError !== undefined) frame.decodeError = decodeError;
  return frame;
}

function addInstances(
  patterns: readonly SlotPattern[],
  ctx: CallContext,
  slots: Set<Hex>,
  matchers: MatcherInstance[],
): void {
  for (const pattern of patterns) {
    const instance = instantiate(pattern, ctx);
    if (instance.kind === "slots") for (const slot of instance.slots) slots.add(slot);
    else matchers.push(instance);
  }
}

/**
 * Precompiles a manifest for per-frame checks (see the module doc).
 *
 * @param manifest the contract's access manifest.
 * @param abi optional ABI; when given, argument types are taken from it (by selector) rather than
 *   from the manifest's stored inputs.
 * @returns `(calldata, sender, origin, self?) => FrameDeclaration`. Throws `MissingContextError`
 *   (from `instantiate.ts`) only when a pattern uses `this` and `self` is not passed.
 */
export function compileManifestForRuntime(
  manifest: AccessManifest,
  abi?: Abi,
): RuntimeDeclarations {
  const abiInputs = new Map<Hex, readonly AbiParameter[]>();
  for (const item of abi ?? []) {
    if (item.type === "function")
      abiInputs.set(
        toFunctionSelector(item as AbiFunction).toLowerCase() as Hex,
        (item as AbiFunction).inputs,
      );
  }
  const compiled = new Map<Hex, Precompiled>();
  // Guarded patterns depend on state, so they are resolved per frame too.
  const perFrame = (p: SlotPattern): boolean => p.guards !== undefined || patternUses(p, usesCall);
  for (const selector of Object.keys(manifest.functions) as Hex[]) {
    const declaration = effectiveDeclaration(manifest, selector);
    if (!declaration.declared) continue;
    const calls = declaration.function!.calls ?? [];
    const entry: Precompiled = {
      fn: declaration.function!,
      inputs: abiInputs.get(selector) ?? declaration.function!.inputs,
      needsArgs:
        [...declaration.reads, ...declaration.writes].some(
          (p) => patternUses(p, usesParams) || guardsUseParams(p.guards),
        ) ||
        calls.some(
          (c) => c.target.kind === "param" || c.args.some(usesParams) || guardsUseParams(c.guards),
        ),
      calls,
      fixedReads: new Set(),
      fixedWrites: new Set(),
      fixedReadMatchers: [],
      fixedWriteMatchers: [],
      callReads: declaration.reads.filter(perFrame),
      callWrites: declaration.writes.filter(perFrame),
    };
    addInstances(
      declaration.reads.filter((p) => !perFrame(p)),
      {},
      entry.fixedReads,
      entry.fixedReadMatchers,
    );
    addInstances(
      declaration.writes.filter((p) => !perFrame(p)),
      {},
      entry.fixedWrites,
      entry.fixedWriteMatchers,
    );
    compiled.set(selector, entry);
  }

  return (calldata, sender, origin, self, argTerms, state) => {
    if (calldata.length < 10)
      return makeFrame(undefined, undefined, false, new Set(), new Set(), [], []);
    const selector = calldata.slice(0, 10).toLowerCase() as Hex;
    const entry = compiled.get(selector);
    if (entry === undefined) {
      return makeFrame(
        selector,
        manifest.functions[selector]?.signature,
        false,
        new Set(),
        new Set(),
        [],
        [],
      );
    }
    const reads = new Set(entry.fixedReads);
    const writes = new Set(entry.fixedWrites);
    const readMatchers = [...entry.fixedReadMatchers];
    const writeMatchers = [...entry.fixedWriteMatchers];
    let args: readonly unknown[] | undefined;
    let decodeError: string | undefined;
    if (entry.needsArgs) {
      try {
        args = decodeAbiParameters(entry.inputs, `0x${calldata.slice(10)}`);
      } catch (error) {
        decodeError = (error as Error).message.split("\n")[0];
      }
    }
    const ctx: CallContext = { args, sender, origin, self };
    const usable = (p: SlotPattern): boolean => args !== undefined || !patternUses(p, usesParams);
    const any = argTerms !== undefined && argTerms.size > 0 ? argTerms : undefined;
    const adjust = (p: SlotPattern): SlotPattern => (any === undefined ? p : withArgTerms(p, any));
    // A guard whose keys need arguments that did not decode, or that is false, drops the pattern.
    const holdsOne = (guard: Guard): boolean => {
      if (guard.kind === "param" && (args === undefined || any?.has(guard.index) === true))
        return args !== undefined; // a `*` argument: either outcome
      if (guard.kind === "storage" && args === undefined && patternUses(guard.pattern, usesParams))
        return false;
      const g =
        guard.kind === "storage" && any !== undefined
          ? { ...guard, pattern: adjust(guard.pattern) }
          : guard;
      return evaluateGuard(g, ctx, state, reads) !== false;
    };
    // Every guard is evaluated (each one's slot is read), in order.
    const holds = (guards: Guard[] | undefined): boolean =>
      guards === undefined || guards.map(holdsOne).every(Boolean);
    const active = (p: SlotPattern): boolean => usable(p) && holds(p.guards);
    addInstances(entry.callReads.filter(active).map(adjust), ctx, reads, readMatchers);
    addInstances(entry.callWrites.filter(active).map(adjust), ctx, writes, writeMatchers);
    let calls: EvaluatedCall[] | undefined;
    if (entry.calls.length > 0 && (args !== undefined || !entry.needsArgs)) {
      const value = (term: KeyTerm): CallArgument => {
        if (term.kind === "any" || (any !== undefined && usesAny(term, any)))
          return { term: { kind: "any" } };
        if (term.kind === "fn") {
          const args = term.args.map((a) => literalOf(evaluateTerm(a as never, ctx)));
          return { term: { kind: "fn", name: term.name, args } };
        }
        return { value: evaluateTerm(term, ctx) };
      };
      calls = entry.calls
        .filter((c) => holds(c.guards))
        .map((pattern) => {
          // The callee's address held in a state variable is a read of the frame's own storage.
          if (pattern.target.kind === "storage") reads.add(pattern.target.slot);
          const call: EvaluatedCall = { pattern, args: pattern.args.map(value) };
          if (pattern.target.kind === "param")
            call.target = (args![pattern.target.index] as string).toLowerCase() as Address;
          return call;
        });
    }
    const frame = makeFrame(
      selector,
      entry.fn.signature,
      true,
      reads,
      writes,
      readMatchers,
      writeMatchers,
      decodeError,
    );
    if (calls !== undefined) frame.calls = calls;
    return frame;
  };
}

/** A value as a literal key term (the format of `KeyTerm`'s literals). */
function literalOf(value: TypedValue): KeyTerm {
  const v = value.value;
  const text =
    v instanceof Uint8Array
      ? bytesToHex(v)
      : typeof v === "string"
        ? value.type === "string"
          ? v
          : v.toLowerCase()
        : String(v);
  return { kind: "literal", type: value.type, value: text };
}

const usesAny = (term: KeyTerm, any: ReadonlyMap<number, KeyTerm>): boolean =>
  (term.kind === "param" && any.has(term.index)) ||
  (term.kind === "fn" && term.args.some((t) => usesAny(t, any)));
