/**
 * Builds the `@ethereumjs` pieces one lane (or the sequential executor) runs transactions with:
 * a `Common` for the chain id and hardfork, and a VM whose state manager is a reusable
 * {@link TxState}. The VM's `evm.runCall` is wrapped so that the state knows when the
 * top-level call has returned (what follows is refund and the lazy coinbase fee).
 */
import { Common, Mainnet } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { keccak256 } from "viem";
import { createVM, type VM } from "@ethereumjs/vm";
import type { DeclarationSource } from "./conformance.ts";
import { lazyKzg } from "./kzg.ts";
import type { HardforkName } from "./options.ts";
import { TxState } from "./state/tx-state.ts";

/** Looks up a block hash by number for the BLOCKHASH opcode (pre-EIP-7709 semantics). */
export type BlockHashLookup = (blockNumber: number) => Uint8Array;

/**
 * A `Common` shared by every transaction and block header of a chain. `@ethereumjs/tx` and
 * `@ethereumjs/block` copy the Common they are given and merge their parameter tables into the
 * copy, which rebuilds its parameter cache: measured, that was the largest cost of an automined
 * transaction. The chain's hardfork never changes, so one instance can serve them all: `copy()`
 * returns it, and a parameter table already merged is not merged again.
 */
class SharedCommon extends Common {
  // Not #private: Common's constructor may call updateParams before subclass fields exist.
  mergedParams?: WeakSet<object>;
  override copy(): Common {
    return this;
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

/** A VM plus the state it executes against. */
export interface ExecutionVM {
  vm: VM;
  state: TxState;
  common: Common;
  /** Declared-access checking, when the chain has declarations (see `conformance.ts`). */
  conformance?: { source: DeclarationSource; strict: boolean };
}

/**
 * Creates a VM for one lane.
 * @param blockHash answers BLOCKHASH; unknown numbers give 32 zero bytes.
 */
export async function createExecutionVM(
  chainId: number,
  hardfork: HardforkName,
  blockHash: BlockHashLookup,
  options: { allowUnlimitedContractSize?: boolean } = {},
): Promise<ExecutionVM> {
  const common = createChainCommon(chainId, hardfork);
  const state = new TxState();
  // KECCAK256 goes through customCrypto: record the preimages of slot derivations (32 and 64
  // bytes: array data and mapping slots) so declared `mapping[*]` patterns can be matched.
  common.customCrypto.keccak256 = (data: Uint8Array): Uint8Array => {
    const hash = keccak256(data, "bytes");
    const tracker = state.tracker;
    if (tracker !== undefined && (data.length === 64 || data.length === 32)) {
      tracker.preimages.set(bytesToHex(hash) as `0x${string}`, bytesToHex(data) as `0x${string}`);
    }
    return hash;
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
    message?: { to?: { toString(): string }; caller?: { toString(): string }; data?: Uint8Array; delegatecall?: boolean };
    to?: { toString(): string };
    caller?: { toString(): string };
    data?: Uint8Array;
  };
  type FrameResult = { execResult?: { exceptionError?: unknown } };
  const evm = vm.evm as unknown as { runCall: (opts: Frame) => Promise<FrameResult> };
  const runCall = evm.runCall.bind(evm);
  evm.runCall = async (opts) => {
    // Nested frames pass a `message`; only the transaction's own call ends execution.
    const frame = opts.message ?? opts;
    const tracker = state.tracker;
    if (tracker !== undefined) {
      const to = frame.to?.toString();
      const checked = to !== undefined && opts.message?.delegatecall !== true;
      const calldata = bytesToHex(frame.data ?? new Uint8Array()) as `0x${string}`;
      tracker.enter((to ?? "0x") as `0x${string}`, checked ? state.peekCode(to) : undefined, calldata, (frame.caller?.toString() ?? "0x") as `0x${string}`);
    }
    if (opts.message !== undefined) {
      const isCreate = opts.message.to === undefined;
      const result = await runCall(opts);
      // The first frame to fail is where a failure started (inner frames finish first).
      if (result.execResult?.exceptionError !== undefined) state.noteFailedFrame(isCreate ? "create" : "call");
      tracker?.exit();
      return result;
    }
    try {
      const result = await runCall(opts);
      tracker?.exit();
      return result;
    } finally {
      state.enterFeePhase();
    }
  };
  return { vm, state, common };
}
