/**
 * The HTML report (`plugins/report/html.ts`) opened in a real headless browser (Debian's
 * Chromium through playwright-core, `browser.ts`): the drawn dependency graphs, Gantt charts
 * and hot-location rows match the report's JSON, user text is escaped, nothing is loaded, and
 * the page stays bounded for large runs. Without Chromium these tests fail saying how to install
 * it; `HP_SKIP_BROWSER=1` skips the browser ones explicitly.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildReport } from "../../plugins/report/build.ts";
import { GRAPH_BLOCKS_PER_TEST } from "../../plugins/report/graphs.ts";
import {
  escapeHtml,
  formatReportHtml,
  HTML_MAX_GRAPHS,
  HTML_MAX_TESTS,
} from "../../plugins/report/html.ts";
import type { ParallelReport } from "../../plugins/report/types.ts";
import { codeKey, nonceKey } from "../../sdk/engine/location.ts";
import { type Browser, browserSkipped, launchBrowser } from "./browser.ts";
import { checkDrawing } from "./html-drawing.ts";
import {
  COUNTER,
  USERS,
  block,
  bucket,
  bumps,
  counterIndex,
  disjoint,
  recording,
  tx,
} from "./helpers.ts";

const EVIL = `<script>window.__pwned = 1</script><img src="https://example.invalid/x.png"> & "quoted" 'title'`;

async function sampleReport(): Promise<ParallelReport> {
  const sender = USERS[0];
  return buildReport(
    recording([
      bucket(EVIL, [block(2, bumps(4)), block(3, disjoint(3))]),
      // One sender's three calls: sender order only.
      bucket("one sender", [
        block(
          4,
          [0, 1, 2].map(() =>
            tx(sender, { reads: [nonceKey(sender)], writes: [nonceKey(sender)] }),
          ),
        ),
      ]),
      // A deployment then a call of it in the same block: creation order.
      bucket("deploy then call", [
        block(5, [
          tx(USERS[1], {
            to: null,
            selector: undefined,
            created: COUNTER,
            writes: [codeKey(COUNTER)],
          }),
          tx(USERS[2], { reads: [codeKey(COUNTER)] }),
        ]),
      ]),
      bucket("automined bumps", [block(6, bumps(1)), block(7, bumps(1)), block(8, bumps(1))]),
    ]),
    { index: counterIndex(), now: new Date("2026-01-02T03:04:05Z") },
  );
}

describe("parallelism report: HTML", function () {
  it("escapes every text from the run", function () {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });

  it("keeps the page bounded for a large run and says what it left out", async function () {
    const buckets = Array.from({ length: HTML_MAX_TESTS + 20 }, (_, i) =>
      bucket(
        `test ${i}`,
        Array.from({ length: GRAPH_BLOCKS_PER_TEST + 2 }, (_, b) => block(i * 10 + b, bumps(8))),
      ),
    );
    const report = await buildReport(recording(buckets), { index: counterIndex() });
    for (const test of report.tests) {
      assert.equal(test.graphs.length, GRAPH_BLOCKS_PER_TEST);
      assert.equal(test.graphsOmitted, 2);
    }
    const html = formatReportHtml(report);
    assert.equal(html.match(/<section class="block"/g)?.length, HTML_MAX_GRAPHS);
    assert.equal(html.match(/<section class="test"/g)?.length, HTML_MAX_TESTS);
    assert.match(html, /20 tests beyond the first 100 are in the table only\./);
    assert.match(html, /kept block graphs are not drawn here\./);
    assert.ok(html.length < 2_000_000, `${html.length} characters`);
  });

  describe("in a headless browser", function () {
    this.timeout(120_000);
    let browser: Browser;
    let dir: string;
    let report: ParallelReport;

    before(async function () {
      if (browserSkipped()) this.skip();
      browser = await launchBrowser();
      dir = await mkdtemp(path.join(tmpdir(), "hp-html-"));
      report = await sampleReport();
      const file = path.join(dir, "parallel-report.html");
      await writeFile(file, formatReportHtml(report));
      await browser.page.goto(pathToFileURL(file).href);
    });

    after(async function () {
      await browser?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it("draws each block's graph, schedule and hot locations as in the JSON", async function () {
      assert.equal(await checkDrawing(browser.page, report), 5);
      const byTitle = (title: string) => report.tests.find((t) => t.title === title)!;
      // The three kinds of edges are drawn apart.
      const kinds = (title: string) => byTitle(title).graphs[0].dependencies.map((d) => d.kind);
      assert.deepEqual(kinds(EVIL), ["state", "state", "state"]);
      assert.deepEqual(kinds("one sender"), ["sender", "sender"]);
      assert.deepEqual(kinds("deploy then call"), ["creation"]);
      const automined = byTitle("automined bumps");
      assert.equal(automined.graphs[0].block, null);
      assert.deepEqual(
        automined.graphs[0].transactions.map((t) => t.block),
        ["6", "7", "8"],
      );
      // Computed in the page (this file is compiled without the DOM's types).
      const styles: string[] = await browser.page.evaluate(
        `[...new Set([...document.querySelectorAll("path.dep-edge")].map((p) => p.classList[1] + " " + getComputedStyle(p).strokeDasharray))]`,
      );
      assert.deepEqual(styles.sort(), [
        "dep-creation 2px, 3px",
        "dep-sender 6px, 3px",
        "dep-state none",
      ]);
      const hot = await browser.page.$$eval("section.test table.hot tr.hot-row td.label", (tds) =>
        tds.map((td) => td.textContent),
      );
      assert.ok(hot.includes("Counter.count"), hot.join(", "));
      const hints = await browser.page.$$eval("section.test table.hot td.hint", (tds) =>
        tds.map((td) => td.textContent),
      );
      assert.ok(
        hints.some((h) => h !== null && /ShardedCounter/.test(h)),
        hints.join(" | "),
      );
    });

    it("shows user text as text, runs nothing and requests nothing", async function () {
      const id = `test-${report.tests.findIndex((t) => t.title === EVIL)}`;
      const state = await browser.page.evaluate(
        `({ pwned: window.__pwned, scripts: document.scripts.length, images: document.images.length,
            heading: document.getElementById(${JSON.stringify(id)})?.querySelector("h2")?.textContent })`,
      );
      assert.deepEqual(state, { pwned: undefined, scripts: 0, images: 0, heading: EVIL });
      const page = browser.page.url();
      assert.deepEqual(
        browser.requests.filter((url) => url !== page),
        [],
        "no request beyond the page itself",
      );
    });
  });
});
