/**
 * Candidate mapping keys from calldata and logs (`sdk/analysis/calldata-keys.ts`), and a hot slot
 * keyed by a small address argument (a shared recipient) named in the report.
 */
import { expect } from "chai";
import {
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  parseAbi,
  type Address,
  type Hex,
} from "viem";
import { buildReport } from "../../plugins/report/build.ts";
import { ContractIndex } from "../../sdk/contracts/contract-index.ts";
import { storageKey, type LocationKey } from "../../sdk/engine/location.ts";
import { calldataKeys, logKeys, mergeKeys } from "../../sdk/analysis/calldata-keys.ts";
import {
  COUNTER,
  COUNTER_ARTIFACT,
  COUNTER_LAYOUT,
  USERS,
  balanceOfKey,
  block,
  bucket,
  counterIndex,
  recording,
  tx,
} from "../report/helpers.ts";

const COFFEE: Address = "0x00000000000000000000000000000000000c0ffe";
const credit = (to: Address, amount: bigint): Hex =>
  encodeFunctionData({
    abi: parseAbi(["function credit(address to, uint256 amount)"]),
    args: [to, amount],
  });

describe("candidate mapping keys", function () {
  it("takes a small address argument as an address too, and small words as integers", function () {
    expect(calldataKeys(credit(COFFEE, 5n))).to.deep.equal({
      addresses: [COFFEE, "0x0000000000000000000000000000000000000005"],
      integers: ["790526", "5"],
    });
    expect(calldataKeys(credit(USERS[0], 0n))).to.deep.equal({
      addresses: [USERS[0]],
      integers: ["0"],
    });
  });

  it("reads log addresses, indexed topics after the signature, and data words", function () {
    const topic = (address: Address) => encodeAbiParameters([{ type: "address" }], [address]);
    const keys = logKeys([
      {
        address: "0xABCDEF0000000000000000000000000000000001",
        topics: [`0x${"dd".repeat(32)}`, topic(USERS[0]), topic(COFFEE)],
        data: encodeAbiParameters([{ type: "uint256" }], [7n]),
      },
    ]);
    expect(keys).to.deep.equal({
      addresses: [
        "0xabcdef0000000000000000000000000000000001",
        USERS[0],
        COFFEE,
        "0x0000000000000000000000000000000000000007",
      ],
      integers: ["790526", "7"],
    });
    expect(logKeys([])).to.equal(undefined);
    expect(mergeKeys(keys, { addresses: [USERS[0]], integers: ["9"] })?.integers).to.deep.equal([
      "790526",
      "7",
      "9",
    ]);
  });

  it("names a hot slot keyed by a shared recipient that is a small address", async function () {
    const slot = balanceOfKey(COFFEE);
    const payments = USERS.slice(0, 3).map((user) =>
      tx(user, { reads: [slot], writes: [slot], keys: calldataKeys(credit(COFFEE, 1n)) }),
    );
    const report = await buildReport(recording([bucket("pay one", [block(2, payments)])]), {
      index: counterIndex(),
    });
    expect(report.hotLocations.map((h) => [h.label, h.dependencies])).to.deep.equal([
      [`Counter.balanceOf[${COFFEE}]`, 2],
    ]);
  });

  describe("a slot no candidate key names", function () {
    // An address that appears nowhere in the blocks: its entry's slot cannot be decoded.
    const UNSEEN: Address = "0x5ee0000000000000000000000000000000005ee0";
    // `allowance` (slot 2) beside `balanceOf` (slot 1): two mappings to choose from.
    const TWO_MAPPINGS = {
      storage: [
        ...COUNTER_LAYOUT.storage,
        { ...COUNTER_LAYOUT.storage[1]!, astId: 3, label: "allowance", slot: "2" },
      ],
      types: COUNTER_LAYOUT.types,
    };
    const allowanceKey = (holder: Address) =>
      storageKey(
        COUNTER,
        BigInt(
          keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [holder, 2n])),
        ),
      );
    const hotOf = async (
      index: ContractIndex,
      neighbour: (user: Address) => LocationKey[],
      shared = balanceOfKey(UNSEEN),
    ) => {
      const payments = USERS.slice(0, 3).map((user) =>
        tx(user, { reads: [shared, ...neighbour(user)], writes: [shared, ...neighbour(user)] }),
      );
      const report = await buildReport(recording([bucket("pay one", [block(2, payments)])]), {
        index,
      });
      return report.hotLocations;
    };

    it("says the contract's only mapping is the likely one, undecoded", async function () {
      const [hot] = await hotOf(counterIndex(), () => []);
      expect(hot?.decoded).to.equal(false);
      expect(hot?.likely).to.equal("Counter.balanceOf");
      expect(hot?.label).to.match(/^Counter\.balanceOf\[\?\] \(slot 0x[0-9a-f]{4}…[0-9a-f]{4}\)$/);
    });

    it("picks the mapping whose named entries the same transactions touched", async function () {
      const index = new ContractIndex([COUNTER_ARTIFACT], { loadLayout: async () => TWO_MAPPINGS });
      const beside = await hotOf(index, (user) => [balanceOfKey(user)]);
      expect(beside.find((h) => !h.decoded)?.likely).to.equal("Counter.balanceOf");
      const allowances = await hotOf(index, (user) => [allowanceKey(user)], allowanceKey(UNSEEN));
      expect(allowances.find((h) => !h.decoded)?.likely).to.equal("Counter.allowance");
      const [alone] = await hotOf(index, () => []);
      expect(alone?.likely).to.equal(undefined);
      expect(alone?.label).to.match(/^storage\(0x/);
    });
  });
});
