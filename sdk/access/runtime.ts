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
  decodeAbiParameters,
  hexToBigInt,
  toFunctionSelector,
} from "viem";

import {
  type CallContext,
  type MatcherInstance,
  type Preimages,
  instantiate,
} from "./instantiate.ts";
import { type AccessManifest, effectiveDeclaration, type FunctionAccess } from "./manifest.ts";
import type { KeyTerm, SlotPattern } from "./pattern.ts";
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
  /** Whether a read of `slot` is declared. Always false when `declared` is false. */
  mayRead(slot: Hex, preimages?: Preimages): boolean;
  /** Whether a write of `slot` is declared. Always false when `declared` is false. */
  mayWrite(slot: Hex, preimages?: Preimages): boolean;
}

/** Per-frame declarations of one contract; see the module doc. */
export type RuntimeDeclarations = (
  calldata: Hex,
  sender: Address,
  origin: Address,
  self?: Address,
) => FrameDeclaration;

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
  for (const selector of Object.keys(manifest.functions) as Hex[]) {
    const declaration = effectiveDeclaration(manifest, selector);
    if (!declaration.declared) continue;
    const entry: Precompiled = {
      fn: declaration.function!,
      inputs: abiInputs.get(selector) ?? declaration.function!.inputs,
      needsArgs: [...declaration.reads, ...declaration.writes].some((p) =>
        patternUses(p, usesParams),
      ),
      fixedReads: new Set(),
      fixedWrites: new Set(),
      fixedReadMatchers: [],
      fixedWriteMatchers: [],
      callReads: declaration.reads.filter((p) => patternUses(p, usesCall)),
      callWrites: declaration.writes.filter((p) => patternUses(p, usesCall)),
    };
    addInstances(
      declaration.reads.filter((p) => !patternUses(p, usesCall)),
      {},
      entry.fixedReads,
      entry.fixedReadMatchers,
    );
    addInstances(
      declaration.writes.filter((p) => !patternUses(p, usesCall)),
      {},
      entry.fixedWrites,
      entry.fixedWriteMatchers,
    );
    compiled.set(selector, entry);
  }

  return (calldata, sender, origin, self) => {
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
    addInstances(entry.callReads.filter(usable), ctx, reads, readMatchers);
    addInstances(entry.callWrites.filter(usable), ctx, writes, writeMatchers);
    return makeFrame(
      selector,
      entry.fn.signature,
      true,
      reads,
      writes,
      readMatchers,
      writeMatchers,
      decodeError,
    );
  };
}
