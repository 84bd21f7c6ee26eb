/**
 * Run-time conformance of declared access (docs/design.md §5): each call frame's actual reads and
 * writes of its own contract's storage are compared with what the function it runs declares
 * (`@custom:reads` / `@custom:writes`, resolved for that frame's caller and calldata).
 *
 * The engine knows nothing about annotations: a {@link DeclarationSource} (see
 * `sdk/rpc/declarations.ts`) answers, per frame, whether a slot read or write is declared.
 * Checked: frames of CALL, STATICCALL and the transaction's own call into a contract with a
 * declaration, and DELEGATECALL/CALLCODE frames whose code has one — the code's declarations
 * applied to the storage the frame runs on (a proxy's, when the code is its implementation), so
 * violations are named by the implementation's layout. A frame whose function declares calls
 * into other contracts (`@custom:calls`) also has every storage access of its nested frames to
 * other addresses checked against the composition of those calls (`sdk/access/calls.ts`, composed
 * at the frame's start from the transaction's state); a violation is recorded with `nested: true`
 * (a composition that is not fully declared leaves the nested frames unchecked). Not checked: contract creation, and
 * functions without annotations ("undeclared", counted). In strict mode a violation aborts the whole transaction with
 * {@link StrictModeViolation}, as Solana rejects a transaction that touches an undeclared account.
 */
import type { Hex } from "viem";
import { type CallEnvironment, type ComposedCalls, composedAllows } from "../access/calls.ts";
import { storageKey, type LocationKey } from "./location.ts";

export type { CallEnvironment, ComposedCalls } from "../access/calls.ts";

/** What one frame may access in its own contract's storage. */
export interface FrameCheck {
  /** Contract name (from the artifact). */
  contract: string;
  /** Function signature, when the selector is known. */
  function: string;
  /** False when the function has no annotations (not checked, counted as undeclared). */
  declared: boolean;
  mayRead(slot: Hex, preimages: ReadonlyMap<Hex, Hex>): boolean;
  mayWrite(slot: Hex, preimages: ReadonlyMap<Hex, Hex>): boolean;
  /** A label for a slot of this contract, e.g. `Vault.balanceOf[0xf39f…2266]`. */
  label(slot: Hex): string | undefined;
  /**
   * The declared slots as sets, for scheduling before execution (the `declared` executor).
   * Absent when the function is undeclared or its calldata does not decode (part of the
   * declaration is then unknown). `anyRead`/`anyWrite`: a pattern that cannot be listed (`*`
   * on a mapping, bytes data) — the executor then counts the whole storage of the contract.
   */
  slots?: DeclaredSlots;
  /**
   * Present when the function declares calls into other contracts (`@custom:calls`): their
   * composed declaration for this frame, read from `env` (`sdk/access/calls.ts`).
   */
  calls?(env: CallEnvironment): ComposedCalls;
  /** A label for a slot of another contract this frame's calls may touch, e.g. `Token._balances[0x…]`. */
  calleeLabel?(composed: ComposedCalls, address: Hex, slot: Hex): string | undefined;
}

/** See {@link FrameCheck.slots}. Slots are 32-byte lowercase hex; `reads` includes `writes`. */
export interface DeclaredSlots {
  reads: ReadonlySet<Hex>;
  writes: ReadonlySet<Hex>;
  anyRead: boolean;
  anyWrite: boolean;
}

/** Answers which storage a frame is declared to access. */
export interface DeclarationSource {
  /**
   * The check of a frame running `code` at `self`, or undefined when the contract has no access
   * manifest (its frames are not checked). `env`: state for guards (`cond ? location`); without
   * it, guarded locations are all declared.
   */
  frame(
    code: Uint8Array,
    calldata: Hex,
    sender: Hex,
    origin: Hex,
    self: Hex,
    env?: CallEnvironment,
  ): FrameCheck | undefined;
  /**
   * How a worker thread rebuilds this source (Block-STM lanes check declared access too): the
   * URL of a module, the name of its factory export, and structured-clone data to call it with.
   */
  workerSpec?(): DeclarationSourceSpec;
}

/** See {@link DeclarationSource.workerSpec}. */
export interface DeclarationSourceSpec {
  module: string;
  factory: string;
  data: unknown;
}

/** A location a frame touched but did not declare (docs/design.md §3 "violation"). */
export interface AccessViolationRecord {
  /** The contract whose storage was touched (lowercase). */
  address: Hex;
  contract: string;
  function: string;
  location: LocationKey;
  slot: Hex;
  /** `Contract.variable[key]` when the storage layout decodes it, else `Contract.storage[slot]`. */
  label: string;
  access: "read" | "write";
  /**
   * Set when a nested call made the access: `contract`/`function` are then the frame whose
   * `@custom:calls` did not declare it, and `address`/`slot`/`label` the callee's storage.
   */
  nested?: true;
}

/** Per-transaction conformance figures. */
export interface ConformanceResult {
  violations: AccessViolationRecord[];
  /** Frames checked against a declaration. */
  checkedFrames: number;
  /** Frames into contracts with a manifest whose function has no annotations. */
  undeclaredFrames: number;
}

/** Thrown (not an EVM error: it aborts the whole transaction) on a violation in strict mode. */
export class StrictModeViolation extends Error {
  readonly violation: AccessViolationRecord;
  constructor(violation: AccessViolationRecord) {
    const verb = violation.access === "write" ? "wrote" : "read";
    const tag = violation.access === "write" ? "@custom:writes" : "@custom:reads";
    super(
      violation.nested === true
        ? `Strict access mode: a call made by ${violation.contract}.${violation.function} ${verb} ${violation.label}, which its @custom:calls do not declare. ` +
            `Declare the call, or turn off \`parallel.strict\`.`
        : `Strict access mode: ${violation.contract}.${violation.function} ${verb} ${violation.label}, which its ${tag} does not declare. ` +
            `Declare it in the function's annotations, or turn off \`parallel.strict\`.`,
    );
    this.name = "StrictModeViolation";
    this.violation = violation;
  }
}

interface Frame {
  address: Hex;
  check: FrameCheck | undefined;
  reads: Set<Hex>;
  writes: Set<Hex>;
  /** The frame's composed calls, when it declares some and they are fully declared. */
  composed?: ComposedCalls;
  /** Accesses by nested frames to storage of other addresses: `address|slot` → kind. */
  foreign?: Map<string, "read" | "write">;
}

/**
 * Tracks the frames of one transaction. Each frame's accesses to its own contract's storage are
 * collected and compared with its declaration when the frame exits: a slot written but not
 * declared is a write violation; a slot only read and not declared is a read violation (the
 * read that SSTORE does for gas metering is not reported on its own).
 */
export class FrameTracker {
  readonly #source: DeclarationSource;
  readonly #strict: boolean;
  readonly #origin: Hex;
  readonly #frames: Frame[] = [];
  readonly #seen = new Set<string>();
  /** keccak-256 preimages of 64-byte inputs hashed during the transaction (mapping slots). */
  readonly preimages = new Map<Hex, Hex>();
  readonly result: ConformanceResult = { violations: [], checkedFrames: 0, undeclaredFrames: 0 };

  readonly #env: CallEnvironment | undefined;

  /**
   * @param env state reads for composing declared calls (the transaction's own state, so a
   *   callee held in a state variable is read as the call sees it); without it, calls into
   *   other contracts are not checked.
   */
  constructor(source: DeclarationSource, strict: boolean, origin: Hex, env?: CallEnvironment) {
    this.#source = source;
    this.#strict = strict;
    this.#origin = origin;
    this.#env = env;
  }

  /**
   * Enters a frame running `code` on the storage of `address` (they differ under DELEGATECALL);
   * `code` undefined = a frame that is not checked (contract creation).
   */
  enter(address: Hex, code: Uint8Array | undefined, calldata: Hex, sender: Hex): void {
    const check =
      code === undefined || code.length === 0
        ? undefined
        : this.#source.frame(code, calldata, sender, this.#origin, address, this.#env);
    if (check !== undefined) {
      if (check.declared) this.result.checkedFrames++;
      else this.result.undeclaredFrames++;
    }
    const frame: Frame = {
      address,
      check: check?.declared ? check : undefined,
      reads: new Set(),
      writes: new Set(),
    };
    if (frame.check?.calls !== undefined && this.#env !== undefined) {
      const composed = frame.check.calls(this.#env);
      // A call that cannot be declared leaves the nested frames unchecked (the declared
      // executor runs such a transaction alone).
      if (composed.undeclared === undefined) {
        frame.composed = composed;
        frame.foreign = new Map();
      }
    }
    this.#frames.push(frame);
  }

  /**
   * Leaves the current frame and checks it.
   * @throws {StrictModeViolation} in strict mode, for the frame's first violation.
   */
  exit(): void {
    const frame = this.#frames.pop();
    if (frame?.check === undefined) return;
    const check = frame.check;
    if (frame.composed !== undefined) this.#checkCalls(frame);
    for (const slot of frame.writes)
      if (!check.mayWrite(slot, this.preimages)) this.#violation(frame, slot, "write");
    for (const slot of frame.reads) {
      if (!frame.writes.has(slot) && !check.mayRead(slot, this.preimages))
        this.#violation(frame, slot, "read");
    }
  }

  /** Called for every storage read/write of the transaction. */
  access(address: string, slot: Hex, access: "read" | "write"): void {
    const frames = this.#frames;
    const frame = frames[frames.length - 1];
    if (frame?.check !== undefined && frame.address === address)
      (access === "write" ? frame.writes : frame.reads).add(slot);
    // Frames below that declare calls see every access of their nested calls to other storage.
    for (let i = frames.length - 2; i >= 0; i--) {
      const outer = frames[i];
      if (outer.foreign === undefined || outer.address === address) continue;
      const key = `${address}|${slot}`;
      if (access === "write" || !outer.foreign.has(key)) outer.foreign.set(key, access);
    }
  }

  /** Checks the accesses of a frame's nested calls against its composed declaration. */
  #checkCalls(frame: Frame): void {
    const composed = frame.composed!;
    for (const [key, access] of frame.foreign!) {
      const [address, slot] = key.split("|") as [Hex, Hex];
      const entry = composed.storage.get(address);
      const allowed =
        entry !== undefined && composedAllows(entry, slot, access === "write", this.preimages);
      if (!allowed) this.#violation(frame, slot, access, address);
    }
  }

  #violation(frame: Frame, slot: Hex, access: "read" | "write", callee?: Hex): void {
    const check = frame.check!;
    const address = callee ?? frame.address;
    const id = `${check.function}|${address}|${slot}|${access}`;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    const label =
      callee === undefined
        ? (check.label(slot) ?? `${check.contract}.storage[${slot}]`)
        : (check.calleeLabel?.(frame.composed!, callee, slot) ?? `slot ${slot} of ${callee}`);
    const violation: AccessViolationRecord = {
      address,
      contract: check.contract,
      function: check.function,
      location: storageKey(address, slot),
      slot,
      label,
      access,
    };
    if (callee !== undefined) violation.nested = true;
    if (this.#strict) throw new StrictModeViolation(violation);
    this.result.violations.push(violation);
  }
}
