/**
 * A reference model of `BatchAuctionAMM` and its two tokens in exact bigint arithmetic, written
 * from the contract's NatSpec (uniform clearing price, exclusion of orders below their minimum,
 * liquidity at the post-swap snapshot): the property tests run random sequences on the chain and
 * on this model and require identical state.
 *
 * Amounts in token units; addresses lower-cased internally. Every action either applies itself
 * and returns its result, or throws {@link ModelRejection} (naming the custom error the chain
 * must revert with) without changing anything.
 */
import { type Address, getAddress } from "viem";

import {
  BPS,
  MINIMUM_LIQUIDITY,
  Status,
  ascending,
  mulDiv,
  mulDivUp,
  shardOf,
  sqrt,
} from "./helpers.ts";

/** The model refuses an action; the chain must revert with the custom error `message`. */
export class ModelRejection extends Error {}

/** A swap order, as `orderOf` returns it (status as {@link Status}). */
export interface Order {
  batch: bigint;
  status: bigint;
  zeroForOne: boolean;
  amountIn: bigint;
  minAmountOut: bigint;
  amountOut: bigint;
}

/** A liquidity request; the last three fields are set by settlement. */
export interface LiquidityRequest {
  batch: bigint;
  status: bigint;
  add: boolean;
  amount0: bigint;
  amount1: bigint;
  shares: bigint;
  payShares: bigint;
  pay0: bigint;
  pay1: bigint;
}

/** What a settlement did. */
export interface Settlement {
  batch: bigint;
  base: bigint;
  quote: bigint;
  swappers: Address[];
  providers: Address[];
  filled: number;
  refunded: number;
}

const MAX128 = (1n << 128n) - 1n;
const key = (a: string) => a.toLowerCase();

/** The most rounds of the pool's clearing loop (`MAX_CLEARING_ROUNDS`). */
export const MAX_CLEARING_ROUNDS = 8;

/** The most requests of one commitment shard in one batch (`MAX_REQUESTS_PER_SHARD`). */
export const MAX_REQUESTS_PER_SHARD = 1n;

/**
 * The uniform clearing of one batch (pure): given the reserves, the fee, the orders and the price
 * bound (basis points; 10,000: none), gives each order the floor max(minimum, output at the pool
 * price less the bound); each round excludes every order whose output would be zero, below its
 * minimum or above 2^128 - 1 — or, if none, the largest order below its floor — and recomputes
 * until all remaining orders are satisfied — or, after
 * {@link MAX_CLEARING_ROUNDS} rounds, excludes every order. Returns the price `quote / base`
 * (token1 per token0), the output of each included order (0 for excluded ones) and the reserves
 * after.
 */
export function clear(
  reserve0: bigint,
  reserve1: bigint,
  feeBps: bigint,
  orders: readonly { zeroForOne: boolean; amountIn: bigint; minAmountOut: bigint }[],
  maxPriceDeviationBps: bigint = BPS,
): {
  base: bigint;
  quote: bigint;
  outs: bigint[];
  included: boolean[];
  reserve0: bigint;
  reserve1: bigint;
} {
  const effective = orders.map((o) => (o.amountIn * (BPS - feeBps)) / BPS);
  const floors = orders.map((o, i) => {
    const atPool = o.zeroForOne
      ? mulDiv(effective[i], reserve1, reserve0)
      : mulDiv(effective[i], reserve0, reserve1);
    const bound = mulDiv(atPool, BPS - maxPriceDeviationBps, BPS);
    return o.minAmountOut > bound ? o.minAmountOut : bound;
  });
  const included = orders.map(() => true);
  const outs = orders.map(() => 0n);
  let base = reserve0;
  let quote = reserve1;
  for (let changed = true, round = 0; changed; round++) {
    if (round === MAX_CLEARING_ROUNDS) {
      included.fill(false);
      outs.fill(0n);
      base = reserve0;
      quote = reserve1;
      break;
    }
    changed = false;
    let e0 = 0n;
    let e1 = 0n;
    orders.forEach((o, i) => {
      if (!included[i]) return;
      if (o.zeroForOne) e0 += effective[i];
      else e1 += effective[i];
    });
    base = reserve0 + e0;
    quote = reserve1 + e1;
    // Below its own minimum: out at once; only below the bound: the largest such order goes.
    let largest = -1;
    orders.forEach((o, i) => {
      if (!included[i]) return;
      outs[i] = o.zeroForOne
        ? mulDiv(effective[i], quote, base)
        : mulDiv(effective[i], base, quote);
      if (outs[i] === 0n || outs[i] < o.minAmountOut || outs[i] > MAX128) {
        included[i] = false;
        outs[i] = 0n;
        changed = true;
      } else if (outs[i] < floors[i] && (largest < 0 || effective[i] > effective[largest])) {
        largest = i;
      }
    });
    if (!changed && largest >= 0) {
      included[largest] = false;
      outs[largest] = 0n;
      changed = true;
    }
  }
  let r0 = reserve0;
  let r1 = reserve1;
  orders.forEach((o, i) => {
    if (!included[i]) return;
    if (o.zeroForOne) {
      r0 += o.amountIn;
      r1 -= outs[i];
    } else {
      r1 += o.amountIn;
      r0 -= outs[i];
    }
  });
  return { base, quote, outs, included, reserve0: r0, reserve1: r1 };
}

/** The model. */
export class BatchModel {
  readonly feeBps: bigint;
  readonly maxPriceDeviationBps: bigint;
  /** Requests per `batch:shard`, for the per-shard quota. */
  readonly requestCounts = new Map<string, bigint>();
  reserve0 = 0n;
  reserve1 = 0n;
  totalSupply = 0n;
  batch = 0n;
  initialized = false;
  readonly shares = new Map<string, bigint>();
  readonly orders = new Map<string, Order>();
  readonly liquidity = new Map<string, LiquidityRequest>();
  readonly prices = new Map<bigint, { base: bigint; quote: bigint }>();
  /** Token balances of accounts other than the pool, and the pool's. */
  readonly balance0 = new Map<string, bigint>();
  readonly balance1 = new Map<string, bigint>();
  pool0 = 0n;
  pool1 = 0n;

  constructor(feeBps: bigint, maxPriceDeviationBps: bigint = BPS) {
    this.feeBps = feeBps;
    this.maxPriceDeviationBps = maxPriceDeviationBps;
  }

  /** The batch a request of `user` joins: the first from the open one whose shard has room. */
  private enqueue(user: string): bigint {
    const shard = shardOf(user as Address);
    for (let batch = this.batch; batch < this.batch + 8n; batch++) {
      const k = `${batch}:${shard}`;
      const count = this.requestCounts.get(k) ?? 0n;
      if (count < MAX_REQUESTS_PER_SHARD) {
        this.requestCounts.set(k, count + 1n);
        return batch;
      }
    }
    throw new ModelRejection("BatchesFull");
  }

  tokens(user: string): [bigint, bigint] {
    return [this.balance0.get(key(user)) ?? 0n, this.balance1.get(key(user)) ?? 0n];
  }

  sharesOf(user: string): bigint {
    return this.shares.get(key(user)) ?? 0n;
  }

  order(user: string): Order {
    return (
      this.orders.get(key(user)) ?? {
        batch: 0n,
        status: Status.None,
        zeroForOne: false,
        amountIn: 0n,
        minAmountOut: 0n,
        amountOut: 0n,
      }
    );
  }

  request(user: string): LiquidityRequest {
    return (
      this.liquidity.get(key(user)) ?? {
        batch: 0n,
        status: Status.None,
        add: false,
        amount0: 0n,
        amount1: 0n,
        shares: 0n,
        payShares: 0n,
        pay0: 0n,
        pay1: 0n,
      }
    );
  }

  mint(user: string, amount0: bigint, amount1: bigint): void {
    const [b0, b1] = this.tokens(user);
    this.balance0.set(key(user), b0 + amount0);
    this.balance1.set(key(user), b1 + amount1);
  }

  private pull(user: string, amount0: bigint, amount1: bigint): void {
    const [b0, b1] = this.tokens(user);
    if (b0 < amount0 || b1 < amount1) throw new ModelRejection("ERC20InsufficientBalance");
    this.balance0.set(key(user), b0 - amount0);
    this.balance1.set(key(user), b1 - amount1);
    this.pool0 += amount0;
    this.pool1 += amount1;
  }

  private pay(user: string, amount0: bigint, amount1: bigint): void {
    const [b0, b1] = this.tokens(user);
    this.balance0.set(key(user), b0 + amount0);
    this.balance1.set(key(user), b1 + amount1);
    this.pool0 -= amount0;
    this.pool1 -= amount1;
  }

  /** `initialize(amount0, amount1)`; returns the shares credited. */
  initialize(user: string, amount0: bigint, amount1: bigint): bigint {
    if (this.initialized) throw new ModelRejection("AlreadyInitialized");
    if (amount0 === 0n || amount1 === 0n || amount0 > MAX128 || amount1 > MAX128)
      throw new ModelRejection("InvalidAmount");
    const root = sqrt(amount0 * amount1);
    if (root <= MINIMUM_LIQUIDITY) throw new ModelRejection("InsufficientInitialLiquidity");
    this.pull(user, amount0, amount1);
    this.totalSupply = root;
    this.shares.set(key(user), root - MINIMUM_LIQUIDITY);
    this.reserve0 = amount0;
    this.reserve1 = amount1;
    this.initialized = true;
    return root - MINIMUM_LIQUIDITY;
  }

  /** `commitSwap(zeroForOne, amountIn, minAmountOut)`. */
  commitSwap(user: string, zeroForOne: boolean, amountIn: bigint, minAmountOut: bigint): void {
    if (amountIn === 0n || amountIn > MAX128 || minAmountOut > MAX128)
      throw new ModelRejection("InvalidAmount");
    if (!this.initialized) throw new ModelRejection("NotInitialized");
    if (this.order(user).status !== Status.None) throw new ModelRejection("RequestOutstanding");
    this.pull(user, zeroForOne ? amountIn : 0n, zeroForOne ? 0n : amountIn);
    this.orders.set(key(user), {
      batch: this.enqueue(user),
      status: Status.Pending,
      zeroForOne,
      amountIn,
      minAmountOut,
      amountOut: 0n,
    });
  }

  /** `commitAddLiquidity(amount0, amount1, minShares)`. */
  commitAdd(user: string, amount0: bigint, amount1: bigint, minShares: bigint): void {
    if (
      amount0 === 0n ||
      amount1 === 0n ||
      amount0 > MAX128 ||
      amount1 > MAX128 ||
      minShares > MAX128
    )
      throw new ModelRejection("InvalidAmount");
    if (!this.initialized) throw new ModelRejection("NotInitialized");
    if (this.request(user).status !== Status.None) throw new ModelRejection("RequestOutstanding");
    this.pull(user, amount0, amount1);
    this.liquidity.set(key(user), {
      batch: this.enqueue(user),
      status: Status.Pending,
      add: true,
      amount0,
      amount1,
      shares: minShares,
      payShares: 0n,
      pay0: 0n,
      pay1: 0n,
    });
  }

  /** `commitRemoveLiquidity(shares, minAmount0, minAmount1)`. */
  commitRemove(user: string, shares: bigint, minAmount0: bigint, minAmount1: bigint): void {
    if (shares === 0n || shares > MAX128 || minAmount0 > MAX128 || minAmount1 > MAX128)
      throw new ModelRejection("InvalidAmount");
    if (this.sharesOf(user) < shares) throw new ModelRejection("ERC20InsufficientBalance");
    if (!this.initialized) throw new ModelRejection("NotInitialized");
    if (this.request(user).status !== Status.None) throw new ModelRejection("RequestOutstanding");
    this.shares.set(key(user), this.sharesOf(user) - shares);
    this.liquidity.set(key(user), {
      batch: this.enqueue(user),
      status: Status.Pending,
      add: false,
      amount0: minAmount0,
      amount1: minAmount1,
      shares,
      payShares: 0n,
      pay0: 0n,
      pay1: 0n,
    });
  }

  /** `settle(batch, swappers, providers)` with the complete, ascending lists of the open batch. */
  settle(): Settlement {
    if (!this.initialized) throw new ModelRejection("NotInitialized");
    const due = (x: { status: bigint; batch: bigint }) =>
      x.status === Status.Pending && x.batch === this.batch;
    const swappers = ascending(
      [...this.orders].filter(([, o]) => due(o)).map(([a]) => getAddress(a)),
    );
    const providers = ascending(
      [...this.liquidity].filter(([, r]) => due(r)).map(([a]) => getAddress(a)),
    );
    const orders = swappers.map((a) => this.order(a));
    const cleared = clear(
      this.reserve0,
      this.reserve1,
      this.feeBps,
      orders,
      this.maxPriceDeviationBps,
    );
    let filled = 0;
    swappers.forEach((a, i) => {
      const o = orders[i];
      if (cleared.included[i]) {
        this.orders.set(key(a), { ...o, status: Status.Filled, amountOut: cleared.outs[i] });
        filled++;
      } else {
        this.orders.set(key(a), { ...o, status: Status.Refunded });
      }
    });
    // Liquidity at the post-swap snapshot.
    const s0 = cleared.reserve0;
    const s1 = cleared.reserve1;
    const supply = this.totalSupply;
    let r0 = s0;
    let r1 = s1;
    let newSupply = supply;
    for (const a of providers) {
      const r = this.request(a);
      if (r.add) {
        const shares0 = mulDiv(r.amount0, supply, s0);
        const shares1 = mulDiv(r.amount1, supply, s1);
        const shares = shares0 < shares1 ? shares0 : shares1;
        if (shares === 0n || shares < r.shares || shares > MAX128) {
          this.liquidity.set(key(a), {
            ...r,
            status: Status.Refunded,
            pay0: r.amount0,
            pay1: r.amount1,
          });
          continue;
        }
        const used0 = mulDivUp(shares, s0, supply);
        const used1 = mulDivUp(shares, s1, supply);
        this.liquidity.set(key(a), {
          ...r,
          status: Status.Filled,
          payShares: shares,
          pay0: r.amount0 - used0,
          pay1: r.amount1 - used1,
        });
        r0 += used0;
        r1 += used1;
        newSupply += shares;
      } else {
        const out0 = mulDiv(r.shares, s0, supply);
        const out1 = mulDiv(r.shares, s1, supply);
        if (
          (out0 === 0n && out1 === 0n) ||
          out0 < r.amount0 ||
          out1 < r.amount1 ||
          out0 > MAX128 ||
          out1 > MAX128
        ) {
          this.liquidity.set(key(a), { ...r, status: Status.Refunded, payShares: r.shares });
          continue;
        }
        this.liquidity.set(key(a), { ...r, status: Status.Filled, pay0: out0, pay1: out1 });
        r0 -= out0;
        r1 -= out1;
        newSupply -= r.shares;
      }
      filled++;
    }
    const settlement: Settlement = {
      batch: this.batch,
      base: cleared.base,
      quote: cleared.quote,
      swappers,
      providers,
      filled,
      refunded: swappers.length + providers.length - filled,
    };
    this.prices.set(this.batch, { base: cleared.base, quote: cleared.quote });
    this.reserve0 = r0;
    this.reserve1 = r1;
    this.totalSupply = newSupply;
    this.batch += 1n;
    return settlement;
  }

  /** `claim()`; returns the token paid (0 or 1) and the amount. */
  claim(user: string): { token: 0 | 1; amount: bigint } {
    const o = this.order(user);
    if (o.status === Status.None) throw new ModelRejection("NoRequest");
    if (o.status === Status.Pending) throw new ModelRejection("NotSettled");
    const refunded = o.status === Status.Refunded;
    const token: 0 | 1 = refunded === o.zeroForOne ? 0 : 1;
    const amount = refunded ? o.amountIn : o.amountOut;
    this.orders.delete(key(user));
    this.pay(user, token === 0 ? amount : 0n, token === 1 ? amount : 0n);
    return { token, amount };
  }

  /** `claimLiquidity()`; returns what it credits and pays. */
  claimLiquidity(user: string): { shares: bigint; amount0: bigint; amount1: bigint } {
    const r = this.request(user);
    if (r.status === Status.None) throw new ModelRejection("NoRequest");
    if (r.status === Status.Pending) throw new ModelRejection("NotSettled");
    this.liquidity.delete(key(user));
    this.shares.set(key(user), this.sharesOf(user) + r.payShares);
    this.pay(user, r.pay0, r.pay1);
    return { shares: r.payShares, amount0: r.pay0, amount1: r.pay1 };
  }
}
