/**
 * decodeSlot round trips: expression → slot (slotsOf) → label (decodeSlot) → the same expression,
 * on the AccessFixture layout, for fixed cases and for random keys (fast-check).
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Address, type Hex, getAddress, hexToBigInt, keccak256, pad, toHex } from "viem";

import {
  type StorageLayout,
  createSlotDecoder,
  decodeSlot,
  instantiate,
  shortenLabel,
  slotsOf,
} from "../../sdk/access/index.ts";
import { compileFiles } from "./helpers.ts";

const FILES = [
  "test/fixtures/contracts/access/AccessFixtureBase.sol",
  "test/fixtures/contracts/access/AccessFixture.sol",
];
const ALICE = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const BOB = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

describe("decodeSlot", function () {
  this.timeout(120_000);
  let layout: StorageLayout;

  before(() => {
    const { output } = compileFiles(FILES);
    layout =
      output.contracts!["project/test/fixtures/contracts/access/AccessFixture.sol"].AccessFixture
        .storageLayout!;
  });

  /** The slot of a single-slot expression (leaving out the implied read of an array's length). */
  const slotOf = (expression: string): Hex => {
    const { patterns } = slotsOf(layout, expression);
    const named = patterns.filter((p) => p.implied === undefined);
    expect(named, expression).to.have.length(1);
    const instance = instantiate(named[0]);
    if (instance.kind !== "slots" || instance.slots.length !== 1)
      throw new Error(`${expression} is not one slot`);
    return instance.slots[0];
  };

  const roundTrips: Array<[expression: string, label: string]> = [
    ["totalSupply", "AccessFixture.totalSupply"],
    ["owner", "AccessFixture.{owner, epoch, paused}"],
    [`balanceOf[${ALICE}]`, `AccessFixture.balanceOf[${ALICE}]`],
    [`allowance[${ALICE}][${BOB}]`, `AccessFixture.allowance[${ALICE}][${BOB}]`],
    ["fixedArr[1]", "AccessFixture.fixedArr[1]"],
    ["smallArr[4]", "AccessFixture.smallArr[4]"],
    ["dynArr.length", "AccessFixture.dynArr.length"],
    ["dynArr[12]", "AccessFixture.dynArr[12]"],
    [
      "dynSmall[17]",
      "AccessFixture.{dynSmall[16], dynSmall[17], dynSmall[18], dynSmall[19], dynSmall[20], dynSmall[21], dynSmall[22], dynSmall[23]}",
    ],
    ["pos.holder", "AccessFixture.pos.holder"],
    [`positions[${BOB}].holder`, `AccessFixture.positions[${BOB}].holder`],
    [`positions[${BOB}].history.length`, `AccessFixture.positions[${BOB}].history.length`],
    [`positions[${BOB}].history[3]`, `AccessFixture.positions[${BOB}].history[3]`],
    [`positions[${ALICE}].marks[7]`, `AccessFixture.positions[${ALICE}].marks[7]`],
    ['byName["bob"]', 'AccessFixture.byName["bob"]'],
    ["bySigned[-5]", "AccessFixture.bySigned[-5]"],
    ["byFlag[false]", "AccessFixture.byFlag[false]"],
    ["pairs[2].b", "AccessFixture.pairs[2].{a, b}"],
    ["fixedPairs[1].a", "AccessFixture.fixedPairs[1].{a, b}"],
    [`nestedPairs[${ALICE}][9].b`, `AccessFixture.nestedPairs[${ALICE}][9].{a, b}`],
    ["supply.total", "AccessFixture.supply.total"],
    ["supply.shards[3]", "AccessFixture.supply.shards[3]"],
    ["byKind[2]", "AccessFixture.byKind[2]"],
  ];

  const candidates = [ALICE, BOB, 0n, 2n, 7n, 9n, -5n, "bob"];
  for (const [expression, label] of roundTrips) {
    it(`${expression} → ${label}`, () => {
      const decoded = decodeSlot(layout, "AccessFixture", slotOf(expression), candidates);
      expect(decoded?.label).to.equal(label);
      expect(String(decoded)).to.equal(label);
    });
  }

  it("decodes the data area of a long string and the length of a dynamic array", () => {
    const nameData = hexToBigInt(keccak256(pad(toHex(21n), { size: 32 }))); // `name` is at slot 21
    const decoder = createSlotDecoder(layout, "AccessFixture");
    expect(decoder(nameData + 2n)?.label).to.equal("AccessFixture.name<data:2>");
    expect(decoder(21n)?.label).to.equal("AccessFixture.name");
    expect(decoder(10n)?.label).to.equal("AccessFixture.dynArr.length");
    // The declared pattern for the whole string covers the same word.
    expect(slotsOf(layout, "name").matchers[0].match(nameData + 2n)).to.equal(true);
  });

  it("shortens addresses in shortLabel", () => {
    const decoded = decodeSlot(layout, "AccessFixture", slotOf(`balanceOf[${ALICE}]`), [ALICE]);
    expect(decoded?.shortLabel).to.equal("AccessFixture.balanceOf[0xf39f…2266]");
    expect(shortenLabel("x[0x70997970c51812dc3a010c7d01b50e0d17dc79c8]")).to.equal(
      "x[0x7099…79c8]",
    );
  });

  it("returns undefined for slots it cannot explain", () => {
    expect(decodeSlot(layout, "AccessFixture", slotOf(`balanceOf[${ALICE}]`), [BOB])).to.equal(
      undefined,
    );
    expect(decodeSlot(layout, "AccessFixture", 33n, [])).to.equal(undefined);
    expect(decodeSlot(layout, "AccessFixture", (1n << 200n) + 12345n, [ALICE, BOB])).to.equal(
      undefined,
    );
  });

  it("round-trips random keys (property)", () => {
    const address = fc
      .uint8Array({ minLength: 20, maxLength: 20 })
      .map((bytes) => getAddress(`0x${Buffer.from(bytes).toString("hex")}`) as Address);
    const index = fc.bigInt({ min: 0n, max: 1000n });
    fc.assert(
      fc.property(address, address, index, (a, b, i) => {
        const keys = [a, b, i];
        const decoder = createSlotDecoder(layout, "AccessFixture", keys);
        const la = a.toLowerCase();
        const lb = b.toLowerCase();
        const cases: Array<[string, string]> = [
          [`allowance[${a}][${b}]`, `AccessFixture.allowance[${la}][${lb}]`],
          [`positions[${a}].marks[${i}]`, `AccessFixture.positions[${la}].marks[${i}]`],
          [`nestedPairs[${b}][${i}].a`, `AccessFixture.nestedPairs[${lb}][${i}].{a, b}`],
          [`dynArr[${i}]`, `AccessFixture.dynArr[${i}]`],
          [`positions[${b}].history[${i}]`, `AccessFixture.positions[${lb}].history[${i}]`],
        ];
        for (const [expression, label] of cases) {
          expect(decoder(slotOf(expression))?.label, expression).to.equal(label);
        }
      }),
      { numRuns: 25 },
    );
  });
});
