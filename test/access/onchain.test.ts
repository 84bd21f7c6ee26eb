/**
 * Corpus of valid annotations, checked against a real EVM (Hardhat's default network):
 * for every storage-layout form, the slot each annotation resolves to (computed here by hand
 * from Solidity's layout rules, independently of `sdk/access/slots.ts`) must be what the SDK
 * declares, must hold the value the call wrote (`eth_getStorageAt`), and every slot the call
 * really read or wrote (from `debug_traceTransaction`) must be declared.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  type Abi,
  type Address,
  type Hex,
  concat,
  hexToBigInt,
  keccak256,
  pad,
  toHex,
  encodeAbiParameters,
} from "viem";

import {
  type AccessManifest,
  buildAccessManifests,
  compileManifestForRuntime,
  declaredAccessList,
  decodeSlot,
  extractPacked,
} from "../../sdk/access/index.ts";
import { compileFiles, traceAccess } from "./helpers.ts";

const FILES = [
  "test/fixtures/contracts/access/AccessFixtureBase.sol",
  "test/fixtures/contracts/access/AccessFixture.sol",
];

// Hand-written slot formulas (Solidity docs, "Layout of State Variables in Storage").
const w = (x: bigint): Hex => pad(toHex(x), { size: 32 });
const addr = (a: Address): Hex => pad(a.toLowerCase() as Hex, { size: 32 });
const at = (key: Hex, slot: bigint): bigint => hexToBigInt(keccak256(concat([key, w(slot)])));
const data = (slot: bigint): bigint => hexToBigInt(keccak256(w(slot)));
const hex = (slot: bigint): Hex => w(slot);
const TWO_256 = 1n << 256n;

interface Case {
  title: string;
  fn: string;
  args: (ctx: Ctx) => readonly unknown[];
  /** Runs before the call (e.g. to grow an array). */
  setup?: (ctx: Ctx) => Promise<void>;
  /** The slot the annotation names for this call, from the formulas above. */
  slot: (ctx: Ctx) => bigint;
  /** Value expected in the slot after the call, and where it sits (packed values). */
  value: (ctx: Ctx) => bigint;
  offset?: number;
  bytes?: number;
  /** Expected `decodeSlot` label. */
  label?: (ctx: Ctx) => string;
  /** The declared concrete writes are exactly these slots (defaults to [slot]); null: wildcard case. */
  writes?: ((ctx: Ctx) => bigint[]) | null;
}

interface Ctx {
  address: Address;
  sender: Address;
  other: Address;
  third: Address;
  send: (fn: string, args: readonly unknown[]) => Promise<Hex>;
}

const cases: Case[] = [
  {
    title: "value type at the root: totalSupply → slot 2",
    fn: "setTotalSupply",
    args: () => [1234n],
    slot: () => 2n,
    value: () => 1234n,
    label: () => "AccessFixture.totalSupply",
  },
  {
    title: "packed root variable: epoch → slot 0, bytes 20..27",
    fn: "setEpoch",
    args: () => [77n],
    slot: () => 0n,
    value: () => 77n,
    offset: 20,
    bytes: 8,
    label: () => "AccessFixture.{owner, epoch, paused}",
  },
  {
    title: "packed root variable: packedB → slot 4, bytes 16..23",
    fn: "setPackedB",
    args: () => [99n],
    slot: () => 4n,
    value: () => 99n,
    offset: 16,
    bytes: 8,
    label: () => "AccessFixture.{packedA, packedB, packedC}",
  },
  {
    title: "inherited mapping with a parameter key: balanceOf[to] → keccak(to . 1)",
    fn: "credit",
    args: (c) => [c.other, 555n],
    slot: (c) => at(addr(c.other), 1n),
    value: () => 555n,
    label: (c) => `AccessFixture.balanceOf[${c.other.toLowerCase()}]`,
  },
  {
    title: "nested mapping keyed by msg.sender: allowance[msg.sender][spender]",
    fn: "approve",
    args: (c) => [c.other, 42n],
    slot: (c) => at(addr(c.other), at(addr(c.sender), 3n)),
    value: () => 42n,
    label: (c) => `AccessFixture.allowance[${c.sender.toLowerCase()}][${c.other.toLowerCase()}]`,
  },
  {
    title: "fixed array with a parameter index: fixedArr[i] → 5 + i",
    fn: "setFixed",
    args: () => [1n, 11n],
    slot: () => 6n,
    value: () => 11n,
    label: () => "AccessFixture.fixedArr[1]",
  },
  {
    title: "fixed array with a literal index: fixedArr[2] → 7",
    fn: "setFixedLiteral",
    args: () => [22n],
    slot: () => 7n,
    value: () => 22n,
  },
  {
    title: "packed fixed array: smallArr[3] → slot 8, bytes 24..31",
    fn: "setSmall",
    args: () => [3n, 33n],
    slot: () => 8n,
    value: () => 33n,
    offset: 24,
    bytes: 8,
    label: () => "AccessFixture.{smallArr[0], smallArr[1], smallArr[2], smallArr[3]}",
  },
  {
    title: "packed fixed array: smallArr[4] → slot 9, bytes 0..7",
    fn: "setSmall",
    args: () => [4n, 44n],
    slot: () => 9n,
    value: () => 44n,
    offset: 0,
    bytes: 8,
    label: () => "AccessFixture.smallArr[4]",
  },
  {
    title: "dynamic array element: dynArr[i] → keccak(10) + i (and its length is read)",
    fn: "setDyn",
    setup: async (c) => {
      await c.send("pushDyn", [5n]);
      await c.send("pushDyn", [6n]);
    },
    args: () => [1n, 66n],
    slot: () => data(10n) + 1n,
    value: () => 66n,
    label: () => "AccessFixture.dynArr[1]",
  },
  {
    title: "packed dynamic array: dynSmall[9] → keccak(11) + 1, bytes 4..7",
    fn: "setDynSmall",
    setup: async (c) => {
      await c.send("growSmall", [10n]);
    },
    args: () => [9n, 99n],
    slot: () => data(11n) + 1n,
    value: () => 99n,
    offset: 4,
    bytes: 4,
  },
  {
    title: "packed struct member: pos.debt → slot 12, bytes 16..31",
    fn: "setPosDebt",
    args: () => [123n],
    slot: () => 12n,
    value: () => 123n,
    offset: 16,
    bytes: 16,
    label: () => "AccessFixture.pos.{collateral, debt}",
  },
  {
    title: "struct member in a mapping: positions[who].holder → keccak(who . 16) + 1",
    fn: "setPositionHolder",
    args: (c) => [c.other, c.third],
    slot: (c) => at(addr(c.other), 16n) + 1n,
    value: (c) => hexToBigInt(c.third),
    label: (c) => `AccessFixture.positions[${c.other.toLowerCase()}].holder`,
  },
  {
    title: "mapping in a struct in a mapping: positions[msg.sender].marks[k]",
    fn: "setPositionMark",
    args: () => [7n, 777n],
    slot: (c) => at(w(7n), at(addr(c.sender), 16n) + 3n),
    value: () => 777n,
    label: (c) => `AccessFixture.positions[${c.sender.toLowerCase()}].marks[7]`,
  },
  {
    title: "string key hashed unpadded: byName[key] → keccak(bytes(key) . 17)",
    fn: "setByName",
    args: () => ["bob", 5n],
    slot: () => hexToBigInt(keccak256(concat([toHex("bob"), w(17n)]))),
    value: () => 5n,
    label: () => 'AccessFixture.byName["bob"]',
  },
  {
    title: 'string literal key: byName["alice"]',
    fn: "setAlice",
    args: () => [6n],
    slot: () => hexToBigInt(keccak256(concat([toHex("alice"), w(17n)]))),
    value: () => 6n,
  },
  {
    title: "bytes32 key: byHash[h]",
    fn: "setByHash",
    args: () => [keccak256(toHex("h")), 7n],
    slot: () => at(keccak256(toHex("h")), 18n),
    value: () => 7n,
  },
  {
    title: "negative int key is sign-extended: bySigned[-5]",
    fn: "setSigned",
    args: () => [-5n, 8n],
    slot: () => at(w(TWO_256 - 5n), 19n),
    value: () => 8n,
    label: () => "AccessFixture.bySigned[-5]",
  },
  {
    title: "bool literal key: byFlag[true] → keccak(1 . 20)",
    fn: "setFlag",
    args: () => [9n],
    slot: () => at(w(1n), 20n),
    value: () => 9n,
    label: () => "AccessFixture.byFlag[true]",
  },
  {
    title: "dynamic struct array member: pairs[0].b → keccak(22), bytes 16..31",
    fn: "setPairB",
    setup: async (c) => {
      await c.send("pushPair", [1n, 2n]);
    },
    args: () => [0n, 55n],
    slot: () => data(22n),
    value: () => 55n,
    offset: 16,
    bytes: 16,
    label: () => "AccessFixture.pairs[0].{a, b}",
  },
  {
    title: "fixed struct array member: fixedPairs[2].a → slot 25, bytes 0..15",
    fn: "setFixedPairA",
    args: () => [2n, 66n],
    slot: () => 25n,
    value: () => 66n,
    offset: 0,
    bytes: 16,
  },
  {
    title: "struct member under two keys: nestedPairs[who][id].b",
    fn: "setNestedPair",
    args: (c) => [c.other, 9n, 77n],
    slot: (c) => at(w(9n), at(addr(c.other), 26n)),
    value: () => 77n,
    offset: 16,
    bytes: 16,
    label: (c) => `AccessFixture.nestedPairs[${c.other.toLowerCase()}][9].{a, b}`,
  },
  {
    title:
      "sharded counter: supply.shards[shard(msg.sender)] → 28 + keccak(abi.encode(sender)) % 4",
    fn: "addShard",
    args: () => [-3n],
    slot: (c) =>
      28n + (hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }], [c.sender]))) % 4n),
    value: () => TWO_256 - 3n,
    label: (c) =>
      `AccessFixture.supply.shards[${hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }], [c.sender]))) % 4n}]`,
  },
  {
    title: "tx.origin key: balanceOf[tx.origin]",
    fn: "creditOrigin",
    args: () => [88n],
    slot: (c) => at(addr(c.sender), 1n),
    value: () => 88n,
  },
  {
    title: "this key: balanceOf[address(this)]",
    fn: "creditSelf",
    args: () => [89n],
    slot: (c) => at(addr(c.address), 1n),
    value: () => 89n,
  },
  {
    title: "address literal key: balanceOf[0x…dEaD]",
    fn: "burnTo",
    args: () => [100n],
    slot: () => at(addr("0x000000000000000000000000000000000000dEaD"), 1n),
    value: () => 100n,
  },
  {
    title: "member of a struct argument as key: balanceOf[o.maker]",
    fn: "fillOrder",
    args: (c) => [{ maker: c.third, amount: 101n }],
    slot: (c) => at(addr(c.third), 1n),
    value: () => 101n,
  },
  {
    title: "enum key: byKind[k]",
    fn: "setByKind",
    args: () => [2, 102n],
    slot: () => at(w(2n), 32n),
    value: () => 102n,
  },
  {
    title: "annotation inherited from an interface declaration: mintViaInterface",
    fn: "mintViaInterface",
    args: (c) => [c.third, 5n],
    slot: (c) => at(addr(c.third), 1n),
    value: () => 106n, // 101 from fillOrder + 5
    writes: (c) => [2n, at(addr(c.third), 1n)],
  },
  {
    title: "annotation inherited from an abstract base: bump",
    fn: "bump",
    args: () => [3n],
    slot: (c) => at(addr(c.sender), 1n),
    value: () => 91n, // 88 from creditOrigin + 3
  },
  {
    title: "multi-line and repeated tags: transfer",
    fn: "transfer",
    args: (c) => [c.other, 10n],
    slot: (c) => at(addr(c.other), 1n),
    value: () => 565n, // 555 from credit + 10
    writes: (c) => [at(addr(c.sender), 1n), at(addr(c.other), 1n)],
  },
  {
    title: "wildcard key: allowance[msg.sender][*] (matched with the call's keccak preimages)",
    fn: "approveMany",
    args: (c) => [[c.other, c.third], 3n],
    slot: (c) => at(addr(c.third), at(addr(c.sender), 3n)),
    value: () => 3n,
    writes: null,
  },
  {
    title: "whole dynamic array in a struct in a mapping: positions[msg.sender].history",
    fn: "pushHistory",
    setup: async (c) => {
      await c.send("pushHistory", [1n]);
    },
    args: () => [2n],
    slot: (c) => data(at(addr(c.sender), 16n) + 2n) + 1n,
    value: () => 2n,
    writes: null,
  },
  {
    title: "long string: name → slot 21 and its data area keccak(21)…",
    fn: "setName",
    args: () => ["a string that is longer than thirty-two bytes"],
    slot: () => data(21n) + 1n,
    // 45 bytes: words keccak(21) and keccak(21) + 1; the second holds bytes 32..44.
    value: () => hexToBigInt(pad(toHex("rty-two bytes"), { size: 32, dir: "right" })),
    writes: null,
  },
];

describe("declared access lists on a real EVM", function () {
  this.timeout(300_000);
  let manifest: AccessManifest;
  let abi: Abi;
  let compiledAbi: Abi;
  let ctx: Ctx;
  let publicClient: {
    getStorageAt(args: { address: Address; slot: Hex }): Promise<Hex | undefined>;
    waitForTransactionReceipt(args: { hash: Hex }): Promise<unknown>;
  };
  let provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

  before(async () => {
    const { input, output } = compileFiles(FILES);
    compiledAbi = output.contracts!["project/test/fixtures/contracts/access/AccessFixture.sol"]
      .AccessFixture.abi as Abi;
    const result = buildAccessManifests(input, output);
    expect(result.errors.map((e) => e.format())).to.deep.equal([]);
    const found = result.manifests.find((m) => m.contractName === "AccessFixture");
    expect(found, "manifest of AccessFixture").to.not.equal(undefined);
    manifest = found!;

    const connection = await network.create();
    provider = connection.provider as typeof provider;
    const contract = await connection.viem.deployContract("AccessFixture");
    abi = contract.abi as Abi;
    const wallets = await connection.viem.getWalletClients();
    publicClient = (await connection.viem.getPublicClient()) as unknown as typeof publicClient;
    const writer = contract.write as unknown as Record<
      string,
      (args: readonly unknown[]) => Promise<Hex>
    >;
    ctx = {
      address: contract.address,
      sender: wallets[0].account.address,
      other: wallets[1].account.address,
      third: wallets[2].account.address,
      send: async (fn, args) => {
        const hash = await writer[fn](args);
        await publicClient.waitForTransactionReceipt({ hash });
        return hash;
      },
    };
  });

  it("describes the deployed contract (same ABI as the repo build's artifact)", () => {
    // The manifest came from in-process solc; the contract from the repo build.
    expect(compiledAbi).to.deep.equal(abi);
    expect(Object.keys(manifest.functions)).to.have.length(
      abi.filter((i) => i.type === "function").length,
    );
  });

  for (const c of cases) {
    it(c.title, async () => {
      if (c.setup !== undefined) await c.setup(ctx);
      const args = c.args(ctx);
      const expected = hex(c.slot(ctx));
      const declared = declaredAccessList({
        abi,
        address: ctx.address,
        functionName: c.fn,
        args,
        account: ctx.sender,
        manifest,
      });
      expect(declared.undeclared).to.equal(false);

      const hash = await ctx.send(c.fn, args);
      const traced = await traceAccess(provider, hash);

      // 1. The annotated slot holds the written value.
      const word =
        (await publicClient.getStorageAt({ address: ctx.address, slot: expected })) ?? "0x0";
      const stored =
        c.bytes === undefined ? hexToBigInt(word) : extractPacked(word, c.offset ?? 0, c.bytes);
      expect(stored, `value at ${expected}`).to.equal(c.value(ctx));

      // 2. The SDK declares exactly that slot (or a matcher covering it).
      const frame = compileManifestForRuntime(manifest, abi)(
        declared.data,
        ctx.sender,
        ctx.sender,
        ctx.address,
      );
      if (c.writes === null) {
        expect(frame.wildcards).to.equal(true);
        expect(frame.mayWrite(expected, traced.preimages), `mayWrite(${expected})`).to.equal(true);
      } else {
        const exact = (c.writes ?? ((x: Ctx) => [c.slot(x)]))(ctx).map(hex).sort();
        expect(declared.writes).to.deep.equal(exact);
        // Writes are also reads, and the access list lists every declared slot.
        for (const slot of exact) expect(declared.reads).to.include(slot);
        expect(declared.accessList[0]?.storageKeys).to.deep.equal(declared.reads);
        // The SDK's slot arithmetic agrees with the actual SSTOREs.
        expect([...traced.writes].sort()).to.deep.equal(exact);
      }

      // 3. Everything the frame really touched is declared (writes imply reads).
      for (const slot of traced.writes)
        expect(frame.mayWrite(slot, traced.preimages), `undeclared write ${slot}`).to.equal(true);
      for (const slot of traced.reads)
        expect(frame.mayRead(slot, traced.preimages), `undeclared read ${slot}`).to.equal(true);

      // 4. Decoding the slot gives the location back.
      if (c.label !== undefined) {
        const candidates = [
          ctx.sender,
          ctx.other,
          ctx.third,
          ctx.address,
          0n,
          1n,
          2n,
          7n,
          9n,
          -5n,
          "bob",
        ];
        expect(
          decodeSlot(manifest.storageLayout, "AccessFixture", expected, candidates)?.label,
        ).to.equal(c.label(ctx));
      }
    });
  }

  it("packed values are declared with their byte range", () => {
    const epoch = declaredAccessList({
      abi,
      address: ctx.address,
      functionName: "setEpoch",
      args: [1n],
      account: ctx.sender,
      manifest,
    });
    expect(epoch.writes).to.deep.equal([hex(0n)]);
    const fn = Object.values(manifest.functions).find((f) => f.name === "setEpoch")!;
    expect(fn.writes).to.have.length(1);
    expect(fn.writes[0]).to.include({ offset: 20, bytes: 8, type: "uint64" });
  });

  it("declares nothing for an undeclared function, and getters automatically", () => {
    const debt = declaredAccessList({
      abi,
      address: ctx.address,
      functionName: "debtOf",
      args: [ctx.other],
      account: ctx.sender,
      manifest,
    });
    expect(debt).to.include({ undeclared: true });
    expect(debt.accessList).to.deep.equal([]);
    const getter = declaredAccessList({
      abi,
      address: ctx.address,
      functionName: "allowance",
      args: [ctx.sender, ctx.other],
      account: ctx.other,
      manifest,
    });
    expect(getter.undeclared).to.equal(false);
    expect(getter.writes).to.deep.equal([]);
    expect(getter.reads).to.include(hex(at(addr(ctx.other), at(addr(ctx.sender), 3n))));
  });

  it("a wildcard matcher rejects slots of other keys and slots without preimages", async () => {
    const args = [[ctx.other], 4n] as const;
    const declared = declaredAccessList({
      abi,
      address: ctx.address,
      functionName: "approveMany",
      args,
      account: ctx.sender,
      manifest,
    });
    const hash = await ctx.send("approveMany", args);
    const traced = await traceAccess(provider, hash);
    const frame = compileManifestForRuntime(manifest, abi)(
      declared.data,
      ctx.sender,
      ctx.sender,
      ctx.address,
    );
    const mine = hex(at(addr(ctx.other), at(addr(ctx.sender), 3n)));
    const theirs = hex(at(addr(ctx.sender), at(addr(ctx.other), 3n)));
    expect(frame.mayWrite(mine, traced.preimages)).to.equal(true);
    expect(frame.mayWrite(mine)).to.equal(false); // no preimages: cannot tell
    // The allowance of another owner: its preimage chain leads to a different parent slot.
    const foreign = new Map(traced.preimages);
    const parent = concat([addr(ctx.other), w(3n)]);
    foreign.set(keccak256(parent), parent);
    foreign.set(theirs, concat([addr(ctx.sender), keccak256(parent)]));
    expect(frame.mayWrite(theirs, foreign)).to.equal(false);
    expect(declared.wildcards).to.deep.equal(["allowance[msg.sender][*]"]);
  });
});
