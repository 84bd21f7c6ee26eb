/**
 * Slot math, resolution and instantiation on layouts compiled in-process: the exact slots each
 * form resolves to (checked against formulas written out here), whole-value expansion,
 * matchers, the key-function registry and slot encoding edge cases.
 */
import { expect } from "chai";
import { type Hex, concat, encodeAbiParameters, hexToBigInt, keccak256, pad, toHex } from "viem";

import {
  ENUMERATION_LIMIT,
  MissingContextError,
  type StorageLayout,
  encodeMappingKey,
  extractPacked,
  instantiate,
  registerKeyFunction,
  resolveAnnotation,
  slotsOf,
} from "../../sdk/access/index.ts";
import { compile } from "./helpers.ts";

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
type Price is int128;
contract Layouts {
    struct Node { Node[] children; uint256 value; }
    struct Inner { uint64 a; uint64 b; mapping(address => uint256) m; }
    mapping(Price => uint256) byPrice;          // 0
    mapping(bytes => uint256) byBytes;          // 1
    uint24[11] u24;                             // 2..3
    bool[40] flags;                             // 4..5
    uint256[2][3] grid;                         // 6..11
    mapping(uint256 => Node) nodes;             // 12
    uint256[5000] big;                          // 13..5012
    Inner[2] inners;                            // 5013..5016
    mapping(address => uint256[]) lists;        // 5017
    bytes blob;                                 // 5018
    address payable payee;                      // 5019
    mapping(Layouts => uint256) payables;        // 5020 (contract-typed key)
}`;

const w = (x: bigint): Hex => pad(toHex(x), { size: 32 });
const at = (key: Hex, slot: bigint): bigint => hexToBigInt(keccak256(concat([key, w(slot)])));
const data = (slot: bigint): bigint => hexToBigInt(keccak256(w(slot)));
const ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
const BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

describe("slot resolution and instantiation", function () {
  this.timeout(120_000);
  let layout: StorageLayout;

  before(() => {
    const { output } = compile({ "Layouts.sol": SOURCE });
    layout = output.contracts!["Layouts.sol"].Layouts.storageLayout!;
  });

  const slots = (expression: string, ctx = {}): bigint[] =>
    slotsOf(layout, expression, ctx).slots.map((s) => hexToBigInt(s));

  it("resolves packed fixed arrays of odd-sized elements (uint24: 10 per slot, bool: 32 per slot)", () => {
    expect(slots("u24[9]")).to.deep.equal([2n]);
    expect(slots("u24[10]")).to.deep.equal([3n]);
    const [pattern] = resolveAnnotation("u24[9]", "reads", layout, undefined);
    const instance = instantiate(pattern);
    expect(instance).to.deep.include({ kind: "slots", offset: 27, bytes: 3 });
    expect(slots("flags[31], flags[32]")).to.deep.equal([4n, 5n]);
    expect(
      instantiate(resolveAnnotation("flags[33]", "reads", layout, undefined)[0]),
    ).to.deep.include({ offset: 1, bytes: 1 });
  });

  it("resolves nested fixed arrays (uint256[2][3]: element i of the outer array is 2 slots)", () => {
    expect(slots("grid[2][1]")).to.deep.equal([6n + 2n * 2n + 1n]);
    expect(slots("grid[1]")).to.deep.equal([8n, 9n]);
    expect(slots("grid")).to.deep.equal([6n, 7n, 8n, 9n, 10n, 11n]);
  });

  it("hashes user-defined value type keys by their own sign, and bytes keys unpadded", () => {
    const [pattern] = resolveAnnotation("byPrice[p]", "reads", layout, {
      signature: "f(int128)",
      inputs: [{ name: "p", type: "int128" }],
    });
    const instance = instantiate(pattern, { args: [-1n] });
    expect(instance.kind === "slots" ? instance.slots : []).to.deep.equal([
      w(at(w((1n << 256n) - 1n), 0n)),
    ]);
    expect(slots('byBytes[0x0102], byBytes["hi"]')).to.deep.equal([
      hexToBigInt(keccak256(concat(["0x0102", w(1n)]))),
      hexToBigInt(keccak256(concat([toHex("hi"), w(1n)]))),
    ]);
  });

  it("expands whole values: a mapping of dynamic arrays, a struct array with mappings, bytes", () => {
    const lists = slotsOf(layout, "lists[msg.sender]", { sender: ALICE });
    expect(lists.slots.map((s) => hexToBigInt(s))).to.deep.equal([
      at(pad(ALICE.toLowerCase() as Hex), 5017n),
    ]);
    expect(lists.matchers.map((m) => m.description)).to.deep.equal(["lists[msg.sender][*]"]);
    const element = data(at(pad(ALICE.toLowerCase() as Hex), 5017n)) + 4n;
    expect(lists.matchers[0].match(element)).to.equal(true);
    expect(lists.matchers[0].match(element, new Map())).to.equal(true); // known parent: no preimages needed
    expect(lists.matchers[0].match(at(pad(BOB.toLowerCase() as Hex), 5017n) + 4n)).to.equal(false);

    const inners = slotsOf(layout, "inners");
    expect(inners.slots.map((s) => hexToBigInt(s))).to.deep.equal([5013n, 5014n, 5015n, 5016n]);
    expect(inners.patterns.map((p) => p.expr)).to.deep.equal(["inners", "inners[*].m[*]"]);
    const bobInSecond = at(pad(BOB.toLowerCase() as Hex), 5015n + 1n);
    const preimages = new Map<Hex, Hex>([
      [w(bobInSecond), concat([pad(BOB.toLowerCase() as Hex), w(5016n)])],
    ]);
    expect(inners.matchers[0].match(bobInSecond, preimages)).to.equal(true);
    expect(inners.matchers[0].match(bobInSecond)).to.equal(false);
    // inners[0].m is slot 5014; a preimage whose parent is not an element's `m` slot (5015 is
    // inners[1].a/b) does not match.
    const first = at(pad(BOB.toLowerCase() as Hex), 5014n);
    expect(
      inners.matchers[0].match(
        first,
        new Map([[w(first), concat([pad(BOB.toLowerCase() as Hex), w(5014n)])]]),
      ),
    ).to.equal(true);
    const elsewhere = at(pad(BOB.toLowerCase() as Hex), 5015n);
    expect(
      inners.matchers[0].match(
        elsewhere,
        new Map([[w(elsewhere), concat([pad(BOB.toLowerCase() as Hex), w(5015n)])]]),
      ),
    ).to.equal(false);

    const blob = slotsOf(layout, "blob");
    expect(blob.slots).to.deep.equal([w(5018n)]);
    expect(blob.matchers[0].match(data(5018n) + 7n)).to.equal(true);
    expect(blob.matchers[0].match(data(5018n) - 1n)).to.equal(false);
  });

  it("expands recursive structs to a bounded depth", () => {
    const nodes = slotsOf(layout, "nodes[1]");
    expect(nodes.slots.map((s) => hexToBigInt(s))).to.deep.equal([
      at(w(1n), 12n),
      at(w(1n), 12n) + 1n,
    ]);
    expect(nodes.patterns.length).to.be.greaterThan(2);
    const child = data(at(w(1n), 12n)) + 2n * 3n + 1n; // children[3].value
    expect(nodes.matchers.some((m) => m.match(child))).to.equal(true);
  });

  it("enumerates * on fixed arrays up to the limit and matches beyond it", () => {
    expect(slots("grid[*][1]")).to.deep.equal([7n, 9n, 11n]);
    const big = slotsOf(layout, "big[*]");
    expect(big.slots).to.deep.equal([]);
    expect(5000).to.be.greaterThan(ENUMERATION_LIMIT);
    expect(big.matchers[0].match(13n + 4999n)).to.equal(true);
    expect(big.matchers[0].match(13n + 5000n)).to.equal(false);
    expect(slots("big[4999]")).to.deep.equal([13n + 4999n]);
  });

  it("gives no slot for an index out of range (the call would revert)", () => {
    const [pattern] = resolveAnnotation("u24[i]", "reads", layout, {
      signature: "f(uint256)",
      inputs: [{ name: "i", type: "uint256" }],
    });
    expect(instantiate(pattern, { args: [11n] })).to.deep.equal({ kind: "slots", slots: [] });
  });

  it("treats address payable and contract keys as addresses", () => {
    expect(slots(`payables[${BOB}]`)).to.deep.equal([at(pad(BOB.toLowerCase() as Hex), 5020n)]);
  });

  it("needs the call context for msg.sender, tx.origin, this and arguments", () => {
    const [pattern] = resolveAnnotation("payables[this]", "reads", layout, undefined);
    expect(() => instantiate(pattern, {})).to.throw(MissingContextError, "this");
    const [byArg] = resolveAnnotation("payables[to]", "reads", layout, {
      signature: "f(address)",
      inputs: [{ name: "to", type: "address" }],
    });
    expect(() => instantiate(byArg, {})).to.throw(MissingContextError, "argument 0 (to)");
  });

  it("accepts registered key functions", () => {
    registerKeyFunction({
      name: "lowBits",
      arity: 1,
      signature: "lowBits(x) = x % N",
      resultType: "uint256",
      check: (target) =>
        target.kind === "fixed-array"
          ? undefined
          : { message: "lowBits() indexes a fixed-size array" },
      evaluate: ([x], n) => BigInt(x.value as bigint) % BigInt(n!),
    });
    const inputs = [{ name: "id", type: "uint256" }];
    const [pattern] = resolveAnnotation("u24[lowBits(id)]", "writes", layout, {
      signature: "f(uint256)",
      inputs,
    });
    expect(pattern.steps[0]).to.deep.include({ op: "index" });
    const instance = instantiate(pattern, { args: [25n] }); // 25 % 11 = 3 → slot 2, offset 9
    expect(instance).to.deep.include({ kind: "slots", slots: [w(2n)], offset: 9, bytes: 3 });
    expect(() =>
      resolveAnnotation("byPrice[lowBits(id)]", "writes", layout, {
        signature: "f(uint256)",
        inputs,
      }),
    ).to.throw("lowBits() indexes a fixed-size array");
    expect(() =>
      registerKeyFunction({
        name: "msg",
        arity: 0,
        signature: "",
        resultType: "uint256",
        check: () => undefined,
        evaluate: () => 0n,
      }),
    ).to.throw("reserved");
  });

  it("computes shard(x) like the library's sharded counter, for any argument type", () => {
    const inputs = [{ name: "id", type: "uint256" }];
    const [pattern] = resolveAnnotation("u24[shard(id)]", "writes", layout, {
      signature: "f(uint256)",
      inputs,
    });
    const expected =
      hexToBigInt(keccak256(encodeAbiParameters([{ type: "uint256" }], [77n]))) % 11n;
    const instance = instantiate(pattern, { args: [77n] });
    expect(instance).to.deep.include({
      kind: "slots",
      slots: [w(2n + expected / 10n)],
      offset: Number(expected % 10n) * 3,
    });
  });

  it("encodes mapping keys like abi.encode", () => {
    expect(encodeMappingKey("address", ALICE)).to.equal(pad(ALICE.toLowerCase() as Hex));
    expect(encodeMappingKey("int8", -1n)).to.equal(`0x${"f".repeat(64)}`);
    expect(encodeMappingKey("bytes4", "0x12345678")).to.equal(`0x12345678${"0".repeat(56)}`);
    expect(encodeMappingKey("bool", true)).to.equal(w(1n));
    expect(encodeMappingKey("string", "0x12")).to.equal(toHex("0x12"));
    expect(() => encodeMappingKey("address", "0x12")).to.throw(TypeError);
    expect(() => encodeMappingKey("bytes2", "0x123456")).to.throw(TypeError);
    expect(extractPacked(`0x${"00".repeat(4)}abcd${"00".repeat(26)}`, 26, 2)).to.equal(0xabcdn);
  });
});
