/**
 * Re-execution for tracing (debug_traceTransaction, debug_traceCall, Solidity stack traces):
 * a mined transaction is traced by running its block's earlier transactions again on the state
 * before the block, then the transaction itself with a tracer listening to the EVM's events.
 *
 * Everything runs sequentially on the main thread, on a VM of its own (one per chain, created on
 * first use), under the chain's exclusive section (nothing is mined meanwhile); no executor and
 * no lane of an executor is involved, and nothing is written to the chain's state.
 */
import type { Hex } from "viem";
import type { Chain, MinedBlock } from "../chain.ts";
import { createEnvironmentBlock } from "../block-header.ts";
import { createExecutionVM, type ExecutionVM } from "../evm.ts";
import { executeTransaction, type TransactionOutcome } from "../execute-transaction.ts";
import { balanceKey, type LocationKey } from "../location.ts";
import type { StateReader } from "../state/state-reader.ts";
import type { EngineTransaction } from "../transactions.ts";

/** The EVM `@ethereumjs/evm` exposes to listeners: its event emitter. */
export interface TracedEvm {
  events: {
    on(event: string, listener: (data: never) => void): void;
    off(event: string, listener: (data: never) => void): void;
  };
}

/** Something that listens to one execution: attaches its listeners, returns how to detach them. */
export interface ExecutionTracer {
  attach(evm: TracedEvm): () => void;
}

/**
 * A writable view over a state: the writes and code of re-executed transactions, over the state
 * before their block. Never written back.
 */
export class ReplayState implements StateReader {
  readonly #base: StateReader;
  readonly #values = new Map<LocationKey, bigint>();
  readonly #codes = new Map<bigint, Uint8Array>();

  constructor(base: StateReader) {
    this.#base = base;
  }

  read(key: LocationKey): bigint {
    return this.#values.get(key) ?? this.#base.read(key);
  }

  code(hash: bigint): Uint8Array {
    return this.#codes.get(hash) ?? this.#base.code(hash);
  }

  *storageOf(address: string): Iterable<[LocationKey, bigint]> {
    const a = address.toLowerCase();
    for (const [key, value] of this.#base.storageOf(a))
      if (!this.#values.has(key)) yield [key, value];
    for (const [key, value] of this.#values)
      if (key.startsWith(`s:${a}`) && value !== 0n) yield [key, value];
  }

  /** Applies a transaction's outcome: its writes, new code and coinbase fee. */
  apply(outcome: TransactionOutcome, coinbase: Hex): void {
    for (const [hash, code] of outcome.codes) this.#codes.set(hash, code);
    for (const [key, value] of outcome.writes) this.#values.set(key, value);
    if (outcome.feeCredit !== 0n) {
      const key = balanceKey(coinbase);
      this.#values.set(key, this.read(key) + outcome.feeCredit);
    }
  }
}

/** One traced execution: the outcome, the state it ran on and the block it ran in. */
export interface TracedExecution {
  outcome: TransactionOutcome;
  /** The state just before the transaction. */
  before: StateReader;
  /** Fee recipient of the block (lowercase). */
  coinbase: Hex;
  /** Gas limit of the transaction (gas). */
  gasLimit: bigint;
  transaction: EngineTransaction;
}

interface TracingSlot {
  lane?: ExecutionVM;
  queue: Promise<unknown>;
}

const slots = new WeakMap<Chain, TracingSlot>();

function slotOf(chain: Chain): TracingSlot {
  let slot = slots.get(chain);
  if (slot === undefined) {
    slot = { queue: Promise.resolve() };
    slots.set(chain, slot);
  }
  return slot;
}

/**
 * Runs `work` with the chain's tracing VM, one tracing request at a time (they share the VM).
 * The VM answers BLOCKHASH from the chain's blocks and checks declared access as the chain's
 * sequential lane does (strict mode fails the same transactions).
 */
export function withTracingLane<T>(
  chain: Chain,
  work: (lane: ExecutionVM) => Promise<T>,
): Promise<T> {
  const slot = slotOf(chain);
  const run = slot.queue.then(async () => {
    slot.lane ??= await createExecutionVM(
      chain.chainId,
      chain.hardfork,
      (n) => chain.blockByNumber(BigInt(n))?.header.hash() ?? new Uint8Array(32),
      {
        allowUnlimitedContractSize: chain.options.allowUnlimitedContractSize,
        // Coverage calls are answered as on the chain's lanes, so replays run the same way.
        coverage: chain.options.coverage,
      },
    );
    slot.lane.conformance = chain.lane.conformance;
    return work(slot.lane);
  });
  slot.queue = run.catch(() => {});
  return run;
}

/** Runs `execute` with `tracer` attached to the lane's EVM; detaches it afterwards. */
export async function traced<T>(
  lane: ExecutionVM,
  tracer: ExecutionTracer | undefined,
  execute: () => Promise<T>,
): Promise<T> {
  const detach = tracer?.attach(lane.vm.evm as unknown as TracedEvm);
  try {
    return await execute();
  } finally {
    detach?.();
  }
}

/** Thrown when re-executing a mined transaction does not give the outcome it was mined with. */
export class ReplayMismatchError extends Error {}

/**
 * Re-executes transaction `index` of a mined block with `tracer` attached: the block's earlier
 * transactions run first, untraced, on the state before the block.
 *
 * The state before the block is the chain's historical state (rebuilt from undo diffs), so a
 * `hardhat_set*` edit made after the block is visible in it (see README): the re-execution is
 * checked against the mined outcome (status, gas used, return value) and a mismatch throws.
 * @throws {ReplayMismatchError} when the re-execution differs from the mined outcome.
 */
export function replayMinedTransaction(
  chain: Chain,
  block: MinedBlock,
  index: number,
  tracer: ExecutionTracer | undefined,
): Promise<TracedExecution> {
  return withTracingLane(chain, (lane) =>
    chain.exclusive(async () => {
      const header = block.header;
      const coinbase = header.coinbase.toString() as Hex;
      const environment = createEnvironmentBlock(
        {
          parentHash: header.parentHash,
          number: header.number,
          timestamp: header.timestamp,
          coinbase,
          gasLimit: header.gasLimit,
          baseFeePerGas: header.baseFeePerGas ?? 0n,
          prevRandao: header.mixHash,
        },
        chain.common,
      );
      const state = new ReplayState(chain.stateAt(block.number - 1n));
      for (let i = 0; i <= index; i++) {
        const etx = block.transactions[i];
        const run = () => executeTransaction(lane, state, environment, etx);
        const result = i === index ? await traced(lane, tracer, run) : await run();
        const mined = block.outcomes[i];
        if (
          result.kind !== "executed" ||
          result.status !== mined.status ||
          result.gasUsed !== mined.gasUsed
        ) {
          throw new ReplayMismatchError(
            `re-executing transaction ${etx.hash} did not reproduce its mined outcome (state ` +
              "edited after its block?)",
          );
        }
        if (i === index)
          return {
            outcome: result,
            before: state,
            coinbase,
            gasLimit: etx.tx.gasLimit,
            transaction: etx,
          };
        state.apply(result, coinbase);
      }
      throw new Error("unreachable: index is inside the block");
    }),
  );
}
