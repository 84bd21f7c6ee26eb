/**
 * Read and write sets (docs/design.md §3) of known operations, read back with the engine's
 * `parallel_getTransactionAccess(txHash)` → `{ reads: [{ location, value }], writes: [...] }`
 * (location keys as in `sdk/engine/location.ts`: `b:`/`n:`/`c:0x<address>`,
 * `s:0x<address>:0x<slot>`; storage and code values as 32-byte words, balance and nonce as
 * quantities).
 *
 * Only networks other than EDR have the method, so this file runs for the non-default names of
 * `NETWORKS` and defines no test when there are none.
 *
 * Semantics asserted: a location is written only when its value at the end of the transaction
 * differs from its value at the start (EIP-7928), so a write of the same value is a read; the
 * sender's fee payment is a write of its balance; the coinbase's fee credit is applied lazily at
 * block end and appears in no transaction's sets.
 */
import type { Address, Hex } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { numberToHex, parseEther } from "viem";

import { balanceKey, nonceKey, parseLocationKey, storageKey } from "../../sdk/engine/location.ts";
import { NON_DEFAULT_NETWORKS, connect, networkLabel } from "./helpers/networks.ts";
import { mappingSlot } from "./helpers/slots.ts";

/** One entry of a read or write set. */
interface LocationValue {
  location: string;
  value: Hex;
}

/** What the tests read from `parallel_getTransactionAccess`. */
interface TransactionAccess {
  reads: LocationValue[];
  writes: LocationValue[];
}

const word = (n: bigint): Hex => numberToHex(n, { size: 32 });
const sorted = (keys: Iterable<string>): string[] => [...keys].sort();

for (const name of NON_DEFAULT_NETWORKS) {
  describe(`network ${networkLabel(name)}: read and write sets (parallel_getTransactionAccess)`, function () {
    this.timeout(60_000);
    let connection: NetworkConnection;

    before(async function () {
      connection = await connect(name);
    });

    after(async function () {
      await connection?.close();
    });

    const rpc = (method: string, params: unknown[] = []) =>
      connection.provider.request({ method, params });

    /** Fetches and validates the sets of a mined transaction. */
    async function access(hash: Hex): Promise<TransactionAccess> {
      const result = (await rpc("parallel_getTransactionAccess", [
        hash,
      ])) as TransactionAccess | null;
      assert.ok(result !== null && typeof result === "object", `no access record for ${hash}`);
      assert.ok(
        Array.isArray(result.reads) && Array.isArray(result.writes),
        `reads/writes must be arrays: ${JSON.stringify(result)}`,
      );
      for (const entry of [...result.reads, ...result.writes]) {
        assert.match(
          entry.location,
          /^([bnc]:0x[0-9a-f]{40}|s:0x[0-9a-f]{40}:0x[0-9a-f]{64})$/,
          "location key format",
        );
        assert.match(entry.value, /^0x[0-9a-f]+$/, `value of ${entry.location}`);
      }
      return result;
    }

    const asMap = (entries: LocationValue[]) => new Map(entries.map((e) => [e.location, e.value]));

    /** Balance (wei) and nonce of `address` at `block`. */
    async function accountAt(
      address: Address,
      block: bigint,
    ): Promise<{ balance: bigint; nonce: bigint }> {
      const tag = numberToHex(block);
      return {
        balance: BigInt((await rpc("eth_getBalance", [address, tag])) as Hex),
        nonce: BigInt((await rpc("eth_getTransactionCount", [address, tag])) as Hex),
      };
    }

    /** Asserts that no location of the block's coinbase is in the sets. */
    async function assertNoCoinbase(sets: TransactionAccess, blockNumber: bigint): Promise<void> {
      const block = (await rpc("eth_getBlockByNumber", [numberToHex(blockNumber), false])) as {
        miner: string;
      };
      const coinbase = block.miner.toLowerCase();
      const touching = [...sets.reads, ...sets.writes].filter(
        (e) => parseLocationKey(e.location).address === coinbase,
      );
      assert.deepEqual(
        touching,
        [],
        `the coinbase ${coinbase} must not appear (its fee credit is lazy)`,
      );
    }

    it("a plain ETH transfer writes exactly the sender's nonce and balance and the recipient's balance", async function () {
      const [alice, bob] = await connection.viem.getWalletClients();
      const publicClient = await connection.viem.getPublicClient();
      const hash = await alice.sendTransaction({
        to: bob.account.address,
        value: parseEther("0.25"),
      });
      const receipt = await publicClient.getTransactionReceipt({ hash });
      const sets = await access(hash);
      const [a, b] = [alice.account.address, bob.account.address];
      assert.deepEqual(
        sorted(asMap(sets.writes).keys()),
        sorted([nonceKey(a), balanceKey(a), balanceKey(b)]),
      );
      const afterA = await accountAt(a, receipt.blockNumber);
      const afterB = await accountAt(b, receipt.blockNumber);
      const writes = asMap(sets.writes);
      assert.equal(writes.get(nonceKey(a)), numberToHex(afterA.nonce), "sender nonce after");
      assert.equal(
        writes.get(balanceKey(a)),
        numberToHex(afterA.balance),
        "sender balance after value and fee",
      );
      assert.equal(
        writes.get(balanceKey(b)),
        numberToHex(afterB.balance),
        "recipient balance after",
      );
      const beforeA = await accountAt(a, receipt.blockNumber - 1n);
      assert.equal(
        beforeA.balance - afterA.balance,
        parseEther("0.25") + receipt.gasUsed * receipt.effectiveGasPrice,
        "the written balance includes the fee payment",
      );
      await assertNoCoinbase(sets, receipt.blockNumber);
    });

    it("an ERC-20 transfer writes exactly the two balance slots and the sender's nonce and balance", async function () {
      const [owner, alice] = await connection.viem.getWalletClients();
      const publicClient = await connection.viem.getPublicClient();
      const token = await connection.viem.deployContract("NetToken", [1_000_000n]);
      await token.write.transfer([alice.account.address, 100n]);
      const hash = await token.write.transfer([alice.account.address, 250n]);
      const receipt = await publicClient.getTransactionReceipt({ hash });
      const sets = await access(hash);
      const [o, a] = [owner.account.address, alice.account.address];
      const ownerSlot = storageKey(token.address, mappingSlot(o, 0n));
      const aliceSlot = storageKey(token.address, mappingSlot(a, 0n));
      const writes = asMap(sets.writes);
      assert.deepEqual(
        sorted(writes.keys()),
        sorted([ownerSlot, aliceSlot, nonceKey(o), balanceKey(o)]),
      );
      assert.equal(writes.get(ownerSlot), word(1_000_000n - 350n));
      assert.equal(writes.get(aliceSlot), word(350n));
      assert.equal(
        writes.get(balanceKey(o)),
        numberToHex((await accountAt(o, receipt.blockNumber)).balance),
      );
      const reads = asMap(sets.reads);
      assert.equal(
        reads.get(ownerSlot),
        word(1_000_000n - 100n),
        "the sender's balance slot was read with its old value",
      );
      assert.equal(
        reads.get(aliceSlot),
        word(100n),
        "the recipient's balance slot was read with its old value",
      );
      const tokenPrefix = `s:${token.address.toLowerCase()}:`;
      const storageReads = sets.reads
        .filter((e) => e.location.startsWith(tokenPrefix))
        .map((e) => e.location);
      assert.deepEqual(
        sorted(storageReads),
        sorted([ownerSlot, aliceSlot]),
        "no other token slot is read",
      );
      await assertNoCoinbase(sets, receipt.blockNumber);
    });

    it("a counter increment writes exactly its slot (plus the sender's nonce and balance)", async function () {
      const [owner] = await connection.viem.getWalletClients();
      const counter = await connection.viem.deployContract("NetCounter");
      await counter.write.increment();
      const hash = await counter.write.increment();
      const sets = await access(hash);
      const countSlot = storageKey(counter.address, 0n);
      const o = owner.account.address;
      const writes = asMap(sets.writes);
      assert.deepEqual(sorted(writes.keys()), sorted([countSlot, nonceKey(o), balanceKey(o)]));
      assert.equal(writes.get(countSlot), word(2n));
      assert.equal(
        asMap(sets.reads).get(countSlot),
        word(1n),
        "the slot was read with its old value",
      );
    });

    it("a write of the value a slot already holds is recorded as a read only (EIP-7928)", async function () {
      const [owner] = await connection.viem.getWalletClients();
      const counter = await connection.viem.deployContract("NetCounter");
      await counter.write.set([5n]);
      const hash = await counter.write.set([5n]);
      const sets = await access(hash);
      const countSlot = storageKey(counter.address, 0n);
      const o = owner.account.address;
      assert.equal(asMap(sets.reads).get(countSlot), word(5n), "read with its value");
      assert.ok(!asMap(sets.writes).has(countSlot), "not a write");
      assert.deepEqual(sorted(asMap(sets.writes).keys()), sorted([nonceKey(o), balanceKey(o)]));
    });

    it("a reverted call writes only the sender's nonce and balance (its storage writes are undone)", async function () {
      const [owner] = await connection.viem.getWalletClients();
      const publicClient = await connection.viem.getPublicClient();
      const counter = await connection.viem.deployContract("NetCounter");
      await counter.write.increment();
      // incrementThenRevert() writes count = 2 and reverts. An explicit gas limit skips gas
      // estimation, so the transaction is mined (and the send rejects with the revert).
      await assert.rejects(
        counter.write.incrementThenRevert({ gas: 100_000n }),
        /NetCounter: undone/,
      );
      const block = await publicClient.getBlock({ blockTag: "latest" });
      const hash = block.transactions.at(-1) as Hex;
      const receipt = await publicClient.getTransactionReceipt({ hash });
      assert.equal(receipt.status, "reverted");
      const sets = await access(hash);
      const o = owner.account.address;
      const countSlot = storageKey(counter.address, 0n);
      assert.deepEqual(sorted(asMap(sets.writes).keys()), sorted([nonceKey(o), balanceKey(o)]));
      assert.equal(
        asMap(sets.reads).get(countSlot),
        word(1n),
        "the slot was read before the undone write",
      );
    });

    it("returns null for an unknown transaction hash", async function () {
      assert.equal(await rpc("parallel_getTransactionAccess", [`0x${"ab".repeat(32)}`]), null);
    });
  });
}
