/**
 * Adversarial tests of `BatchAuctionAMM`, one or more per finding of the audit (issue 19) that
 * concerns it, plus hostile tokens:
 * - #1 settlement can always be done within the 2^24 per-transaction gas cap (EIP-7825): a
 *   flood of tiny orders from throw-away accounts, the largest batch the per-shard quota
 *   allows, and a commit sent just before the settlement (which must not make the settler's
 *   list stale);
 * - #3 a WETH9-style token (a payable fallback that accepts any selector) is not mistaken for a
 *   sharded-balance token;
 * - #4 the cross-batch sandwich (join the victim's batch in the same direction, reverse in the
 *   next) does not profit, and the victim's loss is bounded by the pool's price bound;
 * - #10 `initialize` only by the deployer; outputs that do not fit 128 bits are refunded, never
 *   truncated;
 * - fee-on-transfer, false-returning and hook-calling (ERC-777-style, reentering) tokens.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  type Address,
  type Hex,
  encodeFunctionData,
  getAddress,
  getContractAddress,
  keccak256,
  maxUint256,
  stringToHex,
  toFunctionSelector,
} from "viem";

import {
  BPS,
  FEE_BPS,
  ONE,
  SHARDS,
  Status,
  ascending,
  connect,
  deployBatchAMM,
  deployTokens,
  fund,
  mulDiv,
  shardOf,
} from "./helpers.ts";
import { clear } from "./model.ts";

const { viem, networkHelpers } = await connect();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const [admin, A, B, C, D] = wallets.slice(0, 5).map((w) => w.account.address);

/** EIP-7825: the most gas one transaction may use. */
const TX_GAS_CAP = 1n << 24n;

type Pool = Awaited<ReturnType<typeof deployBatchAMM>>["pool"];
type Factory = Awaited<ReturnType<typeof deployFactory>>;

async function deployFactory() {
  return viem.deployContract("AmmTraderFactory");
}

/** CREATE2 salts whose traders land `perShard` per commitment shard (0..255), or anywhere (`perShard` 0: the first `count` salts). */
async function salts(
  factory: Factory,
  seed: string,
  count: number,
  perShard = 0,
): Promise<{ salts: Hex[]; traders: Address[] }> {
  const bytecodeHash = await factory.read.traderCodeHash();
  const filled = new Map<bigint, number>();
  const out: { salts: Hex[]; traders: Address[] } = { salts: [], traders: [] };
  for (let i = 0; out.salts.length < count; i++) {
    const salt = keccak256(stringToHex(`${seed}/${i}`));
    const trader = getContractAddress({
      opcode: "CREATE2",
      from: factory.address,
      salt,
      bytecodeHash,
    });
    if (perShard > 0) {
      const s = shardOf(trader);
      if ((filled.get(s) ?? 0) >= perShard) continue;
      filled.set(s, (filled.get(s) ?? 0) + 1);
    }
    out.salts.push(salt);
    out.traders.push(trader);
  }
  return out;
}

/** Spawns traders in chunks (each chunk one transaction within the gas cap), each committing `commit`. */
async function spawn(
  factory: Factory,
  found: { salts: Hex[] },
  tokens: Address[],
  amount: bigint,
  pool: Address,
  commit: Hex,
  chunk = 30,
) {
  for (let i = 0; i < found.salts.length; i += chunk) {
    await factory.write.spawn([found.salts.slice(i, i + chunk), tokens, amount, pool, commit], {
      gas: TX_GAS_CAP,
    });
  }
}

/** `orderOf` as a record. */
async function orderOf(pool: Pool, user: Address) {
  const [batch, status, zeroForOne, amountIn, minAmountOut, amountOut] = await pool.read.orderOf([
    user,
  ]);
  return { batch, status, zeroForOne, amountIn, minAmountOut, amountOut };
}

/** The accounts among `users` with a pending swap order in the open batch, ascending. */
async function pendingIn(pool: Pool, users: readonly Address[], batch: bigint): Promise<Address[]> {
  const out: Address[] = [];
  for (const u of users) {
    const o = await orderOf(pool, u);
    if (o.status === Status.Pending && o.batch === batch) out.push(u);
  }
  return ascending(out);
}

/** Settles the open batch with `swappers` and `providers` under the gas cap; returns the gas used. */
async function settleWithin(
  pool: Pool,
  swappers: Address[],
  providers: Address[] = [],
): Promise<bigint> {
  const batch = await pool.read.currentBatch();
  const hash = await pool.write.settle([batch, ascending(swappers), ascending(providers)], {
    gas: TX_GAS_CAP,
  });
  const receipt = await publicClient.getTransactionReceipt({ hash });
  expect(receipt.status).to.equal("success");
  return receipt.gasUsed;
}

describe("BatchAuctionAMM security (audit findings and hostile tokens)", function () {
  this.timeout(900_000);

  describe("#1 settlement always fits the per-transaction gas cap", function () {
    it("a flood of 280 tiny orders from throw-away accounts cannot freeze the batch", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem);
      await fund([token0, token1], [admin], 1_000_000n * ONE, pool.address);
      await pool.write.initialize([100_000n * ONE, 200_000n * ONE]);
      const factory = await deployFactory();
      const found = await salts(factory, "flood", 280);
      const commit = encodeFunctionData({
        abi: pool.abi,
        functionName: "commitSwap",
        args: [true, 1_000n, 0n],
      });
      await spawn(factory, found, [token0.address], 1_000n, pool.address, commit);
      // An honest user's order is in the same batch.
      await fund([token0, token1], [A], 1_000n * ONE, pool.address);
      await pool.write.commitSwap([true, 10n * ONE, 1n], { account: A });
      // Batch by batch, everything pending settles within the cap; nothing stays stuck. (A shard
      // takes one request per batch: the accounts of a crowded shard wait a few batches.)
      const everyone = [...found.traders, getAddress(A)];
      const ahead = Number(await pool.read.MAX_BATCHES_AHEAD());
      for (let round = 0; round < ahead; round++) {
        const batch = await pool.read.currentBatch();
        const list = await pendingIn(pool, everyone, batch);
        expect(BigInt(list.length)).to.equal(await pool.read.pendingCommitments());
        const gas = await settleWithin(pool, list);
        expect(gas < TX_GAS_CAP).to.equal(true);
        if ((await pendingIn(pool, everyone, batch + 1n)).length === 0) break;
      }
      for (const u of everyone)
        expect((await orderOf(pool, u)).status, `order of ${u}`).to.equal(Status.Filled);
      // Everyone claims its output.
      const before = await token1.read.balanceOf([A]);
      await pool.write.claim({ account: A });
      expect((await token1.read.balanceOf([A])) > before).to.equal(true);
      const claimData = encodeFunctionData({ abi: pool.abi, functionName: "claim", args: [] });
      for (let i = 0; i < found.traders.length; i += 70)
        await factory.write.runAll([found.traders.slice(i, i + 70), pool.address, claimData], {
          gas: TX_GAS_CAP,
        });
      for (const t of found.traders.slice(0, 20))
        expect((await token1.read.balanceOf([t])) > 0n, `output of ${t}`).to.equal(true);
    });

    it("a commit sent just before the settlement joins the next batch: the settler's list stays valid", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem, { minBatchDuration: 60n });
      await fund([token0, token1], [admin, A, B, C], 1_000_000n * ONE, pool.address);
      await pool.write.initialize([100_000n * ONE, 200_000n * ONE]);
      await pool.write.commitSwap([true, ONE, 0n], { account: A });
      await pool.write.commitSwap([false, ONE, 0n], { account: B });
      const list = ascending([A, B]); // what the settler read from the events
      await networkHelpers.time.increase(60);
      // The griefer's commit lands first (the batch is due: it goes to the next one).
      await pool.write.commitSwap([true, 1_000n, 0n], { account: C });
      await settleWithin(pool, list);
      expect((await orderOf(pool, C)).batch).to.equal(1n);
      expect((await orderOf(pool, C)).status).to.equal(Status.Pending);
      // Without a minimum duration, closeBatch freezes the batch's membership the same way.
      const fast = await deployBatchAMM(viem);
      await fund([fast.token0, fast.token1], [admin, A, C], 1_000_000n * ONE, fast.pool.address);
      await fast.pool.write.initialize([100_000n * ONE, 200_000n * ONE]);
      await fast.pool.write.commitSwap([true, ONE, 0n], { account: A });
      await fast.pool.write.closeBatch([0n]);
      await fast.pool.write.commitSwap([true, 1_000n, 0n], { account: C });
      await settleWithin(fast.pool, [A]);
      expect((await orderOf(fast.pool, C)).batch).to.equal(1n);
    });

    it("request counts stay exact across many batches (the ring of two groups of seven batches is reused)", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem);
      await fund([token0, token1], [admin, A, B], 1_000_000n * ONE, pool.address);
      await pool.write.initialize([100_000n * ONE, 100_000n * ONE]);
      for (let batch = 0n; batch < 20n; batch++) {
        // A's order joins the open batch; B's liquidity request too (another shard).
        await pool.write.commitSwap([batch % 2n === 0n, ONE, 1n], { account: A });
        expect((await orderOf(pool, A)).batch).to.equal(batch);
        expect(await pool.read.pendingCommitments()).to.equal(1n);
        await settleWithin(pool, [A]);
        await pool.write.claim({ account: A });
        expect(await pool.read.pendingCommitments(), `batch ${batch + 1n} starts empty`).to.equal(
          0n,
        );
      }
      // Two requests of one shard: the second waits one batch, also past a group boundary.
      expect(await pool.read.currentBatch()).to.equal(20n);
      await pool.write.commitSwap([true, ONE, 1n], { account: A });
      await pool.write.commitAddLiquidity([ONE, ONE, 1n], { account: A });
      expect((await pool.read.liquidityRequestOf([A]))[0]).to.equal(21n);
      await settleWithin(pool, [A]);
      expect(await pool.read.pendingCommitments()).to.equal(1n);
      await settleWithin(pool, [], [A]);
    });

    it("the largest batch the per-shard quota allows (swaps and liquidity) settles well within the cap", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem);
      await fund([token0, token1], [admin], 10_000_000n * ONE, pool.address);
      await pool.write.initialize([1_000_000n * ONE, 1_000_000n * ONE]);
      const quota = Number(await pool.read.MAX_REQUESTS_PER_SHARD());
      const factory = await deployFactory();
      // quota requests in every shard: half sell token0, a quarter sell token1, a quarter add liquidity.
      const found = await salts(factory, "max", quota * Number(SHARDS), quota);
      const n = found.salts.length;
      const sell0 = { salts: found.salts.slice(0, n / 2) };
      const sell1 = { salts: found.salts.slice(n / 2, (3 * n) / 4) };
      const adds = { salts: found.salts.slice((3 * n) / 4) };
      await spawn(
        factory,
        sell0,
        [token0.address],
        ONE,
        pool.address,
        encodeFunctionData({ abi: pool.abi, functionName: "commitSwap", args: [true, ONE, 1n] }),
      );
      await spawn(
        factory,
        sell1,
        [token1.address],
        ONE,
        pool.address,
        encodeFunctionData({ abi: pool.abi, functionName: "commitSwap", args: [false, ONE, 1n] }),
      );
      await spawn(
        factory,
        adds,
        [token0.address, token1.address],
        ONE,
        pool.address,
        encodeFunctionData({
          abi: pool.abi,
          functionName: "commitAddLiquidity",
          args: [ONE, ONE, 1n],
        }),
      );
      expect(await pool.read.pendingCommitments()).to.equal(BigInt(n));
      // One more commit in any shard goes to the next batch.
      await fund([token0, token1], [A], ONE, pool.address);
      await pool.write.commitSwap([true, ONE, 0n], { account: A });
      expect((await orderOf(pool, A)).batch).to.equal(1n);
      const swappers = found.traders.slice(0, (3 * n) / 4);
      const providers = found.traders.slice((3 * n) / 4);
      const gas = await settleWithin(pool, swappers, providers);
      console.log(
        `      settlement of the largest batch (${n} requests: ${swappers.length} swaps, ${providers.length} additions): ${gas} gas (cap ${TX_GAS_CAP})`,
      );
      expect(gas < (TX_GAS_CAP * 3n) / 4n, `${gas} gas leaves a quarter of the cap free`).to.equal(
        true,
      );
      // Placing the swappers' tokens in their shards is paged: 128 orders per page fit too.
      let worstPage = 0n;
      for (let i = 0; i < swappers.length; i += 128) {
        const hash = await pool.write.distribute([ascending(swappers.slice(i, i + 128))], {
          gas: TX_GAS_CAP,
        });
        worstPage = [
          worstPage,
          (await publicClient.getTransactionReceipt({ hash })).gasUsed,
        ].reduce((x, y) => (x > y ? x : y));
      }
      console.log(`      distribute, worst page of 128: ${worstPage} gas`);
      expect(worstPage < TX_GAS_CAP).to.equal(true);
    });
  });

  describe("#1 worst case of the clearing loop", function () {
    it("a full batch whose large orders are excluded one per round (8 rounds, then every swap refunded) still fits the cap", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem);
      await fund([token0, token1], [admin], 10_000_000n * ONE, pool.address);
      await pool.write.initialize([1_000_000n * ONE, 1_000_000n * ONE]);
      const factory = await deployFactory();
      const found = await salts(factory, "rounds", Number(SHARDS), 1);
      // 16 orders that each move the price past the 20% bound, of distinct sizes, and 240 small ones.
      const large = found.salts.slice(0, 16);
      for (const [i, salt] of large.entries()) {
        const amount = (500_000n + BigInt(i) * 10_000n) * ONE;
        const commit = encodeFunctionData({
          abi: pool.abi,
          functionName: "commitSwap",
          args: [true, amount, 1n],
        });
        await factory.write.spawn([[salt], [token0.address], amount, pool.address, commit], {
          gas: TX_GAS_CAP,
        });
      }
      await spawn(
        factory,
        { salts: found.salts.slice(16) },
        [token0.address],
        ONE,
        pool.address,
        encodeFunctionData({ abi: pool.abi, functionName: "commitSwap", args: [true, ONE, 1n] }),
      );
      expect(await pool.read.pendingCommitments()).to.equal(SHARDS);
      const gas = await settleWithin(pool, found.traders);
      console.log(
        `      settlement of a full batch through all clearing rounds: ${gas} gas (cap ${TX_GAS_CAP})`,
      );
      expect(gas < TX_GAS_CAP).to.equal(true);
      // Eight rounds excluded the eight largest; the rest never converged: every swap refunded, no trade.
      for (const t of found.traders.slice(0, 20))
        expect((await orderOf(pool, t)).status).to.equal(Status.Refunded);
      expect(await pool.read.getReserves()).to.deep.equal([1_000_000n * ONE, 1_000_000n * ONE]);
    });
  });

  describe("#3 a WETH9-style token", function () {
    it("is treated as a conventional token: initialize and a full commit / settle / claim round trip work", async function () {
      const weth = await viem.deployContract("AmmWeth9");
      const { token1 } = await deployTokens(viem, "parallel");
      const token0 = await viem.getContractAt("AmmParallelToken", weth.address);
      const { pool } = await deployBatchAMM(viem, { tokens: { token0, token1 } });
      await fund([token0, token1], [admin, A, B], 1_000_000n * ONE, pool.address);
      await pool.write.initialize([100_000n * ONE, 100_000n * ONE]);
      // Real ether works too: A wraps 5 ether and sells it.
      await weth.write.deposit({ account: A, value: 5n * ONE });
      await pool.write.commitSwap([true, 5n * ONE, 1n], { account: A });
      await pool.write.commitSwap([false, 3n * ONE, 1n], { account: B });
      // B's second request waits for batch 1 (one request per commitment shard and batch).
      await pool.write.commitAddLiquidity([ONE, ONE, 1n], { account: B });
      await settleWithin(pool, [A, B]);
      await settleWithin(pool, [], [B]);
      await pool.write.distribute([ascending([A, B])]);
      const out = (await orderOf(pool, A)).amountOut;
      const b1 = await token1.read.balanceOf([A]);
      await pool.write.claim({ account: A });
      expect((await token1.read.balanceOf([A])) - b1).to.equal(out);
      const w = await weth.read.balanceOf([B]);
      const outB = (await orderOf(pool, B)).amountOut;
      await pool.write.claim({ account: B });
      expect((await weth.read.balanceOf([B])) - w).to.equal(outB);
      await pool.write.claimLiquidity({ account: B });
      const [r0] = await pool.read.getReserves();
      expect(await weth.read.balanceOf([pool.address])).to.equal(r0);
    });
  });

  describe("#4 cross-batch sandwich", function () {
    it("joining the victim's batch in the same direction and reversing in the next does not profit; the victim's loss is bounded", async function () {
      const BOUND = 60n; // basis points: twice the fee
      const R = 1_000_000n * ONE;
      const victimIn = 2_000n * ONE;
      const e = (x: bigint) => (x * (BPS - FEE_BPS)) / BPS;
      // Without the attacker, the victim alone would receive this:
      const alone = clear(R, R, FEE_BPS, [
        { zeroForOne: true, amountIn: victimIn, minAmountOut: 0n },
      ]).outs[0];
      await fc.assert(
        fc.asyncProperty(fc.bigInt({ min: 100n, max: 200_000n }), async (attack) => {
          const attackIn = attack * ONE;
          const { token0, token1, pool } = await deployBatchAMM(viem, {
            maxPriceDeviationBps: BOUND,
          });
          await fund([token0, token1], [admin, A, C], 10_000_000n * ONE, pool.address);
          await pool.write.initialize([R, R]);
          const start0 = await token0.read.balanceOf([C]);
          const start1 = await token1.read.balanceOf([C]);
          // Batch 0: the victim A, with no minimum, and the attacker C in the same direction.
          await pool.write.commitSwap([true, victimIn, 0n], { account: A });
          await pool.write.commitSwap([true, attackIn, 0n], { account: C });
          await settleWithin(pool, [A, C]);
          const victim = await orderOf(pool, A);
          const attacker = await orderOf(pool, C);
          await pool.write.claim({ account: A });
          await pool.write.claim({ account: C });
          // Batch 1: the attacker sells back everything it received.
          if (attacker.status === Status.Filled) {
            await pool.write.commitSwap([false, attacker.amountOut, 0n], { account: C });
            await settleWithin(pool, [C]);
            await pool.write.claim({ account: C });
          }
          const gained0 = (await token0.read.balanceOf([C])) - start0;
          const gained1 = (await token1.read.balanceOf([C])) - start1;
          // Value at the initial price (1:1): the attacker ends with no more than it started.
          expect(
            gained0 + gained1 <= 0n,
            `attacker profit ${gained0 + gained1} for ${attack}`,
          ).to.equal(true);
          // The victim is filled at most BOUND worse than the pool price, or refunded in full.
          if (victim.status === Status.Filled) {
            const floor = mulDiv(mulDiv(e(victimIn), R, R), BPS - BOUND, BPS);
            expect(
              victim.amountOut >= floor,
              `victim got ${victim.amountOut}, floor ${floor}`,
            ).to.equal(true);
            expect(alone - victim.amountOut <= mulDiv(alone, BOUND, BPS)).to.equal(true);
          } else {
            expect(victim.status).to.equal(Status.Refunded);
          }
        }),
        { numRuns: 6, seed: 19_004, endOnFailure: true, examples: [[50_000n], [100n]] },
      );
    });
  });

  describe("#4 the same sandwich inside one transaction (flash-style attacker contract)", function () {
    it("commit, settle, claim, reverse, settle, claim in one transaction never profits; the pool stays solvent", async function () {
      const BOUND = 2n * FEE_BPS;
      const R = 1_000_000n * ONE;
      const e = (x: bigint) => (x * (BPS - FEE_BPS)) / BPS;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 100n, max: 5_000n }),
          fc.bigInt({ min: 100n, max: 200_000n }),
          async (victimSize, attackSize) => {
            const [victimIn, attackIn] = [victimSize * ONE, attackSize * ONE];
            const { token0, token1, pool } = await deployBatchAMM(viem, {
              maxPriceDeviationBps: BOUND,
            });
            await fund([token0, token1], [admin, A], 10_000_000n * ONE, pool.address);
            await pool.write.initialize([R, R]);
            const attacker = await viem.deployContract("AmmFlashSandwich");
            await token0.write.mint([attacker.address, attackIn]);
            await pool.write.commitSwap([true, victimIn, 0n], { account: A });
            const hash = await attacker.write.attack(
              [pool.address, token0.address, token1.address, getAddress(A), attackIn],
              { gas: TX_GAS_CAP },
            );
            expect((await publicClient.getTransactionReceipt({ hash })).status).to.equal("success");
            const got =
              (await token0.read.balanceOf([attacker.address])) +
              (await token1.read.balanceOf([attacker.address]));
            // Valued at the initial price (1:1), the attacker ends with no more than it started.
            expect(
              got <= attackIn,
              `attacker ${got} from ${attackIn} (victim ${victimIn})`,
            ).to.equal(true);
            const victim = await orderOf(pool, A);
            if (victim.status === Status.Filled) {
              expect(
                victim.amountOut >= mulDiv(e(victimIn), BPS - BOUND, BPS),
                `victim got ${victim.amountOut}`,
              ).to.equal(true);
            } else {
              expect(victim.status).to.equal(Status.Refunded);
            }
            // Solvent: the pool holds its reserves plus exactly what it owes the victim.
            const [r0, r1] = await pool.read.getReserves();
            const owed0 = victim.status === Status.Refunded ? victimIn : 0n;
            const owed1 = victim.status === Status.Filled ? victim.amountOut : 0n;
            expect(await token0.read.balanceOf([pool.address])).to.equal(r0 + owed0);
            expect(await token1.read.balanceOf([pool.address])).to.equal(r1 + owed1);
          },
        ),
        {
          numRuns: 8,
          seed: 19_014,
          endOnFailure: true,
          examples: [
            [2_000n, 50_000n],
            [5_000n, 100n],
          ],
        },
      );
    });
  });

  describe("#10 initialize and 128-bit amounts", function () {
    it("only the deployer may initialize", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem);
      await fund([token0, token1], [admin, A], 1_000_000n * ONE, pool.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.initialize([ONE, 4n * ONE], { account: A }),
        pool,
        "NotInitializer",
        [getAddress(A)],
      );
      expect(await pool.read.initializer()).to.equal(getAddress(admin));
      await pool.write.initialize([ONE, ONE]);
      expect(await pool.read.getReserves()).to.deep.equal([ONE, ONE]);
    });

    it("an output that does not fit 128 bits is refunded, never truncated", async function () {
      const { token0, token1, pool } = await deployBatchAMM(viem, {
        kind: "standard",
        maxPriceDeviationBps: BPS,
      });
      const MAX = (1n << 128n) - 1n;
      for (const token of [token0, token1]) {
        for (const u of [admin, A, D]) {
          await token.write.mint([u, MAX]);
          await token.write.approve([pool.address, maxUint256], { account: u });
        }
      }
      await pool.write.initialize([1n << 20n, 1n << 127n]);
      // D sells the most token1 it can; A sells far more token0 than the reserve: its output at
      // the uniform price would exceed 2^128 - 1.
      await pool.write.commitSwap([false, MAX, 0n], { account: D });
      await pool.write.commitSwap([true, 1n << 40n, 0n], { account: A });
      await settleWithin(pool, [A, D]);
      expect((await orderOf(pool, A)).status).to.equal(Status.Refunded);
      const before = await token0.read.balanceOf([A]);
      await pool.write.claim({ account: A });
      expect((await token0.read.balanceOf([A])) - before).to.equal(1n << 40n);
      // The pool can still pay D and keeps what it owes.
      const outD = (await orderOf(pool, D)).amountOut;
      await pool.write.claim({ account: D });
      const [r0, r1] = await pool.read.getReserves();
      expect(await token0.read.balanceOf([pool.address])).to.equal(r0);
      expect(await token1.read.balanceOf([pool.address])).to.equal(r1);
      expect(outD > 0n).to.equal(true);
    });
  });

  describe("hostile tokens", function () {
    it("a fee-on-transfer token is rejected at initialize and at commit (TransferAmountMismatch)", async function () {
      const fot = await viem.deployContract("AmmFeeOnTransferToken");
      const { token1 } = await deployTokens(viem, "standard");
      const token0 = await viem.getContractAt("AmmParallelToken", fot.address);
      const { pool } = await deployBatchAMM(viem, { tokens: { token0, token1 } });
      await fund([token0, token1], [admin, A, B], 1_000_000n * ONE, pool.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pool.write.initialize([100_000n * ONE, 100_000n * ONE]),
        pool,
        "TransferAmountMismatch",
        [getAddress(fot.address), 100_000n * ONE, 99_000n * ONE],
      );
      // A token that starts charging later (a fee switch) is refused at the first commit after.
      await fot.write.setFeeBps([0n]);
      await pool.write.initialize([100_000n * ONE, 100_000n * ONE]);
      await pool.write.commitSwap([true, ONE, 0n], { account: A });
      await fot.write.setFeeBps([100n]);
      await viem.assertions.revertWithCustomError(
        pool.write.commitAddLiquidity([ONE, ONE, 0n], { account: A }),
        pool,
        "TransferAmountMismatch",
      );
      await viem.assertions.revertWithCustomError(
        pool.write.commitSwap([true, ONE, 0n], { account: B }),
        pool,
        "TransferAmountMismatch",
      );
      // What is already in stays solvent: A's order settles and is paid.
      await settleWithin(pool, [A]);
      await pool.write.claim({ account: A });
      const [r0] = await pool.read.getReserves();
      expect(await fot.read.balanceOf([pool.address])).to.equal(r0);
    });

    it("a false-returning token is rejected (SafeTransferFailed) and moves nothing", async function () {
      const bad = await viem.deployContract("AmmFalseReturnToken");
      const { token1 } = await deployTokens(viem, "standard");
      const token0 = await viem.getContractAt("AmmParallelToken", bad.address);
      const { pool } = await deployBatchAMM(viem, { tokens: { token0, token1 } });
      await fund([token0, token1], [admin, A], 1_000_000n * ONE, pool.address);
      await bad.write.setFailing([true]);
      await viem.assertions.revertWithCustomError(
        pool.write.initialize([100_000n * ONE, 100_000n * ONE]),
        pool,
        "SafeTransferFailed",
      );
      await bad.write.setFailing([false]);
      await pool.write.initialize([100_000n * ONE, 100_000n * ONE]);
      await bad.write.setFailing([true]);
      await viem.assertions.revertWithCustomError(
        pool.write.commitSwap([true, ONE, 0n], { account: A }),
        pool,
        "SafeTransferFailed",
      );
      expect(await pool.read.pendingCommitments()).to.equal(0n);
      expect(await bad.read.balanceOf([pool.address])).to.equal(100_000n * ONE);
    });

    it("a hook-calling token (ERC-777-style) works: every reentrant call is refused and the round trip completes", async function () {
      const hooked = await viem.deployContract("AmmReentrantToken");
      const { token1 } = await deployTokens(viem, "parallel");
      const token0 = await viem.getContractAt("AmmParallelToken", hooked.address);
      const { pool } = await deployBatchAMM(viem, { tokens: { token0, token1 } });
      await fund([token0, token1], [admin, A, B], 1_000_000n * ONE, pool.address);
      await pool.write.initialize([100_000n * ONE, 100_000n * ONE]);
      const calls: Hex[] = [
        encodeFunctionData({ abi: pool.abi, functionName: "settle", args: [0n, [A], []] }),
        encodeFunctionData({ abi: pool.abi, functionName: "claim", args: [] }),
        encodeFunctionData({ abi: pool.abi, functionName: "distribute", args: [[A]] }),
        encodeFunctionData({ abi: pool.abi, functionName: "closeBatch", args: [0n] }),
      ];
      await hooked.write.setHook([pool.address, calls[0]]);
      await pool.write.commitSwap([true, 1_000n * ONE, 1n], { account: A });
      expect(await hooked.read.lastHookError()).to.equal(toFunctionSelector("ReentrantCall()"));
      await pool.write.commitSwap([false, 500n * ONE, 1n], { account: B });
      await settleWithin(pool, [A, B]);
      await pool.write.distribute([ascending([A, B])]);
      for (const [i, u] of [B, A].entries()) {
        await hooked.write.setHook([pool.address, calls[1 + i * 2]]);
        const o = await orderOf(pool, u);
        const token = o.zeroForOne ? token1 : token0;
        const before = await token.read.balanceOf([u]);
        await pool.write.claim({ account: u });
        expect((await token.read.balanceOf([u])) - before).to.equal(o.amountOut);
      }
      expect(await hooked.read.hookCalls()).to.equal(2n); // B's claim paid token0 (hook); A's paid token1
      const [r0, r1] = await pool.read.getReserves();
      expect(await token0.read.balanceOf([pool.address])).to.equal(r0);
      expect(await token1.read.balanceOf([pool.address])).to.equal(r1);
    });
  });
});
