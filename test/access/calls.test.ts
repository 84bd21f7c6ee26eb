/**
 * `@custom:calls` and guards (`cond ? location`): what the build resolves them to (targets,
 * selectors, argument terms), what the composition gives for a call (the callee's slots, by its
 * own manifest, with `msg.sender` = the caller and `*` / `shard(x)` arguments), guards against
 * state, the depth bound, and the build's warning for a call no manifest declares.
 */
import { expect } from "chai";
import {
  type Hex,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  toFunctionSelector,
} from "viem";

import {
  type AccessManifest,
  buildAccessManifests,
  composeCalls,
  compileManifestForRuntime,
  formatUndeclaredCallee,
  MAX_CALL_DEPTH,
  undeclaredCallees,
} from "../../sdk/access/index.ts";
import { compile } from "./helpers.ts";

const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IToken {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function shardBalanceOf(address holder, uint256 i) external view returns (uint256);
    function missing(address who) external;
}

contract Token {
    struct Counter { int256[8] shards; }
    mapping(address => uint256) balances;
    mapping(address => mapping(address => uint256)) allowances;
    mapping(address => bool) sharded;
    mapping(address => Counter) shardsOf;

    /// @custom:reads sharded[to]
    /// @custom:writes allowances[from][msg.sender], balances[from],
    ///     !sharded[to] ? balances[to], sharded[to] ? shardsOf[to].shards[shard(from)]
    function transferFrom(address from, address to, uint256 value) external returns (bool) { return true; }

    /// @custom:reads shardsOf[holder].shards[i]
    function shardBalanceOf(address holder, uint256 i) external view returns (uint256) { return 0; }
}

contract Vault {
    IToken public immutable token;
    address public current;
    address constant FIXED = 0x00000000000000000000000000000000000000AA;
    bool immutable useShards;
    mapping(address => uint256) deposits;

    constructor(IToken t, bool s) { token = t; useShards = s; }

    /// @custom:writes deposits[msg.sender]
    /// @custom:calls token.transferFrom(msg.sender, this, amount),
    ///     useShards ? token.shardBalanceOf(this, shard(msg.sender)), IToken(current).transferFrom(msg.sender, to, *),
    ///     IToken(FIXED).missing(to)
    function deposit(address to, uint256 amount) external { if (useShards) token.shardBalanceOf(address(this), 0); }
}
`;

const h = (value: bigint | Hex, type = "uint256"): Hex =>
  encodeAbiParameters([{ type }], [value as never]);
const mapSlot = (key: Hex, keyType: string, parent: bigint | Hex): Hex =>
  keccak256(`0x${h(key, keyType).slice(2)}${h(parent).slice(2)}` as Hex);

describe("declared calls (@custom:calls) and guards", function () {
  this.timeout(120_000);
  let token: AccessManifest;
  let vault: AccessManifest;
  let vaultCode: Uint8Array;

  before(() => {
    const { input, output } = compile({ "project/contracts/Calls.sol": SOURCE });
    const built = buildAccessManifests(input, output);
    expect(built.errors.map((e) => e.format())).to.deep.equal([]);
    token = built.manifests.find((m) => m.contractName === "Token")!;
    vault = built.manifests.find((m) => m.contractName === "Vault")!;
    const compiled = (
      output.contracts as Record<
        string,
        Record<string, { evm: { deployedBytecode: { object: string } } }>
      >
    )["project/contracts/Calls.sol"].Vault;
    vaultCode = Buffer.from(compiled.evm.deployedBytecode.object, "hex");
  });

  it("resolves targets (immutable, state variable, constant), selectors, argument terms and guards", () => {
    const deposit = vault.functions[toFunctionSelector("deposit(address,uint256)")];
    expect(deposit.annotations?.calls).to.include("token.transferFrom(msg.sender, this, amount)");
    const calls = deposit.calls!;
    expect(calls.map((c) => c.target.kind)).to.deep.equal([
      "immutable",
      "immutable",
      "storage",
      "constant",
    ]);
    expect(calls[0]).to.deep.include({
      type: "IToken",
      signature: "transferFrom(address,address,uint256)",
      selector: toFunctionSelector("transferFrom(address,address,uint256)"),
      args: [
        { kind: "sender" },
        { kind: "this" },
        { kind: "param", name: "amount", index: 1, type: "uint256" },
      ],
    });
    expect(calls[1].args[1]).to.deep.equal({
      kind: "fn",
      name: "shard",
      args: [{ kind: "sender" }],
    });
    expect(calls[1].guards).to.deep.equal([
      {
        expr: "useShards",
        negate: false,
        kind: "immutable",
        offsets: (calls[1].guards![0] as { offsets: number[] }).offsets,
      },
    ]);
    expect(calls[2].target).to.deep.include({ kind: "storage", name: "current", offset: 0 });
    expect(calls[2].args[2]).to.deep.equal({ kind: "any" });
    expect(calls[3].target).to.deep.equal({
      kind: "constant",
      name: "FIXED",
      value: "0x00000000000000000000000000000000000000aa",
    });
    const transferFrom =
      token.functions[toFunctionSelector("transferFrom(address,address,uint256)")];
    expect(transferFrom.writes.map((p) => p.expr)).to.deep.equal([
      "allowances[from][msg.sender]",
      "balances[from]",
      "!sharded[to] ? balances[to]",
      "sharded[to] ? shardsOf[to].shards[shard(from)]",
    ]);
  });

  it("composes a call from the callee's manifest: its slots for the declared arguments, msg.sender = the caller", () => {
    const self = "0x00000000000000000000000000000000000000c1" as Hex;
    const tokenAt = "0x00000000000000000000000000000000000000b0" as Hex;
    const user = "0x00000000000000000000000000000000000000e1" as Hex;
    const to = "0x00000000000000000000000000000000000000e2" as Hex;
    const tokenRuntime = compileManifestForRuntime(token);
    const tokenCode = new Uint8Array([1, 2, 3]);
    // The vault's code with the immutables filled: token at `tokenAt`, useShards true.
    const code = vaultCode.slice();
    const deposit = vault.functions[toFunctionSelector("deposit(address,uint256)")];
    const tokenOffsets = (deposit.calls![0].target as { offsets: number[] }).offsets;
    for (const start of tokenOffsets) code.set(Buffer.from(h(tokenAt).slice(2), "hex"), start);
    const flagOffsets = (deposit.calls![1].guards![0] as { offsets: number[] }).offsets;
    for (const start of flagOffsets) code.set(Buffer.from(h(1n).slice(2), "hex"), start);
    const storage = new Map<string, bigint>();
    const currentSlot = deposit.calls![2].target as { slot: Hex };
    storage.set(`${self}:${currentSlot.slot}`, BigInt(tokenAt));
    const env = {
      code: (address: Hex) => (address === tokenAt ? tokenCode : new Uint8Array()),
      storage: (address: Hex, slot: Hex) => storage.get(`${address}:${slot}`) ?? 0n,
    };
    const frame = compileManifestForRuntime(vault)(
      encodeFunctionData({
        abi: [
          {
            type: "function",
            name: "deposit",
            inputs: [{ type: "address" }, { type: "uint256" }],
            outputs: [],
            stateMutability: "nonpayable",
          },
        ],
        args: [to, 5n],
      }),
      user,
      user,
      self,
      undefined,
      { code, storage: (slot) => env.storage(self, slot) },
    );
    // The state variable holding a callee is a read of the vault's own storage.
    expect(frame.reads.has(currentSlot.slot)).to.equal(true);
    const composed = composeCalls(frame.calls!, { code, self, origin: user }, env, (c) =>
      c === tokenCode ? { manifest: token, runtime: tokenRuntime } : undefined,
    );
    expect(composed.undeclared).to.equal(undefined);
    expect([...composed.callees].sort()).to.deep.equal(
      ["0x00000000000000000000000000000000000000aa", tokenAt].sort(),
    );
    const entry = composed.storage.get(tokenAt)!;
    // transferFrom(user, vault, 5) called by the vault, and transferFrom(vault, to, *) through `current`.
    const allowance = (owner: Hex, spender: Hex) =>
      mapSlot(spender, "address", mapSlot(owner, "address", 1n));
    expect(entry.writes.has(allowance(user, self))).to.equal(true);
    expect(entry.writes.has(allowance(user, self))).to.equal(true);
    expect(entry.writes.has(mapSlot(user, "address", 0n))).to.equal(true);
    // Guards read from the token's storage: nobody is sharded, so balances[to], not the shards.
    expect(entry.reads.has(mapSlot(self, "address", 2n))).to.equal(true);
    expect(entry.writes.has(mapSlot(self, "address", 0n))).to.equal(true);
    expect(entry.writes.has(mapSlot(to, "address", 0n))).to.equal(true);
    // shardBalanceOf(this, shard(msg.sender)): one shard of the vault's counter, index shard(user) of 8.
    const shardIndex = BigInt(keccak256(h(user, "address"))) % 8n;
    const counter = BigInt(mapSlot(self, "address", 3n));
    expect(
      entry.reads.has(`0x${(counter + shardIndex).toString(16).padStart(64, "0")}` as Hex),
    ).to.equal(true);
    expect(
      [...entry.reads].filter((s) => BigInt(s) >= counter && BigInt(s) < counter + 8n),
    ).to.have.length(1);
    // The vault sharded in the token: the credit goes to its shard shard(user) instead.
    storage.set(`${tokenAt}:${mapSlot(self, "address", 2n)}`, 1n);
    const again = composeCalls(frame.calls!, { code, self, origin: user }, env, (c) =>
      c === tokenCode ? { manifest: token, runtime: tokenRuntime } : undefined,
    ).storage.get(tokenAt)!;
    expect(again.writes.has(mapSlot(self, "address", 0n))).to.equal(false);
    expect(
      again.writes.has(
        `0x${(counter + (BigInt(keccak256(h(user, "address"))) % 8n)).toString(16).padStart(64, "0")}` as Hex,
      ),
    ).to.equal(true);
  });

  it("a callee without a manifest makes the call undeclared", () => {
    const deposit = vault.functions[toFunctionSelector("deposit(address,uint256)")];
    const call = {
      pattern: { ...deposit.calls![3], guards: undefined },
      args: [{ value: { type: "address", value: "0x01" } }],
    };
    const env = { code: () => new Uint8Array([1]), storage: () => 0n };
    const none = composeCalls(
      [call],
      { code: vaultCode, self: "0x01", origin: "0x01" },
      env,
      () => undefined,
    );
    expect(none.undeclared).to.equal(
      "the call IToken(FIXED).missing(to) goes to 0x00000000000000000000000000000000000000aa, a contract without an access manifest",
    );
    // The depth bound (MAX_CALL_DEPTH) is exercised with a chain of relays in
    // test/engine/declared.calls.test.ts.
    expect(MAX_CALL_DEPTH).to.equal(4);
  });

  it("the build warns about a call that no manifest declares, with file and line", () => {
    const warnings = undeclaredCallees(vault, [vault, token]).map((w) =>
      formatUndeclaredCallee(vault, w),
    );
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^contracts\/Calls\.sol:\d+: @custom:calls IToken\(FIXED\)\.missing\(to\) in Vault\.deposit\(address,uint256\): no contract of the build with an access manifest declares IToken\.missing\(address\)/,
    );
    const line = Number(/:(\d+):/.exec(warnings[0])![1]);
    expect(SOURCE.split("\n")[line - 1]).to.include("@custom:calls");
    // Declared by some manifest: no warning for transferFrom.
    expect(undeclaredCallees(vault, [token]).map((w) => w.call.signature)).to.deep.equal([
      "missing(address)",
    ]);
  });
});
