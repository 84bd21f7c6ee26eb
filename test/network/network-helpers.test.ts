/**
 * `@nomicfoundation/hardhat-network-helpers` used the ordinary way (`const { networkHelpers } =
 * await network.create(...)`): loadFixture, time, impersonation, account and storage setters,
 * mining and snapshots, on every network of `NETWORKS`. A network that behaves like EDR passes
 * them all unchanged.
 */
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { getAddress, getContractAddress, numberToHex, parseEther } from "viem";

import { NETWORKS, connect, networkLabel } from "./helpers/networks.ts";

/** An address no test funds before it uses it. */
const STRANGER = getAddress("0x00000000000000000000000000000000b0b0b0b0");

/** Fixture for `loadFixture` (named, so it is snapshotted): a NetCounter and the dev wallets. */
async function counterFixture({ viem }: NetworkConnection) {
  const counter = await viem.deployContract("NetCounter");
  const [owner, alice] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  return { counter, owner, alice, publicClient };
}

for (const name of NETWORKS) {
  describe(`network ${networkLabel(name)}: hardhat-network-helpers`, function () {
    this.timeout(60_000);
    let connection: NetworkConnection;

    before(async function () {
      connection = await connect(name);
    });

    after(async function () {
      await connection?.close();
    });

    const helpers = () => connection.networkHelpers;
    const load = () => connection.networkHelpers.loadFixture(counterFixture);

    describe("loadFixture and takeSnapshot", function () {
      it("returns the same deployment and resets state on every load", async function () {
        const first = await load();
        await first.counter.write.increment();
        await first.counter.write.increment();
        assert.equal(await first.counter.read.count(), 2n);
        const second = await load();
        assert.equal(
          second.counter.address,
          first.counter.address,
          "same contract, not a redeployment",
        );
        assert.equal(
          await second.counter.read.count(),
          0n,
          "state reverted to the fixture's snapshot",
        );
      });

      it("restores a snapshot, more than once, including block number and balances", async function () {
        const { counter, alice, publicClient } = await load();
        const snapshot = await helpers().takeSnapshot();
        const block = await publicClient.getBlockNumber();
        const balance = await publicClient.getBalance({ address: alice.account.address });
        for (let round = 0; round < 2; round++) {
          await counter.write.set([9n]);
          await alice.sendTransaction({ to: STRANGER, value: 1n });
          assert.equal(await counter.read.count(), 9n);
          await snapshot.restore();
          assert.equal(await counter.read.count(), 0n, `round ${round}: counter restored`);
          assert.equal(
            await publicClient.getBlockNumber(),
            block,
            `round ${round}: block number restored`,
          );
          assert.equal(
            await publicClient.getBalance({ address: alice.account.address }),
            balance,
            `round ${round}: balance restored`,
          );
        }
      });
    });

    describe("time", function () {
      it("time.increase mines one block that many seconds later; time.latest reads it", async function () {
        const { publicClient } = await load();
        const before = await helpers().time.latest();
        const blockBefore = await helpers().time.latestBlock();
        const returned = await helpers().time.increase(3_600);
        assert.equal(returned, before + 3_600);
        assert.equal(await helpers().time.latest(), before + 3_600);
        assert.equal(await helpers().time.latestBlock(), blockBefore + 1);
        const block = await publicClient.getBlock();
        assert.equal(block.timestamp, BigInt(before + 3_600));
      });

      it("setNextBlockTimestamp fixes block.timestamp of the next transaction", async function () {
        const { counter, publicClient } = await load();
        const next = (await helpers().time.latest()) + 1_000;
        await helpers().time.setNextBlockTimestamp(next);
        const hash = await counter.write.increment();
        const receipt = await publicClient.getTransactionReceipt({ hash });
        const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
        assert.equal(block.timestamp, BigInt(next));
      });

      it("a time lock opens only at its time (increaseTo, custom error with block.timestamp)", async function () {
        const { counter, owner } = await load();
        const unlock = (await helpers().time.latest()) + helpers().time.duration.days(1);
        await counter.write.setUnlockTime([BigInt(unlock)]);
        await counter.write.deposit({ value: parseEther("1") });
        const attempt = (await helpers().time.latest()) + 10;
        await helpers().time.setNextBlockTimestamp(attempt);
        await connection.viem.assertions.revertWithCustomErrorWithArgs(
          counter.write.withdraw(),
          counter,
          "Locked",
          [BigInt(attempt), BigInt(unlock)],
        );
        await helpers().time.increaseTo(unlock);
        await connection.viem.assertions.balancesHaveChanged(counter.write.withdraw(), [
          { address: owner.account.address, amount: parseEther("1") },
          { address: counter.address, amount: -parseEther("1") },
        ]);
      });
    });

    describe("accounts", function () {
      it("setBalance and impersonateAccount let an arbitrary address send transactions", async function () {
        const { counter, alice, publicClient } = await load();
        await helpers().setBalance(STRANGER, parseEther("5"));
        assert.equal(await publicClient.getBalance({ address: STRANGER }), parseEther("5"));
        await helpers().impersonateAccount(STRANGER);
        const stranger = await connection.viem.getWalletClient(STRANGER);
        await connection.viem.assertions.balancesHaveChanged(
          stranger.sendTransaction({ to: alice.account.address, value: parseEther("1") }),
          [
            { address: STRANGER, amount: -parseEther("1") },
            { address: alice.account.address, amount: parseEther("1") },
          ],
        );
        const asStranger = await connection.viem.getContractAt("NetCounter", counter.address, {
          client: { wallet: stranger },
        });
        await connection.viem.assertions.emitWithArgs(
          asStranger.write.increment(),
          counter,
          "Incremented",
          [STRANGER, 1n],
        );
        assert.equal(await publicClient.getTransactionCount({ address: STRANGER }), 2);
      });

      it("stopImpersonatingAccount makes the address unusable again", async function () {
        const { alice } = await load();
        await helpers().setBalance(STRANGER, parseEther("1"));
        await helpers().impersonateAccount(STRANGER);
        await helpers().stopImpersonatingAccount(STRANGER);
        const stranger = await connection.viem.getWalletClient(STRANGER);
        await assert.rejects(stranger.sendTransaction({ to: alice.account.address, value: 1n }));
      });

      it("setCode installs runtime code; setStorageAt and getStorageAt write and read its slots", async function () {
        const { counter, publicClient } = await load();
        const code = await publicClient.getCode({ address: counter.address });
        assert.ok(code !== undefined && code.length > 2);
        const clone = getAddress("0x00000000000000000000000000000000c10e0001");
        await helpers().setCode(clone, code);
        assert.equal(await publicClient.getCode({ address: clone }), code);
        const atClone = await connection.viem.getContractAt("NetCounter", clone);
        assert.equal(await atClone.read.count(), 0n);
        await atClone.write.increment();
        assert.equal(await atClone.read.count(), 1n);
        await helpers().setStorageAt(clone, 0, 77);
        assert.equal(await atClone.read.count(), 77n);
        assert.equal(await helpers().getStorageAt(clone, 0), numberToHex(77, { size: 32 }));
        assert.equal(await counter.read.count(), 0n, "the original is untouched");
      });

      it("setNonce decides the address of the next deployment", async function () {
        const { publicClient } = await load();
        await helpers().setBalance(STRANGER, parseEther("1"));
        await helpers().setNonce(STRANGER, 10);
        assert.equal(await publicClient.getTransactionCount({ address: STRANGER }), 10);
        await helpers().impersonateAccount(STRANGER);
        const stranger = await connection.viem.getWalletClient(STRANGER);
        const deployed = await connection.viem.deployContract("NetCounter", [], {
          client: { wallet: stranger },
        });
        assert.equal(
          getAddress(deployed.address),
          getContractAddress({ from: STRANGER, nonce: 10n }),
        );
      });
    });

    describe("mining", function () {
      it("mine(n) and mine(n, { interval }) add blocks with the given spacing; mineUpTo reaches a height", async function () {
        const { publicClient } = await load();
        const start = await helpers().time.latestBlock();
        await helpers().mine();
        await helpers().mine(5);
        assert.equal(await helpers().time.latestBlock(), start + 6);
        const t0 = await helpers().time.latest();
        await helpers().mine(3, { interval: 100 });
        const times = await Promise.all(
          [1n, 2n, 3n].map(
            async (i) =>
              (await publicClient.getBlock({ blockNumber: BigInt(start + 6) + i })).timestamp,
          ),
        );
        assert.ok(times[0] > BigInt(t0), "the first block comes after the latest one");
        assert.deepEqual(
          [times[1] - times[0], times[2] - times[1]],
          [100n, 100n],
          "blocks are 100 s apart",
        );
        await helpers().mineUpTo(start + 20);
        assert.equal(await helpers().time.latestBlock(), start + 20);
      });

      it("setBlockGasLimit sets the gas limit of the next blocks", async function () {
        const { counter, publicClient } = await load();
        await helpers().setBlockGasLimit(1_000_000);
        await counter.write.increment();
        const block = await publicClient.getBlock();
        assert.equal(block.gasLimit, 1_000_000n);
        await helpers().mine();
        assert.equal((await publicClient.getBlock()).gasLimit, 1_000_000n, "and the ones after");
        await assert.rejects(
          counter.write.increment({ gas: 2_000_000n }),
          "a transaction above the limit is refused",
        );
      });

      it("with automine off, one sender's transactions without gas queue up and are mined together", async function () {
        const { counter, owner, publicClient } = await load();
        const provider = connection.provider;
        await provider.request({ method: "evm_setAutomine", params: [false] });
        try {
          const calls = [0, 1, 2].map(() => ({
            from: owner.account.address,
            to: counter.address,
            data: "0xd09de08a" /* increment() */,
          }));
          const hashes: string[] = [];
          for (const call of calls)
            hashes.push(
              (await provider.request({ method: "eth_sendTransaction", params: [call] })) as string,
            );
          await helpers().mine();
        } finally {
          await provider.request({ method: "evm_setAutomine", params: [true] });
        }
        const block = await publicClient.getBlock();
        assert.equal(block.transactions.length, 3);
        assert.equal(await counter.read.count(), 3n);
      });
    });
  });
}
