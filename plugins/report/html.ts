/**
 * The HTML report (`reports/parallel-report.html`): one self-contained page — inline CSS and
 * SVG, no script, no external resource (its Content-Security-Policy forbids every fetch) — with
 * the tests table, the run's hot locations and, per test, each kept block's dependency graph,
 * the greedy list schedule of its state dependencies on the test's P lanes as a Gantt chart
 * (`listSchedule` of `sdk/analysis/schedule.ts`, the schedule behind speedup(P)) and the test's
 * hot locations with their hints.
 *
 * Every text from the run (test titles, file names, contract, function and location names) is
 * escaped. The page stays bounded for large runs: the report keeps at most a few graphs per
 * test (`graphs.ts`) and the page draws those of the first {@link HTML_MAX_TESTS} tests, at most
 * {@link HTML_MAX_GRAPHS} drawings; it says so when it leaves some out.
 */
import { formatPercent, formatRatio } from "../../sdk/analysis/format.ts";
import { formatFunctionRef } from "../../sdk/analysis/labels.ts";
import { listSchedule } from "../../sdk/analysis/schedule.ts";
import type { FunctionCount } from "../../sdk/analysis/types.ts";
import { CELLS, compactGas, displayLabels, HEADERS, LEGEND } from "./format.ts";
import { GRAPH_BLOCKS_PER_TEST, GRAPH_MAX_DEPENDENCIES, GRAPH_MAX_TRANSACTIONS } from "./graphs.ts";
import {
  REPORT_COLUMNS,
  type ParallelReport,
  type ReportBlockGraph,
  type ReportColumn,
  type ReportHotLocation,
  type TestReport,
} from "./types.ts";

/** Tests that get a section of their own (the worst first); the others are in the table only. */
export const HTML_MAX_TESTS = 100;
/** Block drawings (dependency graph and Gantt chart) in the whole page. */
export const HTML_MAX_GRAPHS = 40;

/** Options of {@link formatReportHtml}. */
export interface HtmlOptions {
  /** Columns of the tests table after the title. Default: all. */
  columns?: readonly ReportColumn[];
  /** Hot locations of the run listed. Default 10 (all the report keeps). */
  hotLocations?: number;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const e = escapeHtml;

/**
 * The HTML page of a report. Deterministic: the same report gives the same page.
 *
 * Drawing markers the tests (and scripts) rely on: each block drawing is a
 * `<section class="block" data-test="i" data-graph="k">` (i: index in `report.tests`, k: index
 * in its `graphs`) holding `svg.dep-graph` with one `.tx-node` per transaction and one
 * `path.dep-edge` per dependency (classes `dep-state`, `dep-sender`, `dep-creation`), and
 * `svg.gantt` with one `rect.gantt-bar[data-lane]` per transaction. Each test section's hot
 * locations are the `tr.hot-row` rows of its `table.hot`.
 */
export function formatReportHtml(report: ParallelReport, options: HtmlOptions = {}): string {
  const columns = options.columns ?? REPORT_COLUMNS;
  const sections: string[] = [];
  let drawn = 0;
  let graphsLeftOut = 0;
  report.tests.forEach((test, i) => {
    if (i >= HTML_MAX_TESTS) {
      graphsLeftOut += test.graphs.length;
      return;
    }
    const budget = Math.max(0, HTML_MAX_GRAPHS - drawn);
    const shown = test.graphs.slice(0, budget);
    drawn += shown.length;
    graphsLeftOut += test.graphs.length - shown.length;
    sections.push(testSection(test, i, shown, test.graphs.length - shown.length));
  });
  const notes: string[] = [
    `The report keeps the dependency graphs of the first ${GRAPH_BLOCKS_PER_TEST} analysed blocks of each test, of blocks with at most ${GRAPH_MAX_TRANSACTIONS} transactions and ${GRAPH_MAX_DEPENDENCIES} dependencies; this page draws at most ${HTML_MAX_GRAPHS} blocks and has a section for at most ${HTML_MAX_TESTS} tests (the worst first).`,
  ];
  if (report.tests.length > HTML_MAX_TESTS) {
    notes.push(
      `${report.tests.length - HTML_MAX_TESTS} tests beyond the first ${HTML_MAX_TESTS} are in the table only.`,
    );
  }
  if (graphsLeftOut > 0) notes.push(`${graphsLeftOut} kept block graphs are not drawn here.`);
  const { totals } = report;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parallelism report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Parallelism report</h1>
<p class="meta">Generated ${e(report.generatedAt)} · ${totals.tests} test${plural(totals.tests)} · ${totals.transactions} transaction${plural(totals.transactions)} in ${totals.blocks} block${plural(totals.blocks)}, ${totals.achievedBlocks} of them with ≥2 transactions · speedup on ${report.lanes} lane${plural(report.lanes)}</p>
<p class="legend">${e(LEGEND)}</p>
<h2>Tests, worst first</h2>
${testsTable(report, columns)}
<h2>Hot locations of the run</h2>
${hotTable(report.hotLocations.slice(0, options.hotLocations ?? report.hotLocations.length), "run-hot")}
<p class="caps">${notes.map(e).join(" ")}</p>
${sections.join("\n")}
</body>
</html>
`;
}

function testsTable(report: ParallelReport, columns: readonly ReportColumn[]): string {
  if (report.tests.length === 0) return "<p>No test sent a transaction to a parallel network.</p>";
  const head = ["Test", ...columns.map((c) => HEADERS[c](report))]
    .map((h) => `<th>${e(h)}</th>`)
    .join("");
  const rows = report.tests.map((test, i) => {
    const title = i < HTML_MAX_TESTS ? `<a href="#test-${i}">${e(test.title)}</a>` : e(test.title);
    const cells = columns.map((c) => `<td class="${c}">${e(CELLS[c](test, report))}</td>`);
    return `<tr class="test-row ${contentionClass(test)}"><td>${title}</td>${cells.join("")}</tr>`;
  });
  return `<table class="tests"><thead><tr>${head}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

function hotTable(hot: readonly ReportHotLocation[], id?: string): string {
  if (hot.length === 0) return `<p class="none">No location carried a state dependency.</p>`;
  const labels = displayLabels(hot);
  const rows = hot.map((h, i) => {
    const hint = h.remedy?.hint ?? "";
    return (
      `<tr class="hot-row"><td>${i + 1}</td><td class="label" title="${e(h.location)}">${e(labels[i])}</td>` +
      `<td>${e(h.contract ?? "—")}</td><td class="num">${h.dependencies}</td>` +
      `<td>${e(counts(h.writers))}</td><td>${e(counts(h.readers))}</td><td class="hint">${e(hint)}</td></tr>`
    );
  });
  return `<table class="hot"${id === undefined ? "" : ` id="${id}"`}><thead><tr><th>#</th><th>Location</th><th>Contract</th><th>Deps</th><th>Written by</th><th>Read by</th><th>Hint</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

function testSection(
  test: TestReport,
  i: number,
  graphs: readonly ReportBlockGraph[],
  notDrawn: number,
): string {
  const figures =
    `${test.kind} · ${test.analysedTransactions} of ${test.transactions} transactions analysed · ` +
    `contention ${formatPercent(test.contention)} (${test.dependentTransactions} dependent) · ` +
    `order: ${test.order.sender} sender, ${test.order.creation} creation · ` +
    `critical path ${test.criticalPath.length} tx, ${compactGas(BigInt(test.criticalPath.gas))} gas · ` +
    `parallelism ${formatRatio(test.parallelism)} · speedup ${formatRatio(test.speedup)} on ${test.lanes} lanes`;
  const omitted = test.graphsOmitted + notDrawn;
  const blocks = graphs.map((g, k) => blockDrawing(test, i, k, g));
  if (omitted > 0) {
    blocks.push(
      `<p class="caps">${omitted} analysed block${plural(omitted)} of this test not drawn (caps above).</p>`,
    );
  }
  return `<section class="test" id="test-${i}">
<h2>${e(test.title)}</h2>
${test.file === undefined ? "" : `<p class="file">${e(test.file)}</p>`}
<p class="figures">${e(figures)}</p>
<h3>Hot locations</h3>
${hotTable(test.hotLocations)}
${blocks.join("\n")}
</section>`;
}

function blockDrawing(test: TestReport, i: number, k: number, graph: ReportBlockGraph): string {
  const gas = graph.transactions.map((t) => BigInt(t.gasUsed));
  const preds: number[][] = graph.transactions.map(() => []);
  for (const d of graph.dependencies) if (d.kind === "state") preds[d.to].push(d.from);
  const schedule = listSchedule(gas, preds, test.lanes);
  const total = gas.reduce((a, b) => a + b, 0n);
  const speedup = schedule.makespan === 0n ? 1 : Number(total) / Number(schedule.makespan);
  const kinds = { state: 0, sender: 0, creation: 0 };
  for (const d of graph.dependencies) kinds[d.kind] += 1;
  const name =
    graph.block === null
      ? `Potential block: ${graph.transactions.length} automined transaction${plural(graph.transactions.length)} analysed as one block`
      : `Block ${graph.block}: ${graph.transactions.length} transactions`;
  return `<section class="block" data-test="${i}" data-graph="${k}">
<h3>${e(name)}</h3>
<p class="figures">${kinds.state} state, ${kinds.sender} sender-order and ${kinds.creation} creation-order dependencies · schedule on ${test.lanes} lanes: makespan <span class="makespan">${schedule.makespan}</span> gas, speedup <span class="speedup">${formatRatio(speedup)}</span></p>
<div class="scroll">${graphSvg(graph, preds)}</div>
<p class="key"><span class="k-state">━ state dependency</span> <span class="k-sender">┅ sender order</span> <span class="k-creation">┈ creation order</span> · arcs above: state, below: order · ● depends on an earlier transaction through state</p>
<div class="scroll">${ganttSvg(graph, schedule, preds)}</div>
</section>`;
}

const PAD = 24;
const ARC_MAX = 110;

/** Arc diagram: transactions in block order on a line, state arcs above, order arcs below. */
function graphSvg(graph: ReportBlockGraph, preds: readonly number[][]): string {
  const n = graph.transactions.length;
  const dx = n <= 1 ? 0 : Math.min(48, Math.max(12, 860 / (n - 1)));
  const width = Math.ceil(2 * PAD + (n - 1) * dx);
  const x = (p: number) => PAD + p * dx;
  const r = n <= 1 ? 9 : Math.max(4, Math.min(9, dx / 2 - 1));
  // Arc height grows with the distance it spans; the drawing is as tall as its arcs.
  const arc = (d: { from: number; to: number }) =>
    Math.min(ARC_MAX, 10 + (x(d.to) - x(d.from)) * 0.4);
  let up = 0;
  let down = 0;
  for (const d of graph.dependencies) {
    if (d.kind === "state") up = Math.max(up, arc(d));
    else down = Math.max(down, arc(d));
  }
  const y0 = up + r + 8;
  const height = Math.ceil(y0 + down + r + 8);
  const edges = graph.dependencies.map((d) => {
    const x1 = x(d.from);
    const x2 = x(d.to);
    const h = arc(d);
    const cy = d.kind === "state" ? y0 - 2 * h : y0 + 2 * h;
    const more = d.moreLocations > 0 ? ` and ${d.moreLocations} more` : "";
    const tip = `#${d.from} → #${d.to} (${d.kind}): ${d.locations.join(", ")}${more}`;
    return `<path class="dep-edge dep-${d.kind}" data-from="${d.from}" data-to="${d.to}" d="M${fmt(x1)},${y0} Q${fmt((x1 + x2) / 2)},${fmt(cy)} ${fmt(x2)},${y0}"><title>${e(tip)}</title></path>`;
  });
  const nodes = graph.transactions.map((t, p) => {
    const tip = `#${p} · block ${t.block}, index ${t.index} · ${t.call} · ${t.gasUsed} gas · from ${t.from}`;
    const label = r >= 7 ? `<text x="${fmt(x(p))}" y="${y0 + 3}">${p}</text>` : "";
    return `<g class="tx-node${preds[p].length > 0 ? " dependent" : ""}" data-position="${p}"><circle cx="${fmt(x(p))}" cy="${y0}" r="${fmt(r)}"/>${label}<title>${e(tip)}</title></g>`;
  });
  return `<svg class="dep-graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="dependency graph">${edges.join("")}${nodes.join("")}</svg>`;
}

/** Gantt chart of the list schedule: one row per lane, one bar per transaction (gas on x). */
function ganttSvg(
  graph: ReportBlockGraph,
  schedule: ReturnType<typeof listSchedule>,
  preds: readonly number[][],
): string {
  const rows = Math.max(1, Math.min(schedule.lanes, graph.transactions.length));
  const rowH = 20;
  const left = 56;
  const plot = 860;
  const width = left + plot + PAD;
  const height = rows * rowH + 28;
  const span = schedule.makespan === 0n ? 1 : Number(schedule.makespan);
  const lanes = Array.from(
    { length: rows },
    (_, l) =>
      `<text class="lane" x="4" y="${l * rowH + 14}">lane ${l}</text><line x1="${left}" x2="${left + plot}" y1="${(l + 1) * rowH}" y2="${(l + 1) * rowH}"/>`,
  );
  const bars = schedule.transactions.map((s) => {
    const t = graph.transactions[s.position];
    const bx = left + (Number(s.start) / span) * plot;
    const bw = Math.max(1, (Number(s.end - s.start) / span) * plot - 1);
    const tip = `#${s.position} ${t.call} · lane ${s.lane} · gas ${s.start}–${s.end}`;
    const label =
      bw >= 18
        ? `<text class="bar" x="${fmt(bx + bw / 2)}" y="${s.lane * rowH + 14}">${s.position}</text>`
        : "";
    return `<rect class="gantt-bar${preds[s.position].length > 0 ? " dependent" : ""}" data-lane="${s.lane}" data-position="${s.position}" x="${fmt(bx)}" y="${s.lane * rowH + 3}" width="${fmt(bw)}" height="${rowH - 6}"><title>${e(tip)}</title></rect>${label}`;
  });
  const axis = `<text class="axis" x="${left}" y="${rows * rowH + 18}">0</text><text class="axis end" x="${left + plot}" y="${rows * rowH + 18}">${schedule.makespan} gas</text>`;
  return `<svg class="gantt" xmlns="http://www.w3.org/2000/svg" data-lanes="${schedule.lanes}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="list schedule">${lanes.join("")}${bars.join("")}${axis}</svg>`;
}

function counts(list: readonly FunctionCount[]): string {
  if (list.length === 0) return "—";
  const shown = list.slice(0, 3).map((c) => `${formatFunctionRef(c)} ×${c.dependencies}`);
  if (list.length > 3) shown.push(`+${list.length - 3} more`);
  return shown.join(", ");
}

function contentionClass(test: TestReport): string {
  if (test.contention >= 0.5) return "high";
  return test.contention > 0 ? "some" : "none";
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}h3{font-size:14px;margin:16px 0 4px}
.meta,.file,.caps,.legend,.key{color:#57606a;font-size:12px}
table{border-collapse:collapse;margin:6px 0;font-size:12.5px}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right}td.hint{max-width:420px;color:#57606a}
tr.high td.contention{color:#b42318;font-weight:600}tr.some td.contention{color:#9a6700}tr.none td.contention{color:#1a7f37}
section.test{border-top:2px solid #d0d7de;margin-top:26px}
.scroll{overflow-x:auto}
svg{display:block;margin:4px 0}
.dep-edge{fill:none;stroke-width:1.4}
.dep-state{stroke:#cf222e}.dep-sender{stroke:#0969da;stroke-dasharray:6 3}.dep-creation{stroke:#1a7f37;stroke-dasharray:2 3}
.tx-node circle{fill:#eaeef2;stroke:#57606a;stroke-width:1}.tx-node.dependent circle{fill:#ffd8d3;stroke:#cf222e}
.tx-node text{font-size:8px;text-anchor:middle;fill:#1b1f24}
.gantt-bar{fill:#54aeff}.gantt-bar.dependent{fill:#ff8182}
.gantt text.bar{fill:#1b1f24;font-size:10px;text-anchor:middle;pointer-events:none}.gantt line{stroke:#eaeef2}.gantt text{font-size:11px;fill:#57606a}.gantt text.end{text-anchor:end}
.k-state{color:#cf222e}.k-sender{color:#0969da}.k-creation{color:#1a7f37}
`;
