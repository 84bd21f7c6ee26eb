/**
 * Calls to the two addresses Hardhat's tooling talks to from inside the EVM, observed as EDR's
 * inspectors observe them (EDR `crates/edr_provider/src/console_log.rs`,
 * `crates/edr_coverage/src/collector.rs`):
 *
 * - `hardhat/console.sol` calls `0x000000000000000000636F6e736F6c652e6c6f67` with the ABI-encoded
 *   `log(...)` call: the call data of every frame whose code address is that address is kept, in
 *   execution order, whether the frame or the transaction later reverts (as EDR does). The call
 *   itself runs normally (empty code).
 * - Coverage-instrumented code (`hardhat test --coverage`) calls
 *   `0xc0bEc0BEc0BeC0bEC0beC0bEC0bEC0beC0beC0BE` with a 32-byte statement tag. When coverage is
 *   on, such a frame is not run: its tag is recorded (once per execution) and the call returns
 *   at once, using no gas and leaving as return data the output of the last call (or reverted
 *   creation) that ended before it, so that the instrumentation does not change what the
 *   instrumented code sees in `RETURNDATASIZE`. This is EDR's rule, including its quirk that the
 *   "last output" is global to the execution rather than the calling frame's.
 *
 * - Proxies (for gas statistics, EDR `crates/edr_solidity/src/proxy_detection.rs`): a frame's
 *   first DELEGATECALL child with the frame's 4-byte selector and the frame's output is the
 *   next link of a proxy chain; {@link proxyChainOf} follows the links from the transaction's
 *   own frame.
 *
 * One {@link CallObservation} belongs to one lane (VM) and is reset before each execution.
 */

/** `hardhat/console.sol`'s address (20 bytes). */
export const CONSOLE_ADDRESS = "0x000000000000000000636f6e736f6c652e6c6f67";
/** The address coverage instrumentation calls (`coverage.sol` of `@nomicfoundation/edr`). */
export const COVERAGE_ADDRESS = "0xc0bec0bec0bec0bec0bec0bec0bec0bec0bec0be";

const CONSOLE_BYTES = Buffer.from(CONSOLE_ADDRESS.slice(2), "hex");
const COVERAGE_BYTES = Buffer.from(COVERAGE_ADDRESS.slice(2), "hex");
const EMPTY = new Uint8Array(0);

/** What one execution sent to the console and coverage addresses. */
export interface CallObservation {
  /** Call data of each `console.log` frame, in execution order. */
  consoleLogs: Uint8Array[];
  /** Coverage tags hit (0x hex of the 32-byte input), when coverage is on; else undefined. */
  coverageHits: Set<string> | undefined;
  /** Output of the last call (or reverted creation) that ended: what a coverage call returns. */
  lastOutput: Uint8Array;
  /** The frames still running, outermost first (see {@link ObservedFrame}). */
  open: ObservedFrame[];
  /** The transaction's own frame, once it started. */
  root: ObservedFrame | undefined;
  /**
   * Argument words of nested calls that fit 160 bits (addresses, small integers), as 40-digit
   * lowercase hex, at most {@link MAX_NESTED_CALL_KEYS}: candidate mapping keys for the report
   * (`sdk/analysis/calldata-keys.ts`), e.g. the recipient a router passes to a token.
   */
  callKeys: Set<string>;
}

/** Most nested-call argument words kept per execution (see {@link CallObservation.callKeys}). */
export const MAX_NESTED_CALL_KEYS = 64;
/** Argument words read per nested call. */
const NESTED_CALL_WORDS = 16;

/**
 * Notes the argument words of a nested call (after its 4-byte selector) that fit 160 bits.
 * Reads the bytes directly (no bigint) since it runs for every nested call.
 */
export function noteNestedCallKeys(
  observation: CallObservation,
  data: Uint8Array | undefined,
): void {
  const keys = observation.callKeys;
  if (data === undefined || keys.size >= MAX_NESTED_CALL_KEYS) return;
  for (let word = 0; word < NESTED_CALL_WORDS; word++) {
    const start = 4 + word * 32;
    if (start + 32 > data.length) return;
    let fits = true;
    for (let i = start; i < start + 12; i++)
      if (data[i] !== 0) {
        fits = false;
        break;
      }
    if (!fits) continue;
    keys.add(Buffer.from(data.subarray(start + 12, start + 32)).toString("hex"));
    if (keys.size >= MAX_NESTED_CALL_KEYS) return;
  }
}

/** What proxy detection needs of a frame. */
export interface ObservedFrame {
  /** The first 4 bytes of the call data (fewer when it is shorter). */
  selector: Uint8Array;
  /** Code address of a DELEGATECALL frame (lowercase hex); undefined for other frames. */
  delegateCode: string | undefined;
  /** Return data, once the frame ended. */
  output: Uint8Array | undefined;
  /** DELEGATECALL frames it started, in order. */
  delegates: ObservedFrame[];
}

/** A new observation; `coverage` turns on the coverage short-circuit and tag collection. */
export function createCallObservation(coverage: boolean): CallObservation {
  return {
    consoleLogs: [],
    coverageHits: coverage ? new Set() : undefined,
    lastOutput: EMPTY,
    open: [],
    root: undefined,
    callKeys: new Set(),
  };
}

/** Clears an observation before an execution (coverage stays on or off). */
export function resetCallObservation(observation: CallObservation): void {
  observation.consoleLogs = [];
  observation.coverageHits?.clear();
  observation.lastOutput = EMPTY;
  observation.open = [];
  observation.root = undefined;
  observation.callKeys.clear();
}

/**
 * Notes that a frame starts (the transaction's own one first).
 * @param delegateCode the code address of a DELEGATECALL frame (lowercase hex), else undefined.
 */
export function enterFrame(
  observation: CallObservation,
  data: Uint8Array | undefined,
  delegateCode: string | undefined,
): void {
  const frame: ObservedFrame = {
    // A copy: a frame's call data may be a view of its caller's memory, which changes later.
    selector: (data ?? EMPTY).slice(0, 4),
    delegateCode,
    output: undefined,
    delegates: [],
  };
  const parent = observation.open[observation.open.length - 1];
  if (parent === undefined) observation.root = frame;
  else if (delegateCode !== undefined) parent.delegates.push(frame);
  observation.open.push(frame);
}

/** Notes that the innermost running frame ended with `output`. */
export function exitFrame(observation: CallObservation, output: Uint8Array | undefined): void {
  const frame = observation.open.pop();
  if (frame !== undefined) frame.output = output ?? EMPTY;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(b);
}

/**
 * The proxy chain of the execution: code addresses of the DELEGATECALL frames from the
 * transaction's own frame to the implementation (the last one), or undefined when the
 * transaction's frame is not a proxy. Selectors must be 4 bytes long, as in EDR.
 */
export function proxyChainOf(observation: CallObservation): string[] | undefined {
  const chain: string[] = [];
  let frame = observation.root;
  while (frame !== undefined) {
    const parent: ObservedFrame = frame;
    frame = parent.delegates.find(
      (child) =>
        parent.selector.length === 4 &&
        sameBytes(child.selector, parent.selector) &&
        sameBytes(child.output, parent.output),
    );
    if (frame?.delegateCode !== undefined) chain.push(frame.delegateCode);
  }
  return chain.length === 0 ? undefined : chain;
}

function same(address: Uint8Array | undefined, expected: Buffer): boolean {
  // The last byte first: almost every address differs there, so the common case is one compare.
  return (
    address !== undefined &&
    address.length === 20 &&
    address[19] === expected[19] &&
    expected.equals(address)
  );
}

/** Whether a frame runs the console address's code (a `console.log`). */
export function isConsoleCall(codeAddress: Uint8Array | undefined): boolean {
  return same(codeAddress, CONSOLE_BYTES);
}

/** Whether a frame calls the coverage address (an instrumentation hit). */
export function isCoverageCall(codeAddress: Uint8Array | undefined): boolean {
  return same(codeAddress, COVERAGE_BYTES);
}

/**
 * Records what a frame that ended returned, for the next coverage call: a call's output
 * (revert data included; nothing after an exceptional halt), a creation's only when it
 * reverted (a successful creation leaves no return data).
 */
export function noteFrameEnd(
  observation: CallObservation,
  isCreate: boolean,
  result: { execResult?: { returnValue?: Uint8Array; exceptionError?: { error?: string } } },
): void {
  const exec = result.execResult;
  const error = exec?.exceptionError?.error;
  const reverted = error === "revert";
  if (isCreate) observation.lastOutput = reverted ? (exec?.returnValue ?? EMPTY) : EMPTY;
  else
    observation.lastOutput = error === undefined || reverted ? (exec?.returnValue ?? EMPTY) : EMPTY;
}
