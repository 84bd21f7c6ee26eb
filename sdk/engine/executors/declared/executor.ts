/**
 * The `declared` executor: schedules a block from declared access, without speculation (Solana
 * Sealevel's model, with `@custom:reads` / `@custom:writes` in the role of a transaction's
 * account list). Each transaction's declared locations are computed before the block runs
 * (`declared-access.ts`); a transaction is sent to a lane once every earlier transaction it may
 * depend on is done (`schedule.ts`), so transactions with disjoint declared sets run on different
 * lanes and undeclared ones run alone. Nothing is validated or re-executed.
 *
 * Declarations can be wrong, and nested calls cannot be declared up front: after the block ran,
 * every transaction's read and write sets are checked against its declared locations. One access
 * outside them — or, outside strict mode, a recorded violation of a frame's own declaration —
 * and the block is executed again with Block-STM, whose result is kept (`fallbackReason` says
 * which transaction touched what). Either way the result equals the sequential executor's.
 * Design: `docs/declared-executor.md`.
 */
import type { Block } from "@ethereumjs/block";
import type { Chain } from "../../chain.ts";
import type { ExecutionResult } from "../../execute-transaction.ts";
import type {
  BlockExecution,
  BlockExecutor,
  DeclaredScheduleSummary,
  ExecutionRecord,
} from "../../executor.ts";
import type { Hex } from "viem";
import { type LocationKey, parseLocationKey } from "../../location.ts";
import type { WorldState } from "../../state/world-state.ts";
import type { EngineTransaction } from "../../transactions.ts";
import { BlockStmExecutor } from "../block-stm/executor.ts";
import { MVMemory } from "../lanes/mv-memory.ts";
import type { Lane, ParallelExecutorOptions } from "../lanes/pool.ts";
import type { TaskResult } from "../lanes/protocol.ts";
import {
  batchSizeFor,
  driveBlockRun,
  fillLanes,
  LaneResults,
  ParallelDriver,
} from "../parallel-driver.ts";
import {
  firstUndeclaredAccess,
  transactionAccess,
  type TransactionAccess,
} from "./declared-access.ts";
import { type DeclaredSchedule, scheduleByDeclaredAccess } from "./schedule.ts";

/**
 * Options of {@link DeclaredExecutor}; defaults come from the chain's options. The lanes are
 * shared with the Block-STM fallback; `fallback` applies `minTransactions` and `minGas`.
 */
export type DeclaredOptions = ParallelExecutorOptions;

/** What a run on the lanes produced. */
interface Outcome {
  results: ExecutionResult[];
  considered: number;
  incarnations: number;
  /** Set when a transaction left its declared access: the block goes to Block-STM. */
  violation?: string;
}

export class DeclaredExecutor implements BlockExecutor {
  readonly name = "declared" as const;
  readonly #chain: Chain;
  readonly #driver: ParallelDriver;
  readonly #blockStm: BlockStmExecutor;
  #disposed = false;

  constructor(chain: Chain, options: DeclaredOptions = {}) {
    this.#chain = chain;
    const driver = new ParallelDriver("declared", chain, options);
    this.#driver = driver;
    this.#blockStm = new BlockStmExecutor(chain, {
      pool: driver.pool,
      fallback: driver.fallback,
      maxBatch: driver.maxBatch,
    });
  }

  /** Number of lanes (worker threads). */
  get lanes(): number {
    return this.#driver.pool.count;
  }

  /** Threads currently running (0 after {@link dispose} or before the first parallel block). */
  get runningLanes(): number {
    return this.#driver.pool.running;
  }

  async execute(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
  ): Promise<BlockExecution> {
    if (this.#disposed) throw new Error("the declared executor was disposed");
    const started = performance.now();
    const driver = this.#driver;
    // Small blocks (every automined one) run sequentially before any declaration is resolved.
    const small = driver.sizeFallbackReason(txs);
    if (small !== undefined)
      return driver.sequentially(block, txs, state, started, {
        fallbackReason: small,
        faults: [],
        schedule: undefined,
      });
    const coinbase = block.header.coinbase.toString().toLowerCase();
    const declarations = this.#chain.lane.conformance?.source;
    const accesses = txs.map((etx) => transactionAccess(etx, state, declarations, coinbase));
    const schedule = scheduleByDeclaredAccess(accesses);
    const summary: DeclaredScheduleSummary = {
      declared: schedule.declared,
      undeclared: schedule.undeclared,
      longestChain: schedule.longestChain,
    };
    const alone = accesses.flatMap((access, transaction) =>
      access.kind === "undeclared" ? [{ transaction, reason: access.reason }] : [],
    );
    if (alone.length > 0) summary.alone = alone.slice(0, 8);
    if (txs.length > 1 && schedule.longestChain === txs.length) {
      const reason = `the declared schedule is one chain of ${txs.length} transactions (nothing can run in parallel)`;
      return driver.sequentially(block, txs, state, started, {
        fallbackReason: reason,
        faults: [],
        schedule: summary,
      });
    }

    const attempt = await driver.onLanes(state, () =>
      this.#run(block, txs, state, accesses, schedule),
    );
    if (!attempt.ok) {
      return driver.sequentially(block, txs, state, started, {
        fallbackReason: undefined,
        faults: [attempt.fault],
        schedule: summary,
      });
    }
    const outcome = attempt.value;
    if (outcome.violation !== undefined) {
      const fallback = await this.#blockStm.executeWith(block, txs, state, undefined);
      const inner = fallback.record;
      fallback.record = {
        ...inner,
        executor: "declared",
        fallbackReason: `${outcome.violation}; block re-executed with block-stm${inner.fallbackReason === undefined ? "" : ` (which ran it sequentially: ${inner.fallbackReason})`}`,
        schedule: summary,
        wallTimeMs: performance.now() - started,
      };
      return fallback;
    }
    const gasUsed = driver.commit(block, state, outcome.results);
    const record: ExecutionRecord = {
      executor: "declared",
      executedBy: "declared",
      lanes: driver.pool.count,
      transactions: outcome.results.filter((r) => r.kind === "executed").length,
      gasUsed,
      reExecutions: outcome.incarnations - Math.min(outcome.incarnations, txs.length),
      incarnations: outcome.incarnations,
      validations: 0,
      aborts: 0,
      faults: [],
      schedule: summary,
      wallTimeMs: performance.now() - started,
    };
    return { results: outcome.results, considered: outcome.considered, record };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#blockStm.dispose(); // stops the shared lanes
  }

  /** Runs the block on the lanes by the schedule, then checks every transaction's access. */
  async #run(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
    accesses: TransactionAccess[],
    schedule: DeclaredSchedule,
  ): Promise<Outcome> {
    const run = this.#driver.pool.begin(block, txs, state);
    const n = txs.length;
    const mv = new MVMemory(n);
    const produced = new LaneResults(n, state);
    const results = produced.results;
    const reads: Array<LocationKey[] | undefined> = new Array(n);
    const enumerated = new Uint8Array(n);
    const incarnation = new Int32Array(n);
    const dispatched = new Uint8Array(n);
    const done = new Uint8Array(n);
    const waiting = Int32Array.from(schedule.waitsFor, (edges) => edges.length);
    let floor = 0;
    let finished = 0;
    let incarnations = 0;
    let failure: Error | undefined;

    /**
     * A batch of transactions whose dependencies are done or earlier in the same batch (a lane
     * runs its batch in order and sees its own writes), lowest index first.
     */
    const nextBatch = (batchSize: number): Array<[number, number]> => {
      const tasks: Array<[number, number]> = [];
      const inBatch = new Set<number>();
      while (floor < n && dispatched[floor]) floor++;
      for (let i = floor; i < n && tasks.length < batchSize; i++) {
        if (dispatched[i]) continue;
        if (waiting[i] > 0 && !schedule.waitsFor[i].every((d) => done[d] || inBatch.has(d)))
          continue;
        dispatched[i] = 1;
        inBatch.add(i);
        tasks.push([i, incarnation[i]]);
      }
      incarnations += tasks.length;
      return tasks;
    };
    // A lane that gets no batch means none can (batches do not depend on the lane).
    const dispatch = (): void => {
      const batchSize = batchSizeFor(n - finished, run.lanes.length, 2, this.#driver.maxBatch);
      fillLanes(
        run,
        batchSize,
        (_, size) => nextBatch(size),
        (tx) => produced.pushRecord(tx, incarnation[tx], mv),
      );
    };

    const onResults = (items: TaskResult[], from: Lane): void => {
      for (const item of items) {
        const i = item.tx;
        if (item.kind === "missing-code") {
          produced.supplyCode(item, from);
          dispatched[i] = 0;
          incarnation[i]++;
          if (i < floor) floor = i;
          continue;
        }
        if (item.kind === "missing-state") {
          produced.supplyState(item, run, this.#driver.fork, () => {
            dispatched[i] = 0;
            incarnation[i]++;
            if (i < floor) floor = i;
            dispatch();
          });
          continue;
        }
        if (item.kind === "blocked") {
          // No ESTIMATE marker exists without aborts: a lane that says so is broken.
          failure = new Error(
            `declared executor: lane ${from.index} reported transaction ${i} blocked on ${item.on}`,
          );
          run.finish();
          return;
        }
        const result = produced.accept(item);
        reads[i] = item.reads.map((r) => r[0]);
        if (item.enumerations !== undefined) enumerated[i] = 1;
        done[i] = 1;
        finished++;
        mv.record(
          i,
          item.incarnation,
          result.kind === "executed" ? result.writes : new Map(),
          result.kind === "executed" ? result.feeCredit : 0n,
        );
        run.publish(i, from);
        for (const j of schedule.unblocks[i]) waiting[j]--;
      }
      if (finished === n) {
        run.finish();
        return;
      }
      dispatch();
      if (run.idle) {
        failure = new Error(
          `declared executor: scheduler stalled with ${n - finished} transactions left`,
        );
        run.finish();
      }
    };
    await driveBlockRun(run, n, onResults, dispatch);
    if (failure !== undefined) throw failure;

    // Which transactions the block holds: the sequential rule (stop at the first that does not fit).
    let gasLeft = block.header.gasLimit;
    let considered = n;
    for (let i = 0; i < n; i++) {
      if (txs[i].tx.gasLimit > gasLeft) {
        considered = i;
        break;
      }
      const result = results[i]!;
      if (result.kind === "executed") gasLeft -= result.blockGasUsed;
    }
    const kept = results.slice(0, considered) as ExecutionResult[];
    return {
      results: kept,
      considered,
      incarnations,
      violation: this.#violation(txs, kept, reads, enumerated, accesses, state),
    };
  }

  /** The first reason the schedule's premise did not hold, as a message, or undefined. */
  #violation(
    txs: EngineTransaction[],
    results: ExecutionResult[],
    reads: Array<LocationKey[] | undefined>,
    enumerated: Uint8Array,
    accesses: TransactionAccess[],
    state: WorldState,
  ): string | undefined {
    const strict = this.#chain.lane.conformance?.strict ?? false;
    for (let i = 0; i < results.length; i++) {
      const access = accesses[i];
      if (access.kind === "undeclared") continue; // ran alone: whatever it touched was in order
      const result = results[i];
      const writes = result.kind === "executed" ? result.writes.keys() : [];
      const outside = firstUndeclaredAccess(access, reads[i]!, writes);
      if (outside !== undefined) {
        const verb = outside.access === "write" ? "wrote" : "read";
        // The run-time check may have named the slot already (a nested call's, with its keys).
        const named =
          result.kind === "executed"
            ? result.conformance?.violations.find((v) => v.location === outside.location)
            : undefined;
        const where =
          named === undefined
            ? this.#describe(outside.location, state, txs[i])
            : `${named.label} (slot ${named.slot} of ${named.address})`;
        return `transaction ${i} (${access.label}) ${verb} ${where}, outside its declared access`;
      }
      if (enumerated[i])
        return `transaction ${i} (${access.label}) enumerated storage, which declarations cannot cover`;
      const violation =
        result.kind === "executed" && !strict ? result.conformance?.violations[0] : undefined;
      if (violation !== undefined) {
        const verb = violation.access === "write" ? "wrote" : "read";
        return `transaction ${i}: ${violation.contract}.${violation.function} ${verb} ${violation.label}, which it does not declare`;
      }
    }
    return undefined;
  }

  /**
   * A location for messages: `Contract.variable[key]` when the contract's storage layout decodes
   * the slot (mapping keys are tried among the transaction's sender and recipient and the
   * contract itself), else `slot … of 0x…`.
   */
  #describe(location: LocationKey, state: WorldState, etx: EngineTransaction): string {
    const { kind, address, slot } = parseLocationKey(location) as {
      kind: string;
      address: Hex;
      slot?: Hex;
    };
    if (kind !== "storage") return `the ${kind} of ${address}`;
    const recipient = (etx.tx.to?.toString() ?? address) as Hex;
    // frame(...)'s sender / origin / self are only the decoder's candidate keys here.
    const frame = this.#chain.lane.conformance?.source.frame(
      state.codeAt(address),
      "0x",
      etx.from,
      recipient,
      address,
    );
    const label = frame?.label(slot!);
    return label === undefined
      ? `slot ${slot} of ${address}`
      : `${label} (slot ${slot} of ${address})`;
  }
}
