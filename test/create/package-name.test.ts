import { builtinModules } from "node:module";

import { expect } from "chai";

import { checkPackageName, suggestPackageName } from "../../plugins/cli/package-name.js";

describe("create: npm package-name validation", function () {
  it("accepts the names validate-npm-package-name documents as valid", function () {
    for (const name of [
      "some-package",
      "example.com",
      "under_score",
      "123numeric",
      "@npm/thingy",
      "@jane/foo.js",
      "a",
    ]) {
      expect(checkPackageName(name), name).to.deep.equal({ valid: true, errors: [], warnings: [] });
    }
  });

  it("rejects names that were never valid, with npm's reasons", function () {
    const cases: Array<[string, string[]]> = [
      ["", ["name length must be greater than zero"]],
      [".hidden", ["name cannot start with a period"]],
      ["_private", ["name cannot start with an underscore"]],
      [
        " leading-space:and:weirdchars",
        [
          "name cannot contain leading or trailing spaces",
          "name can only contain URL-friendly characters",
        ],
      ],
      [
        "trailing ",
        [
          "name cannot contain leading or trailing spaces",
          "name can only contain URL-friendly characters",
        ],
      ],
      ["node_modules", ["node_modules is not a valid package name"]],
      ["favicon.ico", ["favicon.ico is not a valid package name"]],
      ["my app", ["name can only contain URL-friendly characters"]],
      ["a/b", ["name can only contain URL-friendly characters"]],
      ["@scope/a/b", ["name can only contain URL-friendly characters"]],
      ["@/x", ["name can only contain URL-friendly characters"]],
      ["@scope/.dot", ["name cannot start with a period"]],
      ["ünïcode", ["name can only contain URL-friendly characters"]],
    ];
    for (const [name, errors] of cases) {
      const check = checkPackageName(name);
      expect(check.valid, JSON.stringify(name)).to.equal(false);
      expect(check.errors, JSON.stringify(name)).to.deep.equal(errors);
    }
  });

  it("rejects legacy names (valid for old packages only) with warnings", function () {
    const cases: Array<[string, string]> = [
      ["Capital", "name can no longer contain capital letters"],
      ["crazy!", `name can no longer contain special characters ("~'!()*")`],
      ["tilde~", `name can no longer contain special characters ("~'!()*")`],
      ["a".repeat(215), "name can no longer contain more than 214 characters"],
      ["http", "http is a core module name"],
      ["FS", "FS is a core module name"],
    ];
    for (const [name, warning] of cases) {
      const check = checkPackageName(name);
      expect(check.valid, name).to.equal(false);
      expect(check.errors, name).to.deep.equal([]);
      expect(check.warnings, name).to.include(warning);
    }
    expect(checkPackageName("a".repeat(214)).valid).to.equal(true);
  });

  it("treats every Node.js core module name as taken", function () {
    for (const builtin of builtinModules) {
      expect(checkPackageName(builtin).valid, builtin).to.equal(false);
    }
  });

  it("suggests a valid name for an invalid one", function () {
    expect(suggestPackageName("My DeFi App")).to.equal("my-defi-app");
    expect(suggestPackageName("  __Weird!!Name (v2)  ")).to.equal("weird-name-v2");
    expect(suggestPackageName("Ünïcode")).to.equal("unicode");
    expect(suggestPackageName("http")).to.equal("hardhat-parallel-app");
    expect(suggestPackageName("...")).to.equal("hardhat-parallel-app");
    for (const input of ["My DeFi App", "x".repeat(300), "-a-", "_", "@scope/pkg", "Ä Ö Ü"]) {
      expect(checkPackageName(suggestPackageName(input)).valid, input).to.equal(true);
    }
  });
});
