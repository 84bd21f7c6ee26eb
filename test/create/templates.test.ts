/**
 * Static checks that every template `create` ships will work outside the repository: a
 * generated project has only the template's files, `templates/shared`, and what its
 * package.json installs, so every import must resolve to one of those.
 */
import { builtinModules } from "node:module";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { REPO_ROOT, TEMPLATES_DIR, completeTemplates, listFiles } from "./helpers.ts";

const templates = await completeTemplates();
const sharedPackage = JSON.parse(
  await readFile(path.join(TEMPLATES_DIR, "shared", "package.template.json"), "utf8"),
) as {
  devDependencies: Record<string, string>;
};
const installed = new Set(Object.keys(sharedPackage.devDependencies));

/** The npm package an import specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Import paths of a Solidity source (`import "x";`, `import {A} from "x";`, `import * as A from "x";`). */
function solidityImports(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return [...withoutComments.matchAll(/\bimport\s+(?:[^"';]*?\bfrom\s+)?["']([^"']+)["']/g)].map(
    (m) => m[1] ?? "",
  );
}

/** Module specifiers of a TypeScript source (static and dynamic imports, re-exports). */
function typescriptImports(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers = [
    ...withoutComments.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s+["']([^"']+)["']/gm),
    ...withoutComments.matchAll(/^\s*import\s+["']([^"']+)["']/gm),
    ...withoutComments.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ];
  return specifiers.map((m) => m[1] ?? "");
}

describe("create: templates work outside the repository", function () {
  it("templates/shared holds the package.json template, hardhat config, tsconfig and gitignore", async function () {
    expect(await listFiles(path.join(TEMPLATES_DIR, "shared"))).to.include.members([
      "package.template.json",
      "hardhat.config.ts",
      "tsconfig.json",
      "gitignore",
    ]);
  });

  it("the shared hardhat.config.ts imports only installed packages", async function () {
    const source = await readFile(path.join(TEMPLATES_DIR, "shared", "hardhat.config.ts"), "utf8");
    for (const specifier of typescriptImports(source)) {
      if (specifier.startsWith("node:")) continue;
      expect(installed, `hardhat.config.ts imports ${specifier}`).to.include(packageOf(specifier));
    }
    expect(typescriptImports(source)).to.include("hardhat-parallel");
  });

  for (const template of templates) {
    describe(template, function () {
      const dir = path.join(TEMPLATES_DIR, template);

      it("Solidity imports resolve inside the template, to the library, or to an installed package", async function () {
        for (const file of (await listFiles(dir)).filter((f) => f.endsWith(".sol"))) {
          const source = await readFile(path.join(dir, file), "utf8");
          for (const specifier of solidityImports(source)) {
            const where = `templates/${template}/${file} imports "${specifier}"`;
            if (specifier.startsWith("./") || specifier.startsWith("../")) {
              const resolved = path.resolve(path.dirname(path.join(dir, file)), specifier);
              expect(
                resolved.startsWith(dir + path.sep),
                `${where}: outside the template`,
              ).to.equal(true);
              expect(await exists(resolved), `${where}: no such file`).to.equal(true);
            } else if (packageOf(specifier) === "hardhat-parallel") {
              expect(specifier, `${where}: use hardhat-parallel/contracts/...`).to.match(
                /^hardhat-parallel\/contracts\//,
              );
              const inRepo = path.join(REPO_ROOT, specifier.slice("hardhat-parallel/".length));
              expect(
                await exists(inRepo),
                `${where}: ${path.relative(REPO_ROOT, inRepo)} does not exist`,
              ).to.equal(true);
            } else {
              expect(installed, `${where}: not a dependency of generated projects`).to.include(
                packageOf(specifier),
              );
            }
          }
        }
      });

      it("TypeScript imports resolve inside the template or to an installed package", async function () {
        for (const file of (await listFiles(dir)).filter((f) => f.endsWith(".ts"))) {
          const source = await readFile(path.join(dir, file), "utf8");
          for (const specifier of typescriptImports(source)) {
            const where = `templates/${template}/${file} imports "${specifier}"`;
            if (specifier.startsWith("./") || specifier.startsWith("../")) {
              const resolved = path.resolve(path.dirname(path.join(dir, file)), specifier);
              expect(
                resolved.startsWith(dir + path.sep),
                `${where}: outside the template`,
              ).to.equal(true);
              expect(await exists(resolved), `${where}: no such file`).to.equal(true);
            } else if (specifier.startsWith("node:") || builtinModules.includes(specifier)) {
            } else {
              expect(installed, `${where}: not a dependency of generated projects`).to.include(
                packageOf(specifier),
              );
            }
          }
        }
      });

      it("its tests run on the parallel network", async function () {
        const tests = (await listFiles(path.join(dir, "test"))).filter((f) => f.endsWith(".ts"));
        expect(tests, "test files").to.not.be.empty;
        let usesParallel = false;
        for (const file of tests) {
          const source = await readFile(path.join(dir, "test", file), "utf8");
          if (/network\.(create|getOrCreate)\(\s*["']parallel["']/.test(source))
            usesParallel = true;
        }
        expect(
          usesParallel,
          `some test of ${template} connects with network.create("parallel")`,
        ).to.equal(true);
      });
    });
  }
});
