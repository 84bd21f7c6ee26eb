import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import {
  ALL_TEMPLATES,
  REPO_ROOT,
  cleanEnv,
  completeTemplates,
  expectedProjectFiles,
  listFiles,
  makeFixturePackage,
  makeTempDir,
  removeDir,
  runBin,
} from "./helpers.ts";

const rootPackage = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const templates = await completeTemplates();

describe("create: command line (non-interactive)", function () {
  this.timeout(60_000);
  let work: string;

  beforeEach(async function () {
    work = await makeTempDir();
  });
  afterEach(async function () {
    await removeDir(work);
  });

  describe("help, list and usage errors", function () {
    it("prints the top-level help without arguments and with --help", async function () {
      for (const args of [[], ["--help"], ["-h"]]) {
        const result = await runBin(args, { cwd: work });
        expect(result.code, args.join(" ")).to.equal(0);
        expect(result.stdout).to.match(/^Usage: hardhat-parallel <command>/);
        expect(result.stdout).to.include("create [dir]");
        expect(result.stderr).to.equal("");
      }
    });

    it("prints the package's version", async function () {
      const result = await runBin(["--version"], { cwd: work });
      expect(result.code).to.equal(0);
      expect(result.stdout).to.equal(`${rootPackage.version}\n`);
    });

    it("prints the help of create, naming every option and the shipped templates", async function () {
      for (const args of [
        ["create", "--help"],
        ["create", "-h"],
        ["help", "create"],
        ["create", "x", "--force", "--help"],
      ]) {
        const result = await runBin(args, { cwd: work });
        expect(result.code, args.join(" ")).to.equal(0);
        expect(result.stdout).to.match(/^Usage: hardhat-parallel create \[dir\] \[options\]/);
        for (const option of [
          "--template",
          "--name",
          "--install",
          "--no-install",
          "--package-manager",
          "--yes",
          "--force",
          "--list",
          "--help",
        ]) {
          expect(result.stdout, option).to.include(option);
        }
        for (const template of templates) expect(result.stdout).to.include(template);
      }
      expect(await listFiles(work)).to.deep.equal([]);
    });

    it("--list lists exactly the complete templates, with descriptions", async function () {
      const result = await runBin(["create", "--list"], { cwd: work });
      expect(result.code).to.equal(0);
      const listed = result.stdout
        .split("\n")
        .filter((line) => line.startsWith("  "))
        .map((line) => line.trim().split(/\s+/)[0]);
      expect(listed).to.deep.equal(templates);
      for (const line of result.stdout.split("\n").filter((l) => l.startsWith("  "))) {
        expect(line.trim().split(/\s{2,}/)[1] ?? "", line).to.have.length.greaterThan(10);
      }
      expect(await listFiles(work)).to.deep.equal([]);
    });

    it("--list and the help leave out incomplete templates; choosing one explains what is missing", async function () {
      const bin = await makeFixturePackage(path.join(work, "pkg"), {
        complete: ["lending"],
        partial: ["amm"],
      });
      const list = await runBin(["create", "--list"], { cwd: work, bin });
      expect(list.code).to.equal(0);
      expect(list.stdout).to.match(/^ {2}minimal /m);
      expect(list.stdout).to.match(/^ {2}lending /m);
      expect(list.stdout).to.not.match(/amm/);
      const help = await runBin(["create", "--help"], { cwd: work, bin });
      expect(help.stdout).to.include("minimal | lending (default: minimal)");

      const result = await runBin(["create", "app", "--template", "amm", "--no-install"], {
        cwd: work,
        bin,
      });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(
        `template "amm" is not complete in hardhat-parallel ${rootPackage.version} (missing: templates/amm/test, templates/amm/README.md)`,
      );
      expect(result.stderr).to.include("--list");
      expect(
        await listFiles(work).then((files) => files.filter((f) => f.startsWith("app/"))),
      ).to.deep.equal([]);
    });

    it("rejects unknown commands, unknown options, bad values and extra arguments with exit code 2", async function () {
      const cases: Array<[string[], RegExp]> = [
        [["init"], /unknown command "init"/],
        [["create", "--bogus"], /Unknown option '--bogus'/],
        [["create", "a", "b"], /at most one directory/],
        [
          ["create", "a", "--template", "dex"],
          /unknown template "dex"; choose one of minimal, vault, lending, amm/,
        ],
        [
          ["create", "a", "--package-manager", "bun"],
          /unknown package manager "bun"; choose one of npm, pnpm, yarn/,
        ],
        [["create", "a", "--template"], /--template/],
        [["create", "a", "--install", "--no-install"], /contradict/],
      ];
      for (const [args, message] of cases) {
        const result = await runBin(args, { cwd: work });
        expect(result.code, args.join(" ")).to.equal(2);
        expect(result.stderr, args.join(" ")).to.match(message);
        expect(result.stderr, args.join(" ")).to.match(/--help/);
      }
      expect(await listFiles(work)).to.deep.equal([]);
    });
  });

  describe("project name", function () {
    it("refuses a directory whose name is not a valid npm package name, suggesting --name", async function () {
      const result = await runBin(["create", "My Project", "--no-install"], { cwd: work });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(`"My Project" is not a valid npm package name`);
      expect(result.stderr).to.include("capital letters");
      expect(result.stderr).to.include("--name my-project");
      expect(await listFiles(work)).to.deep.equal([]);
    });

    it("refuses an invalid --name", async function () {
      for (const name of ["Bad", "_x", "node_modules", "http"]) {
        const result = await runBin(["create", "ok", "--name", name, "--no-install"], {
          cwd: work,
        });
        expect(result.code, name).to.equal(1);
        expect(result.stderr, name).to.include(
          `${JSON.stringify(name)} is not a valid npm package name`,
        );
      }
      expect(await listFiles(work)).to.deep.equal([]);
    });

    it("uses --name, including a scoped name, instead of the directory's name", async function () {
      const result = await runBin(["create", "Some Dir", "--name", "@acme/dex", "--no-install"], {
        cwd: work,
      });
      expect(result.code, result.stderr).to.equal(0);
      const pkg = JSON.parse(await readFile(path.join(work, "Some Dir", "package.json"), "utf8"));
      expect(pkg.name).to.equal("@acme/dex");
      expect(result.stdout).to.include("cd 'Some Dir'");
    });

    it("names the package after the directory's last path segment", async function () {
      const result = await runBin(["create", "nested/deeper/my-dex", "--no-install"], {
        cwd: work,
      });
      expect(result.code, result.stderr).to.equal(0);
      const pkg = JSON.parse(
        await readFile(path.join(work, "nested/deeper/my-dex/package.json"), "utf8"),
      );
      expect(pkg.name).to.equal("my-dex");
    });
  });

  describe("generated files", function () {
    it("at least the minimal template is complete", function () {
      expect(templates).to.include("minimal");
    });

    for (const template of ALL_TEMPLATES) {
      it(`creates a project from the ${template} template with exactly the template's files`, async function () {
        if (!templates.includes(template)) this.skip(); // not written yet
        const result = await runBin(
          ["create", `app-${template}`, "--template", template, "--no-install"],
          { cwd: work },
        );
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.equal("");
        const dir = path.join(work, `app-${template}`);
        const expected = await expectedProjectFiles(template);
        expect(await listFiles(dir)).to.deep.equal([...expected.keys()].sort());
        for (const [target, origin] of expected) {
          if (target === "package.json") continue;
          expect(
            (await readFile(path.join(dir, target))).equals(await readFile(origin)),
            target,
          ).to.equal(true);
        }
        expect(result.stdout).to.include(`${expected.size} files written`);
      });
    }

    it("writes an ESM package.json with exact, registry-installable versions", async function () {
      const result = await runBin(["create", "pkg-check", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);
      const pkg = JSON.parse(await readFile(path.join(work, "pkg-check", "package.json"), "utf8"));
      expect(Object.keys(pkg)[0]).to.equal("name");
      expect(pkg.name).to.equal("pkg-check");
      expect(pkg.type).to.equal("module");
      expect(pkg.engines).to.deep.equal({ node: ">=22.13" });
      expect(pkg.devDependencies["hardhat-parallel"]).to.equal(rootPackage.version);
      for (const [name, version] of Object.entries(pkg.devDependencies as Record<string, string>)) {
        expect(version, name).to.match(/^\d+\.\d+\.\d+$/);
      }
      for (const name of [
        "hardhat",
        "@nomicfoundation/hardhat-viem",
        "@nomicfoundation/hardhat-mocha",
        "@nomicfoundation/hardhat-viem-assertions",
        "@nomicfoundation/hardhat-network-helpers",
        "mocha",
        "chai",
        "viem",
        "solc",
        "typescript",
        "@types/node",
        "@types/mocha",
        "@types/chai",
        "fast-check",
      ]) {
        expect(pkg.devDependencies, name).to.have.property(name);
      }
    });

    it("pins the same versions as the repository's own package.json", async function () {
      const template = JSON.parse(
        await readFile(path.join(REPO_ROOT, "templates/shared/package.template.json"), "utf8"),
      );
      const repoVersions = { ...rootPackage.dependencies, ...rootPackage.devDependencies };
      for (const [name, version] of Object.entries(
        template.devDependencies as Record<string, string>,
      )) {
        if (name === "hardhat-parallel") continue; // filled in by create
        expect(
          repoVersions,
          `templates/shared/package.template.json pins ${name}, which the repo does not use`,
        ).to.have.property(name);
        expect(version, `${name}: template vs repo package.json`).to.equal(repoVersions[name]);
      }
    });

    it("ships .gitignore under the name gitignore and renames it", async function () {
      expect((await stat(path.join(REPO_ROOT, "templates/shared/gitignore"))).isFile()).to.equal(
        true,
      );
      const result = await runBin(["create", "gi", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);
      const files = await listFiles(path.join(work, "gi"));
      expect(files).to.include(".gitignore");
      expect(files).to.not.include("gitignore");
      expect(await readFile(path.join(work, "gi", ".gitignore"), "utf8")).to.match(
        /^\/node_modules$/m,
      );
    });

    it("creates the project in the current directory with `create .` (no cd step)", async function () {
      const dir = path.join(work, "here-app");
      await mkdir(dir);
      const result = await runBin(["create", ".", "--no-install"], { cwd: dir });
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")).name).to.equal(
        "here-app",
      );
      expect(result.stdout).to.not.match(/^\s*cd /m);
    });

    it("treats a directory holding only .git as empty", async function () {
      const dir = path.join(work, "with-git");
      await mkdir(path.join(dir, ".git"), { recursive: true });
      await writeFile(path.join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
      const result = await runBin(["create", "with-git", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);
      expect(await readFile(path.join(dir, ".git", "HEAD"), "utf8")).to.equal(
        "ref: refs/heads/main\n",
      );
    });

    it("defaults the directory to hardhat-parallel-app with --yes", async function () {
      const result = await runBin(["create", "--yes", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);
      const pkg = JSON.parse(
        await readFile(path.join(work, "hardhat-parallel-app", "package.json"), "utf8"),
      );
      expect(pkg.name).to.equal("hardhat-parallel-app");
    });

    it("prints next steps: cd, install when skipped, build and test", async function () {
      const result = await runBin(["create", "steps", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);
      const steps = result.stdout.slice(result.stdout.indexOf("Next steps:"));
      const order = [
        "cd steps",
        "npm install",
        "npx hardhat build",
        "npx hardhat test",
        "README.md",
      ];
      let at = 0;
      for (const step of order) {
        const found = steps.indexOf(step, at);
        expect(found, `"${step}" in order in:\n${steps}`).to.be.greaterThan(-1);
        at = found;
      }
    });
  });

  describe("never overwrites", function () {
    it("refuses a non-empty directory without --force and writes nothing", async function () {
      const dir = path.join(work, "busy");
      await mkdir(dir);
      await writeFile(path.join(dir, "notes.txt"), "mine\n");
      const result = await runBin(["create", "busy", "--no-install"], { cwd: work });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("busy is not empty");
      expect(result.stderr).to.include("notes.txt");
      expect(result.stderr).to.include("--force");
      expect(await listFiles(dir)).to.deep.equal(["notes.txt"]);
    });

    it("refuses a path that is a file", async function () {
      await writeFile(path.join(work, "afile"), "x");
      const result = await runBin(["create", "afile", "--no-install"], { cwd: work });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("exists and is not a directory");
      expect(await readFile(path.join(work, "afile"), "utf8")).to.equal("x");
    });

    it("with --force keeps and lists existing files, and writes the others", async function () {
      const dir = path.join(work, "forced");
      await mkdir(path.join(dir, "contracts"), { recursive: true });
      await writeFile(path.join(dir, "package.json"), '{"name":"mine"}\n');
      await writeFile(path.join(dir, "README.md"), "my readme\n");
      await writeFile(path.join(dir, "contracts", "Mine.sol"), "// mine\n");
      const result = await runBin(["create", "forced", "--force", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);

      expect(await readFile(path.join(dir, "package.json"), "utf8")).to.equal('{"name":"mine"}\n');
      expect(await readFile(path.join(dir, "README.md"), "utf8")).to.equal("my readme\n");
      expect(await readFile(path.join(dir, "contracts", "Mine.sol"), "utf8")).to.equal("// mine\n");
      expect(result.stderr).to.match(/2 file\(s\) already existed and were kept/);
      expect(result.stderr).to.match(
        /^ {2}package\.json {2}\(template: .*package\.template\.json\)$/m,
      );
      expect(result.stderr).to.match(/^ {2}README\.md {2}\(template: .*README\.md\)$/m);
      expect(result.stderr).to.include("Your package.json was kept");

      const expected = await expectedProjectFiles("minimal");
      const files = await listFiles(dir);
      for (const target of expected.keys()) expect(files, target).to.include(target);
      expect(files).to.include("contracts/Mine.sol");
      expect(result.stdout).to.include(`${expected.size - 2} files written`);
    });

    it("with --force still refuses when a file stands where a directory must go", async function () {
      const dir = path.join(work, "blocked");
      await mkdir(dir);
      await writeFile(path.join(dir, "contracts"), "a file, not a directory\n");
      const result = await runBin(["create", "blocked", "--force", "--no-install"], { cwd: work });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/blocked\/contracts exists and is not a directory/);
      expect(await listFiles(dir)).to.deep.equal(["contracts"]);
    });

    it("a second create into the same directory with --force changes nothing", async function () {
      expect((await runBin(["create", "twice", "--no-install"], { cwd: work })).code).to.equal(0);
      const dir = path.join(work, "twice");
      const before = await snapshot(dir);
      await writeFile(path.join(dir, "README.md"), "edited\n");
      const result = await runBin(["create", "twice", "--force", "--no-install"], { cwd: work });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include("0 files written");
      const after = await snapshot(dir);
      expect(after.get("README.md")).to.equal("edited\n");
      after.delete("README.md");
      before.delete("README.md");
      expect(after).to.deep.equal(before);
    });
  });

  describe("install", function () {
    /** Puts a fake `npm`/`pnpm`/`yarn` on PATH that records its arguments and directory. */
    async function fakePackageManagers(
      exitCode = 0,
    ): Promise<{ env: NodeJS.ProcessEnv; log: string }> {
      const bin = path.join(work, "fake-bin");
      const log = path.join(work, "pm.log");
      await mkdir(bin);
      for (const pm of ["npm", "pnpm", "yarn"]) {
        const script = `#!/bin/sh\necho "${pm} $* @ $(pwd)" >> '${log}'\nexit ${exitCode}\n`;
        await writeFile(path.join(bin, pm), script);
        await chmod(path.join(bin, pm), 0o755);
      }
      // The `node` first on PATH is the one running the tests (scripts/with-node22.sh puts it
      // there), so create leaves PATH alone and finds the fakes.
      return { env: cleanEnv({ PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` }), log };
    }

    it("installs with the package manager that launched it (npm_config_user_agent)", async function () {
      const { env, log } = await fakePackageManagers();
      env.npm_config_user_agent = "pnpm/9.12.0 npm/? node/v22.23.3 linux x64";
      const result = await runBin(["create", "inst"], { cwd: work, env });
      expect(result.code, result.stderr).to.equal(0);
      expect(await readFile(log, "utf8")).to.equal(`pnpm install @ ${path.join(work, "inst")}\n`);
      const steps = result.stdout.slice(result.stdout.indexOf("Next steps:"));
      expect(steps).to.include("pnpm hardhat test");
      expect(steps, "no install step once installed").to.not.include("install");
    });

    it("--package-manager overrides the detected one; npm when nothing is detected", async function () {
      const { env, log } = await fakePackageManagers();
      const withYarn = await runBin(["create", "a1", "--package-manager", "yarn"], {
        cwd: work,
        env: { ...env, npm_config_user_agent: "pnpm/9.0.0" },
      });
      expect(withYarn.code, withYarn.stderr).to.equal(0);
      expect(withYarn.stdout).to.include("yarn hardhat build");
      const withNpm = await runBin(["create", "a2", "--install"], { cwd: work, env });
      expect(withNpm.code, withNpm.stderr).to.equal(0);
      expect(withNpm.stdout).to.include("npx hardhat test");
      expect(await readFile(log, "utf8")).to.equal(
        `yarn install @ ${path.join(work, "a1")}\nnpm install @ ${path.join(work, "a2")}\n`,
      );
    });

    it("reports a failed install with what to do, keeping the files", async function () {
      const { env } = await fakePackageManagers(3);
      const result = await runBin(["create", "failing"], { cwd: work, env });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("`npm install` failed (exit code 3)");
      expect(result.stderr).to.include("`cd failing`, then run `npm install` again");
      expect(await listFiles(path.join(work, "failing"))).to.include("package.json");
    });

    it("--no-install runs no package manager", async function () {
      const { env, log } = await fakePackageManagers();
      const result = await runBin(["create", "quiet", "--no-install"], { cwd: work, env });
      expect(result.code, result.stderr).to.equal(0);
      expect(
        await stat(log).then(
          () => true,
          () => false,
        ),
      ).to.equal(false);
    });
  });
});

/** All files of `dir` with their text. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of await listFiles(dir))
    out.set(file, await readFile(path.join(dir, file), "utf8"));
  return out;
}
