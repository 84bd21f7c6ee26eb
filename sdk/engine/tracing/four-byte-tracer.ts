/**
 * geth's `4byteTracer`: how often each function selector was called, keyed
 * `<selector>-<calldata length - 4>`, for the transaction's own call and every nested call
 * (not creations, not calls to precompiles) whose input is at least 4 bytes.
 *
 * Source: go-ethereum eth/tracers/native/4byte.go.
 */
import type { ExecutionTracer, TracedEvm } from "./replay.ts";
import { hexOf, type MessageEvent } from "./evm-events.ts";

/** Highest precompile address of the supported hardforks (0x01 … 0x11, P-256 at 0x100). */
function isPrecompile(address: string): boolean {
  const n = BigInt(address);
  return (n >= 1n && n <= 0x11n) || n === 0x100n;
}

export class FourByteTracer implements ExecutionTracer {
  readonly #counts = new Map<string, number>();

  attach(evm: TracedEvm): () => void {
    const onMessage = (message: MessageEvent) => {
      const to = message.delegatecall ? message.codeAddress : message.to;
      if (to === undefined || message.data.length < 4 || isPrecompile(to.toString())) return;
      const key = `${hexOf(message.data.subarray(0, 4))}-${message.data.length - 4}`;
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    };
    evm.events.on("beforeMessage", onMessage);
    return () => evm.events.off("beforeMessage", onMessage);
  }

  /** `{ "<selector>-<size>": count }`, keys in ascending order. */
  result(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
