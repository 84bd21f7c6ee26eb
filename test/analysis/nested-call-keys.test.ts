/**
 * A hot slot keyed by an address that only a nested call's arguments carry (a router paying a
 * fixed recipient through a token that emits nothing) is named in the analysis: the engine
 * records nested calls' argument words as candidate mapping keys.
 */
import assert from "node:assert/strict";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

const RECIPIENT = "0x7e57000000000000000000000000000000c0ffee";

describe("candidate mapping keys from nested calls", function () {
  let connection: NetworkConnection;

  before(async function () {
    connection = await network.create("parallel");
  });

  after(async function () {
    await connection.close();
  });

  it("names a mapping entry keyed by a nested call's argument", async function () {
    const ledger = await connection.viem.deployContract("QuietLedger" as string);
    const payer = await connection.viem.deployContract("QuietPayer" as string, [
      ledger.address,
      RECIPIENT,
    ]);
    const users = (await connection.viem.getWalletClients()).slice(1, 5);
    const { analysis } = await connection.parallel.batch(() =>
      Promise.all(users.map((user) => payer.write.pay([], { account: user.account }))),
    );
    assert.equal(analysis.transactionCount, 4);
    const [hot] = analysis.hotLocations;
    assert.equal(hot.label, `QuietLedger.credits[${RECIPIENT}]`);
    assert.equal(hot.decoded, true);
    assert.equal(hot.dependencies, 3);
  });
});
