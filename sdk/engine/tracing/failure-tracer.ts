/**
 * Records where a failed execution failed, for Solidity stack traces: the chain of frames from
 * the transaction's own to the one where the failure started, each with the code it ran and
 * the program counter that matters — the call site in a frame that passed its callee's failure
 * on, the last opcodes run in the frame where the failure started.
 */
import type { ExecutionTracer, TracedEvm } from "./replay.ts";
import {
  CALL_OPCODES,
  type EvmAddress,
  type MessageEvent,
  type MessageResultEvent,
  type StepEvent,
} from "./evm-events.ts";

/** One frame of a failure, outermost first. */
export interface FailedFrame {
  /** The account whose code ran (lowercase); undefined for a creation that got no address. */
  address?: string;
  /** Whether the frame ran init code (a creation). */
  isCreate: boolean;
  /** The code the frame ran (init code for a creation). */
  code: Uint8Array;
  /**
   * `call`: the frame passed on the failure of the call made at `pc`; `origin`: the failure
   * started here, `pcs` are the frame's last program counters (the failing opcode last).
   */
  kind: "call" | "origin";
  pc: number;
  pcs: number[];
  /** The EVM's exception (`revert`, `out of gas`, …). */
  error: string;
  returnValue: Uint8Array;
}

interface Frame {
  message: MessageEvent;
  isCreate: boolean;
  pcs: number[];
  /** The last call this frame made: the pc of its opcode and how it ended. */
  lastCall?: { pc: number; frame: Frame };
  result?: MessageResultEvent;
}

/** How many program counters of a frame are kept (the failing opcode's and those before it). */
const KEPT_PCS = 256;

export class FailureTracer implements ExecutionTracer {
  readonly #open: Frame[] = [];
  #root?: Frame;
  #lastStep?: StepEvent;

  attach(evm: TracedEvm): () => void {
    const onStep = (step: StepEvent) => {
      this.#lastStep = step;
      const frame = this.#open[this.#open.length - 1];
      if (frame === undefined) return;
      frame.pcs.push(step.pc);
      if (frame.pcs.length > 2 * KEPT_PCS) frame.pcs.splice(0, frame.pcs.length - KEPT_PCS);
    };
    const onMessage = (message: MessageEvent) => {
      const frame: Frame = { message, isCreate: message.to === undefined, pcs: [] };
      const parent = this.#open[this.#open.length - 1];
      const opener = this.#lastStep;
      if (parent === undefined) this.#root = frame;
      else if (opener !== undefined) {
        const op = opener.opcode.name;
        if (CALL_OPCODES.has(op) || op === "CREATE" || op === "CREATE2")
          parent.lastCall = { pc: opener.pc, frame };
      }
      this.#open.push(frame);
    };
    const onResult = (result: MessageResultEvent) => {
      const frame = this.#open.pop();
      if (frame !== undefined) frame.result = result;
    };
    evm.events.on("step", onStep);
    evm.events.on("beforeMessage", onMessage);
    evm.events.on("afterMessage", onResult);
    return () => {
      evm.events.off("step", onStep);
      evm.events.off("beforeMessage", onMessage);
      evm.events.off("afterMessage", onResult);
    };
  }

  /**
   * The failing frames, outermost first; empty when the execution did not fail. A frame passed
   * its callee's failure on when its last call failed and it failed with the same return data
   * (Solidity re-throws a callee's revert data as it is).
   */
  frames(): FailedFrame[] {
    const out: FailedFrame[] = [];
    let frame = this.#root;
    while (frame !== undefined) {
      const error = frame.result?.execResult.exceptionError?.error;
      if (error === undefined) break;
      const returnValue = frame.result!.execResult.returnValue;
      const call = frame.lastCall;
      const callError = call?.frame.result?.execResult.exceptionError?.error;
      const passedOn =
        call !== undefined &&
        callError !== undefined &&
        sameBytes(call.frame.result!.execResult.returnValue, returnValue);
      const entry: FailedFrame = {
        address: addressOf(frame),
        isCreate: frame.isCreate,
        code: codeOf(frame.message),
        kind: passedOn ? "call" : "origin",
        pc: passedOn ? call.pc : (frame.pcs[frame.pcs.length - 1] ?? 0),
        pcs: frame.pcs.slice(-KEPT_PCS),
        error,
        returnValue,
      };
      out.push(entry);
      frame = passedOn ? call.frame : undefined;
    }
    return out;
  }
}

/** The code a frame ran: the EVM puts it on the message when the frame starts. */
function codeOf(message: MessageEvent): Uint8Array {
  const code = (message as unknown as { code?: unknown }).code;
  return code instanceof Uint8Array ? code : new Uint8Array();
}

function addressOf(frame: Frame): string | undefined {
  const to: EvmAddress | undefined = frame.isCreate
    ? (frame.message.to ?? frame.result?.createdAddress)
    : frame.message.codeAddress;
  return to?.toString().toLowerCase();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
