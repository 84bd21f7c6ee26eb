/**
 * The default tracer of `debug_traceTransaction` / `debug_traceCall`: geth's struct logs, as
 * EDR serves them — one entry per executed opcode with `pc`, `op`, `gas` (gas left before it),
 * `gasCost`, `depth` (1 for the transaction's own frame), `stack` (bottom first, unpadded hex),
 * `memory` (32-byte words, only with `enableMemory`), `returnData` (only with
 * `enableReturnData`), `storage` (on SLOAD and SSTORE: every slot of the frame's account the
 * transaction touched so far) and `refund` (the frame's refund counter).
 *
 * Source: geth's `logger.StructLogger` (go-ethereum eth/tracers/logger) and its JSON form.
 */
import type { ExecutionTracer, TracedEvm } from "./replay.ts";
import {
  CALL_OPCODES,
  hexOf,
  type MessageEvent,
  type MessageResultEvent,
  quantityOf,
  type StepEvent,
  wordOf,
} from "./evm-events.ts";

/** Options of the struct logger, as geth's `debug_trace*` config takes them. */
export interface StructLoggerOptions {
  disableStack?: boolean;
  disableStorage?: boolean;
  enableMemory?: boolean;
  enableReturnData?: boolean;
}

/** One opcode of a struct-log trace (numbers are gas and byte offsets). */
export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: `0x${string}`[];
  memory?: `0x${string}`[];
  returnData?: `0x${string}`;
  error?: string;
  storage?: Record<string, string>;
  refund: number;
}

/** The result of the struct logger. */
export interface StructLogTrace {
  /** Whether the transaction failed (reverted or halted). */
  failed: boolean;
  /** Gas used by the transaction (gas, as in its receipt). */
  gas: number;
  /** Return data, the deployed code for a creation, or the revert data. */
  returnValue: `0x${string}`;
  structLogs: StructLog[];
}

interface PendingLog {
  step: StepEvent;
  gasCost: bigint;
  /** The frame's refund counter (gas). */
  refund: bigint;
  /** The exceptional halt this opcode caused, in EDR's words. */
  error?: string;
  storage?: Map<string, bigint>;
  /** An SLOAD whose loaded value is read from the next step's stack. */
  pendingLoad?: { slots: Map<string, bigint>; key: string };
  returnData?: Uint8Array;
}

/** Collects struct logs while attached; {@link StructLogger.result} formats them. */
export class StructLogger implements ExecutionTracer {
  readonly #options: StructLoggerOptions;
  readonly #logs: PendingLog[] = [];
  /** Storage touched so far, per account (lowercase address → slot → value). */
  readonly #storage = new Map<string, Map<string, bigint>>();
  /** Return data of the last call each open frame made (EIP-211's RETURNDATA buffer). */
  readonly #returnData: Uint8Array[] = [];
  #lastLoad?: PendingLog;
  /**
   * The refund counter of each open frame. @ethereumjs/evm hands the counter down to nested
   * frames (and takes it back from successful ones); EDR (revm) starts each frame at 0 and adds a
   * successful frame's refunds to its caller's, so a frame shows the EVM's counter minus `entry`,
   * its value when the frame started. `last`: the EVM's counter as of the frame's last opcode
   * (SSTORE's gas handler credits its refund before the step is reported; EDR shows the counter
   * before the opcode).
   */
  readonly #refunds: Array<{ entry: bigint; last: bigint; lastLog?: PendingLog }> = [];

  constructor(options: StructLoggerOptions = {}) {
    this.#options = options;
  }

  attach(evm: TracedEvm): () => void {
    const onStep = (step: StepEvent) => this.#onStep(step);
    const onMessage = (message: MessageEvent) => this.#onMessage(message);
    const onResult = (result: MessageResultEvent) => this.#onResult(result);
    evm.events.on("step", onStep);
    evm.events.on("beforeMessage", onMessage);
    evm.events.on("afterMessage", onResult);
    return () => {
      evm.events.off("step", onStep);
      evm.events.off("beforeMessage", onMessage);
      evm.events.off("afterMessage", onResult);
    };
  }

  #onStep(step: StepEvent): void {
    if (this.#lastLoad !== undefined) {
      // The loaded word is on top of the stack after SLOAD.
      const pending = this.#lastLoad.pendingLoad!;
      const value = step.stack[step.stack.length - 1];
      if (value !== undefined) {
        pending.slots.set(pending.key, value);
        this.#lastLoad.storage?.set(pending.key, value);
      }
      this.#lastLoad = undefined;
    }
    const log: PendingLog = {
      step,
      gasCost: step.opcode.dynamicFee ?? BigInt(step.opcode.fee),
      refund: 0n,
    };
    const frame = this.#refunds[this.#refunds.length - 1];
    if (frame !== undefined) {
      log.refund = (step.opcode.name === "SSTORE" ? frame.last : step.gasRefund) - frame.entry;
      frame.last = step.gasRefund;
      frame.lastLog = log;
    } else log.refund = step.gasRefund;
    if (this.#options.enableReturnData === true)
      log.returnData = this.#returnData[this.#returnData.length - 1];
    const op = step.opcode.name;
    if ((op === "SLOAD" || op === "SSTORE") && this.#options.disableStorage !== true) {
      const account = step.address.toString().toLowerCase();
      let slots = this.#storage.get(account);
      if (slots === undefined) {
        slots = new Map();
        this.#storage.set(account, slots);
      }
      const key = wordOf(step.stack[step.stack.length - 1]);
      if (op === "SSTORE") slots.set(key, step.stack[step.stack.length - 2]);
      else {
        log.pendingLoad = { slots, key };
        this.#lastLoad = log;
      }
      // A snapshot: later accesses must not change what this opcode shows.
      log.storage = new Map(slots);
    }
    this.#logs.push(log);
  }

  #onMessage(message: MessageEvent): void {
    this.#returnData.push(new Uint8Array());
    // The step before a nested frame is the opcode that opened it.
    const opener = message.depth > 0 ? this.#logs[this.#logs.length - 1] : undefined;
    const entry = opener?.step.gasRefund ?? 0n;
    this.#refunds.push({ entry, last: entry });
    if (opener === undefined) return;
    const op = opener.step.opcode.name;
    if (CALL_OPCODES.has(op)) {
      // geth counts the gas given to the callee in the CALL's cost, without the value stipend.
      const stipend = message.value > 0n && !message.delegatecall ? 2300n : 0n;
      opener.gasCost += message.gasLimit - stipend;
    } else if (op === "CREATE" || op === "CREATE2") opener.gasCost += message.gasLimit;
  }

  #onResult(result: MessageResultEvent): void {
    this.#returnData.pop();
    const ended = this.#refunds.pop();
    const halt = result.execResult.exceptionError?.error;
    if (ended?.lastLog !== undefined && halt !== undefined && halt !== "revert") {
      ended.lastLog.error = haltText(halt);
      // The halting opcode is charged all the gas the frame had left.
      if (halt === "out of gas") ended.lastLog.gasCost = ended.lastLog.step.gasLeft;
    }
    const parent = this.#refunds[this.#refunds.length - 1];
    if (parent !== undefined && result.execResult.exceptionError === undefined)
      parent.last = result.execResult.gasRefund ?? parent.last;
    if (this.#returnData.length > 0) {
      const created =
        result.createdAddress !== undefined && result.execResult.exceptionError === undefined;
      this.#returnData[this.#returnData.length - 1] = created
        ? new Uint8Array()
        : result.execResult.returnValue;
    }
  }

  /** The trace, given the transaction's outcome. */
  result(outcome: { status: 0 | 1; gasUsed: bigint; returnValue: Uint8Array }): StructLogTrace {
    const { disableStack, enableMemory } = this.#options;
    return {
      failed: outcome.status === 0,
      gas: Number(outcome.gasUsed),
      returnValue: hexOf(outcome.returnValue),
      structLogs: this.#logs.map((log) => {
        const { step } = log;
        const entry = {
          pc: step.pc,
          op: step.opcode.name,
          gas: Number(step.gasLeft),
          gasCost: Number(log.gasCost),
          depth: step.depth + 1,
        } as StructLog;
        if (disableStack !== true) entry.stack = step.stack.map(quantityOf);
        if (enableMemory === true) {
          const words: `0x${string}`[] = [];
          for (let i = 0; i < step.memory.length; i += 32)
            words.push(hexOf(step.memory.subarray(i, i + 32)));
          entry.memory = words;
        }
        if (log.returnData !== undefined) entry.returnData = hexOf(log.returnData);
        if (log.error !== undefined) entry.error = log.error;
        if (log.storage !== undefined) {
          entry.storage = Object.fromEntries(
            [...log.storage.entries()]
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, v]) => [k, wordOf(v)]),
          );
        }
        entry.refund = Number(log.refund);
        return entry;
      }),
    };
  }
}

/**
 * EDR's text for an exceptional halt: the Rust debug form of revm's instruction result
 * (`Some(OutOfGas)`). Only out of gas is compared with EDR by the differential suite; the other
 * names are revm's for the same halts.
 */
function haltText(error: string): string {
  const names: Record<string, string> = {
    "out of gas": "OutOfGas",
    "invalid opcode": "InvalidFEOpcode",
    "invalid JUMP": "InvalidJump",
    "stack underflow": "StackUnderflow",
    "stack overflow": "StackOverflow",
    "static state change": "StateChangeDuringStaticCall",
  };
  return `Some(${names[error] ?? error})`;
}
