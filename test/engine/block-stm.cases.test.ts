/**
 * Hand-written Block-STM cases (each compared with the sequential executor), faults (a lane
 * that exits or hangs in the middle of a block), fallback to sequential, disposal of threads,
 * and lanes started without tsx (Node's native type stripping).
 */
import { expect } from "chai";
import { encodeFunctionData, type Hex } from "viem";
import { createEnvironmentBlock } from "../../sdk/engine/block-header.ts";
import { BlockStmExecutor } from "../../sdk/engine/executors/block-stm/index.ts";
import { SequentialExecutor } from "../../sdk/engine/executors/sequential.ts";
import type { BlockStmOptions } from "../../sdk/engine/executors/block-stm/executor.ts";
import { artifacts, createTestChain, GAS_PRICE, mineAndCompare, stateOf, submitOps, type Op, type TestChain } from "./helpers.ts";

const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n, maxDependencyRatio: 1 };

/** A reference chain and a block-stm chain whose executor is replaced by one with `options`. */
async function pair(options: BlockStmOptions = {}, lanes = 2): Promise<{ ref: TestChain; sub: TestChain; executor: BlockStmExecutor }> {
  const ref = await createTestChain("sequential");
  const sub = await createTestChain("sequential");
  const executor = new BlockStmExecutor(sub.chain, { lanes, fallback: PARALLEL_ALWAYS, ...options });
  await sub.chain.executor.dispose();
  sub.chain.executor = executor;
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
    const { sub: block } = await both(ref, sub, range(12).map((i) => ({ kind: "counter", from: i }) as Op));
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
        const data = encodeFunctionData({ abi: a.EngCounter.abi, functionName: "set", args: [op.v] });
        const nonce = t.chain.state.read(`n:${from}`);
        await t.chain.submit(t.chain.buildTransaction({ type: 2, nonce, gasLimit: 60_000n, maxFeePerGas: GAS_PRICE, maxPriorityFeePerGas: 1n, to: t.fixtures.counter, data }, from));
      }
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.record.executedBy).to.equal("block-stm");
    expect(sub.chain.state.read(`s:${sub.fixtures.counter}:0x${"0".repeat(64)}`)).to.equal(109n);
  });

  it("a chain where every transaction depends on the previous one (swaps on one pool)", async () => {
    const { ref, sub } = await make();
    const { sub: block } = await both(ref, sub, range(30).map((i) => ({ kind: "swap", from: i, dx: 10n ** 18n }) as Op));
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.transactions).to.have.length(30);
  });

  it("an execution cut off mid-transaction leaves no transient storage behind (EIP-1153 lock)", async () => {
    // Every transaction sets a transient lock, then reads the shared count: lanes block on the
    // ESTIMATE markers of aborted writers while the lock is set. A leaked lock would make the
    // next transaction on that lane revert.
    const { ref, sub } = await make();
    for (let round = 0; round < 3; round++) {
      const { sub: block } = await both(ref, sub, range(40).map((i) => ({ kind: "guarded", from: i }) as Op));
      expect(block.outcomes.every((o) => o.status === 1), "every guarded increment succeeds").to.equal(true);
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
    for (const i of range(12)) ops.push(i % 3 === 0 ? { kind: "readCoinbase", from: i } : i % 3 === 1 ? { kind: "payCoinbase", from: i, value: 1000n } : { kind: "eth", from: i, to: 19, value: 1n });
    await both(ref, sub, ops);
  });

  it("contract created in the block is called later in the block (code shipped with writes)", async () => {
    const { ref, sub } = await make({ maxBatch: 2 });
    const ops: Op[] = [];
    for (const i of range(8)) ops.push({ kind: "create", from: i, v: BigInt(i) }, { kind: "bumpLast", from: i + 8 });
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
          t.chain.buildTransaction({ type: 2, nonce, gasLimit: 21_000n, maxFeePerGas: GAS_PRICE, maxPriorityFeePerGas: 1n, to: to as Hex, value }, from as Hex);
        const n = (x: string) => t.chain.state.read(`n:${x}`);
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
      const env = (t: TestChain) => createEnvironmentBlock({
        parentHash: t.chain.latest().header.hash(), number: 2n, timestamp: t.chain.latest().header.timestamp + 12n,
        coinbase: t.chain.coinbase, gasLimit: 30_000_000n, baseFeePerGas: 1_000_000_000n, prevRandao: new Uint8Array(32),
      }, t.chain.common);
      const r1 = await seq.execute(env(refT), build(refT), refT.chain.state);
      const r2 = await stm.execute(env(subT), build(subT), subT.chain.state);
      expect(r2.record.executedBy).to.equal("block-stm");
      expect(r2.considered).to.equal(r1.considered);
      expect(r2.results.map((r) => r.kind === "invalid" ? r.reason : [r.status, r.gasUsed, [...r.writes]])).to.deep.equal(
        r1.results.map((r) => r.kind === "invalid" ? r.reason : [r.status, r.gasUsed, [...r.writes]]),
      );
      expect(r1.results.filter((r) => r.kind === "invalid")).to.have.length(2);
      expect(stateOf(subT.chain)).to.deep.equal(stateOf(refT.chain));
    } finally {
      await stm.dispose();
    }
  });

  it("transactions that do not fit the block gas limit stay pending, as with sequential", async () => {
    const ref = await createTestChain("sequential", { blockGasLimit: 1_500_000n });
    const sub = await createTestChain("block-stm", { blockGasLimit: 1_500_000n, lanes: 2, fallback: PARALLEL_ALWAYS });
    chains.push(ref, sub);
    await submitOps(ref, range(20).map((i) => ({ kind: "swap", from: i, dx: 5n }) as Op));
    await submitOps(sub, range(20).map((i) => ({ kind: "swap", from: i, dx: 5n }) as Op));
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

  for (const [name, hooks, timeout] of [
    ["exits", { exitAtIncarnation: { lane: 1, incarnation: 3 } }, 30_000],
    ["hangs", { hangAtIncarnation: { lane: 0, incarnation: 2 } }, 1_000],
  ] as const) {
    it(`a lane that ${name} in the middle of a block: sequential result, a fault, lanes restarted`, async () => {
      const { ref, sub, executor } = await pair({ hooks, workerTimeout: timeout, maxBatch: 2 });
      chains.push(ref, sub);
      const ops = range(20).map((i) => ({ kind: i % 2 ? "erc20" : "swap", from: i, to: 19 - i, value: 3n, dx: 7n }) as Op);
      const { sub: faulty } = await both(ref, sub, ops);
      expect(faulty.record.executedBy).to.equal("sequential");
      expect(faulty.record.faults).to.have.length(1);
      expect(faulty.record.faults[0]).to.match(name === "exits" ? /exited with code 3/ : /did not answer within/);
      const { sub: next } = await both(ref, sub, ops);
      expect(next.record.executedBy).to.equal("block-stm");
      expect(next.record.faults).to.deep.equal([]);
      expect(executor.runningLanes).to.equal(2);
    });
  }

  it("falls back for small blocks, low gas and a high dependency ratio", async () => {
    const ref = await createTestChain("sequential");
    const sub = await createTestChain("block-stm", { lanes: 2, fallback: { maxDependencyRatio: 0.5 } });
    chains.push(ref, sub);
    const { sub: one } = await both(ref, sub, [{ kind: "eth", from: 0, to: 1, value: 1n }]);
    expect(one.record).to.include({ executor: "block-stm", executedBy: "sequential" });
    expect(one.record.fallbackReason).to.match(/fewer than minTransactions \(2\)/);
    const { sub: low } = await both(ref, sub, range(4).map((i) => ({ kind: "eth", from: i, to: i + 10, value: 1n }) as Op));
    expect(low.record.fallbackReason).to.match(/below minGas \(200000\)/);
    const swaps = range(10).map((i) => ({ kind: "swap", from: i, dx: 3n }) as Op);
    const { sub: dependent } = await both(ref, sub, swaps);
    expect(dependent.record.executedBy).to.equal("block-stm");
    const { sub: after } = await both(ref, sub, swaps);
    expect(after.record.executedBy).to.equal("sequential");
    expect(after.record.fallbackReason).to.match(/dependency ratio/);
  });

  it("dispose() leaves no thread behind", async () => {
    // Other test files may keep connections (and their lanes) open: count relative to before.
    const workers = () => process.getActiveResourcesInfo().filter((r) => r === "MessagePort" || r === "Worker").length;
    const before = workers();
    const t = await createTestChain("block-stm", { lanes: 3 });
    const executor = t.chain.executor as BlockStmExecutor;
    expect(executor.runningLanes).to.equal(3);
    expect(workers()).to.be.greaterThan(before);
    await t.chain.dispose();
    expect(executor.runningLanes).to.equal(0);
    expect(workers()).to.equal(before);
  });

  it("lanes also start without tsx (Node's native type stripping)", async () => {
    const { ref, sub } = await pair({ execArgv: [] });
    chains.push(ref, sub);
    const { sub: block } = await both(ref, sub, range(8).map((i) => ({ kind: "erc20", from: i, to: i + 1, value: 1n }) as Op));
    expect(block.record.executedBy).to.equal("block-stm");
  });
});
