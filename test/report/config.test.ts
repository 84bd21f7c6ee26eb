/**
 * The report's configuration: defaults, paths resolved against the project root, and the
 * plugin's zod schema for `parallel.report`.
 */
import assert from "node:assert/strict";
import { resolveReportConfig } from "../../plugins/report/config.ts";
import { userConfigSchema } from "../../plugins/internal/config-schema.ts";

describe("parallelism report: config", function () {
  it("resolves defaults against the project root", function () {
    const config = resolveReportConfig(undefined, "/project");
    assert.equal(config.enabled, true);
    assert.equal(config.json, "/project/reports/parallel-report.json");
    assert.equal(config.markdown, "/project/reports/parallel-report.md");
    assert.equal(config.snapshot, "/project/.parallel-snapshot.json");
    assert.deepEqual(config.tolerance, { contention: 0.01, parallelism: 0.01 });
    assert.equal(config.columns.length, 12);
    const custom = resolveReportConfig(
      {
        json: false,
        markdown: "out/r.md",
        columns: ["contention"],
        tolerance: { parallelism: 0.05 },
      },
      "/p",
    );
    assert.equal(custom.json, undefined);
    assert.equal(custom.markdown, "/p/out/r.md");
    assert.deepEqual(custom.columns, ["contention"]);
    assert.deepEqual(custom.tolerance, { contention: 0.01, parallelism: 0.05 });
  });

  it("validates parallel.report with the plugin's zod schema", function () {
    assert.equal(
      userConfigSchema.safeParse({
        parallel: { lanes: 4, report: { columns: ["speedup16"], json: false } },
      }).success,
      true,
    );
    const badColumn = userConfigSchema.safeParse({ parallel: { report: { columns: ["speed"] } } });
    assert.equal(badColumn.success, false);
    assert.match(JSON.stringify(badColumn.error?.issues), /"report","columns",0/);
    assert.equal(
      userConfigSchema.safeParse({ parallel: { report: { tolerance: { contention: 2 } } } })
        .success,
      false,
    );
    assert.equal(
      userConfigSchema.safeParse({ parallel: { report: { unknown: 1 } } }).success,
      false,
    );
    // `report` belongs to the top-level section, not to a network's.
    assert.equal(
      userConfigSchema.safeParse({ networks: { x: { parallel: { report: {} } } } }).success,
      false,
    );
  });
});
