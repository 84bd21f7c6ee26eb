/**
 * Resolution: an annotation (parsed by `parse.ts`) + the storage layout of the most-derived
 * contract + the function's parameters → {@link SlotPattern}s.
 *
 * Names resolve through the whole layout of the contract the function runs in, so a function
 * declared in a base contract or an interface may name variables declared anywhere in the
 * inheritance chain. Each location expands to every slot its value occupies:
 * - a value type → its slot (with the byte range, when packed);
 * - a struct or fixed-size array → its consecutive slots, plus the hashed parts of members or
 *   elements that are mappings, dynamic arrays or bytes/string;
 * - a mapping → every value (`m[*]`), recursively;
 * - a dynamic array → its length slot and every element (`a[*]`); indexing a dynamic array
 *   (`a[i]`) also implies a read of its length (Solidity checks bounds);
 * - `bytes`/`string` → the slot and the data area.
 * `x.length` on a dynamic array names its length slot.
 */
import { type AbiParameter, stringToHex } from "viem";

import { AnnotationProblem, didYouMean } from "./errors.ts";
import { type KeyFunctionTarget, getKeyFunction, keyFunctionNames } from "./key-functions.ts";
import {
  describeType,
  elementLayout,
  findVariable,
  hasDynamicParts,
  mappingKeyAbiType,
  type StorageLayout,
} from "./layout.ts";
import {
  type GuardNode,
  type KeyNode,
  type LocationNode,
  formatGuards,
  formatKey,
  formatLocation,
  parseAnnotation,
} from "./parse.ts";
import type { Guard, KeyTerm, PatternStep, SlotPattern } from "./pattern.ts";
import { slotToHex, toSlot } from "./slots.ts";

/** The function an annotation belongs to (undefined for contract-level annotations). */
export interface FunctionContext {
  /** Canonical signature, e.g. `transfer(address,uint256)`. */
  signature: string;
  /** ABI state mutability; `writes` on `view`/`pure` is an error. */
  stateMutability?: string;
  /** Parameters in ABI order, named as in the annotated declaration. */
  inputs: readonly AbiParameter[];
}

/** Extra knowledge about names, used only for hints. */
export interface ResolveOptions {
  /** Contract name, for messages. */
  contractName?: string;
  /** State variables that are not in storage, e.g. `{ FEE: "constant", guard: "transient" }`. */
  nonStorage?: Readonly<Record<string, "constant" | "immutable" | "transient">>;
  /** A `bool` immutable or constant usable as a guard (`cond ? location`), by name. */
  guardValue?: (
    name: string,
  ) => { kind: "immutable"; offsets: number[] } | { kind: "constant"; value: boolean } | undefined;
}

/** Nesting depth (through mappings and arrays) up to which whole values are expanded. */
const MAX_EXPANSION_DEPTH = 8;

interface Cursor {
  text: string;
  variable: string;
  root: bigint;
  steps: PatternStep[];
  typeId: string;
  /** Static byte offset of a value type in its slot (undefined after a packed index step). */
  offset: number | undefined;
  /** `x.length` of a dynamic array. */
  length?: boolean;
}

/**
 * Parses and resolves one annotation.
 *
 * @param text the tag's text (after `@custom:reads` / `@custom:writes`).
 * @param tag which tag it is.
 * @param layout solc `storageLayout` of the most-derived contract.
 * @param fn the function, or undefined for a contract-level annotation.
 * @returns the patterns of all locations, in order (a location may expand to several). Patterns
 *   flagged `implied` (the length of an indexed dynamic array) are reads even under `writes`.
 * @throws {AnnotationProblem} on the first problem (see `AnnotationErrorCode`).
 */
export function resolveAnnotation(
  text: string,
  tag: "reads" | "writes",
  layout: StorageLayout,
  fn: FunctionContext | undefined,
  options: ResolveOptions = {},
): SlotPattern[] {
  const locations = parseAnnotation(text);
  if (
    tag === "writes" &&
    fn !== undefined &&
    (fn.stateMutability === "view" || fn.stateMutability === "pure")
  ) {
    throw new AnnotationProblem(
      "view-writes",
      `${fn.signature} is ${fn.stateMutability}, so it cannot write storage`,
      locations[0].start,
      locations.at(-1)!.end,
      "use @custom:reads for what a view function reads",
    );
  }
  return locations.flatMap((location) => resolveLocation(location, layout, fn, options));
}

/**
 * Resolves one parsed location; see {@link resolveAnnotation}.
 * @throws {AnnotationProblem}
 */
export function resolveLocation(
  location: LocationNode,
  layout: StorageLayout,
  fn: FunctionContext | undefined,
  options: ResolveOptions = {},
): SlotPattern[] {
  if (location.guards !== undefined && location.guards.length > 0) {
    const guards = location.guards.map((g) => resolveGuard(g, layout, fn, options));
    const prefix = formatGuards(location.guards);
    return resolveLocation({ ...location, guards: undefined }, layout, fn, options).map((p) => ({
      ...p,
      expr: `${prefix}${p.expr}`,
      guards,
    }));
  }
  const entry = findVariable(layout, location.variable);
  if (entry === undefined) throw unknownVariable(location, layout, fn, options);
  let cursor: Cursor = {
    text: location.variable,
    variable: location.variable,
    root: toSlot(entry.slot),
    steps: [],
    typeId: entry.type,
    offset: entry.offset,
  };
  const implied: SlotPattern[] = [];

  for (const accessor of location.accessors) {
    if (cursor.length === true) {
      throw new AnnotationProblem(
        "no-members",
        `${cursor.text} is a uint256 (an array length); it has no members or elements`,
        accessor.start,
        accessor.end,
      );
    }
    const info = describeType(layout, cursor.typeId);
    if (accessor.kind === "member") {
      if (info.kind === "struct") {
        const member = info.members!.find((m) => m.label === accessor.name);
        if (member === undefined) {
          const names = info.members!.map((m) => m.label);
          const near = didYouMean(accessor.name, names);
          throw new AnnotationProblem(
            "unknown-member",
            `${info.label} has no member "${accessor.name}"`,
            accessor.start + 1,
            accessor.end,
            `${near !== undefined ? `${near} ` : ""}the members of ${info.label} are: ${names.join(", ")}`,
          );
        }
        cursor = {
          ...cursor,
          text: `${cursor.text}.${accessor.name}`,
          steps: [
            ...cursor.steps,
            { op: "member", name: member.label, slot: Number(member.slot), offset: member.offset },
          ],
          typeId: member.type,
          offset: member.offset,
        };
        continue;
      }
      if (info.kind === "dynamic-array" && accessor.name === "length") {
        cursor = { ...cursor, text: `${cursor.text}.length`, length: true, offset: 0 };
        continue;
      }
      let hint: string | undefined;
      if (info.kind === "mapping") hint = `index it instead: ${cursor.text}[key]`;
      else if (info.kind === "static-array" && accessor.name === "length")
        hint = "the length of a fixed-size array is not stored";
      else if (info.kind === "static-array" || info.kind === "dynamic-array")
        hint = `index it first: ${cursor.text}[i].${accessor.name}`;
      throw new AnnotationProblem(
        "no-members",
        `${cursor.text} is a ${info.label}, which has no member "${accessor.name}"`,
        accessor.start,
        accessor.end,
        hint,
      );
    }

    // accessor.kind === "index"
    const keyText = formatKey(accessor.key);
    switch (info.kind) {
      case "mapping": {
        const keyType = mappingKeyAbiType(layout, info.key!);
        const keyLabel = describeType(layout, info.key!).label;
        const target: KeyFunctionTarget = {
          kind: "mapping",
          keyType,
          label: `${cursor.text} (${info.label})`,
        };
        const key = resolveKey(accessor.key, target, fn, layout, {
          keyType,
          keyLabel,
          what: cursor.text,
        });
        cursor = {
          ...cursor,
          text: `${cursor.text}[${keyText}]`,
          steps: [...cursor.steps, { op: "mapping", key, keyType }],
          typeId: info.value!,
          offset: 0,
        };
        break;
      }
      case "static-array":
      case "dynamic-array": {
        const element = elementLayout(layout, info.base!);
        const fixed = info.kind === "static-array";
        const target: KeyFunctionTarget = fixed
          ? { kind: "fixed-array", length: info.length!, label: `${cursor.text} (${info.label})` }
          : { kind: "dynamic-array", label: `${cursor.text} (${info.label})` };
        const key = resolveKey(accessor.key, target, fn, layout, {
          index: true,
          length: info.length,
          what: cursor.text,
          label: info.label,
        });
        if (!fixed)
          implied.push(
            makePattern(
              { ...cursor, text: `${cursor.text}.length` },
              1,
              "uint256",
              0,
              32,
              "length",
            ),
          );
        const step: PatternStep = {
          op: "index",
          key,
          array: fixed ? "fixed" : "dynamic",
          ...(fixed ? { length: info.length } : {}),
          perSlot: element.perSlot,
          slots: element.slots,
          bytes: element.bytes,
        };
        cursor = {
          ...cursor,
          text: `${cursor.text}[${keyText}]`,
          steps: [...cursor.steps, step],
          typeId: info.base!,
          offset: element.perSlot > 1 ? undefined : 0,
        };
        break;
      }
      case "bytes":
        throw new AnnotationProblem(
          "not-indexable",
          `${cursor.text} is ${info.label}; indexing ${info.label} in storage is not supported`,
          accessor.start,
          accessor.end,
          `declare the whole variable: ${cursor.text}`,
        );
      default: {
        const alreadyIndexed = cursor.steps.some((s) => s.op === "mapping" || s.op === "index");
        throw new AnnotationProblem(
          "not-indexable",
          `${cursor.text} is a ${info.label}, not a mapping or an array; it cannot be indexed`,
          accessor.start,
          accessor.end,
          alreadyIndexed
            ? `too many [ ]: ${cursor.text} is already a ${info.label}`
            : `remove [${keyText}]`,
        );
      }
    }
  }

  if (cursor.length === true) return [...implied, makePattern(cursor, 1, "uint256", 0, 32)];
  return [...implied, ...expand(cursor, layout, true, 0)];
}

function makePattern(
  cursor: Cursor,
  slots: number,
  type: string,
  offset: number | undefined,
  bytes: number | undefined,
  impliedKind?: "length",
): SlotPattern {
  const pattern: SlotPattern = {
    expr: cursor.text,
    variable: cursor.variable,
    root: slotToHex(cursor.root),
    steps: cursor.steps,
    slots,
    type,
  };
  if (offset !== undefined && bytes !== undefined && bytes < 32) pattern.offset = offset;
  if (bytes !== undefined) pattern.bytes = bytes;
  if (impliedKind !== undefined) pattern.implied = impliedKind;
  return pattern;
}

/**
 * Every slot of the value at `cursor`: the consecutive slots at its position (`head`, when
 * `includeHead`) and, recursively, the hashed parts of mappings, dynamic arrays and bytes.
 */
function expand(
  cursor: Cursor,
  layout: StorageLayout,
  includeHead: boolean,
  depth: number,
): SlotPattern[] {
  const info = describeType(layout, cursor.typeId);
  const out: SlotPattern[] = [];
  if (includeHead) {
    if (info.kind === "value")
      out.push(makePattern(cursor, 1, info.label, cursor.offset, info.bytes));
    else out.push(makePattern(cursor, info.slots, info.label, undefined, undefined));
  }
  if (depth >= MAX_EXPANSION_DEPTH) return out;
  const any: KeyTerm = { kind: "any" };
  switch (info.kind) {
    case "mapping": {
      const keyType = mappingKeyAbiType(layout, info.key!);
      out.push(
        ...expand(
          {
            ...cursor,
            text: `${cursor.text}[*]`,
            steps: [...cursor.steps, { op: "mapping", key: any, keyType }],
            typeId: info.value!,
            offset: 0,
          },
          layout,
          true,
          depth + 1,
        ),
      );
      break;
    }
    case "dynamic-array": {
      const element = elementLayout(layout, info.base!);
      const step: PatternStep = {
        op: "index",
        key: any,
        array: "dynamic",
        perSlot: element.perSlot,
        slots: element.slots,
        bytes: element.bytes,
      };
      out.push(
        ...expand(
          {
            ...cursor,
            text: `${cursor.text}[*]`,
            steps: [...cursor.steps, step],
            typeId: info.base!,
            offset: element.perSlot > 1 ? undefined : 0,
          },
          layout,
          true,
          depth + 1,
        ),
      );
      break;
    }
    case "bytes":
      out.push(
        makePattern(
          { ...cursor, text: `${cursor.text}<data>`, steps: [...cursor.steps, { op: "data" }] },
          1,
          `${info.label} data`,
          undefined,
          undefined,
        ),
      );
      break;
    case "struct":
      for (const member of info.members!) {
        if (!hasDynamicParts(layout, member.type)) continue;
        const step: PatternStep = {
          op: "member",
          name: member.label,
          slot: Number(member.slot),
          offset: member.offset,
        };
        out.push(
          ...expand(
            {
              ...cursor,
              text: `${cursor.text}.${member.label}`,
              steps: [...cursor.steps, step],
              typeId: member.type,
              offset: member.offset,
            },
            layout,
            false,
            depth,
          ),
        );
      }
      break;
    case "static-array":
      if (hasDynamicParts(layout, info.base!)) {
        const element = elementLayout(layout, info.base!);
        const step: PatternStep = {
          op: "index",
          key: any,
          array: "fixed",
          length: info.length,
          perSlot: element.perSlot,
          slots: element.slots,
          bytes: element.bytes,
        };
        out.push(
          ...expand(
            {
              ...cursor,
              text: `${cursor.text}[*]`,
              steps: [...cursor.steps, step],
              typeId: info.base!,
              offset: 0,
            },
            layout,
            false,
            depth,
          ),
        );
      }
      break;
    case "value":
      break;
  }
  return out;
}

type KeyExpectation =
  | { index?: undefined; keyType: string; keyLabel: string; what: string }
  | { index: true; length?: number; what: string; label: string };

const isInteger = (type: string): boolean => /^u?int\d*$/.test(type);
const isUnsigned = (type: string): boolean => /^uint\d*$/.test(type);
const intBits = (type: string): number => Number(/\d+$/.exec(type)?.[0] ?? 256);

/** Type compatibility of a key of ABI type `source` with a mapping hashed as `keyType`. */
function keyTypeAccepts(keyType: string, source: string): boolean {
  if (keyType === source) return true;
  if (isInteger(keyType)) return isInteger(source);
  const bytesN = /^bytes(\d+)$/.exec(keyType);
  const sourceBytesN = /^bytes(\d+)$/.exec(source);
  if (bytesN !== null && sourceBytesN !== null) return Number(sourceBytesN[1]) <= Number(bytesN[1]);
  return false;
}

/** Turns a key node into a term, checking it against what it indexes. */
function resolveKey(
  node: KeyNode,
  target: KeyFunctionTarget,
  fn: FunctionContext | undefined,
  layout: StorageLayout,
  expect: KeyExpectation | undefined,
): KeyTerm {
  const mismatch = (what: string, type: string, hint?: string): AnnotationProblem => {
    if (expect === undefined)
      return new AnnotationProblem(
        "key-type",
        `${what} (${type}) cannot be used here`,
        node.start,
        node.end,
        hint,
      );
    if (expect.index === true) {
      return new AnnotationProblem(
        "key-type",
        `${what} is ${article(type)}, but an index of ${expect.what} (${expect.label}) must be an unsigned integer`,
        node.start,
        node.end,
        hint,
      );
    }
    return new AnnotationProblem(
      "key-type",
      `${what} is ${article(type)}, but ${expect.what} is keyed by ${expect.keyLabel}`,
      node.start,
      node.end,
      hint,
    );
  };
  const checkType = (what: string, type: string): void => {
    if (expect === undefined) return;
    if (expect.index === true) {
      if (!isUnsigned(type)) throw mismatch(what, type);
    } else if (!keyTypeAccepts(expect.keyType, type)) {
      throw mismatch(what, type);
    }
  };

  switch (node.kind) {
    case "any":
      if (expect === undefined)
        throw new AnnotationProblem(
          "key-type",
          "* cannot be an argument of a key function",
          node.start,
          node.end,
        );
      return { kind: "any" };
    case "sender":
    case "origin":
    case "this":
      checkType(formatKey(node), "address");
      return { kind: node.kind };
    case "bool":
      checkType(String(node.value), "bool");
      return { kind: "literal", type: "bool", value: String(node.value) };
    case "string": {
      if (
        expect !== undefined &&
        (expect.index === true || (expect.keyType !== "string" && expect.keyType !== "bytes"))
      ) {
        throw mismatch(`the string literal ${JSON.stringify(node.value)}`, "string");
      }
      if (expect?.keyType === "bytes")
        return { kind: "literal", type: "bytes", value: stringToHex(node.value) };
      return { kind: "literal", type: "string", value: node.value };
    }
    case "number":
    case "hex":
      return resolveNumericLiteral(node, expect, mismatch);
    case "name":
      return resolveParameter(node, fn, layout, checkType);
    case "call": {
      const keyFunction = getKeyFunction(node.name);
      if (keyFunction === undefined) {
        const known = keyFunctionNames();
        const near = didYouMean(node.name, known);
        throw new AnnotationProblem(
          "key-function",
          `unknown key function "${node.name}"`,
          node.start,
          node.nameEnd,
          `${near !== undefined ? `${near} ` : ""}known key functions: ${known.map((n) => `${n}()`).join(", ")}`,
        );
      }
      if (node.args.length !== keyFunction.arity) {
        throw new AnnotationProblem(
          "key-function",
          `${node.name}() takes ${keyFunction.arity} argument${keyFunction.arity === 1 ? "" : "s"}, got ${node.args.length}`,
          node.start,
          node.end,
          keyFunction.signature,
        );
      }
      const args = node.args.map((arg) => resolveKey(arg, target, fn, layout, undefined));
      const problem = keyFunction.check(target, args.map(termType));
      if (problem !== undefined)
        throw new AnnotationProblem(
          "key-function-target",
          problem.message,
          node.start,
          node.end,
          problem.hint,
        );
      checkType(`${node.name}(...)`, keyFunction.resultType);
      const term: KeyTerm = { kind: "fn", name: node.name, args };
      if (target.kind === "fixed-array") term.n = target.length;
      return term;
    }
  }
}

/** ABI type of a resolved term (for key functions' argument checks). */
function termType(term: KeyTerm): string {
  switch (term.kind) {
    case "param":
    case "literal":
      return term.type;
    case "sender":
    case "origin":
    case "this":
      return "address";
    case "fn":
      return getKeyFunction(term.name)?.resultType ?? "uint256";
    case "any":
      return "any";
  }
}

function resolveNumericLiteral(
  node: Extract<KeyNode, { kind: "number" | "hex" }>,
  expect: KeyExpectation | undefined,
  mismatch: (what: string, type: string, hint?: string) => AnnotationProblem,
): KeyTerm {
  const text = node.text;
  const digits = node.kind === "hex" ? node.text.slice(2) : "";
  const value = node.kind === "number" ? node.value : BigInt(node.text);
  const literalType =
    node.kind === "hex" && digits.length === 40 ? "address" : value < 0n ? "int256" : "uint256";

  if (expect === undefined) {
    // Argument of a key function: keep the literal's own type.
    return {
      kind: "literal",
      type: literalType,
      value: literalType === "address" ? node.text.toLowerCase() : value.toString(),
    };
  }
  if (expect.index === true) {
    if (literalType === "address") throw mismatch(`the address literal ${text}`, "address");
    if (value < 0n) throw mismatch(`the negative literal ${text}`, "int256");
    if (expect.length !== undefined && value >= BigInt(expect.length)) {
      throw new AnnotationProblem(
        "index-range",
        `index ${text} is out of range for ${expect.what} (${expect.label}, length ${expect.length})`,
        node.start,
        node.end,
        `valid indices are 0 to ${expect.length - 1}`,
      );
    }
    return { kind: "literal", type: "uint256", value: value.toString() };
  }
  const keyType = expect.keyType;
  if (keyType === "address") {
    if (literalType !== "address") {
      throw mismatch(
        `the literal ${text}`,
        literalType,
        "write an address literal as 0x followed by 40 hex digits",
      );
    }
    return { kind: "literal", type: "address", value: node.text.toLowerCase() };
  }
  const bytesN = /^bytes(\d+)$/.exec(keyType);
  if (bytesN !== null || keyType === "bytes") {
    const hint = `write a ${keyType} key as hex with ${bytesN !== null ? `at most ${2 * Number(bytesN[1])}` : "an even number of"} digits`;
    if (node.kind !== "hex") throw mismatch(`the literal ${text}`, literalType, hint);
    if (digits.length % 2 !== 0 || (bytesN !== null && digits.length > 2 * Number(bytesN[1]))) {
      throw new AnnotationProblem(
        "key-type",
        `the hex literal ${text} (${digits.length / 2} bytes) does not fit ${expect.keyLabel}, the key type of ${expect.what}`,
        node.start,
        node.end,
        hint,
      );
    }
    return { kind: "literal", type: keyType, value: node.text.toLowerCase() };
  }
  if (isInteger(keyType)) {
    if (literalType === "address") throw mismatch(`the address literal ${text}`, "address");
    const bits = intBits(keyType);
    const fits = isUnsigned(keyType)
      ? value >= 0n && value < 1n << BigInt(bits)
      : value >= -(1n << BigInt(bits - 1)) && value < 1n << BigInt(bits - 1);
    if (!fits) {
      throw new AnnotationProblem(
        "key-type",
        `the literal ${text} does not fit ${expect.keyLabel}, the key type of ${expect.what}`,
        node.start,
        node.end,
      );
    }
    return { kind: "literal", type: keyType, value: value.toString() };
  }
  throw mismatch(`the literal ${text}`, literalType);
}

function resolveParameter(
  node: Extract<KeyNode, { kind: "name" }>,
  fn: FunctionContext | undefined,
  layout: StorageLayout,
  checkType: (what: string, type: string) => void,
): KeyTerm {
  if (fn === undefined) {
    throw new AnnotationProblem(
      "contract-level-parameter",
      `"${node.name}" cannot be a key in a contract-level annotation: it applies to every function, so there are no parameters`,
      node.start,
      node.end,
      "use msg.sender, tx.origin, this, a literal or *, or move the location to the functions' own annotations",
    );
  }
  const index = fn.inputs.findIndex((input) => input.name === node.name);
  if (index < 0) {
    const names = fn.inputs
      .map((input) => input.name)
      .filter((n): n is string => n !== undefined && n !== "");
    const near = didYouMean(node.name, names);
    let hint =
      names.length === 0
        ? `${fn.signature} has no named parameters`
        : `${near !== undefined ? `${near} ` : ""}the parameters of ${fn.signature} are: ${names.join(", ")}`;
    if (findVariable(layout, node.name) !== undefined) {
      hint = `"${node.name}" is a state variable, not a parameter (keys are parameters, msg.sender, tx.origin, this, literals or *); ${hint}`;
    }
    throw new AnnotationProblem(
      "unknown-parameter",
      `unknown parameter "${node.name}"`,
      node.start,
      node.start + node.name.length,
      hint,
    );
  }
  let parameter: AbiParameter = fn.inputs[index];
  const path: Array<{ index: number; name: string }> = [];
  let text = node.name;
  for (const member of node.path) {
    const components =
      "components" in parameter && parameter.type === "tuple" ? parameter.components : undefined;
    if (components === undefined) {
      throw new AnnotationProblem(
        "no-members",
        `parameter ${text} is ${article(parameter.type)}, which has no member "${member}"`,
        node.start,
        node.end,
      );
    }
    const componentIndex = components.findIndex((c) => c.name === member);
    if (componentIndex < 0) {
      const names = components.map((c) => c.name ?? "").filter((n) => n !== "");
      const near = didYouMean(member, names);
      throw new AnnotationProblem(
        "unknown-member",
        `parameter ${text} has no member "${member}"`,
        node.start,
        node.end,
        `${near !== undefined ? `${near} ` : ""}its members are: ${names.join(", ")}`,
      );
    }
    path.push({ index: componentIndex, name: member });
    parameter = components[componentIndex];
    text = `${text}.${member}`;
  }
  if (parameter.type === "tuple" || parameter.type.endsWith("]")) {
    throw new AnnotationProblem(
      "key-type",
      `parameter ${text} is ${parameter.type === "tuple" ? "a struct" : `an array (${parameter.type})`}; a key must be a single value`,
      node.start,
      node.end,
      parameter.type === "tuple"
        ? `name one of its members, e.g. ${text}.${"components" in parameter ? (parameter.components[0]?.name ?? "x") : "x"}`
        : undefined,
    );
  }
  checkType(`parameter ${text}`, parameter.type);
  const term: KeyTerm = { kind: "param", name: node.name, index, type: parameter.type };
  if (path.length > 0) term.path = path;
  return term;
}

/** `a uint256`, `an address`, `an int8`. */
const article = (type: string): string => (/^[aeio]/.test(type) ? `an ${type}` : `a ${type}`);

function unknownVariable(
  location: LocationNode,
  layout: StorageLayout,
  fn: FunctionContext | undefined,
  options: ResolveOptions,
): AnnotationProblem {
  const name = location.variable;
  const span = location.variableSpan;
  const where = options.contractName !== undefined ? ` of ${options.contractName}` : "";
  const labels = layout.storage.map((entry) => entry.label);
  let hint: string | undefined;
  const kind = options.nonStorage?.[name];
  if (kind !== undefined) {
    const what = kind === "immutable" ? "an immutable" : `a ${kind}`;
    hint = `"${name}" is ${what} variable, which is not in storage; leave it out`;
  } else if (name === "msg" || name === "tx" || name === "this") {
    hint =
      "a location starts with a state variable; msg.sender, tx.origin and this can only be keys, e.g. balanceOf[msg.sender]";
  } else if (fn?.inputs.some((input) => input.name === name) === true) {
    hint = `"${name}" is a parameter; a location starts with a state variable and parameters are keys, e.g. balanceOf[${name}]`;
  } else {
    const near = didYouMean(name, labels);
    if (near !== undefined) hint = near;
    else if (labels.length === 0) hint = `the contract has no storage variables`;
    else
      hint = `the state variables${where} are: ${labels.slice(0, 12).join(", ")}${labels.length > 12 ? ", ..." : ""}`;
  }
  return new AnnotationProblem(
    "unknown-variable",
    `unknown state variable "${name}"${where}`,
    span.start,
    span.end,
    hint,
  );
}

/**
 * Resolves one argument of a `@custom:calls` call: a key of the caller (parameter, `msg.sender`,
 * `tx.origin`, `this`, a literal, or `*` for any value) checked against the callee's parameter
 * type `abiType`, with the rules of mapping keys (`docs/annotations.md`, "Key types").
 * @param what how the parameter is named in messages, e.g. `argument 2 (to) of transferFrom(...)`.
 * @throws {AnnotationProblem} `key-type`, `unknown-parameter`, or `call-function` for a key function.
 */
export function resolveCallArgument(
  node: KeyNode,
  abiType: string,
  fn: FunctionContext,
  layout: StorageLayout,
  what: string,
): KeyTerm {
  if (node.kind === "call") {
    // A key function stands for the index it computes where the callee indexes a fixed-size
    // array with this argument (its length is known only there), and for * anywhere else.
    if (!isUnsigned(abiType))
      throw new AnnotationProblem(
        "key-type",
        `${node.name}(...) is a uint256, but ${what} is ${article(abiType)}`,
        node.start,
        node.end,
      );
    const term = resolveKey(
      node,
      { kind: "fixed-array", length: 1, label: what },
      fn,
      layout,
      undefined,
    );
    if (term.kind === "fn") delete term.n;
    return term;
  }
  if (node.kind === "any") return { kind: "any" };
  try {
    return resolveKey(node, { kind: "mapping", keyType: abiType, label: what }, fn, layout, {
      keyType: abiType,
      keyLabel: abiType,
      what,
    });
  } catch (error) {
    if (!(error instanceof AnnotationProblem) || error.code !== "key-type") throw error;
    // Worded for a parameter rather than a mapping key.
    throw new AnnotationProblem(
      "key-type",
      error.message.replace(` is keyed by ${abiType}`, ` is ${article(abiType)}`),
      error.start,
      error.end,
      error.hint,
    );
  }
}

/**
 * Resolves the condition of `cond ? x`: a `bool` location of the contract's storage, or a `bool`
 * immutable or constant (`options.guardValue`).
 * @throws {AnnotationProblem} `key-type` when the condition is not a single `bool`.
 */
export function resolveGuard(
  node: GuardNode,
  layout: StorageLayout,
  fn: FunctionContext | undefined,
  options: ResolveOptions = {},
): Guard {
  const expr = `${node.negate ? "!" : ""}${formatLocation(node.location)}`;
  const location = node.location;
  if (location.accessors.length === 0 && findVariable(layout, location.variable) === undefined) {
    const index = fn?.inputs.findIndex((input) => input.name === location.variable) ?? -1;
    if (index >= 0) {
      if (fn!.inputs[index].type !== "bool")
        throw new AnnotationProblem(
          "key-type",
          `the condition ${location.variable} is a parameter of type ${fn!.inputs[index].type}, not a bool`,
          location.start,
          location.end,
        );
      return { expr, negate: node.negate, kind: "param", name: location.variable, index };
    }
    const value = options.guardValue?.(location.variable);
    if (value !== undefined) return { expr, negate: node.negate, ...value };
  }
  const patterns = resolveLocation(location, layout, fn, options).filter(
    (p) => p.implied === undefined,
  );
  if (patterns.length !== 1 || patterns[0].type !== "bool")
    throw new AnnotationProblem(
      "key-type",
      `the condition ${formatLocation(location)} is ${patterns.length === 1 ? article(patterns[0].type) : "not a single value"}, not a bool`,
      location.start,
      location.end,
      "a condition is a bool in storage, or a bool immutable or constant",
    );
  return { expr, negate: node.negate, kind: "storage", pattern: patterns[0] };
}
