/**
 * The EIP-7928 block-level access list of a mined block, checked by hand on a small block:
 * two senders set the same storage slot of a Probe contract in one block.
 */
import assert from "node:assert/strict";
import { network } from "hardhat";
import { createClient, custom, encodeFunctionData, keccak256, parseAbi, type Hex } from "viem";
import { getBlockAccessList } from "../../sdk/viem/actions/getBlockAccessList.ts";

const abi = parseAbi(["function set(uint256 v)"]);
const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, "0")}`;

describe("parallel_getBlockAccessList (EIP-7928)", function () {
  it("lists every touched account with post-values per transaction index", async function () {
    const { viem, provider } = await network.create("parallel");
    const probe = await viem.deployContract("Probe");
    const [a, b] = (await provider.request({ method: "eth_accounts" })) as Hex[];
    await provider.request({ method: "evm_setAutomine", params: [false] });
    for (const [from, v] of [
      [a, 5n],
      [b, 9n],
    ] as const) {
      await provider.request({
        method: "eth_sendTransaction",
        params: [
          {
            from,
            to: probe.address,
            data: encodeFunctionData({ abi, functionName: "set", args: [v] }),
            gas: "0x30000",
          },
        ],
      });
    }
    await provider.request({ method: "evm_mine" });
    const client = createClient({ transport: custom(provider) });
    const { blockAccessList, rlp, hash } = await getBlockAccessList(client);

    // Accounts sorted by address, each once: the two senders, the contract and the coinbase.
    const coinbase = "0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e";
    const addresses = blockAccessList.map((e) => e.address);
    assert.deepEqual(addresses, [...addresses].sort());
    assert.deepEqual(new Set(addresses), new Set([a, b, probe.address.toLowerCase(), coinbase]));

    const contract = blockAccessList.find((e) => e.address === probe.address.toLowerCase())!;
    assert.deepEqual(contract.storageChanges, [
      {
        slot: word(0n),
        slotChanges: [
          { blockAccessIndex: "0x1", postValue: word(5n) },
          { blockAccessIndex: "0x2", postValue: word(9n) },
        ],
      },
    ]);
    assert.deepEqual(contract.balanceChanges, []);

    for (const [sender, index] of [
      [a, "0x1"],
      [b, "0x2"],
    ] as const) {
      const entry = blockAccessList.find((e) => e.address === sender)!;
      assert.deepEqual(
        entry.nonceChanges.map((c) => c.blockAccessIndex),
        [index],
      );
      assert.deepEqual(
        entry.balanceChanges.map((c) => c.blockAccessIndex),
        [index],
      );
      const balance = BigInt(
        (await provider.request({ method: "eth_getBalance", params: [sender, "latest"] })) as Hex,
      );
      assert.equal(
        BigInt(entry.balanceChanges[0].postBalance),
        balance,
        `post balance of ${sender}`,
      );
    }

    // The lazily applied fee credits appear per transaction, ending at the coinbase's balance.
    const fees = blockAccessList.find((e) => e.address === coinbase)!;
    assert.deepEqual(
      fees.balanceChanges.map((c) => c.blockAccessIndex),
      ["0x1", "0x2"],
    );
    const coinbaseBalance = BigInt(
      (await provider.request({ method: "eth_getBalance", params: [coinbase, "latest"] })) as Hex,
    );
    assert.equal(BigInt(fees.balanceChanges[1].postBalance), coinbaseBalance);
    assert.ok(BigInt(fees.balanceChanges[0].postBalance) < coinbaseBalance);

    assert.equal(hash, keccak256(rlp));
  });
});
