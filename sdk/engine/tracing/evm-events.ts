/**
 * The shapes of the `@ethereumjs/evm` events the tracers listen to (`step`, `beforeMessage`,
 * `afterMessage`), reduced to the fields they read. Pinned to @ethereumjs/evm 10.
 */

/** An address as the EVM hands it out. */
export interface EvmAddress {
  toString(): string;
}

/** `step`: emitted before each opcode runs (its gas already computed, not yet charged). */
export interface StepEvent {
  pc: number;
  /** Gas left before the opcode (gas). */
  gasLeft: bigint;
  /** Refund counter of the frame (gas). */
  gasRefund: bigint;
  opcode: { name: string; code: number; fee: number; dynamicFee?: bigint };
  /** Bottom first. */
  stack: bigint[];
  /** 0 for the transaction's own frame. */
  depth: number;
  /** The account whose storage the frame uses (the caller's under DELEGATECALL). */
  address: EvmAddress;
  codeAddress: EvmAddress;
  /** Memory before the opcode (memoryWordCount × 32 bytes). */
  memory: Uint8Array;
}

/** `beforeMessage`: a frame starts (the transaction's own, a call or a creation). */
export interface MessageEvent {
  to?: EvmAddress;
  caller: EvmAddress;
  value: bigint;
  data: Uint8Array;
  /** Gas given to the frame (gas), the call stipend included. */
  gasLimit: bigint;
  depth: number;
  isStatic: boolean;
  delegatecall: boolean;
  /** The code run: `to`, or the callee's address under DELEGATECALL and CALLCODE. */
  codeAddress: EvmAddress;
}

/** `afterMessage`: a frame ended. */
export interface MessageResultEvent {
  createdAddress?: EvmAddress;
  execResult: {
    /** Gas used by the frame (gas), before refunds. */
    executionGasUsed: bigint;
    /** The refund counter at the frame's end, counting from its start value (gas). */
    gasRefund?: bigint;
    returnValue: Uint8Array;
    exceptionError?: { error: string };
  };
}

/** `0x`-prefixed hex of bytes. */
export function hexOf(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** `0x`-prefixed hex of a quantity, without leading zeros (`0x0` for zero). */
export function quantityOf(value: bigint | number): `0x${string}` {
  return `0x${value.toString(16)}`;
}

/** A 32-byte word as 64 hex digits, `0x`-prefixed. */
export function wordOf(value: bigint): `0x${string}` {
  return `0x${value.toString(16).padStart(64, "0")}`;
}

/** `length` bytes of `memory` from `offset`, zero-filled past its end (as the EVM reads it). */
export function readMemory(memory: Uint8Array, offset: bigint, length: bigint): Uint8Array {
  const out = new Uint8Array(Number(length));
  const start = Number(offset);
  if (start < memory.length)
    out.set(memory.subarray(start, Math.min(memory.length, start + out.length)));
  return out;
}

/** CALL-family opcodes: their gas cost in traces includes the gas given to the callee. */
export const CALL_OPCODES: ReadonlySet<string> = new Set([
  "CALL",
  "CALLCODE",
  "DELEGATECALL",
  "STATICCALL",
]);
