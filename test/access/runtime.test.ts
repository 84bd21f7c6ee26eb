/**
 * Manifests (format, read/write helpers) and the per-frame runtime declarations
 * (`compileManifestForRuntime`): selectors, contract-level declarations, view functions,
 * calldata that does not decode, `this`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";
import { type Abi, type Hex, concat, encodeFunctionData, keccak256, pad, toHex } from "viem";

import {
  type AccessManifest,
  ManifestError,
  MissingContextError,
  buildAccessManifests,
  compileManifestForRuntime,
  declaredAccessList,
  effectiveDeclaration,
  manifestPathForArtifact,
  parseManifest,
  readManifest,
  serializeManifest,
  undeclaredAccesses,
  writeManifest,
} from "../../sdk/access/index.ts";
import { compile } from "./helpers.ts";

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
/// @custom:writes locked
/// @custom:reads config.fee
contract Guarded {
    struct Config { uint64 fee; uint256 cap; }
    uint256 locked;                               // 0
    Config config;                                // 1..2
    mapping(address => uint256) public balanceOf; // 3
    mapping(address => uint256) public owed;      // 4

    /// @custom:writes balanceOf[to], owed[this]
    function pay(address to, uint256 amount) external { balanceOf[to] += amount; owed[address(this)] += amount; }

    /// @custom:reads balanceOf[who]
    function peek(address who) external view returns (uint256) { return balanceOf[who]; }

    /// @custom:writes balanceOf[*]
    function wipe(address[] calldata who) external { for (uint256 i; i < who.length; i++) balanceOf[who[i]] = 0; }

    function undeclared() external {}

    fallback() external {}
}`;

const ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
const BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const SELF = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const w = (x: bigint): Hex => pad(toHex(x), { size: 32 });
const at = (key: Hex, slot: bigint): Hex =>
  keccak256(concat([pad(key.toLowerCase() as Hex), w(slot)]));

describe("manifests and runtime declarations", function () {
  this.timeout(120_000);
  let manifest: AccessManifest;
  let abi: Abi;

  before(() => {
    const { input, output } = compile({ "project/contracts/Guarded.sol": SOURCE });
    const result = buildAccessManifests(input, output, { buildInfoId: "solc-test" });
    expect(result.errors).to.deep.equal([]);
    manifest = result.manifests[0];
    abi = output.contracts!["project/contracts/Guarded.sol"].Guarded.abi as Abi;
  });

  it("stores contract metadata, every ABI function and the contract-level declarations", () => {
    expect(manifest).to.include({
      _format: "hardhat-parallel-access-manifest",
      version: 1,
      contractName: "Guarded",
      sourceName: "contracts/Guarded.sol",
      buildInfoId: "solc-test",
    });
    expect(
      Object.values(manifest.functions)
        .map((f) => `${f.signature}:${f.source}`)
        .sort(),
    ).to.deep.equal([
      "balanceOf(address):getter",
      "owed(address):getter",
      "pay(address,uint256):annotation",
      "peek(address):annotation",
      "undeclared():none",
      "wipe(address[]):annotation",
    ]);
    expect(manifest.contract.writes.map((p) => p.expr)).to.deep.equal(["locked"]);
    expect(manifest.contract.reads.map((p) => p.expr)).to.deep.equal(["config.fee"]);
    expect(manifest.contract.annotations.map((a) => `${a.tag}@${a.line}: ${a.text}`)).to.deep.equal(
      ["writes@3: locked", "reads@4: config.fee"],
    );
  });

  it("round-trips through JSON files and rejects other formats", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hp-manifest-"));
    try {
      const file = manifestPathForArtifact(path.join(dir, "Guarded.json"));
      expect(file).to.equal(path.join(dir, "Guarded.access"));
      await writeManifest(file, manifest);
      expect(await readManifest(file)).to.deep.equal(JSON.parse(serializeManifest(manifest)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => parseManifest("{")).to.throw(ManifestError, "not JSON");
    expect(() => parseManifest({ ...manifest, _format: "hh3-artifact-1" })).to.throw(
      ManifestError,
      "not an access manifest",
    );
    expect(() => parseManifest({ ...manifest, version: 2 })).to.throw(
      ManifestError,
      "unsupported manifest version 2",
    );
    expect(() =>
      parseManifest({
        ...manifest,
        functions: { "0xABCDEF": manifest.functions["0x00000000" as Hex] },
      }),
    ).to.throw(ManifestError, "invalid selector");
    expect(() => manifestPathForArtifact("Guarded.sol")).to.throw();
  });

  it("declares per frame: function + contract-level slots, writes implying reads, `this` as the frame's address", () => {
    const frameOf = compileManifestForRuntime(manifest);
    const data = encodeFunctionData({ abi, functionName: "pay", args: [BOB, 5n] });
    const frame = frameOf(data, ALICE, ALICE, SELF);
    expect(frame).to.include({
      declared: true,
      signature: "pay(address,uint256)",
      wildcards: false,
    });
    expect([...frame.writes].sort()).to.deep.equal([w(0n), at(BOB, 3n), at(SELF, 4n)].sort());
    expect([...frame.reads].sort()).to.deep.equal([w(0n), w(1n), at(BOB, 3n), at(SELF, 4n)].sort());
    expect(frame.mayWrite(at(BOB, 3n))).to.equal(true);
    expect(frame.mayWrite(w(1n))).to.equal(false); // config.fee is only read
    expect(frame.mayRead(w(1n))).to.equal(true);
    expect(frame.mayRead(w(2n))).to.equal(false); // config.cap is not declared
    expect(frame.mayWrite(at(ALICE, 3n))).to.equal(false);
    // Non-normalised slot spellings are accepted.
    expect(frame.mayRead("0x1")).to.equal(true);
    expect(() => frameOf(data, ALICE, ALICE)).to.throw(MissingContextError);
  });

  it("turns contract-level writes into reads for view functions, and declares getters", () => {
    const peek = effectiveDeclaration(
      manifest,
      encodeFunctionData({ abi, functionName: "peek", args: [BOB] }).slice(0, 10) as Hex,
    );
    expect(peek.writes).to.deep.equal([]);
    expect(peek.reads.map((p) => p.expr)).to.deep.equal(["balanceOf[who]", "config.fee", "locked"]);
    const list = declaredAccessList({
      abi,
      address: SELF,
      functionName: "owed",
      args: [ALICE],
      account: BOB,
      manifest,
    });
    expect(list.reads).to.deep.equal([w(0n), w(1n), at(ALICE, 4n)].sort());
    expect(list.writes).to.deep.equal([]);
  });

  it("says undeclared for unknown selectors, the fallback, short calldata and functions without tags", () => {
    const frameOf = compileManifestForRuntime(manifest, abi);
    expect(frameOf("0x", ALICE, ALICE, SELF).declared).to.equal(false);
    expect(frameOf("0x1234", ALICE, ALICE, SELF).declared).to.equal(false);
    expect(frameOf("0xdeadbeef", ALICE, ALICE, SELF)).to.include({
      declared: false,
      selector: "0xdeadbeef",
    });
    const undeclared = frameOf(
      encodeFunctionData({ abi, functionName: "undeclared" }),
      ALICE,
      ALICE,
      SELF,
    );
    expect(undeclared).to.include({ declared: false, signature: "undeclared()" });
    expect(undeclared.mayRead(w(0n))).to.equal(false);
  });

  it("leaves out argument-dependent slots when the calldata does not decode", () => {
    const frameOf = compileManifestForRuntime(manifest, abi);
    const data = encodeFunctionData({ abi, functionName: "pay", args: [BOB, 5n] });
    const frame = frameOf(data.slice(0, 20) as Hex, ALICE, ALICE, SELF);
    expect(frame.declared).to.equal(true);
    expect(frame.decodeError).to.be.a("string");
    expect([...frame.writes].sort()).to.deep.equal([w(0n), at(SELF, 4n)].sort());
  });

  it("matches wildcard writes with preimages and reports undeclared accesses", () => {
    const parameters = {
      abi,
      address: SELF,
      functionName: "wipe",
      args: [[BOB]],
      account: ALICE,
      manifest,
    } as const;
    const list = declaredAccessList(parameters);
    expect(list.wildcards).to.deep.equal(["balanceOf[*]"]);
    expect(list.writes).to.deep.equal([w(0n)]);
    const bobSlot = at(BOB, 3n);
    const preimages = new Map<Hex, Hex>([
      [bobSlot, concat([pad(BOB.toLowerCase() as Hex), w(3n)])],
    ]);
    const touched = { reads: [w(1n), w(2n)], writes: [bobSlot, at(BOB, 4n)] };
    expect(undeclaredAccesses(parameters, touched, preimages)).to.deep.equal({
      reads: [w(2n)],
      writes: [at(BOB, 4n)],
    });
    expect(undeclaredAccesses(parameters, touched)).to.deep.equal({
      reads: [w(2n)],
      writes: [bobSlot, at(BOB, 4n)],
    });
  });
});
