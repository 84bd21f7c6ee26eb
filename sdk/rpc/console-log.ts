/**
 * Decoding and formatting of `hardhat/console.sol` calls, as Hardhat's EDR network prints them
 * (Hardhat 3 `network-manager/edr/utils/console-logger.ts`): the selector picks the `log`
 * overload; each argument becomes a string — integers in decimal, `bool` as `true`/`false`,
 * addresses and `bytes`/`bytesN` as lowercase 0x hex, strings as they are; a `%d` or `%i` in the
 * first argument (not escaped as `%%`) becomes `%s`; the strings are joined with Node's
 * `util.format` (so `%s` substitutes, extra arguments follow after a space). Unknown selectors
 * print nothing.
 *
 * The selector table is derived when first needed from the `console.sol` that the installed
 * Hardhat ships (`hardhat/console.sol`, every `abi.encodeWithSignature("log…(…)")` in it), so
 * it follows the library contracts are compiled against. Without Hardhat installed (the SDK
 * alone) nothing can be decoded and console.log calls print nothing.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { format } from "node:util";
import { toFunctionSelector } from "viem";

/** The argument types console.sol's `log` overloads take. */
type ConsoleType =
  | "uint256"
  | "int256"
  | "string"
  | "bool"
  | "address"
  | "bytes"
  | `bytes${number}`;

let table: Map<number, ConsoleType[]> | undefined;

/**
 * The selector → argument types table of `console.sol` (source text).
 * @throws never; an unparseable signature is skipped.
 */
export function consoleSignatures(source: string): Map<number, ConsoleType[]> {
  const signatures = new Map<number, ConsoleType[]>();
  for (const [, signature] of source.matchAll(/abi\.encodeWithSignature\("(log[^"]*)"/g)) {
    const open = signature.indexOf("(");
    const inner = signature.slice(open + 1, -1);
    const types = (inner === "" ? [] : inner.split(",")) as ConsoleType[];
    signatures.set(Number.parseInt(toFunctionSelector(signature).slice(2), 16), types);
  }
  return signatures;
}

function loadTable(): Map<number, ConsoleType[]> {
  if (table !== undefined) return table;
  try {
    const path = createRequire(import.meta.url).resolve("hardhat/console.sol");
    table = consoleSignatures(readFileSync(path, "utf8"));
  } catch {
    table = new Map();
  }
  return table;
}

const WORD = 32;

/** The 32 bytes at `offset` (fewer when the data is short, read as they are, as Hardhat does). */
function word(data: Uint8Array, offset: number): Uint8Array {
  return data.subarray(offset, offset + WORD);
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

/** A dynamic argument's bytes: offset word, then length word, then the data. */
function dynamic(data: Uint8Array, position: number): Uint8Array {
  const start = Number(toBigInt(word(data, position)));
  const length = Number(toBigInt(word(data, start)));
  return data.subarray(start + WORD, start + WORD + length);
}

function decodeArgument(data: Uint8Array, type: ConsoleType, index: number): string {
  const position = index * WORD;
  switch (type) {
    case "uint256":
      return toBigInt(word(data, position)).toString(10);
    case "int256":
      return BigInt.asIntN(256, toBigInt(word(data, position))).toString();
    case "bool":
      return data[position + 31] !== 0 ? "true" : "false";
    case "string":
      return Buffer.from(dynamic(data, position)).toString();
    case "address":
      return hex(data.subarray(position + 12, position + WORD));
    case "bytes":
      return hex(dynamic(data, position));
    default: {
      const size = Number(type.slice(5));
      return hex(data.subarray(position, position + size));
    }
  }
}

/**
 * The line EDR prints for one console.log call's data, or `undefined` when the selector is not
 * one of console.sol's.
 * @param calldata the call's input: 4-byte selector and ABI-encoded arguments.
 */
export function formatConsoleLog(calldata: Uint8Array): string | undefined {
  if (calldata.length < 4) return undefined;
  const selector = Buffer.from(calldata.subarray(0, 4)).readUInt32BE(0);
  const types = loadTable().get(selector);
  if (types === undefined) return undefined;
  const parameters = calldata.subarray(4);
  const args = types.map((type, i) => decodeArgument(parameters, type, i));
  // %d and %i preceded by an even number of % become %s: the numbers may not fit a Number.
  if (args.length > 0) args[0] = args[0].replace(/((?<!%)(?:%%)*)(%[di])/g, "$1%s");
  return format(...args);
}

/** The lines of a list of console.log calls (unknown selectors skipped). */
export function formatConsoleLogs(calls: readonly Uint8Array[] | undefined): string[] {
  const lines: string[] = [];
  for (const call of calls ?? []) {
    const line = formatConsoleLog(call);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}
