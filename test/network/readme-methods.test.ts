/**
 * README's JSON-RPC table lists exactly the methods the provider serves (`SUPPORTED_METHODS`),
 * so the documentation cannot drift from the code.
 */
import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { SUPPORTED_METHODS } from "../../sdk/index.ts";

describe("README: the JSON-RPC table", function () {
  it("names every served method once, and nothing else", async function () {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("## JSON-RPC");
    const end = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, end);
    const rows = section
      .split("\n")
      .filter(
        (line) => line.startsWith("| ") && !line.startsWith("| Group") && !line.startsWith("| ---"),
      );
    const listed = rows.flatMap((row) =>
      [...(row.split(" | ")[1] ?? "").matchAll(/`([a-z0-9]+_[A-Za-z0-9_]+)`/g)].map((m) => m[1]),
    );
    expect(new Set(listed).size, "a method listed twice").to.equal(listed.length);
    expect([...listed].sort()).to.deep.equal([...SUPPORTED_METHODS].sort());
  });
});
