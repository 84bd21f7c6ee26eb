/**
 * Naming from artifacts: runtime code matched against `deployedBytecode` (by the SDK's matcher,
 * tested in `test/contracts/`), function names by selector, storage layouts from manifests.
 */
import assert from "node:assert/strict";
import { toFunctionSelector, type Hex } from "viem";
import { ArtifactIndex, type IndexedArtifact } from "../../sdk/contracts/artifact-index.ts";
import { resolveReportConfig } from "../../plugins/report/config.ts";
import { userConfigSchema } from "../../plugins/internal/config-schema.ts";
import { COUNTER_ARTIFACT, COUNTER_CODE, COUNTER_LAYOUT, counterIndex } from "./helpers.ts";

function artifact(name: string, code: string, extra: Partial<IndexedArtifact> = {}): { fqn: string; artifact: IndexedArtifact } {
  return {
    fqn: `contracts/${name}.sol:${name}`,
    artifact: { contractName: name, sourceName: `contracts/${name}.sol`, abi: [], deployedBytecode: code, ...extra },
  };
}

describe("parallelism report: contracts from artifacts", function () {
  it("identifies code whose metadata differs from the artifact's", function () {
    const index = counterIndex();
    assert.equal(index.identify(COUNTER_CODE)?.name, "Counter");
    assert.equal(index.identify("0x6001600055"), undefined);
    assert.equal(index.identify("0x"), undefined);
  });

  it("names identical code (metadata apart) after its own build, else first by fully qualified name", function () {
    const metadata = (hashByte: string): string => `a2646970667358221220${hashByte.repeat(32)}64736f6c63430008140033`;
    const index = new ArtifactIndex([artifact("Zeta", `0x6001600055${metadata("02")}`), artifact("Alpha", `0x6001600055${metadata("01")}`)]);
    assert.equal(index.identify(`0x6001600055${metadata("02")}` as Hex)?.name, "Zeta");
    assert.equal(index.identify(`0x6001600055${metadata("03")}` as Hex)?.name, "Alpha");
  });

  it("names functions from the contract's ABI, else from any artifact, overloads by signature", function () {
    const overloaded = artifact("Token", "0x00", {
      abi: [
        { type: "function", name: "transfer", inputs: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }] },
        { type: "function", name: "transfer", inputs: [{ name: "to", type: "address" }] },
      ],
    });
    const index = new ArtifactIndex([{ fqn: "contracts/Counter.sol:Counter", artifact: COUNTER_ARTIFACT }, overloaded]);
    const counter = index.identify(COUNTER_CODE)!;
    assert.equal(index.functionName(toFunctionSelector("bump()"), counter), "bump");
    assert.equal(index.functionName(toFunctionSelector("transfer(address,uint256)"), counter), "transfer(address,uint256)");
    assert.equal(index.functionName("0xdeadbeef"), undefined);
  });

  it("loads a layout once per contract and tolerates loader failures", async function () {
    let calls = 0;
    const index = new ArtifactIndex([{ fqn: "contracts/Counter.sol:Counter", artifact: COUNTER_ARTIFACT }], async () => {
      calls++;
      return COUNTER_LAYOUT;
    });
    const counter = index.contracts[0];
    assert.equal(await index.layout(counter), COUNTER_LAYOUT);
    assert.equal(await index.layout(counter), COUNTER_LAYOUT);
    assert.equal(calls, 1);
    const failing = new ArtifactIndex([{ fqn: "c:Counter", artifact: COUNTER_ARTIFACT }], async () => {
      throw new Error("unreadable");
    });
    assert.equal(await failing.layout(failing.contracts[0]), undefined);
  });
});

describe("parallelism report: config", function () {
  it("resolves defaults against the project root", function () {
    const config = resolveReportConfig(undefined, "/project");
    assert.equal(config.enabled, true);
    assert.equal(config.json, "/project/reports/parallel-report.json");
    assert.equal(config.markdown, "/project/reports/parallel-report.md");
    assert.equal(config.snapshot, "/project/.parallel-snapshot.json");
    assert.deepEqual(config.tolerance, { contention: 0.01, parallelism: 0.01 });
    assert.equal(config.columns.length, 11);
    const custom = resolveReportConfig({ json: false, markdown: "out/r.md", columns: ["contention"], tolerance: { parallelism: 0.05 } }, "/p");
    assert.equal(custom.json, undefined);
    assert.equal(custom.markdown, "/p/out/r.md");
    assert.deepEqual(custom.columns, ["contention"]);
    assert.deepEqual(custom.tolerance, { contention: 0.01, parallelism: 0.05 });
  });

  it("validates parallel.report with the plugin's zod schema", function () {
    assert.equal(userConfigSchema.safeParse({ parallel: { lanes: 4, report: { columns: ["speedup16"], json: false } } }).success, true);
    const badColumn = userConfigSchema.safeParse({ parallel: { report: { columns: ["speed"] } } });
    assert.equal(badColumn.success, false);
    assert.match(JSON.stringify(badColumn.error?.issues), /"report","columns",0/);
    assert.equal(userConfigSchema.safeParse({ parallel: { report: { tolerance: { contention: 2 } } } }).success, false);
    assert.equal(userConfigSchema.safeParse({ parallel: { report: { unknown: 1 } } }).success, false);
    // `report` belongs to the top-level section, not to a network's.
    assert.equal(userConfigSchema.safeParse({ networks: { x: { parallel: { report: {} } } } }).success, false);
  });
});
