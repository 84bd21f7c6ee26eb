/**
 * Pending transactions, and the order a block takes them in: per sender by nonce (only a
 * gap-free run from the sender's current nonce is executable), across senders by effective
 * priority fee (highest first), then arrival — the order Hardhat's network uses.
 */
import type { Hex } from "viem";
import type { EngineTransaction } from "./transactions.ts";

export class TransactionPool {
  #byHash = new Map<Hex, EngineTransaction>();

  has(hash: Hex): boolean {
    return this.#byHash.has(hash);
  }
  get(hash: Hex): EngineTransaction | undefined {
    return this.#byHash.get(hash.toLowerCase() as Hex);
  }
  add(etx: EngineTransaction): void {
    this.#byHash.set(etx.hash, etx);
  }
  remove(hash: Hex): void {
    this.#byHash.delete(hash);
  }
  all(): EngineTransaction[] {
    return [...this.#byHash.values()];
  }
  replace(txs: EngineTransaction[]): void {
    this.#byHash = new Map(txs.map((t) => [t.hash, t]));
  }
  get size(): number {
    return this.#byHash.size;
  }

  /** The next nonce of `address` after its pending transactions (gap-free from `stateNonce`). */
  nextNonce(address: string, stateNonce: bigint): bigint {
    const nonces = new Set<bigint>();
    for (const etx of this.#byHash.values()) if (etx.from === address) nonces.add(etx.tx.nonce);
    let next = stateNonce;
    while (nonces.has(next)) next++;
    return next;
  }

  /**
   * The executable transactions in block order.
   * @param baseFee the block's base fee (wei); transactions that cannot pay it wait.
   * @param nonceOf the current state nonce of a (lowercase) sender.
   */
  ordered(baseFee: bigint, nonceOf: (address: string) => bigint): EngineTransaction[] {
    const bySender = new Map<string, EngineTransaction[]>();
    for (const etx of this.#byHash.values()) {
      let list = bySender.get(etx.from);
      if (list === undefined) {
        list = [];
        bySender.set(etx.from, list);
      }
      list.push(etx);
    }
    // Each sender's executable run, sorted by nonce.
    const queues: EngineTransaction[][] = [];
    for (const [sender, list] of bySender) {
      list.sort((a, b) =>
        a.tx.nonce < b.tx.nonce ? -1 : a.tx.nonce > b.tx.nonce ? 1 : a.arrival - b.arrival,
      );
      const run: EngineTransaction[] = [];
      let expected = nonceOf(sender);
      for (const etx of list) {
        if (etx.tx.nonce !== expected) {
          if (etx.tx.nonce < expected) continue;
          break;
        }
        if (maxFee(etx) < baseFee) break;
        run.push(etx);
        expected++;
      }
      if (run.length > 0) queues.push(run.reverse()); // pop() takes the lowest nonce
    }
    // Merge the heads with a binary heap: priority fee desc, arrival asc.
    const heap = new Heap<EngineTransaction[]>((a, b) =>
      before(a[a.length - 1], b[b.length - 1], baseFee),
    );
    for (const q of queues) heap.push(q);
    const out: EngineTransaction[] = [];
    while (heap.size > 0) {
      const q = heap.pop()!;
      out.push(q.pop()!);
      if (q.length > 0) heap.push(q);
    }
    return out;
  }
}

function maxFee(etx: EngineTransaction): bigint {
  const tx = etx.tx as { maxFeePerGas?: bigint; gasPrice?: bigint };
  return tx.maxFeePerGas ?? tx.gasPrice ?? 0n;
}

function priorityFee(etx: EngineTransaction, baseFee: bigint): bigint {
  const tx = etx.tx as { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };
  if (tx.maxFeePerGas !== undefined) {
    const cap = tx.maxFeePerGas - baseFee;
    return tx.maxPriorityFeePerGas! < cap ? tx.maxPriorityFeePerGas! : cap;
  }
  return (tx.gasPrice ?? 0n) - baseFee;
}

function before(a: EngineTransaction, b: EngineTransaction, baseFee: bigint): boolean {
  const fa = priorityFee(a, baseFee);
  const fb = priorityFee(b, baseFee);
  return fa !== fb ? fa > fb : a.arrival < b.arrival;
}

/** A minimal binary heap; `less(a, b)` is true when `a` comes out first. */
class Heap<T> {
  #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;
  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }
  get size(): number {
    return this.#items.length;
  }
  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(items[i], items[p])) break;
      [items[i], items[p]] = [items[p], items[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(items[l], items[m])) m = l;
        if (r < items.length && this.#less(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}
