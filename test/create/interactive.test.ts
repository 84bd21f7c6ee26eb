import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import {
  PtySession,
  expectedProjectFiles,
  listFiles,
  makeFixturePackage,
  makeTempDir,
  removeDir,
} from "./helpers.ts";

/** util-linux `script`, which gives the bin a pseudo-terminal. */
const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

const ENTER = "\r";
const CTRL_C = "\u0003";
const BACKSPACE = "\u007f";

describe("create: interactive mode (in a pseudo-terminal)", function () {
  this.timeout(60_000);
  let work: string;

  before(function () {
    if (!hasScript) {
      throw new Error(
        "these tests need util-linux `script` on PATH (Debian: apt-get install bsdutils)",
      );
    }
  });
  beforeEach(async function () {
    work = await makeTempDir();
  });
  afterEach(async function () {
    await removeDir(work);
  });

  /** Answers the template question, when there is one (more than one template shipped). */
  async function pickDefaultTemplateIfAsked(pty: PtySession, from: number): Promise<number> {
    const at = await pty.waitFor(/Template|Install the dependencies now/, from);
    if (pty.text.slice(from, at).endsWith("Template")) {
      pty.write(ENTER); // the default, minimal
    }
    return at;
  }

  it("asks for the directory, template and install, then creates the project", async function () {
    const pty = new PtySession(["create"], { cwd: work });
    let at = await pty.waitFor(/Project directory/);
    pty.write(`my-first-app${ENTER}`);
    at = await pickDefaultTemplateIfAsked(pty, at);
    at = await pty.waitFor(/Install the dependencies now \(npm install\)\?/, 0);
    pty.write("n");
    await pty.waitFor(/Project ready\./, at);
    expect(await pty.exit()).to.equal(0);

    const expected = await expectedProjectFiles("minimal");
    expect(await listFiles(path.join(work, "my-first-app"))).to.deep.equal(
      [...expected.keys()].sort(),
    );
    const pkg = JSON.parse(await readFile(path.join(work, "my-first-app", "package.json"), "utf8"));
    expect(pkg.name).to.equal("my-first-app");
    expect(pty.text).to.match(/Next steps/);
    expect(pty.text).to.include("cd my-first-app");
    expect(pty.text).to.include("npm install");
  });

  it("re-asks until the directory's name is a valid package name", async function () {
    const pty = new PtySession(["create", "--template", "minimal", "--no-install"], { cwd: work });
    const at = await pty.waitFor(/Project directory/);
    pty.write(`Bad Name${ENTER}`);
    const errorAt = await pty.waitFor(/"Bad Name" is not a valid npm package name/, at);
    pty.write(`${BACKSPACE.repeat("Bad Name".length)}good-name${ENTER}`);
    await pty.waitFor(/Project ready\./, errorAt);
    expect(await pty.exit()).to.equal(0);
    expect(await listFiles(work)).to.include("good-name/package.json");
    expect(await listFiles(work)).to.not.include("Bad Name/package.json");
  });

  it("asks for a package name when the given directory's name is invalid", async function () {
    const pty = new PtySession(["create", "Fancy Dir", "--template", "minimal", "--no-install"], {
      cwd: work,
    });
    const at = await pty.waitFor(/Package name/);
    expect(pty.text).to.include(`"Fancy Dir" is not a valid npm package name`);
    pty.write(ENTER); // accept the suggestion
    await pty.waitFor(/Project ready\./, at);
    expect(await pty.exit()).to.equal(0);
    const pkg = JSON.parse(await readFile(path.join(work, "Fancy Dir", "package.json"), "utf8"));
    expect(pkg.name).to.equal("fancy-dir");
  });

  it("offers every complete template and creates the one picked", async function () {
    // A copy of the package with a second, complete template ("vault", a copy of minimal) and
    // an incomplete one ("amm", contracts only), whatever the repository holds today.
    const pkgDir = path.join(work, "pkg");
    const bin = await makeFixturePackage(pkgDir, { complete: ["vault"], partial: ["amm"] });
    const pty = new PtySession(["create", "picked", "--no-install"], { cwd: work, bin });
    let at = await pty.waitFor(/Template/);
    at = await pty.waitFor(/minimal[\s\S]*vault/, at);
    pty.write(`\u001b[B${ENTER}`); // down arrow: the second option, vault
    await pty.waitFor(/Created picked from the "vault" template/, at);
    expect(await pty.exit()).to.equal(0);
    expect(pty.text, "the incomplete template is not offered").to.not.match(/\bamm\b/);
    expect(await listFiles(path.join(work, "picked"))).to.include("contracts/ParallelCounter.sol");
  });

  it("asks before writing into a non-empty directory; No writes nothing", async function () {
    const dir = path.join(work, "busy");
    await mkdir(dir);
    await writeFile(path.join(dir, "README.md"), "mine\n");
    const pty = new PtySession(["create", "busy", "--template", "minimal", "--no-install"], {
      cwd: work,
    });
    const at = await pty.waitFor(
      /busy is not empty \(README\.md\)\. Add the template's files anyway\?/,
    );
    pty.write(ENTER); // default: No
    await pty.waitFor(/Cancelled; nothing was written\./, at);
    expect(await pty.exit()).to.equal(1);
    expect(await listFiles(dir)).to.deep.equal(["README.md"]);
  });

  it("asks before writing into a non-empty directory; Yes keeps and lists existing files", async function () {
    const dir = path.join(work, "busy");
    await mkdir(dir);
    await writeFile(path.join(dir, "README.md"), "mine\n");
    const pty = new PtySession(["create", "busy", "--template", "minimal", "--no-install"], {
      cwd: work,
    });
    const at = await pty.waitFor(/Add the template's files anyway\?/);
    pty.write("y");
    await pty.waitFor(/Project ready\./, at);
    expect(await pty.exit()).to.equal(0);
    expect(await readFile(path.join(dir, "README.md"), "utf8")).to.equal("mine\n");
    expect(pty.text).to.match(/1 file\(s\) already existed and were kept/);
    const expected = await expectedProjectFiles("minimal");
    expect(await listFiles(dir)).to.deep.equal([...expected.keys()].sort());
  });

  it("Ctrl-C at a prompt cancels without writing anything", async function () {
    const pty = new PtySession(["create"], { cwd: work });
    const at = await pty.waitFor(/Project directory/);
    pty.write(`half${CTRL_C}`);
    await pty.waitFor(/Cancelled; nothing was written\./, at);
    expect(await pty.exit()).to.equal(1);
    expect(await listFiles(work)).to.deep.equal([]);
  });

  it("--yes never asks, even in a terminal", async function () {
    const pty = new PtySession(["create", "--yes", "--no-install"], { cwd: work });
    expect(await pty.exit()).to.equal(0);
    expect(pty.text).to.not.match(/Project directory|Template|Install the dependencies/);
    expect(await listFiles(work)).to.include("hardhat-parallel-app/package.json");
  });
});
