/**
 * Hand-written Block-STM cases (each compared with the sequential executor), faults (a lane
 * that exits or hangs in the middle of a block), fallback to sequential, disposal of threads,
 * and lanes started without tsx (Node's native type stripping).
 */
import { readdirSync } from "node:fs";
import { expect } from "chai";
import { encodeFunctionData, type Hex } from "viem";
import { createEnvironmentBlock } from "../../sdk/engine/block-header.ts";
import { BlockStmExecutor } from "../../sdk/engine/executors/block-stm/index.ts";
import { SequentialExecutor } from "../../sdk/engine/executors/sequential.ts";
import type { BlockStmOptions } from "../../sdk/engine/executors/block-stm/executor.ts";
import {
  artifacts,
  createTestChain,
  GAS_PRICE,
  mineAndCompare,
  stateOf,
  submitOps,
  type Op,
  type TestChain,
} from "./helpers.ts";
import { nonceKey, storageKey } from "../../sdk/engine/location.ts";

const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n, minPredictedSpeedup: 0 };

/** A reference chain and a block-stm chain whose executor is replaced by one with `options`. */
async function pair(
  options: BlockStmOptions = {},
  lanes = 2,
): Promise<{ ref: TestChain; sub: TestChain; executor: BlockStmExecutor }> {
  const ref = await createTestChain("sequential");
  const sub = await createTestChain("sequential");
  const executor = new BlockStmExecutor(sub.chain, {
    lanes,
    fallback: PARALLEL_ALWAYS,
    ...options,
  });
  await sub.chain.replaceExecutor(executor);
  return { ref, sub, executor };
}

async function both(ref: TestChain, sub: TestChain, ops: Op[]) {
  await submitOps(ref, ops);
  await submitOps(sub, ops);
  return mineAndCompare(ref, sub);
}

const range = (n: number) => [...Array(n).keys()];

describe("block-stm hand-written cases", function () {
  this.timeout(120_000);
  const chains: TestChain[] = [];
  afterEach(async () => {
    for (const t of chains.splice(0)) await t.chain.dispose();
  });
  async function make(options: BlockStmOptions = {}, lanes = 2) {
    const p = await pair(options, lanes);
    chains.push(p.ref, p.sub);
    return p;
  }

  it("re-executes a transaction that read a value from an incarnation that was later aborted", async () => {
    // Batches of one on two lanes: lane B runs tx1 without tx0's write (stale count) and then
    // tx3 on top of tx1's doomed incarnation; tx1 aborts, so tx3 must be re-executed too.
    const { ref, sub } = await make({ maxBatch: 1 });
    const { sub: block } = await both(
      ref,
      sub,
      range(12).map((i) => ({ kind: "counter", from: i }) as Op),
    );
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.record.aborts).to.be.greaterThan(1);
    expect(block.record.reExecutions).to.be.greaterThan(1);
  });

  it("write-write to one slot without reading its value (EngCounter.set)", async () => {
    const { ref, sub } = await make({ maxBatch: 1 });
    const a = artifacts();
    const ops = range(10).map((i) => ({ kind: "set", from: i, v: BigInt(100 + i) }));
    for (const t of [ref, sub]) {
      for (const op of ops) {
        const from = t.chain.accounts[op.from].address;
        const data = encodeFunctionData({
          abi: a.EngCounter.abi,
          functionName: "set",
          args: [op.v],
        });
        const nonce = t.chain.state.read(nonceKey(from));
        await t.chain.submit(
          t.chain.buildTransaction(
            {
              type: 2,
              nonce,
              gasLimit: 60_000n,
              maxFeePerGas: GAS_PRICE,
              maxPriorityFeePerGas: 1n,
              to: t.fixtures.counter,
              data,
            },
            from,
          ),
        );
      }
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.record.executedBy).to.equal("block-stm");
    expect(sub.chain.state.read(storageKey(sub.fixtures.counter, 0n))).to.equal(109n);
  });

  it("a chain where every transaction depends on the previous one (swaps on one pool)", async () => {
    const { ref, sub } = await make();
    const { sub: block } = await both(
      ref,
      sub,
      range(30).map((i) => ({ kind: "swap", from: i, dx: 10n ** 18n }) as Op),
    );
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.transactions).to.have.length(30);
  });

  it("an execution cut off mid-transaction leaves no transient storage behind (EIP-1153 lock)", async () => {
    // Every transaction sets a transient lock, then reads the shared count: lanes block on the
    // ESTIMATE markers of aborted writers while the lock is set. A leaked lock would make the
    // next transaction on that lane revert.
    const { ref, sub } = await make();
    for (let round = 0; round < 3; round++) {
      const { sub: block } = await both(
        ref,
        sub,
        range(40).map((i) => ({ kind: "guarded", from: i }) as Op),
      );
      expect(
        block.outcomes.every((o) => o.status === 1),
        "every guarded increment succeeds",
      ).to.equal(true);
    }
  });

  it("a conflict-free block whose last transaction invalidates nothing: no aborts", async () => {
    const { ref, sub } = await make();
    // Distinct senders 0..7, distinct recipients 8..15; the last is a plain ETH transfer.
    const ops = range(8).map((i) => ({ kind: "erc20", from: i, to: i + 8, value: 1n }) as Op);
    ops.push({ kind: "eth", from: 16, to: 17, value: 5n });
    const { sub: block } = await both(ref, sub, ops);
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.record.aborts).to.equal(0);
    expect(block.record.reExecutions).to.equal(0);
  });

  it("coinbase balance reads see every earlier fee (lazy credit), also after a payment to the coinbase", async () => {
    const { ref, sub } = await make();
    const ops: Op[] = [];
    for (const i of range(12))
      ops.push(
        i % 3 === 0
          ? { kind: "readCoinbase", from: i }
          : i % 3 === 1
            ? { kind: "payCoinbase", from: i, value: 1000n }
            : { kind: "eth", from: i, to: 19, value: 1n },
      );
    await both(ref, sub, ops);
  });

  it("contract created in the block is called later in the block (code shipped with writes)", async () => {
    const { ref, sub } = await make({ maxBatch: 2 });
    const ops: Op[] = [];
    for (const i of range(8))
      ops.push({ kind: "create", from: i, v: BigInt(i) }, { kind: "bumpLast", from: i + 8 });
    await both(ref, sub, ops);
  });

  it("invalid transactions (nonce gap, funds spent earlier in the block) match sequential exactly", async () => {
    const refT = await createTestChain("sequential");
    const subT = await createTestChain("sequential");
    chains.push(refT, subT);
    const stm = new BlockStmExecutor(subT.chain, { lanes: 2, fallback: PARALLEL_ALWAYS });
    try {
      const seq = new SequentialExecutor(refT.chain.lane);
      const build = (t: TestChain) => {
        const [a, b, c] = t.chain.accounts.map((x) => x.address);
        t.chain.setBalance(c as Hex, 10n ** 17n);
        const tx = (from: string, nonce: bigint, to: string, value: bigint) =>
          t.chain.buildTransaction(
            {
              type: 2,
              nonce,
              gasLimit: 21_000n,
              maxFeePerGas: GAS_PRICE,
              maxPriorityFeePerGas: 1n,
              to: to as Hex,
              value,
            },
            from as Hex,
          );
        const n = (x: string) => t.chain.state.read(nonceKey(x));
        return [
          tx(a, n(a), b, 1n),
          tx(a, n(a) + 2n, b, 1n), // nonce gap: invalid
          tx(c, n(c), a, 9n * 10n ** 16n), // leaves too little for the next one
          tx(c, n(c) + 1n, a, 5n * 10n ** 16n), // invalid: funds
          tx(b, n(b), c, 10n ** 18n), // refunds c
          tx(c, n(c) + 1n, a, 5n * 10n ** 16n), // valid now
          tx(a, n(a) + 1n, b, 1n),
        ];
      };
      const env = (t: TestChain) =>
        createEnvironmentBlock(
          {
            parentHash: t.chain.latest().header.hash(),
            number: 2n,
            timestamp: t.chain.latest().header.timestamp + 12n,
            coinbase: t.chain.coinbase,
            gasLimit: 30_000_000n,
            baseFeePerGas: 1_000_000_000n,
            prevRandao: new Uint8Array(32),
          },
          t.chain.common,
        );
      const r1 = await seq.execute(env(refT), build(refT), refT.chain.state);
      const r2 = await stm.execute(env(subT), build(subT), subT.chain.state);
      expect(r2.record.executedBy).to.equal("block-stm");
      expect(r2.considered).to.equal(r1.considered);
      expect(
        r2.results.map((r) =>
          r.kind === "invalid" ? r.reason : [r.status, r.gasUsed, [...r.writes]],
        ),
      ).to.deep.equal(
        r1.results.map((r) =>
          r.kind === "invalid" ? r.reason : [r.status, r.gasUsed, [...r.writes]],
        ),
      );
      expect(r1.results.filter((r) => r.kind === "invalid")).to.have.length(2);
      expect(stateOf(subT.chain)).to.deep.equal(stateOf(refT.chain));
    } finally {
      await stm.dispose();
    }
  });

  it("transactions that do not fit the block gas limit stay pending, as with sequential", async () => {
    const ref = await createTestChain("sequential", { blockGasLimit: 1_500_000n });
    const sub = await createTestChain("block-stm", {
      blockGasLimit: 1_500_000n,
      lanes: 2,
      fallback: PARALLEL_ALWAYS,
    });
    chains.push(ref, sub);
    await submitOps(
      ref,
      range(20).map((i) => ({ kind: "swap", from: i, dx: 5n }) as Op),
    );
    await submitOps(
      sub,
      range(20).map((i) => ({ kind: "swap", from: i, dx: 5n }) as Op),
    );
    const { sub: first } = await mineAndCompare(ref, sub);
    expect(first.record.executedBy).to.equal("block-stm");
    expect(sub.chain.pool.size).to.be.greaterThan(0);
    while (ref.chain.pool.size > 0) await mineAndCompare(ref, sub);
  });
});

describe("block-stm faults, fallback and threads", function () {
  this.timeout(120_000);
  const chains: TestChain[] = [];
  afterEach(async () => {
    for (const t of chains.splice(0)) await t.chain.dispose();
  });
  async function make(options: BlockStmOptions = {}, lanes = 2) {
    const p = await pair(options, lanes);
    chains.push(p.ref, p.sub);
    return p;
  }

  for (const [name, hooks, timeout] of [
    ["exits", { exitAtIncarnation: { lane: 1, incarnation: 3 } }, 30_000],
    ["hangs", { hangAtIncarnation: { lane: 0, incarnation: 2 } }, 1_000],
  ] as const) {
    it(`a lane that ${name} in the middle of a block: sequential result, a fault, lanes restarted`, async () => {
      const { ref, sub, executor } = await pair({ hooks, workerTimeout: timeout, maxBatch: 2 });
      chains.push(ref, sub);
      const ops = range(20).map(
        (i) => ({ kind: i % 2 ? "erc20" : "swap", from: i, to: 19 - i, value: 3n, dx: 7n }) as Op,
      );
      const { sub: faulty } = await both(ref, sub, ops);
      expect(faulty.record.executedBy).to.equal("sequential");
      expect(faulty.record.faults).to.have.length(1);
      expect(faulty.record.faults[0]).to.match(
        name === "exits" ? /exited with code 3/ : /did not answer within/,
      );
      const { sub: next } = await both(ref, sub, ops);
      expect(next.record.executedBy).to.equal("block-stm");
      expect(next.record.faults).to.deep.equal([]);
      expect(executor.runningLanes).to.equal(2);
    });
  }

  it("falls back for small blocks, low gas and a block predicted to be one chain, deciding per block", async () => {
    const ref = await createTestChain("sequential");
    const sub = await createTestChain("block-stm", { lanes: 2 });
    chains.push(ref, sub);
    const { sub: one } = await both(ref, sub, [{ kind: "eth", from: 0, to: 1, value: 1n }]);
    expect(one.record).to.include({ executor: "block-stm", executedBy: "sequential" });
    expect(one.record.fallbackReason).to.match(/fewer than minTransactions \(2\)/);
    const { sub: low } = await both(
      ref,
      sub,
      range(4).map((i) => ({ kind: "eth", from: i, to: i + 10, value: 1n }) as Op),
    );
    expect(low.record.fallbackReason).to.match(/below minGas \(200000\)/);
    // Swaps on one pool: the first block has no history of EngPool.swap and runs on the lanes,
    // the next is predicted from what the first ones wrote (both reserves) to be one chain.
    const swaps = range(10).map((i) => ({ kind: "swap", from: i, dx: 3n }) as Op);
    const { sub: first } = await both(ref, sub, swaps);
    expect(first.record.executedBy).to.equal("block-stm");
    const { sub: hot } = await both(ref, sub, swaps);
    expect(hot.record.executedBy).to.equal("sequential");
    expect(hot.record.fallbackReason).to.match(
      /predicted speedup 1\.00 on 2 lanes below minPredictedSpeedup \(1\.3\): longest predicted chain 10 of 10/,
    );
    // A disjoint block right after the hot one is decided on its own transactions: lanes.
    const transfers = range(10).map(
      (i) => ({ kind: "erc20", from: i, to: i + 10, value: 1n }) as Op,
    );
    const { sub: disjoint } = await both(ref, sub, transfers);
    expect(disjoint.record.executedBy).to.equal("block-stm");
    expect(disjoint.record.fallbackReason).to.equal(undefined);
    const { sub: again } = await both(ref, sub, swaps);
    expect(again.record.executedBy).to.equal("sequential");
  });

  it("a hot block with no history: learns the hot location mid-block and finishes the rest sequentially", async () => {
    // 120 mints from 20 senders, all writing EngToken.totalSupply; nothing is known of
    // EngToken.mint before the block, so it starts on the lanes, aborts, and predicts again.
    const { ref, sub } = await make({ maxBatch: 8, fallback: { minTransactions: 0, minGas: 0n } });
    const mints = range(120).map((i) => ({ kind: "mint", from: i % 20, to: i % 20 }) as Op);
    const { sub: block } = await both(ref, sub, mints);
    expect(block.transactions).to.have.length(120);
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.record.sequentialFrom).to.be.a("number").within(1, 119);
    expect(block.record.fallbackReason).to.match(
      /is predicted to reach 1\.\d\d on 2 lanes, below minPredictedSpeedup/,
    );
    expect(
      block.record.incarnations / 120,
      `incarnations per transaction (${JSON.stringify({ ...block.record, gasUsed: String(block.record.gasUsed) })})`,
    ).to.be.at.most(1.5);
    expect(block.record.faults).to.deep.equal([]);
  });

  it("too many aborts: the rest of the block runs sequentially on the committed prefix", async () => {
    const { ref, sub } = await make({
      maxBatch: 1,
      fallback: { ...PARALLEL_ALWAYS, maxAbortShare: 0.05 },
    });
    const { sub: block } = await both(
      ref,
      sub,
      range(40).map((i) => ({ kind: "counter", from: i % 20 }) as Op),
    );
    expect(block.transactions).to.have.length(40);
    expect(block.record.sequentialFrom).to.be.a("number");
    expect(block.record.aborts).to.equal(2); // ceil(0.05 × 40)
    expect(block.record.fallbackReason).to.match(
      /2 aborts in \d+ incarnations reached maxAbortShare × transactions \(2\)/,
    );
  });

  it("a stalled scheduler (nothing in flight, transactions left) is detected at once: the rest runs sequentially, with a fault", async () => {
    // The hook makes the scheduler never dispatch transaction 5, as a lost wake-up would; the
    // lanes' hang timeout is ten minutes, so only the stall detection can end the block in time.
    const { ref, sub } = await make({ hooks: { neverDispatch: 5 }, workerTimeout: 600_000 });
    const started = performance.now();
    const { sub: block } = await both(
      ref,
      sub,
      range(12).map((i) => ({ kind: "erc20", from: i, to: i + 1, value: 1n }) as Op),
    );
    expect(performance.now() - started).to.be.below(60_000);
    expect(block.transactions).to.have.length(12);
    expect(block.record.sequentialFrom).to.equal(5);
    expect(block.record.faults).to.have.length(1);
    expect(block.record.faults[0]).to.match(
      /scheduler stalled at transaction 5 with nothing in flight \(a scheduler bug\); transactions 5\.\.11 executed sequentially/,
    );
    // The next block is not affected (the hook only holds back index 5: use a block of 5).
    const { sub: next } = await both(
      ref,
      sub,
      range(5).map((i) => ({ kind: "erc20", from: i, to: i + 2, value: 1n }) as Op),
    );
    expect(next.record.faults).to.deep.equal([]);
    expect(next.record.executedBy).to.equal("block-stm");
  });

  it("dispose() leaves no thread behind", async () => {
    // Other test files may keep connections (and their lanes) open: count relative to before.
    // Idle lanes are unref'd (they do not keep the process alive), so they are not among the
    // active resources: count the process's threads.
    const workers = () => readdirSync("/proc/self/task").length;
    const before = workers();
    const t = await createTestChain("block-stm", { lanes: 3 });
    const executor = t.chain.executor as BlockStmExecutor;
    await executor.start(t.chain.state);
    expect(executor.runningLanes).to.equal(3);
    expect(workers()).to.be.at.least(before + 3);
    await t.chain.dispose();
    expect(executor.runningLanes).to.equal(0);
    // libuv may have started a pool thread meanwhile, never three.
    expect(workers()).to.be.below(before + 3);
  });

  it("lanes also start without tsx (Node's native type stripping)", async () => {
    const { ref, sub } = await pair({ execArgv: [] });
    chains.push(ref, sub);
    const { sub: block } = await both(
      ref,
      sub,
      range(8).map((i) => ({ kind: "erc20", from: i, to: i + 1, value: 1n }) as Op),
    );
    expect(block.record.executedBy).to.equal("block-stm");
  });
});
