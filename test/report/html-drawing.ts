/**
 * Checks what a browser drew of an HTML report against the report's JSON: per drawn block, one
 * graph node per transaction, one edge per dependency (by kind), one Gantt bar per transaction
 * on the lane the analysis's list schedule gives it; per test section, one hot-location row per
 * hot location; and that the page requested nothing but itself.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { listSchedule } from "../../sdk/analysis/schedule.ts";
import type { ParallelReport } from "../../plugins/report/types.ts";

/** What one block drawing shows, read from the DOM. */
interface Drawn {
  test: number;
  graph: number;
  nodes: number;
  edges: Record<"state" | "sender" | "creation", number>;
  edgePairs: string[];
  barsPerLane: Record<string, number>;
  ganttLanes: number;
  speedup: string;
}

/**
 * Asserts the drawings of the page open in `page` match `report`.
 * @returns the number of block drawings checked.
 */
export async function checkDrawing(page: Page, report: ParallelReport): Promise<number> {
  const drawn: Drawn[] = await page.$$eval("section.block", (sections) =>
    sections.map((s) => {
      const edges = { state: 0, sender: 0, creation: 0 };
      for (const kind of ["state", "sender", "creation"] as const)
        edges[kind] = s.querySelectorAll(`svg.dep-graph path.dep-edge.dep-${kind}`).length;
      const barsPerLane: Record<string, number> = {};
      for (const bar of s.querySelectorAll("svg.gantt rect.gantt-bar")) {
        const lane = bar.getAttribute("data-lane") ?? "?";
        barsPerLane[lane] = (barsPerLane[lane] ?? 0) + 1;
      }
      return {
        test: Number(s.getAttribute("data-test")),
        graph: Number(s.getAttribute("data-graph")),
        nodes: s.querySelectorAll("svg.dep-graph .tx-node").length,
        edges,
        edgePairs: [...s.querySelectorAll("svg.dep-graph path.dep-edge")].map(
          (p) => `${p.getAttribute("data-from")}->${p.getAttribute("data-to")}`,
        ),
        barsPerLane,
        ganttLanes: Number(s.querySelector("svg.gantt")?.getAttribute("data-lanes")),
        speedup: s.querySelector(".speedup")?.textContent ?? "",
      };
    }),
  );
  for (const d of drawn) {
    const test = report.tests[d.test];
    const graph = test.graphs[d.graph];
    const where = `${test.title}, graph ${d.graph}`;
    assert.equal(d.nodes, graph.transactions.length, `nodes of ${where}`);
    const expected = { state: 0, sender: 0, creation: 0 };
    for (const dep of graph.dependencies) expected[dep.kind] += 1;
    assert.deepEqual(d.edges, expected, `edges of ${where}`);
    assert.deepEqual(
      d.edgePairs,
      graph.dependencies.map((dep) => `${dep.from}->${dep.to}`),
      `edge ends of ${where}`,
    );
    const preds: number[][] = graph.transactions.map(() => []);
    for (const dep of graph.dependencies) if (dep.kind === "state") preds[dep.to].push(dep.from);
    const schedule = listSchedule(
      graph.transactions.map((t) => BigInt(t.gasUsed)),
      preds,
      test.lanes,
    );
    const lanes: Record<string, number> = {};
    for (const s of schedule.transactions) lanes[s.lane] = (lanes[s.lane] ?? 0) + 1;
    assert.deepEqual(d.barsPerLane, lanes, `Gantt bars per lane of ${where}`);
    assert.equal(d.ganttLanes, test.lanes, `lanes of ${where}`);
    // One analysed block: the drawn schedule's speedup is the test's speedup(P).
    if (test.graphs.length === 1 && test.graphsOmitted === 0) {
      assert.equal(d.speedup, `${Number(test.speedup.toFixed(2))}x`, `speedup of ${where}`);
    }
  }
  const sections = await page.$$eval("section.test", (list) =>
    list.map((s) => ({
      id: s.id,
      title: s.querySelector("h2")?.textContent ?? "",
      hotRows: s.querySelectorAll("table.hot tr.hot-row").length,
      hotLabels: [...s.querySelectorAll("table.hot tr.hot-row td.label")].map(
        (td) => td.textContent ?? "",
      ),
    })),
  );
  for (const s of sections) {
    const test = report.tests[Number(s.id.replace("test-", ""))];
    assert.equal(s.title, test.title, "the section's title is the test's, as text");
    assert.equal(s.hotRows, test.hotLocations.length, `hot-location rows of ${test.title}`);
    test.hotLocations.forEach((h, i) => {
      assert.ok(
        s.hotLabels[i].startsWith(h.label.slice(0, 6)),
        `hot location ${i} of ${test.title}: ${s.hotLabels[i]} for ${h.label}`,
      );
    });
  }
  const runRows = await page.$$eval("table#run-hot tr.hot-row", (rows) => rows.length);
  assert.equal(runRows, report.hotLocations.length, "the run's hot-location rows");
  // Nothing loaded: no resource entries, no link or source out of the page.
  const external = {
    resources: await page.evaluate(`performance.getEntriesByType("resource").length`),
    links: (
      await page.$$eval("[src], [href]", (elements) =>
        elements.map((el) => el.getAttribute("src") ?? el.getAttribute("href") ?? ""),
      )
    ).filter((url) => !url.startsWith("#")),
  };
  assert.deepEqual(external, { resources: 0, links: [] }, "the page loads nothing");
  return drawn.length;
}
