/**
 * Merging shard reports (`plugins/report/merge.ts`) on synthetic recordings: the merge of the
 * reports of two halves of a run equals the report of the whole run, including the run's hot
 * locations beyond the top ten of either half and titles shared across files.
 */
import assert from "node:assert/strict";
import { buildReport, HOT_LOCATIONS_PER_RUN } from "../../plugins/report/build.ts";
import { mergeReports } from "../../plugins/report/merge.ts";
import type { RecordedBucket } from "../../plugins/report/types.ts";
import { storageKey } from "../../sdk/engine/location.ts";
import { COUNT_KEY, COUNTER, USERS, block, bumps, counterIndex, recording, tx } from "./helpers.ts";

const NOW = new Date("2026-03-04T05:06:07Z");

/** A test in `file` whose block has two calls on slot `slot` (one dependency) and n bumps. */
function testBucket(file: string, title: string, slot: number, n: number): RecordedBucket {
  const key = storageKey(COUNTER, BigInt(100 + slot));
  const pair = [0, 1].map((i) => tx(USERS[i], { reads: [key], writes: [key] }));
  return {
    key: `${file}\u0000${title}`,
    title,
    file,
    kind: "test",
    blocks: [block(slot + 1, [...pair, ...bumps(n)])],
  };
}

describe("parallelism report: merging shard reports", function () {
  it("gives the whole run's report from the reports of its halves", async function () {
    // 24 distinct hot slots, 12 a half (more than the ten a report lists), and Counter.count.
    const a = Array.from({ length: 11 }, (_, i) => testBucket("test/a.ts", `a ${i}`, i, i % 4));
    const b = Array.from({ length: 11 }, (_, i) => testBucket("test/b.ts", `b ${i}`, 11 + i, 3));
    // The same title in both files: one run appends the file to tell them apart.
    a.push(testBucket("test/a.ts", "same title", 30, 2));
    b.push(testBucket("test/b.ts", "same title", 31, 2));
    const options = { index: counterIndex(), now: NOW };
    const whole = await buildReport(recording([...a, ...b]), options);
    const reportA = await buildReport(recording(a), options);
    const reportB = await buildReport(recording(b), options);
    assert.ok(whole.allHotLocations.length > HOT_LOCATIONS_PER_RUN);
    const merged = mergeReports(
      [
        { source: "a.json", report: reportA },
        { source: "b.json", report: reportB },
      ],
      NOW,
    );
    assert.deepEqual(merged, whole);
    assert.ok(merged.tests.some((t) => t.title === "same title [test/b.ts]"));
    assert.equal(merged.hotLocations[0].location, COUNT_KEY);
    // Each half's top ten alone would not give the run's ranking.
    const topsOnly = mergeReports(
      [reportA, reportB].map((report, i) => ({
        source: `${i}.json`,
        report: { ...report, allHotLocations: report.hotLocations },
      })),
      NOW,
    );
    assert.notDeepEqual(topsOnly.allHotLocations, whole.allHotLocations);
  });

  it("refuses an empty list and a test present in two reports", async function () {
    assert.throws(() => mergeReports([]), /No report to merge/);
    const report = await buildReport(recording([testBucket("test/a.ts", "t", 0, 1)]), {
      now: NOW,
    });
    assert.throws(
      () =>
        mergeReports([
          { source: "one.json", report },
          { source: "two.json", report },
        ]),
      /The test "t" of test\/a\.ts is in both one\.json and two\.json/,
    );
  });
});
