/**
 * Unit tests of the library's `ParallelERC20` (through the template's `VaultParallelAsset`, which
 * only adds an open faucet `mint` and `simulateLoss`): ERC-20 behaviour, the sharded total supply,
 * sharded holders (credits in the sender's shard, debits from the recipient's shard with a sweep,
 * `transferFromShard`, `rebalanceShards`, opting in and out), EIP-2612 permits signed with viem,
 * and the storage slots the annotations name.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  type Address,
  type Hex,
  getAddress,
  hashDomain,
  hexToBigInt,
  keccak256,
  maxUint256,
  parseSignature,
  stringToHex,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { ONE, SHARDS, connect, mappingSlot, shardOf, slotHex, toSigned } from "./helpers.ts";

const { viem, networkHelpers } = await connect();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const [deployer, alice, bob, carol, dave] = wallets;

/** Slots of `ParallelERC20`'s variables (see its storage notes). */
const SLOT = {
  balances: 0n,
  allowances: 1n,
  shardedHolder: 2n,
  shardedBalances: 3n,
  totalSupply: 4n,
  nonces: 260n,
};

async function deployToken() {
  return viem.deployContract("VaultParallelAsset");
}
type Token = Awaited<ReturnType<typeof deployToken>>;

async function storageAt(address: Address, slot: bigint): Promise<bigint> {
  return toSigned(await publicClient.getStorageAt({ address, slot: slotHex(slot) }));
}

/** Slot of shard `i` of sharded holder `h`: `keccak256(abi.encode(h, 3)) + i`. */
const holderShardSlot = (holder: Address, i: bigint) =>
  mappingSlot(holder, SLOT.shardedBalances) + i;

/** All 256 shards of a sharded holder, read one by one through `shardBalanceOf`. */
async function shardsOf(token: Token, holder: Address): Promise<bigint[]> {
  return Promise.all(
    [...Array(Number(SHARDS)).keys()].map((i) => token.read.shardBalanceOf([holder, BigInt(i)])),
  );
}

/**
 * An off-chain model of ParallelERC20 balances, written from the contract's documentation:
 * credits to a sharded holder land in shard(counterparty); debits start at shard(counterparty)
 * and sweep the following shards (mod N).
 */
class TokenModel {
  readonly plain = new Map<string, bigint>();
  readonly sharded = new Map<string, bigint[]>();
  supply = 0n;

  balance(a: Address): bigint {
    const shards = this.sharded.get(a.toLowerCase());
    return shards ? shards.reduce((x, y) => x + y, 0n) : (this.plain.get(a.toLowerCase()) ?? 0n);
  }

  credit(a: Address, counterparty: Address, v: bigint) {
    const shards = this.sharded.get(a.toLowerCase());
    if (shards) shards[Number(shardOf(counterparty))] += v;
    else this.plain.set(a.toLowerCase(), (this.plain.get(a.toLowerCase()) ?? 0n) + v);
  }

  /** @returns false (and changes nothing) when the balance is short. */
  debit(a: Address, counterparty: Address, v: bigint): boolean {
    if (this.balance(a) < v) return false;
    const shards = this.sharded.get(a.toLowerCase());
    if (!shards) {
      this.plain.set(a.toLowerCase(), this.balance(a) - v);
      return true;
    }
    let i = Number(shardOf(counterparty));
    let remaining = v;
    while (remaining > 0n) {
      const take = shards[i] < remaining ? shards[i] : remaining;
      shards[i] -= take;
      remaining -= take;
      i = (i + 1) % Number(SHARDS);
    }
    return true;
  }

  enable(a: Address) {
    if (this.sharded.has(a.toLowerCase())) return;
    const shards = new Array<bigint>(Number(SHARDS)).fill(0n);
    shards[Number(shardOf(a))] = this.plain.get(a.toLowerCase()) ?? 0n;
    this.plain.set(a.toLowerCase(), 0n);
    this.sharded.set(a.toLowerCase(), shards);
  }
}

describe("ParallelERC20 (library)", function () {
  describe("ERC-20", function () {
    it("has metadata, and shardOf is the annotation's shard(x)", async function () {
      const token = await deployToken();
      expect(await token.read.name()).to.equal("Vault Parallel Asset");
      expect(await token.read.symbol()).to.equal("VPA");
      expect(await token.read.decimals()).to.equal(18);
      expect(await token.read.totalSupply()).to.equal(0n);
      expect(await token.read.balanceShards()).to.equal(SHARDS);
      for (const w of wallets.slice(0, 8))
        expect(await token.read.shardOf([w.account.address])).to.equal(shardOf(w.account.address));
    });

    it("mints into the supply shard shard(to), and totalSupply sums the shards", async function () {
      const token = await deployToken();
      await token.write.mint([alice.account.address, 5n * ONE]);
      await token.write.mint([bob.account.address, 7n * ONE]);
      expect(await token.read.totalSupply()).to.equal(12n * ONE);
      expect(await token.read.balanceOf([alice.account.address])).to.equal(5n * ONE);
      const sa = shardOf(alice.account.address);
      const sb = shardOf(bob.account.address);
      expect(sa).to.not.equal(sb);
      expect(await storageAt(token.address, SLOT.totalSupply + sa)).to.equal(5n * ONE);
      expect(await storageAt(token.address, SLOT.totalSupply + sb)).to.equal(7n * ONE);
      expect(
        await storageAt(token.address, mappingSlot(alice.account.address, SLOT.balances)),
      ).to.equal(5n * ONE);
    });

    it("burns from the supply shard shard(from), which may go negative", async function () {
      const token = await deployToken();
      await token.write.mint([alice.account.address, 10n]);
      await token.write.transfer([bob.account.address, 4n], { account: alice.account });
      await token.write.simulateLoss([bob.account.address, 3n]);
      expect(await token.read.totalSupply()).to.equal(7n);
      expect(
        await storageAt(token.address, SLOT.totalSupply + shardOf(bob.account.address)),
      ).to.equal(-3n);
      expect(await token.read.balanceOf([bob.account.address])).to.equal(1n);
    });

    it("transfers, approves and transfers from, with ERC-6093 errors", async function () {
      const token = await deployToken();
      const a = alice.account.address;
      const b = bob.account.address;
      await token.write.mint([a, 100n]);
      await viem.assertions.emitWithArgs(
        token.write.transfer([b, 40n], { account: alice.account }),
        token,
        "Transfer",
        [getAddress(a), getAddress(b), 40n],
      );
      expect(await token.read.balanceOf([a])).to.equal(60n);
      expect(await token.read.balanceOf([b])).to.equal(40n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transfer([b, 61n], { account: alice.account }),
        token,
        "ERC20InsufficientBalance",
        [getAddress(a), 60n, 61n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transfer([zeroAddress, 1n], { account: alice.account }),
        token,
        "ERC20InvalidReceiver",
        [zeroAddress],
      );

      await token.write.approve([carol.account.address, 50n], { account: alice.account });
      expect(await token.read.allowance([a, carol.account.address])).to.equal(50n);
      await token.write.transferFrom([a, b, 20n], { account: carol.account });
      expect(await token.read.allowance([a, carol.account.address])).to.equal(30n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFrom([a, b, 31n], { account: carol.account }),
        token,
        "ERC20InsufficientAllowance",
        [getAddress(carol.account.address), 30n, 31n],
      );
      // An infinite allowance is only read, never decreased.
      await token.write.approve([dave.account.address, maxUint256], { account: alice.account });
      await token.write.transferFrom([a, b, 10n], { account: dave.account });
      expect(await token.read.allowance([a, dave.account.address])).to.equal(maxUint256);
      expect(await token.read.balanceOf([b])).to.equal(70n);
      expect(await token.read.totalSupply()).to.equal(100n);
    });
  });

  describe("sharded holders", function () {
    it("opting in moves the balance into shard(holder); credits land in shard(sender)", async function () {
      const token = await deployToken();
      const h = deployer.account.address;
      await token.write.mint([h, 9n]);
      await viem.assertions.emitWithArgs(
        token.write.enableShardedBalance(),
        token,
        "ShardedBalanceEnabled",
        [getAddress(h)],
      );
      await token.write.enableShardedBalance(); // idempotent
      expect(await token.read.isShardedHolder([h])).to.equal(true);
      expect(await token.read.shardBalanceOf([h, shardOf(h)])).to.equal(9n);
      expect(await storageAt(token.address, mappingSlot(h, SLOT.balances))).to.equal(0n);

      for (const [i, w] of [alice, bob, carol].entries()) {
        await token.write.mint([w.account.address, 1000n]);
        await token.write.transfer([h, BigInt(10 * (i + 1))], { account: w.account });
      }
      for (const [i, w] of [alice, bob, carol].entries()) {
        const s = shardOf(w.account.address);
        expect(await token.read.shardBalanceOf([h, s])).to.equal(BigInt(10 * (i + 1)));
        expect(
          await storageAt(token.address, holderShardSlot(h, s)),
          `slot of shard ${s}`,
        ).to.equal(BigInt(10 * (i + 1)));
      }
      expect(await token.read.balanceOf([h])).to.equal(9n + 60n);

      // transferFrom credits the shard of `from`, not of the spender; a mint, shard(0).
      await token.write.approve([dave.account.address, 5n], { account: alice.account });
      await token.write.transferFrom([alice.account.address, h, 5n], { account: dave.account });
      expect(await token.read.shardBalanceOf([h, shardOf(alice.account.address)])).to.equal(15n);
      const zeroShardBefore = await token.read.shardBalanceOf([h, shardOf(zeroAddress)]);
      await token.write.mint([h, 2n]);
      expect(await token.read.shardBalanceOf([h, shardOf(zeroAddress)])).to.equal(
        zeroShardBefore + 2n,
      );
      expect(await token.read.balanceOf([h])).to.equal(76n);
      expect(await token.read.totalSupply()).to.equal(9n + 3000n + 2n);
    });

    it("debits shard(to) first, sweeps the following shards when it is short, and reverts only when the sum is", async function () {
      const token = await deployToken();
      const h = deployer.account.address;
      await token.write.enableShardedBalance();
      const model = new TokenModel();
      model.enable(h);
      for (const [i, w] of [alice, bob, carol, dave].entries()) {
        await token.write.mint([w.account.address, 100n]);
        await token.write.transfer([h, BigInt(10 + i)], { account: w.account });
        model.credit(h, w.account.address, BigInt(10 + i));
      }
      // Paying alice back from her own shard touches only that shard.
      await token.write.transfer([alice.account.address, 10n]);
      model.debit(h, alice.account.address, 10n);
      expect(await token.read.shardBalanceOf([h, shardOf(alice.account.address)])).to.equal(0n);
      expect(await shardsOf(token, h)).to.deep.equal(model.sharded.get(h.toLowerCase()));

      // Paying bob more than his shard holds sweeps on (bob's shard, then the next ones, mod N).
      await token.write.transfer([bob.account.address, 30n]);
      model.debit(h, bob.account.address, 30n);
      expect(await shardsOf(token, h)).to.deep.equal(model.sharded.get(h.toLowerCase()));
      expect(await token.read.balanceOf([h])).to.equal(46n - 10n - 30n);

      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transfer([carol.account.address, 7n]),
        token,
        "ERC20InsufficientBalance",
        [getAddress(h), 6n, 7n],
      );
    });

    it("transferFromShard debits exactly one shard; rebalanceShards moves between shards", async function () {
      const token = await deployToken();
      const h = deployer.account.address;
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFromShard([0n, alice.account.address, 1n]),
        token,
        "ParallelERC20NotSharded",
        [getAddress(h)],
      );
      await token.write.enableShardedBalance();
      await token.write.mint([alice.account.address, 100n]);
      await token.write.mint([bob.account.address, 100n]);
      await token.write.transfer([h, 20n], { account: alice.account });
      await token.write.transfer([h, 30n], { account: bob.account });
      const sa = shardOf(alice.account.address);
      const sb = shardOf(bob.account.address);

      // 25 is less than the total (50) but more than alice's shard (20): refused, no sweep.
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFromShard([sa, carol.account.address, 25n]),
        token,
        "ParallelERC20InsufficientShardBalance",
        [getAddress(h), sa, 20n, 25n],
      );
      await token.write.transferFromShard([sb, carol.account.address, 25n]);
      expect(await token.read.shardBalanceOf([h, sb])).to.equal(5n);
      expect(await token.read.shardBalanceOf([h, sa])).to.equal(20n);
      expect(await token.read.balanceOf([carol.account.address])).to.equal(25n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFromShard([SHARDS, carol.account.address, 0n]),
        token,
        "ParallelERC20InvalidShard",
        [SHARDS],
      );

      await viem.assertions.emitWithArgs(
        token.write.rebalanceShards([sa, sb, 15n]),
        token,
        "ShardsRebalanced",
        [getAddress(h), sa, sb, 15n],
      );
      expect(await token.read.shardBalanceOf([h, sa])).to.equal(5n);
      expect(await token.read.shardBalanceOf([h, sb])).to.equal(20n);
      await viem.assertions.revertWithCustomError(
        token.write.rebalanceShards([sa, sb, 6n]),
        token,
        "ParallelERC20InsufficientShardBalance",
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.rebalanceShards([sa, SHARDS, 1n]),
        token,
        "ParallelERC20InvalidShard",
        [SHARDS],
      );
      expect(await token.read.balanceOf([h])).to.equal(25n);
    });

    it("opting out sums the shards back into one balance slot", async function () {
      const token = await deployToken();
      const h = deployer.account.address;
      await token.write.enableShardedBalance();
      await token.write.mint([alice.account.address, 100n]);
      await token.write.mint([bob.account.address, 100n]);
      await token.write.transfer([h, 20n], { account: alice.account });
      await token.write.transfer([h, 30n], { account: bob.account });
      await viem.assertions.emitWithArgs(
        token.write.disableShardedBalance(),
        token,
        "ShardedBalanceDisabled",
        [getAddress(h)],
      );
      await token.write.disableShardedBalance(); // idempotent
      expect(await token.read.isShardedHolder([h])).to.equal(false);
      expect(await storageAt(token.address, mappingSlot(h, SLOT.balances))).to.equal(50n);
      expect(
        await storageAt(token.address, holderShardSlot(h, shardOf(alice.account.address))),
      ).to.equal(0n);
      await token.write.transfer([h, 1n], { account: alice.account });
      expect(await token.read.balanceOf([h])).to.equal(51n);
    });

    it("matches the model under random transfers among plain and sharded holders", async function () {
      this.timeout(300_000);
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              from: fc.integer({ min: 0, max: 4 }),
              to: fc.integer({ min: 0, max: 4 }),
              amount: fc.bigInt({ min: 0n, max: 120n }),
              viaSpender: fc.boolean(),
            }),
            { minLength: 1, maxLength: 12 },
          ),
          async (ops) => {
            const token = await deployToken();
            const model = new TokenModel();
            const people = [deployer, alice, bob, carol, dave];
            // deployer and alice are sharded holders; the others are plain.
            for (const w of people) {
              await token.write.mint([w.account.address, 100n]);
              model.credit(w.account.address, zeroAddress, 100n);
              model.supply += 100n;
            }
            for (const w of [deployer, alice]) {
              await token.write.enableShardedBalance({ account: w.account });
              model.enable(w.account.address);
            }
            for (const op of ops) {
              const from = people[op.from].account;
              const to = people[op.to].account.address;
              const ok = model.balance(from.address) >= op.amount;
              const send = op.viaSpender
                ? (async () => {
                    await token.write.approve([dave.account.address, op.amount], { account: from });
                    return token.write.transferFrom([from.address, to, op.amount], {
                      account: dave.account,
                    });
                  })()
                : token.write.transfer([to, op.amount], { account: from });
              if (!ok) {
                await viem.assertions.revertWithCustomError(
                  send,
                  token,
                  "ERC20InsufficientBalance",
                );
                continue;
              }
              await send;
              model.debit(from.address, to, op.amount);
              model.credit(to, from.address, op.amount);
            }
            for (const w of people) {
              expect(await token.read.balanceOf([w.account.address])).to.equal(
                model.balance(w.account.address),
              );
            }
            for (const w of [deployer, alice]) {
              expect(await shardsOf(token, w.account.address)).to.deep.equal(
                model.sharded.get(w.account.address.toLowerCase()),
              );
            }
            expect(await token.read.totalSupply()).to.equal(model.supply);
          },
        ),
        { numRuns: 12, seed: 11 },
      );
    });
  });

  describe("EIP-2612 permit", function () {
    const owner = privateKeyToAccount(keccak256(stringToHex("hardhat-parallel/permit-owner")));
    const other = privateKeyToAccount(keccak256(stringToHex("hardhat-parallel/permit-other")));

    async function signPermit(
      token: Token,
      signer: typeof owner,
      message: { owner: Address; spender: Address; value: bigint; nonce: bigint; deadline: bigint },
    ) {
      const signature = await signer.signTypedData({
        domain: {
          name: "Vault Parallel Asset",
          version: "1",
          chainId: await publicClient.getChainId(),
          verifyingContract: token.address,
        },
        types: {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        primaryType: "Permit",
        message,
      });
      const { v, r, s, yParity } = parseSignature(signature);
      return { v: Number(v ?? BigInt(yParity + 27)), r, s };
    }

    it("uses the EIP-712 domain name / version 1 / chain id / token address", async function () {
      const token = await deployToken();
      const chainId = await publicClient.getChainId();
      const expected = hashDomain({
        domain: {
          name: "Vault Parallel Asset",
          version: "1",
          chainId: BigInt(chainId),
          verifyingContract: token.address,
        },
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
            { name: "verifyingContract", type: "address" },
          ],
        },
      });
      expect(await token.read.DOMAIN_SEPARATOR()).to.equal(expected);
      const [fields, name, version, id, verifyingContract] = await token.read.eip712Domain();
      expect([fields, name, version, id, verifyingContract]).to.deep.equal([
        "0x0f",
        "Vault Parallel Asset",
        "1",
        BigInt(chainId),
        getAddress(token.address),
      ]);
    });

    it("accepts a permit signed by the owner once, and the spender can then spend", async function () {
      const token = await deployToken();
      await token.write.mint([owner.address, 100n]);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const message = {
        owner: owner.address,
        spender: bob.account.address,
        value: 60n,
        nonce: 0n,
        deadline,
      };
      const { v, r, s } = await signPermit(token, owner, message);
      await viem.assertions.emitWithArgs(
        token.write.permit([owner.address, bob.account.address, 60n, deadline, v, r, s], {
          account: alice.account,
        }),
        token,
        "Approval",
        [getAddress(owner.address), getAddress(bob.account.address), 60n],
      );
      expect(await token.read.allowance([owner.address, bob.account.address])).to.equal(60n);
      expect(await token.read.nonces([owner.address])).to.equal(1n);
      expect(await storageAt(token.address, mappingSlot(owner.address, SLOT.nonces))).to.equal(1n);
      await token.write.transferFrom([owner.address, carol.account.address, 60n], {
        account: bob.account,
      });
      expect(await token.read.balanceOf([carol.account.address])).to.equal(60n);

      // Replaying the same signature fails: the nonce moved on, so the digest (and signer) differ.
      await viem.assertions.revertWithCustomError(
        token.write.permit([owner.address, bob.account.address, 60n, deadline, v, r, s]),
        token,
        "ERC2612InvalidSigner",
      );
    });

    it("rejects expired, foreign, tampered and malleable signatures", async function () {
      const token = await deployToken();
      const now = BigInt(await networkHelpers.time.latest());
      const spender = bob.account.address;

      const expired = await signPermit(token, owner, {
        owner: owner.address,
        spender,
        value: 1n,
        nonce: 0n,
        deadline: now,
      });
      await networkHelpers.time.increase(10);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.permit([owner.address, spender, 1n, now, expired.v, expired.r, expired.s]),
        token,
        "ERC2612ExpiredSignature",
        [now],
      );

      const deadline = now + 3600n;
      const foreign = await signPermit(token, other, {
        owner: owner.address,
        spender,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.permit([owner.address, spender, 1n, deadline, foreign.v, foreign.r, foreign.s]),
        token,
        "ERC2612InvalidSigner",
        [getAddress(other.address), getAddress(owner.address)],
      );

      const good = await signPermit(token, owner, {
        owner: owner.address,
        spender,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      // Tampered value: recovers some other address.
      await viem.assertions.revertWithCustomError(
        token.write.permit([owner.address, spender, 2n, deadline, good.v, good.r, good.s]),
        token,
        "ERC2612InvalidSigner",
      );
      // The malleable twin (n - s, flipped v) is a valid ECDSA signature of the same digest, refused.
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const twinS = `0x${(n - hexToBigInt(good.s)).toString(16).padStart(64, "0")}` as Hex;
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.permit([
          owner.address,
          spender,
          1n,
          deadline,
          good.v === 27 ? 28 : 27,
          good.r,
          twinS,
        ]),
        token,
        "ERC2612InvalidSigner",
        [zeroAddress, getAddress(owner.address)],
      );
      expect(await token.read.nonces([owner.address])).to.equal(0n);
      await token.write.permit([owner.address, spender, 1n, deadline, good.v, good.r, good.s]);
      expect(await token.read.allowance([owner.address, spender])).to.equal(1n);
    });
  });
});
