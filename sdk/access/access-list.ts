/**
 * EIP-2930 access lists from declarations: an annotated function + concrete arguments → the
 * storage slots it declares, as a viem `AccessList` and a read/write split.
 *
 * Source: EIP-2930 (an access list is `[{ address, storageKeys }]`; listed slots are charged
 * 1,900 gas up front and are then warm, instead of 2,100 gas on first access).
 */
import {
  type Abi,
  type AccessList,
  type Account,
  type Address,
  type Hex,
  encodeFunctionData,
} from "viem";

import type { Preimages } from "./instantiate.ts";
import type { AccessManifest } from "./manifest.ts";
import { compileManifestForRuntime, type RuntimeDeclarations } from "./runtime.ts";

export interface DeclaredAccessListParameters {
  abi: Abi;
  /** The contract called. */
  address: Address;
  functionName: string;
  args?: readonly unknown[];
  /** The caller (`msg.sender`, and `tx.origin` unless `origin` is given). */
  account: Address | Account;
  /** `tx.origin` when it differs from the caller (a call through another contract). */
  origin?: Address;
  /** The contract's access manifest (`<Contract>.access`, see `manifest.ts`). */
  manifest: AccessManifest;
}

export interface DeclaredAccessList {
  /** `[{ address, storageKeys }]` with every declared slot that can be listed (empty when undeclared). */
  accessList: AccessList;
  /** Slots the call may read (writes included: writes imply reads), 32-byte hex, sorted. */
  reads: Hex[];
  /** Slots the call may write, sorted. */
  writes: Hex[];
  /** True when the function has no declaration (no annotation, not a getter). */
  undeclared: boolean;
  /** Declared patterns that cannot be listed (`*` keys, bytes/string data), e.g. `allowance[msg.sender][*]`. */
  wildcards: string[];
  /** The calldata the list was computed for. */
  data: Hex;
}

const compiledCache = new WeakMap<AccessManifest, RuntimeDeclarations>();

/**
 * Computes the declared access list of a call.
 *
 * @throws {Error} (viem) when `functionName`/`args` do not match the ABI;
 *   `MissingContextError` never (sender, origin and the contract address are all known here).
 */
export function declaredAccessList(parameters: DeclaredAccessListParameters): DeclaredAccessList {
  const { abi, address, functionName, args, account, manifest } = parameters;
  const sender = typeof account === "string" ? account : account.address;
  const origin = parameters.origin ?? sender;
  const data = encodeFunctionData({ abi, functionName, args } as Parameters<
    typeof encodeFunctionData
  >[0]);
  let compiled = compiledCache.get(manifest);
  if (compiled === undefined) {
    compiled = compileManifestForRuntime(manifest, abi);
    compiledCache.set(manifest, compiled);
  }
  const frame = compiled(data, sender, origin, address);
  if (!frame.declared)
    return { accessList: [], reads: [], writes: [], undeclared: true, wildcards: [], data };
  const reads = [...frame.reads].sort();
  const writes = [...frame.writes].sort();
  const wildcards = [
    ...new Set([...frame.readMatchers, ...frame.writeMatchers].map((m) => m.description)),
  ];
  const accessList: AccessList = reads.length > 0 ? [{ address, storageKeys: reads }] : [];
  return { accessList, reads, writes, undeclared: false, wildcards, data };
}

/**
 * Checks an observed access against a call's declaration: useful in tests and scripts outside
 * the engine. `reads`/`writes` are the slots the call actually touched in the contract.
 * @returns the slots touched but not declared (violations), split by kind.
 */
export function undeclaredAccesses(
  parameters: DeclaredAccessListParameters,
  touched: { reads: readonly Hex[]; writes: readonly Hex[] },
  preimages?: Preimages,
): { reads: Hex[]; writes: Hex[] } {
  const { abi, address, functionName, args, account, manifest } = parameters;
  const sender = typeof account === "string" ? account : account.address;
  const data = encodeFunctionData({ abi, functionName, args } as Parameters<
    typeof encodeFunctionData
  >[0]);
  const frame = compileManifestForRuntime(manifest, abi)(
    data,
    sender,
    parameters.origin ?? sender,
    address,
  );
  return {
    reads: touched.reads.filter((slot) => !frame.mayRead(slot, preimages)),
    writes: touched.writes.filter((slot) => !frame.mayWrite(slot, preimages)),
  };
}
