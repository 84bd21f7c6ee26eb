/**
 * Patches of `@ethereumjs/evm`'s interpreter that make execution cheaper without changing what it
 * computes (see {@link patchInterpreter} for what each does and why it is exact). They replace
 * methods on the prototype of an unexported class, so they are guarded: they are applied only to
 * the exact `@ethereumjs/evm` version they were written against ({@link PATCHED_EVM_VERSION}),
 * a warning says so when they are not applied (execution is then only slower), and
 * `HP_NO_EVM_PATCHES=1` switches them off (CI runs the EDR differential suite both ways).
 */
import { readFile } from "node:fs/promises";
import { isMainThread } from "node:worker_threads";
import type { Common } from "@ethereumjs/common";
import { EVMError, getOpcodesForHF } from "@ethereumjs/evm";
import { EthereumJSErrorWithoutCode } from "@ethereumjs/util";

/** The `@ethereumjs/evm` version the patches replace methods of (`interpreter.js`). */
export const PATCHED_EVM_VERSION = "10.1.3";

/** Whether the patches are in place, and why not. */
export type InterpreterPatchStatus = { applied: true } | { applied: false; reason: string };

let patched: Promise<InterpreterPatchStatus> | undefined;

/**
 * Applies the interpreter patches once per process (or worker thread) unless
 * `HP_NO_EVM_PATCHES=1`, and returns whether they are in place. When they cannot be applied the
 * main thread prints one warning (`process.emitWarning`); results are unaffected either way.
 *
 * @returns `{ applied: true }`, or `{ applied: false, reason }`.
 */
export function applyInterpreterPatches(): Promise<InterpreterPatchStatus> {
  patched ??= (async () => {
    if (process.env.HP_NO_EVM_PATCHES === "1")
      return { applied: false, reason: "switched off by HP_NO_EVM_PATCHES=1" } as const;
    const status = await patchInterpreter();
    if (!status.applied && isMainThread) {
      process.emitWarning(
        `hardhat-parallel: interpreter patches not applied: ${status.reason}. Results are unchanged; execution is slower.`,
        {
          code: "HP_EVM_PATCHES",
        },
      );
    }
    return status;
  })();
  return patched;
}

/** The version in the installed `@ethereumjs/evm`'s package.json, or undefined. */
async function installedEvmVersion(): Promise<string | undefined> {
  try {
    let dir = new URL(".", import.meta.resolve("@ethereumjs/evm"));
    // The entry point is under dist/esm/ (or src/); the package.json is some levels up.
    for (let i = 0; i < 4; i++) {
      try {
        const pkg = JSON.parse(await readFile(new URL("package.json", dir), "utf8")) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === "@ethereumjs/evm") return pkg.version;
      } catch {
        // not here: go up
      }
      dir = new URL("..", dir);
    }
  } catch {
    // unresolvable
  }
  return undefined;
}

type JumpAnalysis = { jumps: Uint8Array; pushes: Record<number, bigint>; opcodesCached: unknown[] };

/** The parts of `@ethereumjs/evm`'s (unexported) `Interpreter` that {@link patchInterpreter} touches. */
interface Interpreter {
  _evm: { _opcodeMap: object; DEBUG: boolean; events: { listenerCount(event: string): number } };
  _runState: {
    opCode: number;
    programCounter: number;
    code: Uint8Array;
    validJumps: Uint8Array;
    cachedPushes: Record<number, bigint>;
    shouldDoJumpAnalysis: boolean;
    gasLeft: bigint;
    env: { chargeCodeAccesses?: boolean; accessWitness?: { commit(): void; revert(): void } };
    eip7928PostTargetCallOog?: unknown;
    eip8037BurnLeftoverAfterCreateHaltOntoAlive?: boolean;
  };
  common: Common;
  profilerOpts?: { enabled?: boolean };
  lookupOpInfo(op: number): StepEntry;
  useGas(amount: bigint, context?: unknown): void;
  run(
    code: Uint8Array,
    opts?: { pc?: number },
  ): Promise<{ runState: unknown; exceptionError?: EVMError }>;
  runStep(opcodeObj?: StepEntry): Promise<void> | void;
  _getValidJumpDestinations(code: Uint8Array): JumpAnalysis;
}
/** An entry of an EVM's opcode map, as the interpreter reads it. */
type StepEntry = {
  opcodeInfo: {
    code: number;
    dynamicGas: boolean;
    isAsync: boolean;
    isInvalid: boolean;
    feeBigInt: bigint;
  };
  opHandler: (runState: unknown, common: Common) => void;
};

/**
 * Makes `@ethereumjs/evm`'s interpreter cheaper without changing what it computes. Installed
 * once per process on the interpreter's prototype, which is reached through the module file next
 * to `@ethereumjs/evm`'s entry point (the class is not exported); when that fails nothing is
 * changed. Written against `@ethereumjs/evm` 10.1.3 (`interpreter.js`).
 *
 * - Jump-destination analysis (valid JUMPDESTs, decoded PUSH values and the opcode entry of
 *   every byte), which the interpreter redoes for every call frame, is cached: measured, it made
 *   up a third of the cost of an automined contract call. It depends only on the code bytes and
 *   the EVM's opcode map, so it is cached per opcode map and per code array (code arrays come
 *   from the state's content-addressed code store, so a contract's code is the same array for
 *   every execution; WeakMaps let both be collected). Nothing downstream mutates it.
 * - `runStep` is an async function and the interpreter's loop (`run`) awaits it, so every opcode
 *   allocated two promises — measured, 30% of all memory allocated per automined transaction,
 *   which the garbage collector then had to clear. For an opcode with a fixed gas cost and a
 *   synchronous handler (nine in ten of those executed: arithmetic, stack, jumps, ...)
 *   `runStep` now runs the original's statements — invalid-opcode check, gas charge, program
 *   counter, handler — synchronously; any other opcode, and any step while step listeners,
 *   debug logging, profiling, code-chunk charging or a pending EIP-7928 call out-of-gas are
 *   involved, goes to the original `runStep`, which returns its promise. `run` is the original's
 *   loop for legacy bytecode, statement for statement, except that it awaits a step only when
 *   the step returned a promise (a throw is caught like a rejection), and that the default STOP
 *   handler, which ends the frame by throwing, is not called: its effects (gas, program
 *   counter, then what the loop does when it catches it) are applied directly. EOF code,
 *   EIP-7864 and profiling go to the original `run`.
 */
async function patchInterpreter(): Promise<InterpreterPatchStatus> {
  const version = await installedEvmVersion();
  if (version !== PATCHED_EVM_VERSION) {
    return {
      applied: false,
      reason: `@ethereumjs/evm is ${version ?? "of an unknown version"}, the patches are written for ${PATCHED_EVM_VERSION}`,
    };
  }
  let proto: Interpreter | undefined;
  try {
    const entry = import.meta.resolve("@ethereumjs/evm");
    const module = (await import(
      new URL(entry.endsWith(".ts") ? "./interpreter.ts" : "./interpreter.js", entry).href
    )) as {
      Interpreter?: { prototype: Interpreter };
    };
    proto = module.Interpreter?.prototype;
  } catch (error) {
    return {
      applied: false,
      reason: `the interpreter module of @ethereumjs/evm could not be loaded (${String(error)})`,
    };
  }
  if (
    proto === undefined ||
    typeof proto._getValidJumpDestinations !== "function" ||
    typeof proto.runStep !== "function" ||
    typeof proto.run !== "function"
  ) {
    return {
      applied: false,
      reason: "@ethereumjs/evm's Interpreter does not have the methods the patches replace",
    };
  }

  const analyse = proto._getValidJumpDestinations;
  const cache = new WeakMap<object, WeakMap<Uint8Array, JumpAnalysis>>();
  proto._getValidJumpDestinations = function (this: Interpreter, code: Uint8Array): JumpAnalysis {
    const opcodeMap = this._evm._opcodeMap;
    let byCode = cache.get(opcodeMap);
    if (byCode === undefined) {
      byCode = new WeakMap();
      cache.set(opcodeMap, byCode);
    }
    let analysis = byCode.get(code);
    if (analysis === undefined) {
      analysis = analyse.call(this, code);
      byCode.set(code, analysis);
    }
    return analysis;
  };

  /** Whether the original `runStep` would do nothing asynchronous or observable besides the opcode itself. */
  const synchronous = (interpreter: Interpreter, info: StepEntry["opcodeInfo"]): boolean => {
    const runState = interpreter._runState;
    return !(
      info.dynamicGas ||
      info.isAsync ||
      interpreter.profilerOpts?.enabled === true ||
      interpreter._evm.DEBUG ||
      interpreter._evm.events.listenerCount("step") > 0 ||
      (runState.env.chargeCodeAccesses === true &&
        (interpreter.common.isActivatedEIP(6800) || interpreter.common.isActivatedEIP(7864))) ||
      runState.eip7928PostTargetCallOog !== undefined
    );
  };

  const runStep = proto.runStep;
  proto.runStep = function (this: Interpreter, opcodeObj?: StepEntry): Promise<void> | void {
    const runState = this._runState;
    const entry = opcodeObj ?? this.lookupOpInfo(runState.opCode);
    const info = entry.opcodeInfo;
    if (!synchronous(this, info)) return runStep.call(this, opcodeObj);
    if (info.isInvalid) throw new EVMError(EVMError.errorMessages.INVALID_OPCODE);
    this.useGas(info.feeBigInt, info);
    runState.programCounter++;
    const handler = entry.opHandler; // called unbound, as the original's `opFn.apply(null, ...)`
    handler(runState, this.common);
    runState.env.accessWitness?.commit();
  };

  const run = proto.run;
  const evmErrorType = new EVMError(EVMError.errorMessages.STOP).errorType;
  let stopHandler: unknown;
  proto.run = async function (this: Interpreter, code: Uint8Array, opts: { pc?: number } = {}) {
    if (
      this.profilerOpts?.enabled === true ||
      (code[0] === 0xef && this.common.isActivatedEIP(3540)) ||
      this.common.isActivatedEIP(7864)
    ) {
      return run.call(this, code, opts);
    }
    const runState = this._runState;
    runState.code = code;
    runState.programCounter = opts.pc ?? runState.programCounter;
    const pc = runState.programCounter;
    if (pc !== 0 && (pc < 0 || pc >= code.length)) {
      throw EthereumJSErrorWithoutCode("Internal error: program counter not in range");
    }
    let err: EVMError | undefined;
    let cachedOpcodes: StepEntry[] | undefined;
    let doJumpAnalysis = true;
    while (runState.programCounter < code.length) {
      const programCounter = runState.programCounter;
      let opCode: number;
      let opCodeObj: StepEntry | undefined;
      if (doJumpAnalysis) {
        opCode = code[programCounter];
        // The analysis is only needed once the code meets a jump (JUMP, JUMPI or JUMPSUB).
        if (opCode === 0x56 || opCode === 0x57 || opCode === 0x5e) {
          const { jumps, pushes, opcodesCached } = this._getValidJumpDestinations(code);
          runState.validJumps = jumps;
          runState.cachedPushes = pushes;
          runState.shouldDoJumpAnalysis = false;
          cachedOpcodes = opcodesCached as StepEntry[];
          doJumpAnalysis = false;
        }
      } else {
        opCodeObj = cachedOpcodes![programCounter];
        opCode = opCodeObj.opcodeInfo.code;
      }
      runState.opCode = opCode;
      if (opCode === 0x00) {
        // STOP ends the frame by throwing from its handler; do what that throw leads to here
        // (gas, program counter, the catch below: witness revert, no error) without it.
        const entry = opCodeObj ?? this.lookupOpInfo(opCode);
        stopHandler ??= getOpcodesForHF(this.common).handlers.get(0x00);
        if (entry.opHandler === stopHandler && synchronous(this, entry.opcodeInfo)) {
          this.useGas(entry.opcodeInfo.feeBigInt, entry.opcodeInfo);
          runState.programCounter++;
          runState.env.accessWitness?.revert();
          break;
        }
      }
      try {
        const step = this.runStep(opCodeObj);
        if (step !== undefined) await step;
      } catch (e) {
        // EIP-4762: a failed step undoes its access-witness changes.
        runState.env.accessWitness?.revert();
        // Anything but an EVMError is a bug, not an execution outcome: let it through.
        if (
          !(typeof e === "object" && e !== null && "errorType" in e && e.errorType === evmErrorType)
        )
          throw e;
        // A STOP error ends the frame normally.
        if ((e as EVMError).error !== EVMError.errorMessages.STOP) err = e as EVMError;
        break;
      }
    }
    if (
      err === undefined &&
      runState.eip8037BurnLeftoverAfterCreateHaltOntoAlive === true &&
      runState.gasLeft > 0n
    ) {
      runState.gasLeft = 0n;
      err = new EVMError(EVMError.errorMessages.OUT_OF_GAS);
    }
    return { runState, exceptionError: err };
  };
  return { applied: true };
}
