/**
 * Resolution of `@custom:calls`: the calls a function makes into other contracts, e.g.
 *
 * ```solidity
 * /// @custom:calls IERC20(asset).transferFrom(msg.sender, this, amount)
 * ```
 *
 * Each call names where the callee's address comes from (an immutable, a constant, a state
 * variable of value type or a parameter of the function), the contract or interface it is called
 * as (written around the target, `IERC20(asset)`, unless the target's own type is a contract
 * type), the function and its arguments (keys of the caller, checked against the callee's
 * parameter types; `*` = any value). What the call touches comes from the callee's own manifest
 * at run time (`calls.ts`): the callee is found by the code at the address.
 */
import { type AbiFunction, type Hex, toFunctionSelector, toFunctionSignature } from "viem";

import { AnnotationProblem, didYouMean } from "./errors.ts";
import { describeType, findVariable, type StorageLayout } from "./layout.ts";
import { type CallNode, formatCall, parseCalls } from "./parse.ts";
import type { CallPattern, CallTarget, KeyTerm } from "./pattern.ts";
import {
  type FunctionContext,
  type ResolveOptions,
  resolveCallArgument,
  resolveGuard,
} from "./resolve.ts";
import { slotToHex, toSlot } from "./slots.ts";

/** A state variable's AST node, as far as resolving a call target needs it. */
export interface CallScopeVariable {
  id: number;
  name: string;
  constant?: boolean;
  mutability?: string;
  typeDescriptions?: { typeString?: string };
  typeName?: { nodeType?: string; referencedDeclaration?: number };
  value?: {
    nodeType?: string;
    value?: string;
    hexValue?: string;
    arguments?: Array<{ nodeType?: string; value?: string }>;
  };
}

/** A contract or interface a call can be typed with. */
export interface CallScopeContract {
  name: string;
  abi: readonly AbiFunction[] | readonly { type: string }[];
}

/** What the resolver may look up (provided by the build, `solc-output.ts`). */
export interface CallScope {
  /** The contract the function runs in (for messages). */
  contractName: string;
  /** For guards and hints, as in `resolve.ts`'s `ResolveOptions`. */
  nonStorage?: ResolveOptions["nonStorage"];
  guardValue?: ResolveOptions["guardValue"];
  /** A state variable (constant and immutable included) of the contract or its bases. */
  variable(name: string): CallScopeVariable | undefined;
  /** Start offsets of an immutable in the runtime code (solc's `immutableReferences`). */
  immutableOffsets(id: number): number[] | undefined;
  contractById(id: number): CallScopeContract | undefined;
  contractByName(name: string): CallScopeContract | undefined;
  contractNames(): string[];
}

const HINT_CAST = (name: string, call: CallNode) =>
  `name the contract type it is called as, e.g. IERC20(${name}).${call.function.name}(...)`;

/**
 * Parses and resolves the text of one `@custom:calls` tag.
 * @throws {AnnotationProblem} `syntax`/`empty` (parser), `call-target` (the callee's address),
 *   `call-function` (the function or the number of arguments), `key-type` / `unknown-parameter`
 *   (an argument).
 */
export function resolveCalls(
  text: string,
  fn: FunctionContext,
  layout: StorageLayout,
  scope: CallScope,
): CallPattern[] {
  return parseCalls(text).map((call) => resolveCall(call, fn, layout, scope));
}

function resolveCall(
  call: CallNode,
  fn: FunctionContext,
  layout: StorageLayout,
  scope: CallScope,
): CallPattern {
  const { target, typeId } = resolveTarget(call, fn, layout, scope);
  let type: CallScopeContract | undefined;
  if (call.type !== undefined) {
    type = scope.contractByName(call.type.name);
    if (type === undefined) {
      const near = didYouMean(call.type.name, scope.contractNames());
      throw new AnnotationProblem(
        "call-function",
        `unknown contract or interface "${call.type.name}"`,
        call.type.start,
        call.type.end,
        near ?? "the type must be a contract or interface of the compilation (import it)",
      );
    }
  } else if (typeId !== undefined) {
    type = scope.contractById(typeId);
  }
  if (type === undefined) {
    throw new AnnotationProblem(
      "call-target",
      `${call.target.name} is an address, so the function it is called with is unknown`,
      call.target.start,
      call.target.end,
      HINT_CAST(call.target.name, call),
    );
  }
  const functions = (type.abi as Array<{ type: string }>).filter(
    (item): item is AbiFunction => item.type === "function",
  );
  const named = functions.filter((f) => f.name === call.function.name);
  if (named.length === 0) {
    const names = [...new Set(functions.map((f) => f.name))];
    const near = didYouMean(call.function.name, names);
    throw new AnnotationProblem(
      "call-function",
      `${type.name} has no function "${call.function.name}"`,
      call.function.start,
      call.function.end,
      near ??
        (names.length === 0
          ? `${type.name} has no external functions`
          : `the functions of ${type.name} are: ${names.slice(0, 12).join(", ")}`),
    );
  }
  const fitting = named.filter((f) => f.inputs.length === call.args.length);
  if (fitting.length !== 1) {
    const signatures = named.map((f) => toFunctionSignature(f)).join(", ");
    throw new AnnotationProblem(
      "call-function",
      fitting.length === 0
        ? `${type.name}.${call.function.name} takes ${named.map((f) => f.inputs.length).join(" or ")} argument${named.length === 1 && named[0].inputs.length === 1 ? "" : "s"}, got ${call.args.length}`
        : `${type.name}.${call.function.name} is overloaded with ${call.args.length} arguments; the call is ambiguous`,
      call.start,
      call.end,
      signatures,
    );
  }
  const callee = fitting[0];
  const signature = toFunctionSignature(callee);
  const args: KeyTerm[] = call.args.map((arg, i) => {
    const input = callee.inputs[i];
    if (input.type === "tuple" || input.type.endsWith("]") || input.type === "function") {
      if (arg.kind === "any") return { kind: "any" };
      throw new AnnotationProblem(
        "key-type",
        `argument ${i + 1} of ${signature} is ${input.type === "tuple" ? "a struct" : `a ${input.type}`}; only * can stand for it`,
        arg.start,
        arg.end,
        "write * for an argument that is not a single value",
      );
    }
    return resolveCallArgument(
      arg,
      input.type,
      fn,
      layout,
      `argument ${i + 1}${input.name ? ` (${input.name})` : ""} of ${signature}`,
    );
  });
  const pattern: CallPattern = {
    expr: formatCall(call),
    target,
    type: type.name,
    signature,
    selector: toFunctionSelector(callee).toLowerCase() as Hex,
    args,
  };
  if (call.guards !== undefined && call.guards.length > 0)
    pattern.guards = call.guards.map((g) =>
      resolveGuard(g, layout, fn, {
        contractName: scope.contractName,
        nonStorage: scope.nonStorage,
        guardValue: scope.guardValue,
      }),
    );
  return pattern;
}

/** Where the callee's address comes from, and the contract type of the target when it has one. */
function resolveTarget(
  call: CallNode,
  fn: FunctionContext,
  layout: StorageLayout,
  scope: CallScope,
): { target: CallTarget; typeId?: number } {
  const name = call.target.name;
  const span = call.target;
  const problem = (message: string, hint?: string) =>
    new AnnotationProblem("call-target", message, span.start, span.end, hint);

  const index = fn.inputs.findIndex((input) => input.name === name);
  if (index >= 0) {
    const input = fn.inputs[index];
    if (input.type !== "address")
      throw problem(`parameter ${name} is a ${input.type}, not an address`);
    return { target: { kind: "param", name, index } };
  }
  const variable = scope.variable(name);
  if (variable === undefined) {
    const names = fn.inputs.map((i) => i.name ?? "").filter((n) => n !== "");
    const near = didYouMean(name, [...names, ...layout.storage.map((e) => e.label)]);
    throw problem(
      `unknown callee "${name}": not a parameter or state variable of ${scope.contractName}`,
      near ??
        "the callee is an immutable, a constant, a state variable or a parameter holding its address",
    );
  }
  const typeString = variable.typeDescriptions?.typeString ?? "";
  const contractType = /^contract /.test(typeString);
  if (!contractType && !/^address( payable)?$/.test(typeString))
    throw problem(`${name} is a ${typeString}, not an address or a contract`);
  const typeId = contractType ? variable.typeName?.referencedDeclaration : undefined;
  const mutability = variable.constant === true ? "constant" : variable.mutability;
  if (mutability === "constant") {
    const value = constantAddress(variable);
    if (value === undefined)
      throw problem(
        `the value of the constant ${name} is not an address literal`,
        "declare the callee as an immutable, or write the constant as address(0x…) or 0x…",
      );
    return { target: { kind: "constant", name, value }, typeId };
  }
  if (mutability === "immutable") {
    const offsets = scope.immutableOffsets(variable.id);
    if (offsets === undefined || offsets.length === 0)
      throw problem(
        `the immutable ${name} is not in the runtime code (never read after construction, or the compiler output lacks evm.deployedBytecode.immutableReferences)`,
      );
    return { target: { kind: "immutable", name, offsets }, typeId };
  }
  if (mutability === "transient")
    throw problem(`${name} is transient; a callee must outlive the transaction`);
  const entry = findVariable(layout, name);
  if (entry === undefined || describeType(layout, entry.type).kind !== "value")
    throw problem(`${name} is not a value in storage`);
  return {
    target: { kind: "storage", name, slot: slotToHex(toSlot(entry.slot)), offset: entry.offset },
    typeId,
  };
}

/** `0x…` or `address(0x…)` / `IERC20(0x…)` as a constant's value. */
function constantAddress(variable: CallScopeVariable): Hex | undefined {
  let node = variable.value;
  if (node?.nodeType === "FunctionCall") node = node.arguments?.[0];
  const text = node?.nodeType === "Literal" ? node.value : undefined;
  if (text === undefined || !/^0x[0-9a-fA-F]{40}$/.test(text)) return undefined;
  return text.toLowerCase() as Hex;
}
