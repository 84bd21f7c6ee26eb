/**
 * Candidate mapping keys from calldata and logs (`sdk/analysis/calldata-keys.ts`), and a hot slot
 * keyed by a small address argument (a shared recipient) named in the report.
 */
import { expect } from "chai";
import { encodeAbiParameters, encodeFunctionData, parseAbi, type Address, type Hex } from "viem";
import { buildReport } from "../../plugins/report/build.ts";
import { calldataKeys, logKeys, mergeKeys } from "../../sdk/analysis/calldata-keys.ts";
import {
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
});
