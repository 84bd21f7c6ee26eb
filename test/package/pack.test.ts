/**
 * What `npm pack` (and so `npm publish`) puts in the package: runs `npm pack --dry-run --json`,
 * which builds dist/ first (`prepack`), and checks its file list against package.json and the
 * repository: the compiled entry points with their types, every Solidity source, template and
 * doc — and no tests, fixtures, benchmarks, scripts or TypeScript sources (the templates' `.ts`
 * files are data `create` copies, so they are the exception). `scripts/e2e-package.sh` then
 * installs the real tarball and runs it.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface PackageJson {
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  scripts: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Files below `dir` (relative to the repository root, `/`-separated). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await walk(rel)));
    else out.push(rel);
  }
  return out;
}

const strip = (target: string): string => target.replace(/^\.\//, "");

describe("npm pack: the published file list", function () {
  let files: string[] = [];
  let pkg: PackageJson;

  before(async function () {
    this.timeout(180_000);
    pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
    // `prepack` compiles dist/ before npm lists the files (tsc: ~15 s).
    const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json"], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_loglevel: "error" },
    });
    const [result] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    files = result.files.map((f) => f.path).sort();
  });

  it("builds dist/ on pack (prepack) and lists it in files, with contracts, templates and docs", function () {
    expect(pkg.scripts.prepack, "package.json scripts.prepack").to.include("scripts/build.sh");
    expect(pkg.files).to.include.members(["dist", "contracts", "templates", "docs"]);
  });

  it("holds the compiled entry points with their types and source maps", async function () {
    for (const f of [
      "dist/plugins/index.js",
      "dist/plugins/index.d.ts",
      "dist/sdk/index.js",
      "dist/sdk/index.d.ts",
      "dist/sdk/index.js.map",
      "dist/sdk/chai/index.js",
      "dist/sdk/chai/index.d.ts",
      "dist/plugins/cli/bin.js",
      "dist/sdk/engine/executors/lanes/pool.js",
      "dist/sdk/engine/executors/lanes/worker.js",
    ]) {
      expect(files, f).to.include(f);
    }
    // The maps carry their sources: the .ts files are not in the package.
    const map = JSON.parse(await readFile(path.join(ROOT, "dist/sdk/index.js.map"), "utf8")) as {
      sourcesContent?: string[];
    };
    expect(map.sourcesContent?.[0], "dist/sdk/index.js.map sourcesContent").to.include(
      "createParallelProvider",
    );
  });

  it("holds every file that exports and bin point at, and they are JavaScript or declarations", function () {
    for (const [name, target] of Object.entries(pkg.bin)) {
      expect(target, `bin ${name}`).to.match(/^\.\/dist\/.*\.js$/);
      expect(files, `bin ${name}`).to.include(strip(target));
    }
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === "./contracts/*") {
        expect(target).to.equal("./contracts/*");
        continue;
      }
      if (subpath === "./package.json") {
        expect(files).to.include("package.json");
        continue;
      }
      expect(target, `exports["${subpath}"]`).to.be.an("object");
      const conditions = target as Record<string, string>;
      expect(Object.keys(conditions)[0], `exports["${subpath}"]: "types" first`).to.equal("types");
      expect(conditions.types).to.match(/^\.\/dist\/.*\.d\.ts$/);
      expect(conditions.default).to.match(/^\.\/dist\/.*\.js$/);
      expect(files, `exports["${subpath}"].types`).to.include(strip(conditions.types));
      expect(files, `exports["${subpath}"].default`).to.include(strip(conditions.default));
    }
  });

  it("keeps every Solidity source importable as hardhat-parallel/contracts/...", async function () {
    const sources = (await walk("contracts")).filter((f) => f.endsWith(".sol"));
    expect(sources.length).to.be.greaterThan(0);
    expect(files).to.include.members(sources);
    expect(files.filter((f) => f.startsWith("contracts/") && !f.endsWith(".sol"))).to.deep.equal(
      [],
    );
  });

  it("holds every template and doc", async function () {
    const templates = (await walk("templates")).filter(
      (f) => path.posix.basename(f) !== ".gitignore",
    );
    expect(files).to.include.members(templates);
    expect(files).to.include.members((await walk("docs")).filter((f) => f.endsWith(".md")));
    expect(files).to.include("README.md");
  });

  it("carries no tests, fixtures, benchmarks, scripts, build outputs or TypeScript sources", function () {
    const outsideTemplates = files.filter((f) => !f.startsWith("templates/"));
    expect(
      outsideTemplates.filter((f) =>
        /^(test|bench|scripts|sdk|plugins|artifacts|cache|node_modules|\.ci|\.tools|types)\//.test(
          f,
        ),
      ),
    ).to.deep.equal([]);
    expect(
      outsideTemplates.filter(
        (f) => /(^|\/)(test|tests|fixtures?)\//.test(f) || /\.test\.[cm]?[jt]s(\.map)?$/.test(f),
      ),
    ).to.deep.equal([]);
    expect(
      outsideTemplates.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f)),
    ).to.deep.equal([]);
    expect(
      files.filter(
        (f) =>
          f.endsWith(".tgz") ||
          (/(^|\/)tsconfig[^/]*\.json$/.test(f) && !f.startsWith("templates/shared/")),
      ),
    ).to.deep.equal([]);
  });

  it("its JavaScript imports no .ts module (it runs without a TypeScript loader)", async function () {
    const offenders: string[] = [];
    for (const f of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
      const code = await readFile(path.join(ROOT, f), "utf8");
      if (/(?:from\s*|import\s*\(\s*)["']\.{1,2}\/[^"']*\.ts["']/.test(code)) offenders.push(f);
    }
    expect(offenders).to.deep.equal([]);
  });

  it("makes hardhat an optional peer: the SDK runs without it", function () {
    expect(pkg.peerDependenciesMeta?.hardhat?.optional).to.equal(true);
  });
});
