/**
 * Hand-written cases of the `declared` executor, each compared with the sequential executor:
 * disjoint declared sets run on the lanes with no edge; declared dependencies order the block;
 * undeclared transactions run alone; an access outside the declared set sends the block to
 * Block-STM (with the transaction and location named); a one-chain schedule and small blocks run
 * sequentially; a lane that exits gives the sequential result and a fault; disposal stops threads.
 */
import { expect } from "chai";
import { encodeAbiParameters, keccak256 } from "viem";
import {
  DeclaredExecutor,
  type DeclaredOptions,
} from "../../sdk/engine/executors/declared/index.ts";
import type { ParallelChainOptions } from "../../sdk/engine/options.ts";
import { createTestChain, mineAndCompare, submitOps, type Op, type TestChain } from "./helpers.ts";
import { storageKey } from "../../sdk/engine/location.ts";

const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n };
const range = (n: number) => [...Array(n).keys()];

describe("declared executor cases", function () {
  this.timeout(120_000);
  const chains: TestChain[] = [];
  afterEach(async () => {
    for (const t of chains.splice(0)) await t.chain.dispose();
  });

  async function make(options: ParallelChainOptions = {}, withDeclarations = true) {
    const ref = await createTestChain("sequential", {}, { withDeclarations });
    const sub = await createTestChain(
      "declared",
      { lanes: 2, fallback: PARALLEL_ALWAYS, ...options },
      { withDeclarations },
    );
    chains.push(ref, sub);
    return { ref, sub };
  }

  /** Replaces the subject's executor by a `declared` one with `options`. */
  async function useExecutor(sub: TestChain, options: DeclaredOptions): Promise<void> {
    await sub.chain.replaceExecutor(
      new DeclaredExecutor(sub.chain, { lanes: 2, fallback: PARALLEL_ALWAYS, ...options }),
    );
  }

  async function both(ref: TestChain, sub: TestChain, ops: Op[]) {
    await submitOps(ref, ops);
    await submitOps(sub, ops);
    return (await mineAndCompare(ref, sub)).sub;
  }

  it("ERC-20 transfers between distinct holders: declared, no transaction waits", async () => {
    const { ref, sub } = await make();
    const block = await both(
      ref,
      sub,
      range(10).map((i) => ({ kind: "erc20", from: i, to: 10 + i, value: 7n }) as Op),
    );
    expect(block.record).to.include({
      executor: "declared",
      executedBy: "declared",
      transactions: 10,
      aborts: 0,
      validations: 0,
    });
    expect(block.record.schedule).to.deep.equal({ declared: 10, undeclared: 0, longestChain: 1 });
    expect(block.record.fallbackReason).to.equal(undefined);
  });

  it("transfers that pass tokens along (0→1→2→…) and a shared counter: ordered by declared dependencies", async () => {
    const { ref, sub } = await make();
    await useExecutor(sub, { maxBatch: 1 }); // every transaction in its own batch: no in-batch ordering
    // Each transfer reads the balance the previous one wrote: a chain of 6; counters: a chain of 8.
    const chain = range(6).map(
      (i) => ({ kind: "erc20", from: i, to: i + 1, value: 10n ** 24n + BigInt(i) }) as Op,
    );
    const counters = range(8).map((i) => ({ kind: "counter", from: 10 + i }) as Op);
    const block = await both(ref, sub, [
      ...chain,
      ...counters,
      { kind: "erc20", from: 19, to: 18, value: 1n },
    ]);
    expect(block.record.executedBy).to.equal("declared");
    expect(block.record.schedule).to.deep.equal({ declared: 15, undeclared: 0, longestChain: 8 });
    expect(block.outcomes.every((o) => o.status === 1)).to.equal(true);
  });

  it("20 increments of one counter from 20 senders: every one sees the previous write", async () => {
    const { ref, sub } = await make();
    // Mixed with one independent transfer so that the schedule is not a single chain.
    const block = await both(ref, sub, [
      ...range(20).map((i) => ({ kind: "counter", from: i }) as Op),
      { kind: "eth", from: 0, to: 1, value: 1n },
    ]);
    expect(block.record.executedBy).to.equal("declared");
    expect(block.record.schedule?.longestChain).to.equal(20);
    expect(sub.chain.state.read(storageKey(sub.fixtures.counter, 0n))).to.equal(20n);
  });

  it("a `*` reader waits for the writers of every slot of the contract (EngToken.snapshot reads balanceOf[*])", async () => {
    const { ref, sub } = await make();
    await useExecutor(sub, { maxBatch: 1 }); // one transaction per batch: nothing ordered by a batch
    // 0 writes balanceOf[1]; 1..3 write other holders' balances; 4 reads balanceOf[1] through `*`.
    const ops: Op[] = [
      { kind: "erc20", from: 0, to: 1, value: 5n },
      ...range(3).map((i) => ({ kind: "erc20", from: 10 + i, to: 15 + i, value: 1n }) as Op),
      { kind: "snapshot", from: 19, who: 1 },
    ];
    const block = await both(ref, sub, ops);
    expect(block.record.executedBy).to.equal("declared");
    expect(sub.chain.state.read(storageKey(sub.fixtures.token, 2n))).to.equal(10n ** 24n + 5n);
  });

  it("an unannotated call runs alone: everything before it finishes first, everything after waits", async () => {
    const { ref, sub } = await make();
    const ops: Op[] = [
      ...range(4).map((i) => ({ kind: "erc20", from: i, to: 10 + i, value: 3n }) as Op),
      { kind: "payCoinbase", from: 5, value: 10n ** 15n },
      ...range(4).map((i) => ({ kind: "eth", from: 6 + i, to: 15, value: 1n }) as Op),
    ];
    const block = await both(ref, sub, ops);
    expect(block.record.executedBy).to.equal("declared");
    expect(block.record.schedule).to.deep.include({ declared: 8, undeclared: 1 });
  });

  it("a call that reads an account it does not declare sends the block to block-stm, naming it", async () => {
    const { ref, sub } = await make();
    const ops: Op[] = [
      ...range(4).map((i) => ({ kind: "erc20", from: i, to: 10 + i, value: 3n }) as Op),
      { kind: "readBalance", from: 5, who: 12 },
    ];
    const block = await both(ref, sub, ops);
    const who = sub.chain.accounts[12].address.toLowerCase();
    expect(block.record).to.include({ executor: "declared", executedBy: "block-stm" });
    expect(block.record.fallbackReason).to.equal(
      `transaction 4 (EngProbe.record(address)) read the balance of ${who}, outside its declared access; block re-executed with block-stm`,
    );
  });

  it("a nested call into another contract (not declarable up front) falls back too", async () => {
    const { ref, sub } = await make();
    // Creating a contract writes the factory's nonce and a new account: outside `create`'s declaration.
    const created = await both(ref, sub, [
      { kind: "create", from: 0, v: 5n },
      { kind: "counter", from: 2 },
    ]);
    expect(created.record.executedBy).to.equal("block-stm");
    expect(created.record.fallbackReason).to.match(
      /^transaction 0 \(EngFactory\.create\(uint256\)\) wrote .* outside its declared access/,
    );
    // Calling the child: the child's code and storage are not the factory's.
    const bumped = await both(ref, sub, [
      { kind: "counter", from: 3 },
      { kind: "bumpLast", from: 1 },
      { kind: "erc20", from: 4, to: 5, value: 1n },
    ]);
    expect(bumped.record.executedBy).to.equal("block-stm");
    expect(bumped.record.fallbackReason).to.match(
      /^transaction 1 \(EngFactory\.bumpLast\(\)\) (read|wrote) .* outside its declared access/,
    );
  });

  it("without declarations: plain transfers are scheduled, contract calls run alone", async () => {
    const { ref, sub } = await make({}, false);
    const ops: Op[] = [
      ...range(4).map((i) => ({ kind: "eth", from: i, to: 10 + i, value: 1n }) as Op),
      { kind: "counter", from: 5 },
      { kind: "eth", from: 6, to: 7, value: 1n },
    ];
    const block = await both(ref, sub, ops);
    expect(block.record.executedBy).to.equal("declared");
    // 4 transfers, then the counter call waits for them all, then the last transfer waits for it.
    expect(block.record.schedule).to.deep.equal({
      declared: 5,
      undeclared: 1,
      longestChain: 3,
      alone: [
        {
          transaction: 4,
          reason: `call to ${sub.fixtures.counter}, a contract without an access manifest`,
        },
      ],
    });
  });

  it("a schedule that is one chain, and small blocks, run sequentially (the reason is recorded)", async () => {
    const { ref, sub } = await make({ fallback: { minTransactions: 3, minGas: 0n } });
    const swaps = await both(
      ref,
      sub,
      range(6).map((i) => ({ kind: "swap", from: i, dx: 10n ** 18n }) as Op),
    );
    expect(swaps.record).to.include({
      executedBy: "sequential",
      fallbackReason:
        "the declared schedule is one chain of 6 transactions (nothing can run in parallel)",
    });
    const small = await both(ref, sub, [
      { kind: "eth", from: 0, to: 1, value: 1n },
      { kind: "eth", from: 2, to: 3, value: 1n },
    ]);
    expect(small.record).to.include({
      executedBy: "sequential",
      fallbackReason: "2 transactions, fewer than minTransactions (3)",
    });
  });

  it("lanes see state edits and reverts made between blocks (their replicas are kept exact, nothing validates)", async () => {
    const { ref, sub } = await make();
    const transfers = (value: bigint) =>
      range(8).map((i) => ({ kind: "erc20", from: i, to: 10 + i, value }) as Op);
    await both(ref, sub, transfers(1n)); // lanes start and hold a replica
    const snapshots = [ref.chain.snapshot(), sub.chain.snapshot()];
    const block = await both(ref, sub, transfers(2n));
    expect(block.record.executedBy).to.equal("declared");
    ref.chain.revert(snapshots[0]);
    sub.chain.revert(snapshots[1]);
    for (const t of [ref, sub]) {
      t.nonces.clear();
      // A balance set between blocks: the next block's transfer from holder 3 must see it.
      t.chain.setStorageAt(
        t.fixtures.token,
        BigInt(
          keccak256(
            encodeAbiParameters(
              [{ type: "address" }, { type: "uint256" }],
              [t.chain.accounts[3].address, 0n],
            ),
          ),
        ),
        7n,
      );
    }
    const after = await both(ref, sub, transfers(5n));
    expect(after.record.executedBy).to.equal("declared");
    expect(after.outcomes[3].status).to.equal(1);
  });

  it("a lane that exits in the middle of a block: sequential result, a fault, lanes restarted", async () => {
    const { ref, sub } = await make();
    await useExecutor(sub, { hooks: { exitAtIncarnation: { lane: 1, incarnation: 2 } } });
    const first = await both(
      ref,
      sub,
      range(12).map((i) => ({ kind: "erc20", from: i, to: 19 - i, value: 1n }) as Op),
    );
    expect(first.record.executedBy).to.equal("sequential");
    expect(first.record.faults).to.have.length(1);
    expect(first.record.faults[0]).to.match(
      /^lane 1 exited with code 3; block re-executed sequentially/,
    );
    const second = await both(
      ref,
      sub,
      range(12).map((i) => ({ kind: "eth", from: i, to: 19 - i, value: 1n }) as Op),
    );
    expect(second.record).to.include({ executedBy: "declared" });
    expect(second.record.faults).to.deep.equal([]);
    const executor = sub.chain.executor as DeclaredExecutor;
    expect(executor.runningLanes).to.equal(2);
    await sub.chain.dispose();
    expect(executor.runningLanes).to.equal(0);
  });
});
