/**
 * Builds the `@ethereumjs` pieces one lane (or the sequential executor) runs transactions with:
 * a `Common` for the chain id and hardfork, and a VM whose state manager is a reusable
 * {@link TxState}. The VM's `evm.runCall` is wrapped so that the state knows when the
 * top-level call has returned (what follows is refund and the lazy coinbase fee), and so that
 * console.log calls, coverage hits and proxy chains are observed as EDR observes them
 * (`observed-calls.ts`).
 *
 * Several things make repeated executions cheaper without changing any result:
 * - the interpreter caches jump-destination analysis per code and runs simple opcodes without
 *   allocating promises (see `interpreter-patches.ts`; `HP_NO_EVM_PATCHES=1` switches them off);
 * - the shared `Common` answers `isActivatedEIP` from a set ({@link SharedCommon});
 * - keccak-256 is `@noble/hashes` 2.x, with short inputs memoised ({@link ShortHashMemo});
 * - each execution records whether its outcome could depend on the gas it was given
 *   ({@link GasUse}), so gas estimation can skip probes whose outcome is already known.
 */
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createVM, type VM } from "@ethereumjs/vm";
import type { DeclarationSource } from "./conformance.ts";
import { lazyKzg } from "./kzg.ts";
import type { HardforkName } from "./options.ts";
import { applyInterpreterPatches } from "./interpreter-patches.ts";
import {
  type CallObservation,
  createCallObservation,
  noteNestedCallKeys,
  enterFrame,
  exitFrame,
  isConsoleCall,
  isCoverageCall,
  noteFrameEnd,
} from "./observed-calls.ts";
import { TxState } from "./state/tx-state.ts";

/** Looks up a block hash by number for the BLOCKHASH opcode (pre-EIP-7709 semantics). */
export type BlockHashLookup = (blockNumber: number) => Uint8Array;

/**
 * A `Common` shared by every transaction and block header of a chain. `@ethereumjs/tx` and
 * `@ethereumjs/block` copy the Common they are given and merge their parameter tables into the
 * copy, which rebuilds its parameter cache: measured, that was the largest cost of an automined
 * transaction. The chain's hardfork never changes, so one instance can serve them all: `copy()`
 * returns it, and a parameter table already merged is not merged again. `isActivatedEIP` is
 * answered from a set.
 */
class SharedCommon extends Common {
  // Not #private: Common's constructor may call updateParams before subclass fields exist.
  mergedParams?: WeakSet<object>;
  activeEips?: { list: number[]; set: Set<number> };
  override copy(): Common {
    return this;
  }
  /**
   * Same answer as Common's, which scans the list of active EIPs (about 80 under Osaka) on each
   * call — and the interpreter asks several times per opcode. The set is rebuilt whenever
   * Common replaces the list (on a hardfork or EIP change).
   */
  override isActivatedEIP(eip: number): boolean {
    const list = (this as unknown as { _activatedEIPsCache: number[] })._activatedEIPsCache;
    if (this.activeEips?.list !== list) this.activeEips = { list, set: new Set(list) };
    return this.activeEips.set.has(eip);
  }
  override updateParams(params: Parameters<Common["updateParams"]>[0]): void {
    this.mergedParams ??= new WeakSet();
    if (this.mergedParams.has(params)) return;
    this.mergedParams.add(params);
    super.updateParams(params);
  }
}

/** A `Common` for a dev chain: Mainnet's rules with another chain id, fixed at `hardfork`. */
export function createChainCommon(chainId: number, hardfork: HardforkName): Common {
  return new SharedCommon({
    chain: { ...Mainnet, chainId, name: "parallel" },
    hardfork,
    customCrypto: { kzg: lazyKzg },
  });
}

/**
 * How the last execution on a lane could have depended on the gas it was given. Filled while
 * the transaction runs; reset by `executeTransaction` before each one.
 *
 * When `tracked` is true and `dependent` is false, only the transaction's own frame ran (no
 * call or create) and no opcode looked at the gas left except the EIP-2200 SSTORE sentry: the
 * execution then follows the same path, opcode by opcode and gas by gas, under any gas limit
 * that does not run out, and whether a smaller limit runs out can be computed exactly from
 * {@link GasUse.minSstoreGasLeft} and the gas the execution used (see `estimate` in
 * `sdk/rpc/methods/call.ts`).
 */
export interface GasUse {
  /** Whether this lane's hardfork supports the tracking (Istanbul's SSTORE rules, no EIP-7928/8037/8038). */
  tracked: boolean;
  /**
   * An opcode ran whose behaviour can depend on the gas left beyond running out: GAS, the
   * CALL and CREATE families, SELFDESTRUCT, or any opcode outside {@link GAS_OBLIVIOUS_OPCODES}.
   */
  dependent: boolean;
  /**
   * The least gas left (gas) seen by an SSTORE before its charge, which EIP-2200 requires to be
   * above 2,300; undefined when no SSTORE ran.
   */
  minSstoreGasLeft: bigint | undefined;
  /**
   * The EVM opcode map whose handlers report to this object. Should the EVM ever rebuild its map
   * (ethereumjs does on a hardfork change), nothing reports any more: users must then treat
   * the execution as untracked (see {@link isGasUseTracked}).
   */
  opcodeMap?: object;
}

/** Whether the last execution on `lane` was tracked (see {@link GasUse}). */
export function isGasUseTracked(lane: ExecutionVM): boolean {
  return (
    lane.gasUse.tracked &&
    (lane.vm.evm as unknown as { _opcodeMap: object })._opcodeMap === lane.gasUse.opcodeMap
  );
}

/**
 * keccak-256 of short inputs, memoised. Every execution hashes the same few short inputs again
 * and again: each log's address and topics for the receipt bloom (20 and 32 bytes), mapping
 * slots (64 bytes) — measured, the bloom alone hashed 6 times per automined contract call. A
 * lookup keyed by the bytes as a Latin-1 string costs a tenth of hashing. Bounded: cleared
 * when it reaches {@link ShortHashMemo.MAX_ENTRIES}. Callers get a copy of the digest.
 */
class ShortHashMemo {
  /** Longest input memoised (bytes). */
  static readonly MAX_INPUT = 64;
  /** Entries kept before the memo is cleared. */
  static readonly MAX_ENTRIES = 8192;
  readonly #entries = new Map<
    string,
    { hash: Uint8Array; hashHex?: `0x${string}`; dataHex?: `0x${string}` }
  >();

  /** The entry of `data` (at most {@link ShortHashMemo.MAX_INPUT} bytes), hashing it if new. */
  get(data: Uint8Array): { hash: Uint8Array; hashHex?: `0x${string}`; dataHex?: `0x${string}` } {
    const key = String.fromCharCode.apply(null, data as unknown as number[]);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= ShortHashMemo.MAX_ENTRIES) this.#entries.clear();
      entry = { hash: keccak_256(data) };
      this.#entries.set(key, entry);
    }
    return entry;
  }
}

/** A VM plus the state it executes against. */
export interface ExecutionVM {
  vm: VM;
  state: TxState;
  common: Common;
  /** Declared-access checking, when the chain has declarations (see `conformance.ts`). */
  conformance?: { source: DeclarationSource; strict: boolean };
  /** Gas dependence of the last execution on this lane (see {@link GasUse}). */
  gasUse: GasUse;
  /** console.log calls and coverage hits of the last execution (see `observed-calls.ts`). */
  observed: CallObservation;
}

/**
 * Opcodes whose effect and gas cost never depend on the gas left (other than by running out):
 * arithmetic, comparison and bit operations, KECCAK256, environment and block information,
 * stack, memory, storage (SSTORE's stipend check is recorded separately), transient storage,
 * jumps, logs, RETURN, REVERT and INVALID. Everything else (GAS, CALL, CALLCODE, DELEGATECALL,
 * STATICCALL, CREATE, CREATE2, SELFDESTRUCT, EOF and newer opcodes) marks an execution as
 * gas-dependent.
 */
const GAS_OBLIVIOUS_OPCODES: ReadonlySet<number> = new Set([
  ...range(0x00, 0x0b), // STOP … SIGNEXTEND
  ...range(0x10, 0x1e), // LT … SAR, CLZ
  0x20, // KECCAK256
  ...range(0x30, 0x4a), // ADDRESS … BLOBBASEFEE
  ...range(0x50, 0x59), // POP … MSIZE (0x5a GAS excluded)
  ...range(0x5b, 0x9f), // JUMPDEST, TLOAD, TSTORE, MCOPY, PUSH0 … PUSH32, DUP1 … DUP16, SWAP1 … SWAP16
  ...range(0xa0, 0xa4), // LOG0 … LOG4
  0xf3, // RETURN
  0xfd, // REVERT
  0xfe, // INVALID
]);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

type OpcodeEntry = {
  opcodeInfo: { code: number };
  opHandler: (...args: unknown[]) => unknown;
  gasHandler?: (
    runState: { interpreter: { getGasLeft(): bigint } },
    gas: bigint,
    common: Common,
  ) => Promise<bigint> | bigint;
};

/**
 * Wraps the opcode handlers of one EVM so that executions fill `gasUse`: every opcode outside
 * {@link GAS_OBLIVIOUS_OPCODES} sets `dependent` (in its gas handler, which runs first, and in
 * its handler), and SSTORE's gas handler records the gas left it sees. Entries are replaced in
 * the EVM's own opcode map, so other EVMs are not affected.
 */
function trackGasUse(vm: VM, common: Common, gasUse: GasUse): void {
  gasUse.tracked =
    common.gteHardfork(Hardfork.Istanbul) &&
    ![6800, 7864, 7928, 8037, 8038].some((eip) => common.isActivatedEIP(eip));
  if (!gasUse.tracked) return;
  const map = (vm.evm as unknown as { _opcodeMap: OpcodeEntry[] })._opcodeMap;
  gasUse.opcodeMap = map;
  const invalid = map[0xfe];
  for (let op = 0; op < map.length; op++) {
    const entry = map[op];
    if (entry === undefined || entry === invalid) continue;
    if (op === 0x55) {
      const gasHandler = entry.gasHandler!;
      map[op] = {
        ...entry,
        gasHandler: (runState, gas, c) => {
          const left = runState.interpreter.getGasLeft();
          if (gasUse.minSstoreGasLeft === undefined || left < gasUse.minSstoreGasLeft)
            gasUse.minSstoreGasLeft = left;
          return gasHandler(runState, gas, c);
        },
      };
    } else if (!GAS_OBLIVIOUS_OPCODES.has(op)) {
      const { opHandler, gasHandler } = entry;
      map[op] = {
        ...entry,
        opHandler: (...args) => {
          gasUse.dependent = true;
          return opHandler(...args);
        },
        gasHandler:
          gasHandler === undefined
            ? undefined
            : (runState, gas, c) => {
                gasUse.dependent = true;
                return gasHandler(runState, gas, c);
              },
      };
    }
  }
}

/** The result of `@ethereumjs/evm`'s jump-destination analysis of one code. */
/**
 * Creates a VM for one lane.
 * @param blockHash answers BLOCKHASH; unknown numbers give 32 zero bytes.
 */
export async function createExecutionVM(
  chainId: number,
  hardfork: HardforkName,
  blockHash: BlockHashLookup,
  options: { allowUnlimitedContractSize?: boolean; coverage?: boolean } = {},
): Promise<ExecutionVM> {
  await applyInterpreterPatches();
  const common = createChainCommon(chainId, hardfork);
  const state = new TxState();
  // KECCAK256 goes through customCrypto: record the preimages of slot derivations (32 and 64
  // bytes: array data and mapping slots) so declared `mapping[*]` patterns can be matched.
  // `@noble/hashes` 2.x is the implementation `@ethereumjs` itself defaults to: same digests
  // as viem's `keccak256` (which uses 1.x) at less than half the cost. Short inputs are
  // memoised (see {@link ShortHashMemo}).
  const memo = new ShortHashMemo();
  common.customCrypto.keccak256 = (data: Uint8Array): Uint8Array => {
    if (data.length > ShortHashMemo.MAX_INPUT) return keccak_256(data);
    const entry = memo.get(data);
    const tracker = state.tracker;
    if (tracker !== undefined && (data.length === 64 || data.length === 32)) {
      entry.hashHex ??= bytesToHex(entry.hash) as `0x${string}`;
      entry.dataHex ??= bytesToHex(data) as `0x${string}`;
      tracker.preimages.set(entry.hashHex, entry.dataHex);
    }
    return entry.hash.slice();
  };
  const blockchain = {
    getBlock: async (n: number) => ({ hash: () => blockHash(n) }),
    putBlock: async () => {},
    shallowCopy() {
      return this;
    },
  };
  const vm = await createVM({
    common,
    stateManager: state,
    blockchain,
    evmOpts: { allowUnlimitedContractSize: options.allowUnlimitedContractSize ?? false },
  });
  type Frame = {
    message?: {
      to?: { toString(): string; bytes?: Uint8Array };
      gasRefund?: bigint;
      caller?: { toString(): string };
      data?: Uint8Array;
      delegatecall?: boolean;
      codeAddress?: { toString(): string; bytes?: Uint8Array };
    };
    to?: { toString(): string; bytes?: Uint8Array };
    caller?: { toString(): string };
    data?: Uint8Array;
  };
  type FrameResult = {
    execResult?: {
      exceptionError?: { error?: string };
      returnValue?: Uint8Array;
      executionGasUsed?: bigint;
      gasRefund?: bigint;
      logs?: unknown[];
    };
  };
  const observed = createCallObservation(options.coverage === true);
  const evm = vm.evm as unknown as { runCall: (opts: Frame) => Promise<FrameResult> };
  const runCall = evm.runCall.bind(evm);
  evm.runCall = async (opts) => {
    // Nested frames pass a `message`; only the transaction's own call ends execution.
    const frame = opts.message ?? opts;
    const tracker = state.tracker;
    if (tracker !== undefined) {
      const to = frame.to?.toString();
      // DELEGATECALL and CALLCODE run `codeAddress`'s code on `to`'s storage (a proxy and its
      // implementation): the frame is checked against the code's declarations.
      // (ethereumjs's `codeAddress` getter throws for a creation, which has no `to` yet.)
      const codeAddress =
        to === undefined ? undefined : (opts.message?.codeAddress?.toString() ?? to);
      const calldata = bytesToHex(frame.data ?? new Uint8Array()) as `0x${string}`;
      tracker.enter(
        (to ?? "0x") as `0x${string}`,
        to !== undefined && codeAddress !== undefined ? state.peekCode(codeAddress) : undefined,
        calldata,
        (frame.caller?.toString() ?? "0x") as `0x${string}`,
      );
    }
    if (opts.message !== undefined) {
      const isCreate = opts.message.to === undefined;
      // (ethereumjs's `codeAddress` getter throws for a creation.)
      const code = isCreate ? undefined : opts.message.codeAddress?.bytes;
      const delegate = opts.message.delegatecall === true;
      if (isConsoleCall(code)) observed.consoleLogs.push((frame.data ?? new Uint8Array()).slice());
      if (observed.coverageHits !== undefined && isCoverageCall(code)) {
        // EDR's coverage collector: record the tag, run nothing (see `observed-calls.ts`).
        observed.coverageHits.add(bytesToHex(frame.data ?? new Uint8Array()));
        tracker?.exit();
        return {
          execResult: {
            returnValue: observed.lastOutput,
            executionGasUsed: 0n,
            gasRefund: opts.message.gasRefund,
            logs: [],
          },
        };
      }
      if (!isCreate) noteNestedCallKeys(observed, frame.data);
      enterFrame(observed, frame.data, delegate ? opts.message.codeAddress?.toString() : undefined);
      const result = await runCall(opts);
      exitFrame(observed, result.execResult?.returnValue);
      noteFrameEnd(observed, isCreate, result);
      // The first frame to fail is where a failure started (inner frames finish first).
      if (result.execResult?.exceptionError !== undefined)
        state.noteFailedFrame(isCreate ? "create" : "call");
      tracker?.exit();
      return result;
    }
    if (isConsoleCall(frame.to?.bytes))
      observed.consoleLogs.push((frame.data ?? new Uint8Array()).slice());
    enterFrame(observed, frame.data, undefined);
    try {
      const result = await runCall(opts);
      exitFrame(observed, result.execResult?.returnValue);
      tracker?.exit();
      return result;
    } finally {
      state.enterFeePhase();
    }
  };
  const gasUse: GasUse = { tracked: false, dependent: false, minSstoreGasLeft: undefined };
  trackGasUse(vm, common, gasUse);
  return { vm, state, common, gasUse, observed };
}
