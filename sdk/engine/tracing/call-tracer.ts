/**
 * geth's `callTracer`, as EDR serves it: the transaction's call tree, one frame per CALL,
 * CALLCODE, DELEGATECALL, STATICCALL, CREATE and CREATE2 (precompile calls included), each with
 * `from`, `gas` (given to the frame), `gasUsed`, `to`, `input`, `output` (when not empty; the
 * revert data when reverted), `error` and `revertReason` (an `Error(string)` reason), nested
 * `calls`, `logs` (with `withLog`), `value` (not for STATICCALL) and `type`. The top frame's
 * `gas` is the transaction's gas limit and its `gasUsed` the receipt's.
 *
 * Source: go-ethereum eth/tracers/native/call.go (shapes and option names).
 */
import { decodeErrorResult, type Hex } from "viem";
import type { ExecutionTracer, TracedEvm } from "./replay.ts";
import {
  hexOf,
  type MessageEvent,
  type MessageResultEvent,
  quantityOf,
  readMemory,
  type StepEvent,
} from "./evm-events.ts";

/** `tracerConfig` of the call tracer. */
export interface CallTracerConfig {
  /** Only the top frame, without nested calls. */
  onlyTopCall?: boolean;
  /** Include the logs each frame emitted (dropped with the frame when it fails). */
  withLog?: boolean;
}

/** A log in a call frame. `position`: how many of the frame's calls came before it. */
export interface CallLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  position: Hex;
  /** Index among the logs of the transaction that were kept. */
  index: Hex;
}

/** One frame of a call-tracer result; quantities are hex. */
export interface CallFrame {
  from: Hex;
  gas: Hex;
  gasUsed: Hex;
  to?: Hex;
  input: Hex;
  output?: Hex;
  error?: string;
  revertReason?: string;
  calls?: CallFrame[];
  logs?: CallLog[];
  value?: Hex;
  type: string;
}

interface OpenFrame {
  type: string;
  from: string;
  to?: string;
  value?: bigint;
  gas: bigint;
  gasUsed: bigint;
  input: Uint8Array;
  output: Uint8Array;
  error?: string;
  calls: OpenFrame[];
  logs: Array<{ address: string; topics: bigint[]; data: Uint8Array; position: number }>;
}

/**
 * geth's error text for an `@ethereumjs/evm` exception (geth's vm/errors.go). Exceptions
 * without a geth equivalent keep ethereumjs's text.
 */
export function gethError(error: string): string {
  switch (error) {
    case "revert":
      return "execution reverted";
    case "out of gas":
    case "code store out of gas":
      return "out of gas";
    case "invalid opcode":
      return "invalid opcode: INVALID";
    case "invalid JUMP":
      return "invalid jump destination";
    case "stack underflow":
      return "stack underflow";
    case "stack overflow":
      return "stack limit reached 1024 (1023)";
    case "static state change":
      return "write protection";
    case "code size to deposit exceeds maximum code size":
      return "max code size exceeded";
    case "create collision":
      return "contract address collision";
    case "value overflow":
      return "insufficient balance for transfer";
    default:
      return error;
  }
}

/** The opcode that opened a nested frame → the frame's type. */
const FRAME_TYPES: Record<string, string> = {
  CALL: "CALL",
  CALLCODE: "CALLCODE",
  DELEGATECALL: "DELEGATECALL",
  STATICCALL: "STATICCALL",
  CREATE: "CREATE",
  CREATE2: "CREATE2",
};

/** Collects the call tree while attached; {@link CallTracer.result} formats it. */
export class CallTracer implements ExecutionTracer {
  readonly #config: CallTracerConfig;
  readonly #open: OpenFrame[] = [];
  #root?: OpenFrame;
  #lastStep?: StepEvent;

  constructor(config: CallTracerConfig = {}) {
    this.#config = config;
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
    this.#lastStep = step;
    const name = step.opcode.name;
    if (this.#config.withLog !== true || !name.startsWith("LOG")) return;
    const frame = this.#open[this.#open.length - 1];
    if (frame === undefined) return;
    const s = step.stack;
    const count = Number(name.slice(3));
    const topics: bigint[] = [];
    for (let i = 0; i < count; i++) topics.push(s[s.length - 3 - i]);
    frame.logs.push({
      address: step.address.toString(),
      topics,
      data: readMemory(step.memory, s[s.length - 1], s[s.length - 2]),
      position: frame.calls.length,
    });
  }

  #onMessage(message: MessageEvent): void {
    const parent = this.#open[this.#open.length - 1];
    const opener = parent === undefined ? undefined : this.#lastStep;
    const type =
      opener === undefined
        ? message.to === undefined
          ? "CREATE"
          : "CALL"
        : (FRAME_TYPES[opener.opcode.name] ?? "CALL");
    const frame: OpenFrame = {
      type,
      // Under DELEGATECALL the EVM's caller is the original one; geth names the calling frame.
      from: (opener === undefined ? message.caller : opener.address).toString(),
      to:
        type === "DELEGATECALL" || type === "CALLCODE"
          ? message.codeAddress.toString()
          : message.to?.toString(),
      value: type === "STATICCALL" ? undefined : message.value,
      gas: message.gasLimit,
      gasUsed: 0n,
      // A copy: the EVM may hand out a view of the caller's memory.
      input: message.data.slice(),
      output: new Uint8Array(),
      calls: [],
      logs: [],
    };
    if (parent === undefined) this.#root = frame;
    else parent.calls.push(frame);
    this.#open.push(frame);
    this.#message.push(message);
  }

  readonly #message: MessageEvent[] = [];

  #onResult(result: MessageResultEvent): void {
    const frame = this.#open.pop();
    const message = this.#message.pop();
    if (frame === undefined || message === undefined) return;
    const { execResult } = result;
    // The EVM sets a creation's address on its message when the creation starts; geth names no
    // address for a creation that failed.
    if (frame.type === "CREATE" || frame.type === "CREATE2")
      frame.to =
        execResult.exceptionError === undefined
          ? (message.to?.toString() ?? result.createdAddress?.toString())
          : undefined;
    frame.gasUsed = execResult.executionGasUsed;
    frame.output = execResult.returnValue;
    if (execResult.exceptionError !== undefined) {
      frame.error = gethError(execResult.exceptionError.error);
      // An exceptional halt returns nothing; a revert returns its data.
      if (execResult.exceptionError.error !== "revert") frame.output = new Uint8Array();
    }
  }

  /**
   * The call tree.
   * @param top the transaction's gas limit and gas used (gas), for the top frame.
   */
  result(top: { gasLimit: bigint; gasUsed: bigint }): CallFrame {
    const root = this.#root;
    if (root === undefined) throw new Error("the call tracer saw no frame");
    root.gas = top.gasLimit;
    root.gasUsed = top.gasUsed;
    let logIndex = 0;
    const format = (frame: OpenFrame, failedAbove: boolean): CallFrame => {
      const failed = failedAbove || frame.error !== undefined;
      const out = {
        from: frame.from.toLowerCase() as Hex,
        gas: quantityOf(frame.gas),
        gasUsed: quantityOf(frame.gasUsed),
        ...(frame.to === undefined ? {} : { to: frame.to.toLowerCase() as Hex }),
        input: hexOf(frame.input),
      } as CallFrame;
      if (frame.output.length > 0) out.output = hexOf(frame.output);
      if (frame.error !== undefined) {
        out.error = frame.error;
        const reason = revertReason(frame.output);
        if (frame.error === "execution reverted" && reason !== undefined) out.revertReason = reason;
      }
      // Logs and calls interleave in execution order: logs at position k follow k calls.
      const calls: CallFrame[] = [];
      const logs: CallLog[] = [];
      const withCalls = this.#config.onlyTopCall !== true;
      const children = frame.calls;
      for (let k = 0; k <= children.length; k++) {
        for (const log of frame.logs) {
          if (log.position !== k || failed) continue;
          logs.push({
            address: log.address.toLowerCase() as Hex,
            topics: log.topics.map((t) => `0x${t.toString(16).padStart(64, "0")}` as Hex),
            data: hexOf(log.data),
            position: quantityOf(log.position),
            index: quantityOf(logIndex++),
          });
        }
        if (k < children.length && withCalls) calls.push(format(children[k], failed));
      }
      if (calls.length > 0) out.calls = calls;
      if (this.#config.withLog === true && logs.length > 0) out.logs = logs;
      if (frame.value !== undefined) out.value = quantityOf(frame.value);
      out.type = frame.type;
      return out;
    };
    return format(root, false);
  }
}

/**
 * Texts of Solidity's panic codes in revert reasons, as EDR gives them (the wording of alloy's
 * `PanicKind`, which revm-inspectors uses).
 */
const PANIC_TEXTS: Record<number, string> = {
  0x00: "generic/unspecified error",
  0x01: "assertion failed",
  0x11: "arithmetic underflow or overflow",
  0x12: "division or modulo by zero",
  0x21: "failed to convert value into enum type",
  0x22: "storage byte array incorrectly encoded",
  0x31: "called `.pop()` on an empty array",
  0x32: "array out-of-bounds access",
  0x41: "out of memory",
  0x51: "called a zero-initialized variable of internal function type",
};

/** The reason of `Error(string)` or `Panic(uint256)` revert data, or undefined. */
function revertReason(output: Uint8Array): string | undefined {
  if (output.length < 4) return undefined;
  const data = hexOf(output);
  if (!data.startsWith("0x08c379a0") && !data.startsWith("0x4e487b71")) return undefined;
  try {
    const decoded = decodeErrorResult({ data });
    const value = decoded.args?.[0];
    if (decoded.errorName === "Panic") return PANIC_TEXTS[Number(value)];
    return String(value);
  } catch {
    return undefined;
  }
}
