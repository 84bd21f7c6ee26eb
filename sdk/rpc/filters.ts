/**
 * Log, block and pending-transaction filters (eth_newFilter, eth_newBlockFilter,
 * eth_newPendingTransactionFilter, eth_getFilterChanges, ...) and log matching for eth_getLogs.
 */
import type { Hex } from "viem";
import type { Chain, MinedBlock } from "../engine/chain.ts";
import { firstLogIndexes, formatLog, q } from "./format.ts";

export interface LogCriteria {
  fromBlock: bigint;
  /** Inclusive; undefined = follow the latest block. */
  toBlock?: bigint;
  blockHash?: Hex;
  addresses?: Set<string>;
  /** Per position: undefined = any, else one of the listed topics. */
  topics: Array<Set<string> | undefined>;
}

type Filter =
  | { kind: "block"; cursor: number }
  | { kind: "log"; cursor: number; criteria: LogCriteria }
  /** Hashes of the transactions accepted since the last poll, in arrival order. */
  | { kind: "pendingTransaction"; hashes: Hex[] };

export function matchLogs(
  blocks: Iterable<MinedBlock>,
  criteria: LogCriteria,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const block of blocks) {
    const first = firstLogIndexes(block);
    block.outcomes.forEach((o, txIndex) => {
      o.logs.forEach((log, i) => {
        if (criteria.addresses !== undefined && !criteria.addresses.has(log.address.toLowerCase()))
          return;
        for (let t = 0; t < criteria.topics.length; t++) {
          const wanted = criteria.topics[t];
          if (
            wanted !== undefined &&
            (log.topics[t] === undefined || !wanted.has(log.topics[t].toLowerCase()))
          )
            return;
        }
        out.push(formatLog(log, block, txIndex, first[txIndex] + i));
      });
    });
  }
  return out;
}

export function blocksInRange(chain: Chain, criteria: LogCriteria): MinedBlock[] {
  if (criteria.blockHash !== undefined) {
    const block = chain.blockByHash(criteria.blockHash);
    return block === undefined ? [] : [block];
  }
  const last = criteria.toBlock ?? chain.latest().number;
  const out: MinedBlock[] = [];
  const from = criteria.fromBlock > chain.firstBlock ? criteria.fromBlock : chain.firstBlock;
  for (let n = from; n <= last && n <= chain.latest().number; n++)
    out.push(chain.blockByNumber(n)!);
  return out;
}

export class FilterManager {
  #filters = new Map<string, Filter>();
  #next = 1;
  readonly #chain: Chain;
  constructor(chain: Chain) {
    this.#chain = chain;
  }

  newBlockFilter(): Hex {
    return this.#add({ kind: "block", cursor: this.#chain.blocks.length });
  }

  newLogFilter(criteria: LogCriteria): Hex {
    return this.#add({ kind: "log", cursor: Number(criteria.fromBlock), criteria });
  }

  /** A filter of the hashes of transactions accepted from now on (mined at once or pooled). */
  newPendingTransactionFilter(): Hex {
    return this.#add({ kind: "pendingTransaction", hashes: [] });
  }

  /** Tells the pending-transaction filters that the chain accepted transaction `hash`. */
  notePendingTransaction(hash: Hex): void {
    for (const filter of this.#filters.values())
      if (filter.kind === "pendingTransaction") filter.hashes.push(hash);
  }

  /** The kind of filter `id`; undefined when it does not exist. */
  kindOf(id: string): Filter["kind"] | undefined {
    return this.#filters.get(id.toLowerCase())?.kind;
  }

  uninstall(id: string): boolean {
    return this.#filters.delete(id.toLowerCase());
  }

  /** Changes since the last poll; undefined when the filter does not exist. */
  changes(id: string): unknown[] | undefined {
    const filter = this.#filters.get(id.toLowerCase());
    if (filter === undefined) return undefined;
    if (filter.kind === "pendingTransaction") return filter.hashes.splice(0);
    const blocks = this.#chain.blocks;
    const start = Math.min(filter.cursor, blocks.length);
    filter.cursor = blocks.length;
    if (filter.kind === "block") return blocks.slice(start).map((b) => b.hash);
    const { criteria } = filter;
    const first = Number(this.#chain.firstBlock); // list index = block number − first
    const end =
      criteria.toBlock === undefined
        ? blocks.length
        : Math.min(blocks.length, Number(criteria.toBlock) + 1 - first);
    return matchLogs(
      blocks.slice(Math.max(start, Number(criteria.fromBlock) - first), end),
      criteria,
    );
  }

  /** All logs of a log filter; undefined when it does not exist or is a block filter. */
  logs(id: string): unknown[] | undefined {
    const filter = this.#filters.get(id.toLowerCase());
    if (filter === undefined || filter.kind !== "log") return undefined;
    return matchLogs(blocksInRange(this.#chain, filter.criteria), filter.criteria);
  }

  #add(filter: Filter): Hex {
    const id = q(this.#next++);
    this.#filters.set(id, filter);
    return id;
  }
}
