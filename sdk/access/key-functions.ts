/**
 * Key functions: named functions an annotation may use as a key, e.g.
 * `supply.shards[shard(msg.sender)]`. They are pluggable: {@link registerKeyFunction} adds one,
 * and the resolver, `instantiate` and the runtime look them up by name.
 *
 * Built in:
 * - `shard(x)` = `uint256(keccak256(abi.encode(x))) % N`, where N is the length of the
 *   fixed-size array being indexed. It is how the library's sharded counter (`int256[N]`
 *   shards) picks a shard for a user.
 */
import { type AbiParameter, encodeAbiParameters, hexToBigInt, keccak256 } from "viem";

import type { KeyValue } from "./slots.ts";

/** What a key function is used to index. */
export type KeyFunctionTarget =
  | { kind: "mapping"; keyType: string; label: string }
  | { kind: "fixed-array"; length: number; label: string }
  | { kind: "dynamic-array"; label: string };

/** One argument value, with the ABI type it has (`address` for msg.sender/tx.origin/this). */
export interface TypedValue {
  type: string;
  value: KeyValue;
}

/** A named key function. */
export interface KeyFunction {
  name: string;
  /** Number of arguments it takes. */
  arity: number;
  /** One-line description, shown in hints (e.g. `shard(x) = uint256(keccak256(abi.encode(x))) % N`). */
  signature: string;
  /** ABI type of the key it produces, checked against the mapping key / index type. */
  resultType: string;
  /**
   * Checks that the function can be used where it is (`argTypes` are the ABI types of its
   * arguments). Returns a problem (message and optional hint) or undefined when it is fine.
   */
  check(
    target: KeyFunctionTarget,
    argTypes: string[],
  ): { message: string; hint?: string } | undefined;
  /**
   * Computes the key. `n` is the length of the fixed-size array being indexed (set by the
   * resolver when the target is a fixed-size array).
   * @throws {Error} when the arguments cannot be evaluated.
   */
  evaluate(args: TypedValue[], n: number | undefined): KeyValue;
}

const registry = new Map<string, KeyFunction>();

/**
 * Adds (or replaces) a key function.
 * @throws {Error} when the name is not a valid identifier or shadows a reserved key word.
 */
export function registerKeyFunction(fn: KeyFunction): void {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(fn.name))
    throw new Error(`invalid key function name "${fn.name}"`);
  if (["address", "msg", "tx", "this", "true", "false"].includes(fn.name)) {
    throw new Error(`"${fn.name}" is reserved in annotations and cannot name a key function`);
  }
  registry.set(fn.name, fn);
}

/** Looks a key function up by name. */
export const getKeyFunction = (name: string): KeyFunction | undefined => registry.get(name);

/** Names of all registered key functions. */
export const keyFunctionNames = (): string[] => [...registry.keys()].sort();

/**
 * `abi.encode(value)` for a single value of ABI type `type`, hashed: used by `shard`.
 * @throws {Error} (viem) when the value does not fit the type.
 */
export function hashAbiEncoded(type: string, value: KeyValue): bigint {
  const parameter: AbiParameter = { type };
  return hexToBigInt(keccak256(encodeAbiParameters([parameter], [value])));
}

/** The built-in `shard(x)`; see the module doc. */
export const shardKeyFunction: KeyFunction = {
  name: "shard",
  arity: 1,
  signature:
    "shard(x) = uint256(keccak256(abi.encode(x))) % N, N the length of the fixed-size array it indexes",
  resultType: "uint256",
  check(target) {
    if (target.kind === "fixed-array") return undefined;
    const what = target.kind === "mapping" ? "a mapping" : "a dynamic array";
    return {
      message: `shard() indexes a fixed-size array, but ${target.label} is ${what}`,
      hint: "use shard(x) on the shard array of a sharded counter, e.g. supply.shards[shard(msg.sender)] where shards is int256[N]",
    };
  },
  evaluate(args, n) {
    if (n === undefined || n <= 0)
      throw new Error("shard() needs the length of the array it indexes");
    const [x] = args;
    return hashAbiEncoded(x.type, x.value) % BigInt(n);
  },
};

registerKeyFunction(shardKeyFunction);
