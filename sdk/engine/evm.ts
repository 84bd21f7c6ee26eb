/**
 * Builds the `@ethereumjs` pieces one lane (or the sequential executor) runs transactions with:
 * a `Common` for the chain id and hardfork, and a VM whose state manager is a reusable
 * {@link TxState}. The VM's `evm.runCall` is wrapped so that the state knows when the
 * top-level call has returned (what follows is refund and the lazy coinbase fee).
 */
import { Common, Mainnet } from "@ethereumjs/common";
import { createVM, type VM } from "@ethereumjs/vm";
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
  type Frame = { message?: { to?: unknown; depth?: number } };
  type FrameResult = { execResult?: { exceptionError?: unknown } };
  const evm = vm.evm as unknown as { runCall: (opts: Frame) => Promise<FrameResult> };
  const runCall = evm.runCall.bind(evm);
  evm.runCall = async (opts) => {
    // Nested frames pass a `message`; only the transaction's own call ends execution.
    if (opts.message !== undefined) {
      const isCreate = opts.message.to === undefined;
      const result = await runCall(opts);
      // The first frame to fail is where a failure started (inner frames finish first).
      if (result.execResult?.exceptionError !== undefined) state.noteFailedFrame(isCreate ? "create" : "call");
      return result;
    }
    try {
      return await runCall(opts);
    } finally {
      state.enterFeePhase();
    }
  };
  return { vm, state, common };
}
