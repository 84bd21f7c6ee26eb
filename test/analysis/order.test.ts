/**
 * Sender order and creation order apart from state contention (`sdk/analysis/order.ts`,
 * docs/design.md §3), on hand-built blocks whose read and write sets are those the engine
 * records: a transaction reads and writes its sender's nonce and balance (gas), a value transfer
 * reads and writes the recipient's balance, a creation writes the new contract's code and nonce
 * (and the storage its constructor sets), a call reads the callee's code.
 */
import { expect } from "chai";
import type { Address } from "viem";
import {
  balanceKey,
  codeKey,
  nonceKey,
  storageKey,
  type LocationKey,
} from "../../sdk/engine/location.ts";
import {
  analyseBlock,
  buildDependencyGraph,
  classifyDependencies,
  maxContention,
  mergeAnalyses,
  speedupAt,
} from "../../sdk/analysis/index.ts";
import { ALICE, BOB, block, type TxSpec } from "./helpers.ts";

const CAROL: Address = "0xca201000000000000000000000000000000000c3";
const COUNTER: Address = "0xc0ffee0000000000000000000000000000000c01";
const COUNT = storageKey(COUNTER, 0n);
const OWNER = storageKey(COUNTER, 1n);

/** What every transaction of `sender` reads and writes: its nonce and balance. */
const own = (sender: Address): LocationKey[] => [nonceKey(sender), balanceKey(sender)];

/** A plain value transfer: the sender's nonce and balance, the recipient's balance. */
function pay(from: Address, to: Address): TxSpec {
  return {
    from,
    to,
    reads: [...own(from), balanceKey(to)],
    writes: [...own(from), balanceKey(to)],
  };
}

/** A call of `Counter.bump` (read-modify-write of `count`). */
function bump(from: Address): TxSpec {
  return {
    from,
    to: COUNTER,
    contractName: "Counter",
    functionName: "bump",
    reads: [...own(from), codeKey(COUNTER), COUNT],
    writes: [...own(from), COUNT],
  };
}

/** A call of `Counter.touch` (reads `owner`, set by the constructor, writes nothing of the counter). */
function touch(from: Address): TxSpec {
  return {
    from,
    to: COUNTER,
    contractName: "Counter",
    functionName: "touch",
    reads: [...own(from), codeKey(COUNTER), OWNER],
    writes: own(from),
  };
}

/** The deployment of the counter: its code, nonce and `owner` (set by the constructor). */
function deploy(from: Address): TxSpec {
  return {
    from,
    to: null,
    gas: 100_000n,
    reads: own(from),
    writes: [...own(from), codeKey(COUNTER), nonceKey(COUNTER), OWNER],
  };
}

const edges = (analysis: ReturnType<typeof analyseBlock>) =>
  analysis.dependencies.map((d) => `${d.from}->${d.to} ${d.kind}`);

describe("sender order and creation order", function () {
  it("one sender: every edge is sender order, no contention, no hot location", function () {
    const analysis = analyseBlock(block([pay(ALICE, BOB), pay(ALICE, CAROL), pay(ALICE, COUNTER)]));
    expect(edges(analysis)).to.deep.equal(["0->1 sender", "1->2 sender"]);
    expect(analysis.dependencies[0].senderOrder).to.deep.equal([
      balanceKey(ALICE),
      nonceKey(ALICE),
    ]);
    expect(analysis.dependentTransactions).to.equal(0);
    expect(analysis.dependencyCount).to.equal(0);
    expect(analysis.contention).to.equal(0);
    expect(analysis.criticalPath.length).to.equal(1);
    expect(analysis.parallelism).to.equal(3);
    expect(analysis.hotLocations).to.deep.equal([]);
    expect(analysis.transactions.map((t) => [t.dependsOn, t.orderDependsOn])).to.deep.equal([
      [[], []],
      [[], [0]],
      [[], [1]],
    ]);
    expect(analysis.order).to.deep.equal({
      senderDependencies: 2,
      creationDependencies: 0,
      orderOnlyTransactions: 2,
      senders: 1,
    });
    // The figures of earlier versions, order counted.
    expect(analysis.includingOrder.contention).to.equal(2 / 3);
    expect(analysis.includingOrder.dependencyCount).to.equal(2);
    expect(analysis.includingOrder.criticalPath.length).to.equal(3);
    expect(analysis.includingOrder.parallelism).to.equal(1);
    expect(analysis.includingOrder.speedup).to.equal(1);
    expect(
      analysis.includingOrder.hotLocations.map((h) => [h.label, h.dependencies]),
    ).to.deep.equal([
      [`balance(${ALICE})`, 2],
      [`nonce(${ALICE})`, 2],
    ]);
    expect(speedupAt(analysis, 3).speedup).to.equal(3);
    expect(speedupAt(analysis, 3, { includingOrder: true }).speedup).to.equal(1);
  });

  it("a same-sender edge also carried by another location is state (a shared recipient)", function () {
    const analysis = analyseBlock(block([pay(ALICE, CAROL), pay(ALICE, CAROL)]));
    expect(edges(analysis)).to.deep.equal(["0->1 state"]);
    expect(analysis.dependencies[0].senderOrder).to.deep.equal([
      balanceKey(ALICE),
      nonceKey(ALICE),
    ]);
    expect(analysis.hotLocations.map((h) => [h.label, h.dependencies])).to.deep.equal([
      [`balance(${CAROL})`, 1],
    ]);
    expect(analysis.contention).to.equal(0.5);
  });

  it("a third party paying the sender between its transactions is state contention", function () {
    // Alice sends, Bob pays Alice, Alice sends again.
    const analysis = analyseBlock(block([pay(ALICE, CAROL), pay(BOB, ALICE), pay(ALICE, COUNTER)]));
    expect(edges(analysis)).to.deep.equal(["0->1 state", "0->2 sender", "1->2 state"]);
    // Bob's payment read the balance Alice's transaction wrote; Alice's second transaction read
    // the balance Bob's payment wrote: two state edges on balance(Alice), one sender edge.
    expect(analysis.hotLocations.map((h) => [h.label, h.dependencies])).to.deep.equal([
      [`balance(${ALICE})`, 2],
    ]);
    expect(analysis.dependencies[2].senderOrder).to.equal(undefined);
    expect(analysis.contention).to.equal(2 / 3);
    expect(analysis.criticalPath.length).to.equal(3);
    expect(analysis.order.senderDependencies).to.equal(1);
    expect(analysis.order.orderOnlyTransactions).to.equal(0);
  });

  it("two senders sharing a slot: state edges, the shared sender's own chain is order", function () {
    const analysis = analyseBlock(block([bump(ALICE), bump(BOB), bump(ALICE), touch(ALICE)]));
    expect(edges(analysis)).to.deep.equal([
      "0->1 state",
      "0->2 sender",
      "1->2 state",
      "2->3 sender",
    ]);
    expect(analysis.dependentTransactions).to.equal(2);
    expect(analysis.contention).to.equal(0.5);
    expect(analysis.criticalPath.length).to.equal(3);
    expect(analysis.hotLocations.map((h) => [h.label, h.dependencies])).to.deep.equal([
      [`storage(${COUNTER})[0x0]`, 2],
    ]);
    expect(analysis.order).to.deep.equal({
      senderDependencies: 2,
      creationDependencies: 0,
      orderOnlyTransactions: 1,
      senders: 2,
    });
    expect(analysis.includingOrder.contention).to.equal(0.75);
    expect(analysis.includingOrder.criticalPath.length).to.equal(4);
  });

  it("deploy then call: the calls depend on the creation only (code and constructor storage)", function () {
    const analysis = analyseBlock(block([deploy(ALICE), touch(BOB), touch(CAROL), touch(ALICE)]));
    expect(edges(analysis)).to.deep.equal(["0->1 creation", "0->2 creation", "0->3 creation"]);
    expect(analysis.dependencies[0].creationOrder).to.deep.equal([codeKey(COUNTER), OWNER]);
    // The deployer's own call is carried by its nonce and balance too.
    expect(analysis.dependencies[2].senderOrder).to.deep.equal([
      balanceKey(ALICE),
      nonceKey(ALICE),
    ]);
    expect(analysis.contention).to.equal(0);
    expect(analysis.hotLocations).to.deep.equal([]);
    expect(analysis.order).to.deep.equal({
      senderDependencies: 0,
      creationDependencies: 3,
      orderOnlyTransactions: 3,
      senders: 3,
    });
    expect(analysis.includingOrder.contention).to.equal(0.75);
  });

  it("a storage write of another contract by the creation is state", function () {
    const registry = storageKey(CAROL, 7n);
    const analysis = analyseBlock(
      block([
        { ...deploy(ALICE), writes: [...(deploy(ALICE).writes ?? []), registry] },
        { from: BOB, to: CAROL, reads: [...own(BOB), registry], writes: own(BOB) },
      ]),
    );
    expect(edges(analysis)).to.deep.equal(["0->1 state"]);
    expect(analysis.hotLocations.map((h) => h.location)).to.deep.equal([registry]);
  });

  it("all of them: state, sender and creation edges in one block, and merged", function () {
    const specs = [
      deploy(ALICE), // 0
      bump(BOB), // 1: creation on code (0); count not written before
      bump(CAROL), // 2: state on count (1), creation on code (0)
      bump(CAROL), // 3: state on count and sender order (2), creation (0)
      pay(ALICE, BOB), // 4: sender order (0); state on balance(Bob) (1)
      touch(ALICE), // 5: sender order (4), creation (0)
    ];
    const analysis = analyseBlock(block(specs), { lanes: 2 });
    expect(edges(analysis)).to.deep.equal([
      "0->1 creation",
      "0->2 creation",
      "1->2 state",
      "0->3 creation",
      "2->3 state",
      "0->4 sender",
      "1->4 state",
      "0->5 creation",
      "4->5 sender",
    ]);
    expect(analysis.dependentTransactions).to.equal(3);
    expect(analysis.dependencyCount).to.equal(3);
    expect(analysis.order).to.deep.equal({
      senderDependencies: 2,
      creationDependencies: 4,
      orderOnlyTransactions: 2,
      senders: 3,
    });
    expect(analysis.includingOrder.dependentTransactions).to.equal(5);
    expect(analysis.includingOrder.dependencyCount).to.equal(9);
    expect(analysis.hotLocations.map((h) => [h.label, h.dependencies])).to.deep.equal([
      [`storage(${COUNTER})[0x0]`, 2],
      [`balance(${BOB})`, 1],
    ]);
    // The classification is the graph's edges, in order, with a kind.
    const graph = buildDependencyGraph(block(specs));
    expect(
      classifyDependencies(block(specs), graph.dependencies).map((d) => d.locations),
    ).to.deep.equal(graph.dependencies.map((d) => d.locations));
    // Merging two such blocks adds the order counts and keeps the figures with order.
    const merged = mergeAnalyses([analysis, analyseBlock(block(specs), { lanes: 2 })]);
    expect(merged.order).to.deep.equal({
      senderDependencies: 4,
      creationDependencies: 8,
      orderOnlyTransactions: 4,
      senders: 3,
    });
    expect(merged.dependencyCount).to.equal(6);
    expect(merged.includingOrder.dependencyCount).to.equal(18);
    expect(merged.includingOrder.contention).to.equal(10 / 12);
    expect(merged.includingOrder.criticalPath.gas).to.equal(
      2n * analysis.includingOrder.criticalPath.gas,
    );
    expect(merged.includingOrder.speedup).to.equal(analysis.includingOrder.speedup);
    expect(merged.speedup).to.equal(analysis.speedup);
  });

  it("assertion messages name the order dependencies they did not count", async function () {
    const analysis = analyseBlock(
      block([deploy(ALICE), bump(BOB), bump(ALICE), bump(ALICE), touch(ALICE)]),
    );
    await maxContention(analysis, 0.4);
    let message = "";
    await maxContention(analysis, 0.2).catch((error: Error) => {
      message = error.message;
    });
    expect(message).to.equal(
      "Expected contention at most 20%, but it was 40% (2 of 5 transactions depend on an earlier one).\n" +
        "Top hot locations:\n" +
        `  1. storage(${COUNTER})[0x0]: 2 dependencies (written by Counter.bump ×2; read by Counter.bump ×2)\n` +
        "Not counted as contention: 1 dependency of sender order (one sender's nonce and balance; " +
        "2 senders), 4 of creation order (calls after a deployment in the same block).",
    );
  });
});
