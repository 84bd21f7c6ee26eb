/**
 * Runs one transaction on a lane's VM over a base state and returns everything the block needs:
 * receipt fields, logs, the read set and write set, new code and the lazy coinbase fee.
 * Nothing is applied to the base state: the executor decides (sequential applies at once,
 * Block-STM records the writes in multi-version memory).
 */
import type { Block } from "@ethereumjs/block";
import { Capability, getCalldataFloorGas } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import { runTx } from "@ethereumjs/vm";
import type { Hex } from "viem";
import { type ConformanceResult, FrameTracker } from "./conformance.ts";
import { type ExecutionVM, isGasUseTracked } from "./evm.ts";
import { allowSenderWithCode } from "./sender-code.ts";
import type { StateReader } from "./state/state-reader.ts";
import type { TxStateResult } from "./state/tx-state.ts";
import type { EngineTransaction } from "./transactions.ts";
import { proxyChainOf, resetCallObservation } from "./observed-calls.ts";

export interface EngineLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
}

/** The result of a transaction that was valid for the block (it may still have reverted). */
export interface TransactionOutcome extends TxStateResult {
  kind: "executed";
  status: 0 | 1;
  /** Gas charged to the sender (receipt `gasUsed`). */
  gasUsed: bigint;
  /** Gas counted toward the block's gas used (differs from `gasUsed` only under EIP-7778). */
  blockGasUsed: bigint;
  /** Intrinsic gas of the transaction (gas): the part charged before execution. */
  intrinsicGas: bigint;
  /** Price per gas paid by the sender (wei). */
  effectiveGasPrice: bigint;
  logs: EngineLog[];
  logsBloom: Uint8Array;
  contractAddress?: Hex;
  returnValue: Uint8Array;
  /** The EVM's exception (`revert`, `out of gas`, `invalid opcode`, ...) when status is 0. */
  error?: string;
  /** Declared-access conformance of the transaction's frames, when declarations are known. */
  conformance?: ConformanceResult;
  /**
   * Call data of each `hardhat/console.sol` call the execution made, in order (reverted
   * frames included, as EDR keeps them); absent when there were none. See `observed-calls.ts`.
   */
  consoleLogs?: Uint8Array[];
  /** Coverage tags hit (0x hex, each once), only on a lane with coverage on. */
  coverageHits?: Hex[];
  /**
   * Argument words of nested calls that fit 160 bits, as 40-digit hex without 0x (candidate
   * mapping keys for the report; `observed-calls.ts`); absent when there were none.
   */
  nestedCallKeys?: string[];
  /**
   * When the transaction's own frame is a proxy (EDR's proxy detection, `observed-calls.ts`):
   * the code addresses it delegated to, down to the implementation (last); else absent.
   */
  delegations?: Hex[];
  /**
   * Only when asked for (`executeTransaction`'s `gasLimitKnowledge` option) and the execution
   * succeeded: the smallest gas limit (gas) with which the same transaction, in the same
   * environment and state, runs exactly the same way and succeeds; any smaller limit makes it
   * fail (out of gas, or invalid under the intrinsic gas or EIP-7623 floor). Undefined when
   * this cannot be known without running it: the execution looked at the gas left (see
   * `GasUse` in `evm.ts`), paid a non-zero gas price (the sender's balance during execution
   * then depends on the limit), or the hardfork's gas rules are not covered.
   */
  minimumGasLimit?: bigint;
}

/** A transaction the block could not include (bad nonce, not enough funds, ...). */
export interface InvalidTransaction {
  kind: "invalid";
  reason: string;
}

export type ExecutionResult = TransactionOutcome | InvalidTransaction;

/**
 * Executes `etx` against `base` in the environment of `block`.
 * Never throws for a bad transaction: validation failures come back as {@link InvalidTransaction}.
 * @param options.gasLimitKnowledge also work out {@link TransactionOutcome.minimumGasLimit}
 *   (for gas estimation; costs nothing measurable).
 */
export async function executeTransaction(
  lane: ExecutionVM,
  base: StateReader,
  block: Block,
  etx: EngineTransaction,
  options: { gasLimitKnowledge?: boolean } = {},
): Promise<ExecutionResult> {
  const { vm, state } = lane;
  resetEvm(vm);
  lane.gasUse.dependent = false;
  lane.gasUse.minSstoreGasLeft = undefined;
  resetCallObservation(lane.observed);
  state.begin(base, block.header.coinbase.toString());
  const tracker =
    lane.conformance === undefined
      ? undefined
      : new FrameTracker(lane.conformance.source, lane.conformance.strict, etx.from, {
          code: (address) => state.peekCode(address),
          storage: (address, slot) => state.peekStorage(address, slot),
        });
  state.tracker = tracker;
  let result: Awaited<ReturnType<typeof runTx>>;
  // EDR switches EIP-3607 off: senders with code (impersonated contracts) may send.
  const restore = allowSenderWithCode(state, etx.from);
  try {
    result = await runTx(vm, { tx: etx.tx, block, skipHardForkValidation: true });
  } catch (error) {
    return {
      kind: "invalid",
      reason: error instanceof Error ? stripContext(error.message) : String(error),
    };
  } finally {
    restore();
  }
  const rw = state.finish();
  const exec = result.execResult;
  const failed = exec.exceptionError !== undefined;
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const tx = etx.tx;
  const effectiveGasPrice = tx.supports(Capability.EIP1559FeeMarket)
    ? (tx as { getEffectivePriorityFee(b: bigint): bigint }).getEffectivePriorityFee(baseFee) +
      baseFee
    : (tx as { gasPrice: bigint }).gasPrice;
  const logs: EngineLog[] = failed
    ? []
    : (exec.logs ?? []).map(([address, topics, data]) => ({
        address: bytesToHex(address) as Hex,
        topics: topics.map((t) => bytesToHex(t) as Hex),
        data: bytesToHex(data) as Hex,
      }));
  return {
    kind: "executed",
    ...rw,
    status: failed ? 0 : 1,
    gasUsed: result.totalGasSpent,
    blockGasUsed: result.blockGasSpent,
    effectiveGasPrice,
    intrinsicGas: tx.getIntrinsicGas(),
    logs,
    logsBloom: result.bloom.bitvector,
    contractAddress: failed ? undefined : (result.createdAddress?.toString() as Hex | undefined),
    returnValue: exec.returnValue,
    error: exec.exceptionError?.error,
    ...(tracker === undefined ? {} : { conformance: tracker.result }),
    ...(lane.observed.consoleLogs.length === 0 ? {} : { consoleLogs: lane.observed.consoleLogs }),
    ...(lane.observed.callKeys.size === 0 ? {} : { nestedCallKeys: [...lane.observed.callKeys] }),
    ...delegationsOf(lane, failed),
    ...(lane.observed.coverageHits === undefined
      ? {}
      : { coverageHits: [...lane.observed.coverageHits] as Hex[] }),
    ...(options.gasLimitKnowledge === true && !failed && effectiveGasPrice === 0n
      ? minimumGasLimit(lane, etx, exec.executionGasUsed)
      : {}),
  };
}

/** The proxy chain of a successful call (gas statistics name the implementation). */
function delegationsOf(lane: ExecutionVM, failed: boolean): { delegations?: Hex[] } {
  if (failed) return {};
  const chain = proxyChainOf(lane.observed);
  return chain === undefined ? {} : { delegations: chain as Hex[] };
}

/**
 * The smallest gas limit under which a successful, gas-oblivious execution (see `GasUse` in
 * `evm.ts`) runs identically, as `@ethereumjs/vm`'s `runTx` and `@ethereumjs/evm` account for
 * gas (without EIP-8037): the execution gets `limit − intrinsic gas` and consumes gas
 * monotonically (refunds only apply after it), so it runs out exactly when that is below
 * `executionGasUsed` (code deposit included); each SSTORE fails when the gas left it sees is
 * at most 2,300 (EIP-2200), and lowering the limit by d lowers every gas left by d; `runTx`
 * rejects a limit below the intrinsic gas or the EIP-7623 calldata floor. With a zero gas price
 * nothing else about the execution depends on the limit.
 */
function minimumGasLimit(
  lane: ExecutionVM,
  etx: EngineTransaction,
  executionGasUsed: bigint,
): { minimumGasLimit?: bigint } {
  const { gasUse } = lane;
  const tx = etx.tx;
  if (!isGasUseTracked(lane) || gasUse.dependent || tx.type > 2) return {};
  const intrinsic = tx.getIntrinsicGas();
  let minimum = intrinsic + executionGasUsed;
  const floor = getCalldataFloorGas(tx, tx.getSenderAddress());
  if (floor > minimum) minimum = floor;
  if (gasUse.minSstoreGasLeft !== undefined) {
    // EIP-2200's stipend (2,300 gas): an SSTORE fails unless more gas than this is left.
    const sentry =
      tx.gasLimit - gasUse.minSstoreGasLeft + lane.common.param("sstoreSentryEIP2200Gas") + 1n;
    if (sentry > minimum) minimum = sentry;
  }
  return { minimumGasLimit: minimum };
}

/**
 * Clears what the EVM keeps between transactions. runTx does this itself when a transaction
 * completes, but one that was cut off by a thrown error (a Block-STM lane blocked on an
 * ESTIMATE marker, a strict-mode violation) leaves its touched accounts in the journal (the
 * next runTx would "clean them up" against the next transaction's state) and its EIP-1153
 * transient storage behind (a transient reentrancy lock would stay set).
 */
function resetEvm(vm: ExecutionVM["vm"]): void {
  const evm = vm.evm as unknown as { journal: { cleanJournal(): void }; transientStorage: object };
  evm.journal.cleanJournal();
  evm.transientStorage = new (evm.transientStorage.constructor as new () => object)();
}

/** ethereumjs appends "(vm hf=... -> block ... -> tx ...)" to its messages; users need the first part. */
function stripContext(message: string): string {
  const i = message.indexOf(" (vm hf=");
  return i === -1 ? message : message.slice(0, i);
}
