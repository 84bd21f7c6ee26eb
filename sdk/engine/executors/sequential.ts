/**
 * The reference executor: transactions one after another on one VM, each seeing the writes of
 * all earlier ones. Every other executor is tested against this one.
 */
import type { Block } from "@ethereumjs/block";
import { executeTransaction, type ExecutionResult } from "../execute-transaction.ts";
import type { BlockExecution, BlockExecutor } from "../executor.ts";
import type { ExecutionVM } from "../evm.ts";
import { balanceKey, type LocationKey } from "../location.ts";
import type { WorldState } from "../state/world-state.ts";
import type { EngineTransaction } from "../transactions.ts";

export class SequentialExecutor implements BlockExecutor {
  readonly name = "sequential" as const;
  readonly #lane: ExecutionVM;
  constructor(lane: ExecutionVM) {
    this.#lane = lane;
  }

  async execute(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
  ): Promise<BlockExecution> {
    return this.executeRest(block, txs, state, block.header.gasLimit);
  }

  /**
   * {@link execute} for the rest of a block whose first transactions are already applied to
   * `state`: `txs` are the remaining ones and `gasLeft` the block gas they may still use (gas).
   */
  async executeRest(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    gasLeft: bigint,
  ): Promise<BlockExecution> {
    const started = performance.now();
    const results: ExecutionResult[] = [];
    const coinbase = balanceKey(block.header.coinbase.toString());
    let gasUsed = 0n;
    let considered = 0;
    for (const etx of txs) {
      if (etx.tx.gasLimit > gasLeft) break; // does not fit: stays pending for a later block
      considered++;
      const result = await executeTransaction(this.#lane, state, block, etx);
      results.push(result);
      if (result.kind !== "executed") continue;
      applyOutcome(state, result, coinbase);
      gasLeft -= result.blockGasUsed;
      gasUsed += result.blockGasUsed;
    }
    const wallTimeMs = performance.now() - started;
    return {
      results,
      considered,
      record: {
        executor: "sequential",
        executedBy: "sequential",
        lanes: 1,
        transactions: results.filter((r) => r.kind === "executed").length,
        gasUsed,
        reExecutions: 0,
        incarnations: considered,
        validations: 0,
        aborts: 0,
        faults: [],
        wallTimeMs,
      },
    };
  }

  async dispose(): Promise<void> {}
}

/** Applies one transaction's writes, new code and lazy coinbase fee to the world state. */
export function applyOutcome(
  state: WorldState,
  outcome: { writes: Map<LocationKey, bigint>; codes: Map<bigint, Uint8Array>; feeCredit: bigint },
  coinbaseBalanceKey: LocationKey,
): void {
  for (const [hash, code] of outcome.codes) state.putCode(hash, code);
  state.writeAll(outcome.writes);
  if (outcome.feeCredit !== 0n) {
    state.write(coinbaseBalanceKey, state.read(coinbaseBalanceKey) + outcome.feeCredit);
  }
}
