import { expect } from "chai";
import fc from "fast-check";
import { RLP } from "@ethereumjs/rlp";
import {
  bytesToHex as ejsBytesToHex,
  createBlockLevelAccessListFromJSON,
  validateBlockAccessListJSONStructure,
} from "@ethereumjs/util";
import { bytesToHex, keccak256, type Address, type Hex } from "viem";
import {
  balanceKey,
  codeKey,
  nonceKey,
  storageKey,
  type LocationValue,
  asLocationKey,
} from "../../sdk/engine/location.ts";
import {
  EMPTY_BLOCK_ACCESS_LIST_HASH,
  EMPTY_BLOCK_ACCESS_LIST_RLP,
  EMPTY_CODE_HASH,
  buildBlockAccessList,
  encodeBlockAccessList,
  hashBlockAccessList,
  type AccessRecord,
  type BlockAccessList,
} from "../../sdk/analysis/index.ts";

const repeat = (hex: string): Address => `0x${hex.repeat(40 / hex.length)}` as Address;
const HISTORY = "0x0000f90827f1c53a10cb7a02335b175320002935" as Address;
const CHECKED = repeat("2");
const ALICE = repeat("a");
const EVE = repeat("abcd");
const BOB = repeat("b");
const CHARLIE = repeat("c");
const DEPLOYED = repeat("d");
const COINBASE = repeat("e");
const FACTORY = repeat("f");
const word = (hex: string): Hex => `0x${hex.replace(/^0x/, "").padStart(64, "0")}`;
const PARENT_HASH = word("12".repeat(32));
const CODE: Hex = "0x6080604052";

const v = (location: string, value: Hex): LocationValue => ({
  location: asLocationKey(location),
  value,
});
const ethereumjsHash = (bal: BlockAccessList): Hex =>
  ejsBytesToHex(createBlockLevelAccessListFromJSON(bal).hash()) as Hex;

/**
 * EIP-7928's "Concrete Example" block: a pre-execution EIP-2935 write, Alice paying Bob 1 ETH
 * and checking 0x2222…'s balance, Charlie deploying 0xdddd… through a factory, and a withdrawal
 * to Eve after the transactions.
 */
const eipExample = () => ({
  preExecution: { reads: [], writes: [v(storageKey(HISTORY, 0xfa0n), PARENT_HASH)] },
  transactions: [
    {
      reads: [
        v(balanceKey(ALICE), "0x56bc75e2d63100000"),
        v(nonceKey(ALICE), "0x9"),
        v(balanceKey(BOB), "0x0"),
        v(balanceKey(CHECKED), "0x5"),
      ],
      writes: [
        v(balanceKey(ALICE), "0x29a241a"),
        v(nonceKey(ALICE), "0xa"),
        v(balanceKey(BOB), "0xb9aca00"),
        v(balanceKey(COINBASE), "0x5f5e1"),
      ],
    },
    {
      reads: [
        v(balanceKey(CHARLIE), "0xde0b6b3a7640000"),
        v(nonceKey(CHARLIE), "0x4"),
        v(codeKey(FACTORY), keccak256("0x60006000")),
        v(nonceKey(FACTORY), "0x4"),
        v(storageKey(FACTORY, 1n), word("0")),
      ],
      writes: [
        v(balanceKey(CHARLIE), "0xbc16d67"),
        v(nonceKey(CHARLIE), "0x5"),
        v(nonceKey(FACTORY), "0x5"),
        v(storageKey(FACTORY, 1n), word(DEPLOYED.slice(2))),
        v(nonceKey(DEPLOYED), "0x1"),
        v(codeKey(DEPLOYED), keccak256(CODE)),
        v(balanceKey(COINBASE), "0xbebc2"),
      ],
    },
  ],
  postExecution: { reads: [v(balanceKey(EVE), "0x0")], writes: [v(balanceKey(EVE), "0x5f5e100")] },
  bytecode: { [keccak256(CODE)]: CODE },
});

const empty = {
  storageChanges: [],
  storageReads: [],
  balanceChanges: [],
  nonceChanges: [],
  codeChanges: [],
};

describe("EIP-7928 block access list", () => {
  it("builds the EIP's concrete example (hand-checked)", () => {
    const bal = buildBlockAccessList(eipExample());
    expect(bal).to.deep.equal([
      {
        ...empty,
        address: HISTORY,
        storageChanges: [
          { slot: word("fa0"), slotChanges: [{ blockAccessIndex: "0x0", postValue: PARENT_HASH }] },
        ],
      },
      { ...empty, address: CHECKED },
      {
        ...empty,
        address: ALICE,
        balanceChanges: [{ blockAccessIndex: "0x1", postBalance: "0x29a241a" }],
        nonceChanges: [{ blockAccessIndex: "0x1", postNonce: "0xa" }],
      },
      {
        ...empty,
        address: EVE,
        balanceChanges: [{ blockAccessIndex: "0x3", postBalance: "0x5f5e100" }],
      },
      {
        ...empty,
        address: BOB,
        balanceChanges: [{ blockAccessIndex: "0x1", postBalance: "0xb9aca00" }],
      },
      {
        ...empty,
        address: CHARLIE,
        balanceChanges: [{ blockAccessIndex: "0x2", postBalance: "0xbc16d67" }],
        nonceChanges: [{ blockAccessIndex: "0x2", postNonce: "0x5" }],
      },
      {
        ...empty,
        address: DEPLOYED,
        nonceChanges: [{ blockAccessIndex: "0x2", postNonce: "0x1" }],
        codeChanges: [{ blockAccessIndex: "0x2", newCode: CODE }],
      },
      {
        ...empty,
        address: COINBASE,
        balanceChanges: [
          { blockAccessIndex: "0x1", postBalance: "0x5f5e1" },
          { blockAccessIndex: "0x2", postBalance: "0xbebc2" },
        ],
      },
      {
        ...empty,
        address: FACTORY,
        storageChanges: [
          {
            slot: word("1"),
            slotChanges: [{ blockAccessIndex: "0x2", postValue: word(DEPLOYED.slice(2)) }],
          },
        ],
        nonceChanges: [{ blockAccessIndex: "0x2", postNonce: "0x5" }],
      },
    ]);
    expect(() => validateBlockAccessListJSONStructure(bal)).not.to.throw();
  });

  it("RLP-encodes with minimal integers and hashes like @ethereumjs/util", () => {
    const bal = buildBlockAccessList(eipExample());
    const decoded = RLP.decode(encodeBlockAccessList(bal)) as unknown as Uint8Array[][][];
    expect(decoded).to.have.length(9);
    // History contract: [address, [[slot 0x0fa0, [[index 0 (empty), parent hash]]]], [], [], [], []]
    const history = decoded[0] as unknown as [
      Uint8Array,
      [Uint8Array, [Uint8Array, Uint8Array][]][],
    ];
    expect(bytesToHex(history[0])).to.equal(HISTORY);
    expect(bytesToHex(history[1][0][0])).to.equal("0x0fa0");
    expect(history[1][0][1][0][0]).to.have.length(0);
    expect(bytesToHex(history[1][0][1][0][1])).to.equal(PARENT_HASH);
    expect(hashBlockAccessList(bal)).to.equal(ethereumjsHash(bal));
    expect(hashBlockAccessList(bal)).to.equal(keccak256(encodeBlockAccessList(bal)));
  });

  it("encodes a small list to hand-computed bytes", () => {
    const account = "0x0000000000000000000000000000000000000001" as Address;
    const bal = buildBlockAccessList({
      transactions: [
        {
          reads: [v(storageKey(account, 3n), word("0"))],
          writes: [v(storageKey(account, 1n), word("2")), v(balanceKey(account), "0xa")],
        },
      ],
    });
    // e5 (list, 37 bytes) e4 (account, 36 bytes) 94 <address>
    //   c6 c5 01 c3 c2 01 02   storage_changes [[slot 1, [[index 1, value 2]]]]
    //   c1 03                  storage_reads [3]
    //   c3 c2 01 0a            balance_changes [[index 1, 10]]
    //   c0 c0                  nonce_changes, code_changes
    expect(encodeBlockAccessList(bal)).to.equal(
      `0xe5e494${"00".repeat(19)}01c6c501c3c20102c103c3c2010ac0c0`,
    );
  });

  it("is the empty RLP list for a block without accesses", () => {
    const bal = buildBlockAccessList({ transactions: [] });
    expect(bal).to.deep.equal([]);
    expect(encodeBlockAccessList(bal)).to.equal(EMPTY_BLOCK_ACCESS_LIST_RLP);
    expect(hashBlockAccessList(bal)).to.equal(EMPTY_BLOCK_ACCESS_LIST_HASH);
    expect(keccak256("0xc0")).to.equal(EMPTY_BLOCK_ACCESS_LIST_HASH);
    expect(keccak256("0x")).to.equal(EMPTY_CODE_HASH);
  });

  it("records no-op writes as reads and keeps read-then-changed slots only as changes", () => {
    const c = repeat("c0");
    const bal = buildBlockAccessList({
      transactions: [
        {
          reads: [
            v(storageKey(c, 1n), word("7")),
            v(storageKey(c, 2n), word("5")),
            v(balanceKey(BOB), "0x3"),
          ],
          // slot 1 rewritten with its value: a read; Bob's balance unchanged: address only.
          writes: [v(storageKey(c, 1n), word("7")), v(balanceKey(BOB), "0x03")],
        },
        {
          reads: [v(storageKey(c, 2n), word("5"))],
          writes: [v(storageKey(c, 2n), word("6"))],
        },
        // Same value as index 2 left it: a no-op that must not remove index 2's change.
        { reads: [], writes: [v(storageKey(c, 2n), word("6"))], touched: [ALICE] },
      ],
    });
    expect(bal).to.deep.equal([
      { ...empty, address: ALICE },
      { ...empty, address: BOB },
      {
        ...empty,
        address: c,
        storageChanges: [
          { slot: word("2"), slotChanges: [{ blockAccessIndex: "0x2", postValue: word("6") }] },
        ],
        storageReads: [word("1")],
      },
    ]);
    expect(hashBlockAccessList(bal)).to.equal(ethereumjsHash(bal));
  });

  it("sorts slots numerically, changes by index, and numbers post-execution n + 1", () => {
    const c = repeat("c0");
    const bal = buildBlockAccessList({
      transactions: [
        {
          reads: [],
          writes: [v(storageKey(c, 0x100n), word("1")), v(storageKey(c, 2n), word("1"))],
        },
        { reads: [v(storageKey(c, 0x30n), word("0"))], writes: [v(storageKey(c, 2n), word("2"))] },
      ],
      postExecution: {
        reads: [v(storageKey(c, 0x4n), word("0"))],
        writes: [v(storageKey(c, 2n), word("0"))],
      },
    });
    expect(
      bal[0].storageChanges.map((s) => [s.slot, s.slotChanges.map((x) => x.blockAccessIndex)]),
    ).to.deep.equal([
      [word("2"), ["0x1", "0x2", "0x3"]],
      [word("100"), ["0x1"]],
    ]);
    expect(bal[0].storageChanges[0].slotChanges[2].postValue).to.equal(word("0"));
    expect(bal[0].storageReads).to.deep.equal([word("4"), word("30")]);
    expect(hashBlockAccessList(bal)).to.equal(ethereumjsHash(bal));
  });

  it("records cleared code as empty bytes and checks bytecode against the code hash", () => {
    const c = repeat("c0");
    const cleared = buildBlockAccessList({
      transactions: [{ reads: [], writes: [v(codeKey(c), EMPTY_CODE_HASH)] }],
    });
    expect(cleared[0].codeChanges).to.deep.equal([{ blockAccessIndex: "0x1", newCode: "0x" }]);
    const viaFunction = buildBlockAccessList({
      transactions: [{ reads: [], writes: [v(codeKey(c), keccak256(CODE))] }],
      bytecode: (hash) => (hash === keccak256(CODE) ? CODE : undefined),
    });
    expect(viaFunction[0].codeChanges).to.deep.equal([{ blockAccessIndex: "0x1", newCode: CODE }]);
    expect(() =>
      buildBlockAccessList({
        transactions: [{ reads: [], writes: [v(codeKey(c), keccak256(CODE))] }],
      }),
    ).to.throw(/bytecode was not given/);
    expect(() =>
      buildBlockAccessList({
        transactions: [{ reads: [], writes: [v(codeKey(c), keccak256(CODE))] }],
        bytecode: { [keccak256(CODE)]: "0x6000" },
      }),
    ).to.throw(/hashes to/);
  });

  it("rejects malformed records", () => {
    const c = repeat("c0");
    expect(() =>
      buildBlockAccessList({
        transactions: [{ reads: [], writes: [v(balanceKey(c), "0x1"), v(balanceKey(c), "0x2")] }],
      }),
    ).to.throw(/written twice/);
    expect(() =>
      buildBlockAccessList({
        transactions: [{ reads: [], writes: [v(balanceKey(c), "0xzz" as Hex)] }],
      }),
    ).to.throw(/not hex/);
    expect(() =>
      buildBlockAccessList({
        transactions: [{ reads: [], writes: [v(nonceKey(c), `0x1${"0".repeat(16)}`)] }],
      }),
    ).to.throw(/wider than 8 bytes/);
    expect(() =>
      buildBlockAccessList({ transactions: [{ reads: [v("q:0x1", "0x0")], writes: [] }] }),
    ).to.throw(/invalid location key/);
    expect(() =>
      buildBlockAccessList({
        transactions: [{ reads: [], writes: [], touched: ["0x12" as Address] }],
      }),
    ).to.throw(/invalid address/);
  });

  it("agrees with @ethereumjs/util on random blocks", () => {
    const addresses = [repeat("01"), repeat("a0"), repeat("0b"), repeat("ff")];
    const location = fc.oneof(
      fc.record({
        kind: fc.constant("storage" as const),
        a: fc.nat(3),
        slot: fc.bigInt({ min: 0n, max: 300n }),
      }),
      fc.record({
        kind: fc.constantFrom("balance" as const, "nonce" as const),
        a: fc.nat(3),
        slot: fc.constant(0n),
      }),
    );
    const key = (l: { kind: "storage" | "balance" | "nonce"; a: number; slot: bigint }) =>
      l.kind === "storage"
        ? storageKey(addresses[l.a], l.slot)
        : l.kind === "balance"
          ? balanceKey(addresses[l.a])
          : nonceKey(addresses[l.a]);
    const record: fc.Arbitrary<AccessRecord> = fc
      .record({
        reads: fc.array(fc.tuple(location, fc.bigInt({ min: 0n, max: 3n })), { maxLength: 5 }),
        writes: fc.uniqueArray(fc.tuple(location, fc.bigInt({ min: 0n, max: 3n })), {
          maxLength: 5,
          selector: ([l]) => key(l),
        }),
      })
      .map(({ reads, writes }) => ({
        reads: reads.map(([l, x]) => v(key(l), `0x${x.toString(16)}`)),
        writes: writes.map(([l, x]) => v(key(l), `0x${x.toString(16)}`)),
      }));
    fc.assert(
      fc.property(
        fc.option(record),
        fc.array(record, { maxLength: 6 }),
        fc.option(record),
        (pre, txs, post) => {
          const bal = buildBlockAccessList({
            ...(pre === null ? {} : { preExecution: pre }),
            transactions: txs,
            ...(post === null ? {} : { postExecution: post }),
          });
          validateBlockAccessListJSONStructure(bal);
          expect(hashBlockAccessList(bal)).to.equal(ethereumjsHash(bal));
          const maxIndex = txs.length + 1;
          for (const account of bal) {
            for (const change of [...account.balanceChanges, ...account.nonceChanges]) {
              expect(Number(change.blockAccessIndex)).to.be.within(0, maxIndex);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
