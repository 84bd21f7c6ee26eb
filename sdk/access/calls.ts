/**
 * Composition of declared calls (`@custom:calls`, `docs/annotations.md`): what a frame makes
 * other contracts touch, from the callees' own manifests.
 *
 * For each call a frame declares, {@link composeCalls} finds the callee's address (an immutable
 * read from the caller's runtime code, a constant, a state variable read from the caller's
 * storage, or a parameter), finds the callee's manifest by the code at that address, encodes the
 * declared arguments as calldata and resolves the callee's function for it, with `msg.sender` =
 * the caller's address and `this` = the callee's. The callee's own declared calls are composed
 * the same way, down to {@link MAX_CALL_DEPTH} levels of calls below the frame. A callee without
 * code contributes only the read of its (empty) account.
 *
 * The result is undeclared (`undeclared` says why) when a callee has no manifest, does not have
 * the function, or has it without annotations, when a callee's calldata does not decode, or when
 * the calls nest deeper than the bound.
 */
import {
  type AbiParameter,
  type Address,
  type Hex,
  bytesToHex,
  encodeAbiParameters,
  zeroAddress,
} from "viem";

import type { MatcherInstance, Preimages } from "./instantiate.ts";
import type { AccessManifest } from "./manifest.ts";
import type { CallPattern, KeyTerm } from "./pattern.ts";
import type { CallArgument, EvaluatedCall, RuntimeDeclarations } from "./runtime.ts";

/** Calls below the declaring frame that are composed (a call of a call of … 4 levels). */
export const MAX_CALL_DEPTH = 4;

/** Synchronous state reads the composition needs (committed or in-transaction state). */
export interface CallEnvironment {
  /** The runtime code at `address` (lowercase), empty for none. */
  code(address: Address): Uint8Array;
  /** A storage word of `address` (lowercase) at `slot` (32-byte lowercase hex). */
  storage(address: Address, slot: Hex): bigint;
}

/** A contract's manifest and its precompiled per-frame declarations. */
export interface CalleeDeclarations {
  manifest: AccessManifest;
  runtime: RuntimeDeclarations;
}

/** The manifest of the contract whose runtime code is `code`, if the project has one. */
export type CalleeLookup = (code: Uint8Array) => CalleeDeclarations | undefined;

/** What the calls may touch in one callee's storage. */
export interface ComposedStorage {
  /** The callee's contract name (from its manifest). */
  contract: string;
  manifest: AccessManifest;
  /** Concrete slots (32-byte lowercase hex); `reads` includes `writes`. */
  reads: Set<Hex>;
  writes: Set<Hex>;
  readMatchers: MatcherInstance[];
  writeMatchers: MatcherInstance[];
  /** `Callee.function(...)` of each call into it, for messages. */
  functions: Set<string>;
}

/** The composed declaration of a frame's calls. */
export interface ComposedCalls {
  /** Callee address (lowercase) → what the calls may touch there. */
  storage: Map<Address, ComposedStorage>;
  /** Every address called (its code, nonce and balance are read by the CALL). */
  callees: Set<Address>;
  /** Slots of `self` (the declaring frame's storage) read to find callees held in state variables. */
  selfReads: Set<Hex>;
  /** Set when part of the calls cannot be declared: why. The rest of the fields are then partial. */
  undeclared?: string;
}

/** Whether a composed storage entry allows a read (`write` false) or write of `slot`. */
export function composedAllows(
  entry: ComposedStorage,
  slot: Hex,
  write: boolean,
  preimages?: Preimages,
): boolean {
  const s = slot.toLowerCase() as Hex;
  if ((write ? entry.writes : entry.reads).has(s)) return true;
  return (write ? entry.writeMatchers : entry.readMatchers).some((m) => m.match(s, preimages));
}

/** The address a call goes to, for the frame of `self` running `code`. */
function targetOf(
  call: EvaluatedCall,
  code: Uint8Array,
  self: Address,
  env: CallEnvironment,
  selfReads: Set<Hex>,
): Address | string {
  const target = call.pattern.target;
  switch (target.kind) {
    case "param":
      return call.target!;
    case "constant":
      return target.value as Address;
    case "immutable": {
      const start = target.offsets[0];
      if (code.length < start + 32)
        return `the immutable ${target.name} is not where the compiler put it (the code is not the compiled contract's)`;
      return `0x${bytesToHex(code.subarray(start + 12, start + 32)).slice(2)}` as Address;
    }
    case "storage": {
      selfReads.add(target.slot);
      const word = env.storage(self, target.slot);
      const value = (word >> BigInt(target.offset * 8)) & ((1n << 160n) - 1n);
      return `0x${value.toString(16).padStart(40, "0")}` as Address;
    }
  }
}

/** Calldata arguments; those that stand for a term (`*`, `shard(x)`) are encoded as zero. */
function encodeArgs(inputs: readonly AbiParameter[], args: readonly CallArgument[]): Hex {
  const zero = (type: string): unknown => {
    if (type === "address") return zeroAddress;
    if (type === "bool") return false;
    if (type === "string") return "";
    if (type === "bytes") return "0x";
    if (/^bytes\d+$/.test(type)) return `0x${"00".repeat(Number(type.slice(5)))}`;
    if (/^u?int\d*$/.test(type)) return 0n;
    if (type.endsWith("]")) return [];
    return undefined;
  };
  const values = inputs.map((input, i) => {
    const arg = args[i];
    if (!("value" in arg)) return zero(input.type) ?? zeroOfTuple(input);
    return arg.value.value;
  });
  return encodeAbiParameters(inputs, values as never);
}

function zeroOfTuple(input: AbiParameter): unknown {
  const components = "components" in input ? input.components : [];
  return Object.fromEntries(
    components.map((c, i) => [c.name ?? String(i), c.type === "tuple" ? zeroOfTuple(c) : 0n]),
  );
}

/**
 * Composes the declared calls of one frame (see the module doc).
 *
 * @param calls the frame's evaluated calls (`FrameDeclaration.calls`).
 * @param frame the declaring frame: its runtime code, its address (`self`) and `tx.origin`.
 * @param env state reads (code of callees, storage for state-variable targets).
 * @param lookup finds a callee's manifest by its code.
 * @returns the callees' declared storage, by address; `undeclared` when part cannot be declared.
 */
export function composeCalls(
  calls: readonly EvaluatedCall[],
  frame: { code: Uint8Array; self: Address; origin: Address },
  env: CallEnvironment,
  lookup: CalleeLookup,
): ComposedCalls {
  const out: ComposedCalls = { storage: new Map(), callees: new Set(), selfReads: new Set() };
  compose(calls, frame, env, lookup, 1, out, out.selfReads);
  return out;
}

function compose(
  calls: readonly EvaluatedCall[],
  frame: { code: Uint8Array; self: Address; origin: Address },
  env: CallEnvironment,
  lookup: CalleeLookup,
  depth: number,
  out: ComposedCalls,
  selfReads: Set<Hex>,
): void {
  for (const call of calls) {
    if (out.undeclared !== undefined) return;
    const what = `the call ${call.pattern.expr}`;
    if (depth > MAX_CALL_DEPTH) {
      out.undeclared = `${what} is nested more than ${MAX_CALL_DEPTH} calls deep (the bound of composed declarations)`;
      return;
    }
    const target = targetOf(call, frame.code, frame.self, env, selfReads);
    if (!target.startsWith("0x")) {
      out.undeclared = `${what}: ${target}`;
      return;
    }
    const address = target.toLowerCase() as Address;
    out.callees.add(address);
    const code = env.code(address);
    if (code.length === 0) continue; // no code: the call runs nothing (a high-level call reverts)
    const callee = lookup(code);
    if (callee === undefined) {
      out.undeclared = `${what} goes to ${address}, a contract without an access manifest`;
      return;
    }
    const fn = callee.manifest.functions[call.pattern.selector];
    const name = `${callee.manifest.contractName}.${call.pattern.signature}`;
    if (fn === undefined && callee.manifest.fallback !== true) continue; // reverts, touches nothing
    if (fn === undefined) {
      out.undeclared = `${what} goes to ${address} (${callee.manifest.contractName}), which has no function ${call.pattern.signature} and runs its fallback`;
      return;
    }
    // A pure function touches no storage: declared as nothing, with or without annotations.
    if (fn.stateMutability === "pure") continue;
    const terms = new Map<number, KeyTerm>();
    call.args.forEach((arg, i) => {
      if ("term" in arg) terms.set(i, arg.term);
    });
    let calldata: Hex;
    try {
      calldata = `${call.pattern.selector}${encodeArgs(fn.inputs, call.args).slice(2)}` as Hex;
    } catch (error) {
      out.undeclared = `${what}: its arguments do not encode as ${call.pattern.signature} (${(error as Error).message.split("\n")[0]})`;
      return;
    }
    const declaration = callee.runtime(calldata, frame.self, frame.origin, address, terms, {
      code,
      storage: (slot) => env.storage(address, slot),
    });
    if (!declaration.declared) {
      out.undeclared = `${what} goes to ${name}, which has no @custom:reads / @custom:writes annotations`;
      return;
    }
    if (declaration.decodeError !== undefined) {
      out.undeclared = `${what}: ${name} does not decode its arguments`;
      return;
    }
    let entry = out.storage.get(address);
    if (entry === undefined) {
      entry = {
        contract: callee.manifest.contractName,
        manifest: callee.manifest,
        reads: new Set(),
        writes: new Set(),
        readMatchers: [],
        writeMatchers: [],
        functions: new Set(),
      };
      out.storage.set(address, entry);
    }
    entry.functions.add(name);
    for (const slot of declaration.reads) entry.reads.add(slot);
    for (const slot of declaration.writes) entry.writes.add(slot);
    entry.readMatchers.push(...declaration.readMatchers);
    entry.writeMatchers.push(...declaration.writeMatchers);
    if (declaration.calls !== undefined && declaration.calls.length > 0) {
      // The callee's own storage reads for its targets are reads of the callee.
      const calleeReads = new Set<Hex>();
      compose(
        declaration.calls,
        { code, self: address, origin: frame.origin },
        env,
        lookup,
        depth + 1,
        out,
        calleeReads,
      );
      for (const slot of calleeReads) entry.reads.add(slot);
    }
  }
}

/**
 * The declared calls of `manifest` that no manifest of `manifests` declares the function of (no
 * contract with annotations for that selector, pure functions counting as declared): at run
 * time such a call makes the transaction undeclared. For the build's warnings.
 */
export function undeclaredCallees(
  manifest: AccessManifest,
  manifests: readonly AccessManifest[],
): Array<{ function: string; call: CallPattern }> {
  const declared = new Set<Hex>();
  for (const m of manifests)
    for (const [selector, fn] of Object.entries(m.functions))
      if (fn.source !== "none" || fn.stateMutability === "pure") declared.add(selector as Hex);
  const out: Array<{ function: string; call: CallPattern }> = [];
  for (const fn of Object.values(manifest.functions))
    for (const call of fn.calls ?? [])
      if (!declared.has(call.selector)) out.push({ function: fn.signature, call });
  return out;
}

/** The build's warning for one call of {@link undeclaredCallees}. */
export function formatUndeclaredCallee(
  manifest: AccessManifest,
  entry: { function: string; call: CallPattern },
): string {
  const fn = Object.values(manifest.functions).find((f) => f.signature === entry.function);
  const file = fn?.declaredIn?.file ?? manifest.sourceName;
  const line = entry.call.line ?? fn?.declaredIn?.line ?? 0;
  return (
    `${file}:${line}: @custom:calls ${entry.call.expr} in ${manifest.contractName}.${entry.function}: ` +
    `no contract of the build with an access manifest declares ${entry.call.type}.${entry.call.signature}, ` +
    "so the call is undeclared (a transaction making it runs alone under the declared executor)"
  );
}
