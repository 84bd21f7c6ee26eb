/**
 * No import cycles at run time in `sdk/` and `plugins/` (issue: a cycle rpc/context.ts ↔
 * methods/state.ts once made module order matter). Type-only imports (`import type`, or braces
 * holding only `type` names) are erased by TypeScript and do not count.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IMPORT =
  /^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+"(\.[^"]+)";|^import\s+"(\.[^"]+)";/gms;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => path.join(dir, f));
}

/** Runtime imports of each file (relative imports only, as repository paths). */
function runtimeGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4];
      const clause = (m[2] ?? "").trim();
      const typeOnly =
        m[1] !== undefined ||
        (clause.startsWith("{") &&
          clause
            .slice(1, -1)
            .split(",")
            .map((n) => n.trim())
            .filter((n) => n !== "")
            .every((n) => n.startsWith("type ")));
      if (!typeOnly) deps.push(path.normalize(path.join(path.dirname(file), spec)));
    }
    graph.set(path.normalize(file), deps);
  }
  return graph;
}

/** One cycle of the graph, as a path that starts and ends at the same file, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, "open");
    trail.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === "open") return [...trail.slice(trail.indexOf(dep)), dep];
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found !== undefined) return found;
      }
    }
    trail.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    if (state.get(file) !== undefined) continue;
    const found = visit(file);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe("module structure", function () {
  it("finds a cycle when there is one (the check itself)", function () {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    assert.deepEqual(findCycle(graph), ["a.ts", "b.ts", "c.ts", "a.ts"]);
  });

  it("has no import cycle at run time in sdk/ and plugins/", function () {
    const graph = runtimeGraph([...sources("sdk"), ...sources("plugins")]);
    assert.ok(graph.size > 100, `expected the whole tree, read ${graph.size} files`);
    const cycle = findCycle(graph);
    assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" → ")}`);
  });
});
