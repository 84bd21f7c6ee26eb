/**
 * Contract tests written the ordinary Hardhat 3 way — hardhat-viem (`deployContract`, `read`,
 * `write`, `simulate`, `getEvents`, `getContractEvents`) and the assertions of
 * `@nomicfoundation/hardhat-viem-assertions` — run unchanged on every network of `NETWORKS`.
 * A network that behaves like EDR passes them all.
 */
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { getAddress, parseEther } from "viem";

import { NETWORKS, connect, networkLabel } from "./helpers/networks.ts";

/** `NetCounter.MAX`. */
const MAX = 1_000_000n;
/** Initial NetToken supply, minted to the deployer (token units). */
const SUPPLY = 10n ** 24n;

/**
 * Fixture for `loadFixture`: a NetCounter and a NetToken deployed by the first dev account.
 * Named (not an arrow function) so `loadFixture` snapshots it.
 */
async function deployContracts({ viem }: NetworkConnection) {
  const [owner, alice, bob] = await viem.getWalletClients();
  const counter = await viem.deployContract("NetCounter");
  const token = await viem.deployContract("NetToken", [SUPPLY]);
  const publicClient = await viem.getPublicClient();
  return { counter, token, owner, alice, bob, publicClient };
}

/** Finds, in an error's `cause` chain, the decoded revert data viem attaches. */
function revertData(error: unknown): { errorName?: string; args?: readonly unknown[] } | undefined {
  for (
    let e = error as { cause?: unknown; data?: unknown } | undefined;
    e !== undefined;
    e = e.cause as typeof e
  ) {
    if (typeof e.data === "object" && e.data !== null && "errorName" in e.data) {
      return e.data as { errorName?: string; args?: readonly unknown[] };
    }
    if (e.cause === e) break;
  }
  return undefined;
}

for (const name of NETWORKS) {
  describe(`network ${networkLabel(name)}: contracts through hardhat-viem`, function () {
    this.timeout(60_000);
    let connection: NetworkConnection;

    before(async function () {
      connection = await connect(name);
    });

    after(async function () {
      await connection?.close();
    });

    const load = () => connection.networkHelpers.loadFixture(deployContracts);

    describe("deploy, read, write, simulate", function () {
      it("deploys contracts and reads their initial state", async function () {
        const { counter, token, owner, publicClient } = await load();
        assert.equal(await counter.read.count(), 0n);
        assert.equal(await token.read.totalSupply(), SUPPLY);
        assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY);
        assert.equal(await token.read.name(), "Net Token");
        assert.equal(await token.read.symbol(), "NET");
        assert.equal(await token.read.decimals(), 18);
        assert.notEqual(
          await publicClient.getCode({ address: counter.address }),
          undefined,
          "counter has code",
        );
      });

      it("writes and reads back", async function () {
        const { counter, publicClient } = await load();
        const hash = await counter.write.increment();
        const receipt = await publicClient.getTransactionReceipt({ hash });
        assert.equal(receipt.status, "success");
        assert.equal(await counter.read.count(), 1n);
        await counter.write.set([42n]);
        assert.equal(await counter.read.count(), 42n);
      });

      it("writes from another account through a contract instance bound to its wallet client", async function () {
        const { token, alice, bob, owner, publicClient } = await load();
        await token.write.transfer([alice.account.address, 1_000n]);
        const asAlice = await connection.viem.getContractAt("NetToken", token.address, {
          client: { public: publicClient, wallet: alice },
        });
        await asAlice.write.transfer([bob.account.address, 400n]);
        assert.equal(await token.read.balanceOf([alice.account.address]), 600n);
        assert.equal(await token.read.balanceOf([bob.account.address]), 400n);
        assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY - 1_000n);
      });

      it("simulates a write: returns its result and changes nothing", async function () {
        const { token, alice, owner } = await load();
        const { result, request } = await token.simulate.transfer([alice.account.address, 5n]);
        assert.equal(result, true);
        assert.equal(getAddress(request.address), getAddress(token.address));
        assert.equal(await token.read.balanceOf([alice.account.address]), 0n);
        assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY);
      });

      it("simulates a reverting write: rejects with the decoded custom error", async function () {
        const { counter } = await load();
        await assert.rejects(counter.simulate.set([MAX + 1n]), (error) => {
          const data = revertData(error);
          assert.equal(
            data?.errorName,
            "TooLarge",
            `decoded error: ${JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? `${v}` : v))}`,
          );
          assert.deepEqual(data?.args, [MAX + 1n, MAX]);
          return true;
        });
      });

      it("estimates gas of a write close to what it used", async function () {
        const { counter, publicClient, owner } = await load();
        const estimate = await counter.estimateGas.increment({ account: owner.account });
        const hash = await counter.write.increment();
        const { gasUsed } = await publicClient.getTransactionReceipt({ hash });
        assert.ok(estimate >= gasUsed, `estimate ${estimate} covers gas used ${gasUsed}`);
        assert.ok(
          estimate < gasUsed + 10_000n,
          `estimate ${estimate} is not far above gas used ${gasUsed}`,
        );
      });
    });

    describe("events", function () {
      it("asserts emit and emitWithArgs on a write", async function () {
        const { counter, owner } = await load();
        await connection.viem.assertions.emit(counter.write.increment(), counter, "Incremented");
        await connection.viem.assertions.emitWithArgs(
          counter.write.increment(),
          counter,
          "Incremented",
          [getAddress(owner.account.address), 2n],
        );
        await connection.viem.assertions.emitWithArgs(
          counter.write.set([7n]),
          counter,
          "ValueSet",
          [getAddress(owner.account.address), (old: bigint) => old === 2n, 7n],
        );
      });

      it("fails emitWithArgs when the arguments differ", async function () {
        const { counter, owner } = await load();
        await assert.rejects(
          connection.viem.assertions.emitWithArgs(
            counter.write.increment(),
            counter,
            "Incremented",
            [getAddress(owner.account.address), 99n],
          ),
          /Incremented|argument|expected/i,
        );
      });

      it("reads past events with getContractEvents and contract.getEvents, filtered by indexed args", async function () {
        const { token, owner, alice, bob, publicClient } = await load();
        await token.write.transfer([alice.account.address, 10n]);
        await token.write.transfer([bob.account.address, 20n]);
        await token.write.transfer([alice.account.address, 30n]);
        const all = await publicClient.getContractEvents({
          address: token.address,
          abi: token.abi,
          eventName: "Transfer",
          fromBlock: 0n,
        });
        assert.deepEqual(
          all.map((e) => [e.args.from, e.args.to, e.args.value]),
          [
            [
              "0x0000000000000000000000000000000000000000",
              getAddress(owner.account.address),
              SUPPLY,
            ],
            [getAddress(owner.account.address), getAddress(alice.account.address), 10n],
            [getAddress(owner.account.address), getAddress(bob.account.address), 20n],
            [getAddress(owner.account.address), getAddress(alice.account.address), 30n],
          ],
        );
        const toAlice = await token.getEvents.Transfer(
          { to: alice.account.address },
          { fromBlock: 0n },
        );
        assert.deepEqual(
          toAlice.map((e) => e.args.value),
          [10n, 30n],
        );
        const last = all.at(-1)!;
        assert.equal(last.blockNumber, await publicClient.getBlockNumber());
        assert.equal(last.logIndex, 0);
      });
    });

    describe("reverts", function () {
      it("asserts revertWith a reason string on write and read", async function () {
        const { counter } = await load();
        await connection.viem.assertions.revertWith(
          counter.write.setPositive([0n]),
          "NetCounter: value must be positive",
        );
        await connection.viem.assertions.revertWith(
          counter.read.checkPositive([0n]),
          "NetCounter: value must be positive",
        );
      });

      it("asserts revertWithCustomError and revertWithCustomErrorWithArgs on write and read", async function () {
        const { counter, token, alice, owner } = await load();
        await connection.viem.assertions.revertWithCustomError(
          counter.write.set([MAX + 1n]),
          counter,
          "TooLarge",
        );
        await connection.viem.assertions.revertWithCustomErrorWithArgs(
          counter.write.set([MAX + 1n]),
          counter,
          "TooLarge",
          [MAX + 1n, MAX],
        );
        await connection.viem.assertions.revertWithCustomErrorWithArgs(
          counter.read.checkSmall([MAX + 5n]),
          counter,
          "TooLarge",
          [(v: bigint) => v === MAX + 5n, MAX],
        );
        const asAlice = await connection.viem.getContractAt("NetToken", token.address, {
          client: { wallet: alice },
        });
        await connection.viem.assertions.revertWithCustomErrorWithArgs(
          asAlice.write.transfer([owner.account.address, 1n]),
          token,
          "InsufficientBalance",
          [getAddress(alice.account.address), 0n, 1n],
        );
        await connection.viem.assertions.revertWithCustomError(
          asAlice.write.transferFrom([owner.account.address, alice.account.address, 1n]),
          token,
          "InsufficientAllowance",
        );
      });

      it("asserts revert for a panic and exposes the panic code", async function () {
        const { counter } = await load();
        await connection.viem.assertions.revert(counter.write.divideInto([1n, 0n]));
        await assert.rejects(counter.read.divide([1n, 0n]), (error) => {
          const data = revertData(error);
          assert.equal(data?.errorName, "Panic");
          assert.deepEqual(data?.args, [0x12n], "division by zero is panic 0x12");
          return true;
        });
      });

      it("fails the revert assertions when the call does not revert or reverts differently", async function () {
        const { counter } = await load();
        await assert.rejects(
          connection.viem.assertions.revert(counter.write.increment()),
          /expected to revert/i,
        );
        await assert.rejects(
          connection.viem.assertions.revertWith(counter.write.setPositive([0n]), "another reason"),
          /another reason|expected/i,
        );
        await assert.rejects(
          connection.viem.assertions.revertWithCustomError(
            counter.write.setPositive([0n]),
            counter,
            "TooLarge",
          ),
          /TooLarge|expected/i,
        );
      });

      it("leaves state unchanged after a reverted write", async function () {
        const { counter } = await load();
        await counter.write.set([3n]);
        await connection.viem.assertions.revertWithCustomError(
          counter.write.set([MAX + 1n]),
          counter,
          "TooLarge",
        );
        await connection.viem.assertions.revert(counter.write.setPositive([0n]));
        assert.equal(await counter.read.count(), 3n);
      });
    });

    describe("balances", function () {
      it("asserts balancesHaveChanged for a payable call (fees excluded)", async function () {
        const { counter, owner } = await load();
        await connection.viem.assertions.balancesHaveChanged(
          counter.write.deposit({ value: parseEther("1.5") }),
          [
            { address: counter.address, amount: parseEther("1.5") },
            { address: owner.account.address, amount: -parseEther("1.5") },
          ],
        );
        assert.equal(await counter.read.deposits([owner.account.address]), parseEther("1.5"));
      });

      it("asserts balancesHaveChanged for a plain ETH transfer and a contract payout", async function () {
        const { counter, alice, bob } = await load();
        await connection.viem.assertions.balancesHaveChanged(
          alice.sendTransaction({ to: bob.account.address, value: 3_333n }),
          [
            { address: alice.account.address, amount: -3_333n },
            { address: bob.account.address, amount: 3_333n },
          ],
        );
        const asBob = await connection.viem.getContractAt("NetCounter", counter.address, {
          client: { wallet: bob },
        });
        await asBob.write.deposit({ value: 1_000n });
        await connection.viem.assertions.balancesHaveChanged(asBob.write.withdraw(), [
          { address: counter.address, amount: -1_000n },
          { address: bob.account.address, amount: 1_000n },
        ]);
      });

      it("fails balancesHaveChanged when the amount is wrong", async function () {
        const { alice, bob } = await load();
        await assert.rejects(
          connection.viem.assertions.balancesHaveChanged(
            alice.sendTransaction({ to: bob.account.address, value: 10n }),
            [{ address: bob.account.address, amount: 11n }],
          ),
          /expected balance to change by 11/,
        );
      });
    });
  });
}
