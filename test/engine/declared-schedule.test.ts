/**
 * The `declared` executor's schedule (`schedule.ts`) against a brute-force oracle: for random
 * blocks of declared and undeclared transactions over a few addresses and slots (with `*`
 * patterns), every transaction must (transitively) wait for every earlier transaction that may
 * write a location it may read, an undeclared transaction must be ordered with every other one,
 * and `longestChain` must be the longest chain of the graph.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { TransactionAccess } from "../../sdk/engine/executors/declared/declared-access.ts";
import { scheduleByDeclaredAccess } from "../../sdk/engine/executors/declared/schedule.ts";
import { balanceKey, storageKey, type LocationKey } from "../../sdk/engine/location.ts";

const ADDRESSES = [`0x${"a".repeat(40)}`, `0x${"b".repeat(40)}`];
const keyArb: fc.Arbitrary<LocationKey> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ADDRESSES), fc.integer({ min: 0, max: 3 }))
    .map(([a, s]) => storageKey(a, BigInt(s))),
  fc.constantFrom(...ADDRESSES).map((a) => balanceKey(a)),
);
const accessArb: fc.Arbitrary<TransactionAccess> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<TransactionAccess>({ kind: "undeclared", reason: "test" }) },
  {
    weight: 6,
    arbitrary: fc
      .record({
        reads: fc.uniqueArray(keyArb, { maxLength: 3 }),
        writes: fc.uniqueArray(keyArb, { maxLength: 2 }),
        anyRead: fc.subarray(ADDRESSES, { maxLength: 1 }),
        anyWrite: fc.subarray(ADDRESSES, { maxLength: 1 }),
      })
      .map(({ reads, writes, anyRead, anyWrite }) => ({
        kind: "declared" as const,
        label: "test",
        reads: new Set([...reads, ...writes]),
        writes: new Set(writes),
        anyStorageRead: new Set([...anyRead, ...anyWrite]),
        anyStorageWrite: new Set(anyWrite),
      })),
  },
);

/** Whether `i` may write something `j` may read (the oracle's conflict rule). */
function conflicts(i: TransactionAccess, j: TransactionAccess): boolean {
  if (i.kind === "undeclared" || j.kind === "undeclared") return true;
  const isStorageOf = (key: LocationKey, address: string) => key.startsWith(`s:${address}:`);
  for (const w of i.writes) {
    if (j.reads.has(w)) return true;
    for (const a of j.anyStorageRead) if (isStorageOf(w, a)) return true;
  }
  for (const a of i.anyStorageWrite) {
    if (j.anyStorageRead.has(a)) return true;
    for (const r of j.reads) if (isStorageOf(r, a)) return true;
  }
  return false;
}

describe("declared schedule (vs a brute-force oracle)", function () {
  it("orders every conflicting pair, and only through its edges; longestChain is the longest path", function () {
    fc.assert(
      fc.property(fc.array(accessArb, { minLength: 1, maxLength: 25 }), (accesses) => {
        const schedule = scheduleByDeclaredAccess(accesses);
        const n = accesses.length;
        // reach[j] = every transaction j waits for, directly or not.
        const reach: Array<Set<number>> = [];
        const depth: number[] = [];
        for (let j = 0; j < n; j++) {
          const set = new Set<number>();
          let d = 0;
          for (const i of schedule.waitsFor[j]) {
            expect(i).to.be.lessThan(j);
            expect(schedule.unblocks[i]).to.include(j);
            set.add(i);
            for (const k of reach[i]) set.add(k);
            d = Math.max(d, depth[i]);
          }
          reach.push(set);
          depth.push(d + 1);
          for (let i = 0; i < j; i++) {
            if (conflicts(accesses[i], accesses[j]))
              expect(set.has(i), `${j} must wait for ${i}`).to.equal(true);
          }
        }
        expect(schedule.longestChain).to.equal(Math.max(...depth));
        expect(schedule.declared + schedule.undeclared).to.equal(n);
        expect(schedule.undeclared).to.equal(
          accesses.filter((a) => a.kind === "undeclared").length,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("adds no edge between transactions with disjoint declared sets", function () {
    const declared = (reads: LocationKey[], writes: LocationKey[]): TransactionAccess => ({
      kind: "declared",
      label: "t",
      reads: new Set([...reads, ...writes]),
      writes: new Set(writes),
      anyStorageRead: new Set(),
      anyStorageWrite: new Set(),
    });
    const [a, b] = ADDRESSES;
    const schedule = scheduleByDeclaredAccess([
      declared([], [storageKey(a, 1n)]),
      declared([storageKey(a, 2n)], [storageKey(b, 1n)]),
      declared([storageKey(a, 3n), balanceKey(b)], []),
      declared([storageKey(a, 1n)], []), // reads what 0 wrote
    ]);
    expect(schedule.waitsFor).to.deep.equal([[], [], [], [0]]);
    expect(schedule.longestChain).to.equal(2);
  });
});
