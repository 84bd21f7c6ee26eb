/**
 * The solidity hook on a real (temporary) Hardhat project: every compilation outputs devdoc and
 * storageLayout, a build writes `<Contract>.access` next to the artifacts, and a bad
 * annotation fails the build with a HardhatPluginError — also on a later, cached build.
 */
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

import { HardhatPluginError } from "@nomicfoundation/hardhat-errors";
import { expect } from "chai";
import type { HardhatPlugin } from "hardhat/types/plugins";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";

import { parseManifest, type AccessManifest } from "../../sdk/access/index.ts";

const require = createRequire(import.meta.url);

const accessPlugin: HardhatPlugin = {
  id: "hardhat-parallel-access-test",
  hookHandlers: { solidity: () => import("../../plugins/hooks/solidity.ts") },
};

const BASE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @custom:reads paused
abstract contract VaultBase {
    bool public paused;
    mapping(address => uint256) public balanceOf;
}
`;

const vault = (annotation: string): string => `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {VaultBase} from "./VaultBase.sol";

contract Vault is VaultBase {
    uint256 public totalSupply;

    /// @notice Deposits for \`to\`.
    /// @custom:writes ${annotation}
    function deposit(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }
}
`;

async function build(root: string): Promise<void> {
  const hre = await createHardhatRuntimeEnvironment(
    {
      plugins: [accessPlugin],
      solidity: { version: "0.8.31", path: require.resolve("solc/soljson.js") },
    },
    {},
    root,
  );
  const roots = await hre.solidity.getRootFilePaths();
  const result = await hre.solidity.build(roots, { quiet: true });
  if (!hre.solidity.isSuccessfulBuildResult(result))
    throw new Error(`compilation failed: ${JSON.stringify(result)}`);
}

async function buildError(root: string): Promise<HardhatPluginError> {
  try {
    await build(root);
  } catch (error) {
    if (HardhatPluginError.isHardhatPluginError(error)) return error as HardhatPluginError;
    throw error;
  }
  throw new Error("the build did not fail");
}

describe("solidity hook: access manifests", function () {
  this.timeout(300_000);
  let root: string;
  const manifestPath = (): string => path.join(root, "artifacts/contracts/Vault.sol/Vault.access");

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "hp-access-hook-"));
    await writeFile(
      path.join(root, "package.json"),
      JSON.stringify({ name: "hook-test", type: "module", private: true }),
    );
    await mkdir(path.join(root, "contracts"));
    await writeFile(path.join(root, "contracts/VaultBase.sol"), BASE);
    await writeFile(path.join(root, "contracts/Vault.sol"), vault("balanceOf[to], totalSupply"));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("adds devdoc and storageLayout to every compilation's output", async () => {
    await build(root);
    const buildInfoDir = path.join(root, "artifacts/build-info");
    const outputs = (await readdir(buildInfoDir)).filter((f) => f.endsWith(".output.json"));
    expect(outputs).to.have.length(1);
    const { output } = JSON.parse(await readFile(path.join(buildInfoDir, outputs[0]), "utf8"));
    const compiled = output.contracts["project/contracts/Vault.sol"].Vault;
    expect(compiled.storageLayout.storage.map((e: { label: string }) => e.label)).to.deep.equal([
      "paused",
      "balanceOf",
      "totalSupply",
    ]);
    expect(compiled.devdoc.methods["deposit(address,uint256)"]["custom:writes"]).to.equal(
      "balanceOf[to], totalSupply",
    );
  });

  it("writes a manifest next to the artifact", async () => {
    const manifest: AccessManifest = parseManifest(await readFile(manifestPath(), "utf8"));
    expect(manifest).to.include({ contractName: "Vault", sourceName: "contracts/Vault.sol" });
    expect(manifest.buildInfoId).to.match(/^solc-0_8_31-/);
    const deposit = Object.values(manifest.functions).find((f) => f.name === "deposit")!;
    expect(deposit.source).to.equal("annotation");
    expect(deposit.declaredIn).to.deep.equal({
      contract: "Vault",
      file: "contracts/Vault.sol",
      line: 10,
    });
    expect(deposit.writes.map((p) => p.expr)).to.deep.equal(["balanceOf[to]", "totalSupply"]);
    expect(manifest.contract.reads.map((p) => p.expr)).to.deep.equal(["paused"]);
    // Abstract contracts get no manifest.
    await stat(path.join(root, "artifacts/contracts/VaultBase.sol/VaultBase.access")).then(
      () => expect.fail("VaultBase.access should not exist"),
      () => undefined,
    );
  });

  it("keeps manifests on a cached build and restores a deleted one", async () => {
    const before = (await stat(manifestPath())).mtimeMs;
    await build(root);
    expect((await stat(manifestPath())).mtimeMs).to.equal(before);
    await rm(manifestPath());
    await build(root);
    expect(parseManifest(await readFile(manifestPath(), "utf8")).contractName).to.equal("Vault");
  });

  it("fails the build on a bad annotation with file:line, the annotation and a hint", async () => {
    await writeFile(path.join(root, "contracts/Vault.sol"), vault("balanceOf[too], totalSuply"));
    const error = await buildError(root);
    expect(error.pluginId).to.equal("hardhat-parallel");
    expect(error.message).to.include("1 invalid access annotation");
    expect(error.message).to.include("contracts/Vault.sol:10:");
    expect(error.message).to.include("@custom:writes balanceOf[too], totalSuply");
    expect(error.message).to.include('unknown parameter "too"');
    expect(error.message).to.include('hint: did you mean "to"?');
    await stat(manifestPath()).then(
      () => expect.fail("no manifest may be left for a contract with a bad annotation"),
      () => undefined,
    );
  });

  it("keeps failing on the next (cached) build", async () => {
    const error = await buildError(root);
    expect(error.message).to.include('unknown parameter "too"');
  });

  it("reports every bad annotation of a build, and passes again once fixed", async () => {
    await writeFile(path.join(root, "contracts/Vault.sol"), vault("balanceOf[to], totalSuply"));
    const error = await buildError(root);
    expect(error.message).to.include('unknown state variable "totalSuply" of Vault');
    expect(error.message).to.include('did you mean "totalSupply"?');

    await writeFile(
      path.join(root, "contracts/Vault.sol"),
      vault("balanceOf[to],\n    ///     totalSupply"),
    );
    await build(root);
    const manifest = parseManifest(await readFile(manifestPath(), "utf8"));
    const deposit = Object.values(manifest.functions).find((f) => f.name === "deposit")!;
    expect(deposit.annotations).to.deep.equal({ writes: "balanceOf[to], totalSupply" });
  });
});
