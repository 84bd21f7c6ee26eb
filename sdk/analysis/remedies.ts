/**
 * Remedies: a short hint for a hot location by the pattern of its name and access, pointing to
 * the library (`contracts/`) and the templates (`templates/`) that remove that kind of
 * contention (docs/design.md §3 "hot location", README "Parallelism report").
 *
 * Patterns are recognised from the decoded label (`Contract.variable[key]`), the location's kind
 * (balance, nonce, code, storage) and the access pattern (read and written by the same
 * functions), never from contract names alone:
 *
 * | pattern            | recognised by                                                        |
 * | ------------------ | -------------------------------------------------------------------- |
 * | `amm-reserves`     | a variable named like `reserve0`, `reserves`, `kLast`, `price0CumulativeLast` |
 * | `interest-accrual` | a variable named like `borrowIndex`, `accrualBlockNumber`, `totalBorrows`, `lastAccrual` |
 * | `shared-balance`   | a `balance…` mapping entry keyed by a contract's address, or a contract's ETH balance |
 * | `shared-total`     | an unkeyed variable named like `total…`, `…Supply`, `count`, `sum`, read and written by the same function |
 * | `shared-variable`  | any other unkeyed variable read and written by the same function      |
 * | `sender-order`     | a sender's nonce or balance (only in the figures counting order)      |
 * | `creation-order`   | the code or nonce of a contract created in the block (idem)           |
 */
import type { Address } from "viem";
import { type LocationKey, locationAddress, locationKind } from "../engine/location.ts";
import type { FunctionCount } from "./types.ts";

/** The patterns {@link remedyFor} knows. */
export type RemedyPattern =
  | "amm-reserves"
  | "interest-accrual"
  | "shared-balance"
  | "shared-total"
  | "shared-variable"
  | "sender-order"
  | "creation-order";

/** A hint for a hot location. */
export interface Remedy {
  pattern: RemedyPattern;
  /** One sentence: what the location is, then what removes the contention and where to look. */
  hint: string;
}

/** The hint of each pattern. */
export const REMEDY_HINTS: Record<RemedyPattern, string> = {
  "amm-reserves":
    "AMM reserves read and written by every swap: clear the swaps of a block in a batch at one price (templates/amm, BatchAuctionAMM).",
  "interest-accrual":
    "interest accrued by every call: accrue once per epoch instead (contracts/Epochs.sol, templates/lending).",
  "shared-balance":
    "the balance of one shared contract, moved by every call: credit per-user sub-accounts and settle later (templates/vault; ParallelERC20's sharded balances).",
  "shared-total":
    "a total written by every transaction: keep it in shards (contracts/ShardedCounter.sol; ParallelERC20's sharded totalSupply).",
  "shared-variable":
    "one variable read and written by every call: shard it if it is a total (contracts/ShardedCounter.sol), else keep it off the per-user path.",
  "sender-order":
    "one sender's own order (nonce and balance): send the transactions from several accounts.",
  "creation-order":
    "calls after a deployment in the same block: deploy in a `before` hook or a fixture.",
};

/** What {@link remedyFor} looks at of a hot location. */
export interface RemedySubject {
  location: LocationKey;
  label: string;
  decoded: boolean;
  writers: readonly FunctionCount[];
  readers: readonly FunctionCount[];
}

/** What {@link remedyFor} knows of the block. */
export interface RemedyContext {
  /** Lowercase addresses known to be contracts (storage touched, code written, called by name). */
  contracts: ReadonlySet<string>;
  /** Lowercase senders of the analysed transactions. */
  senders: ReadonlySet<string>;
  /** Lowercase addresses of contracts created in the block. */
  created: ReadonlySet<string>;
  /** Whether sender and creation order may be hinted (the figures that count order). */
  order: boolean;
}

const RESERVES = /^_*(reserves?\d*|kLast|price\d*CumulativeLast|blockTimestampLast)$/i;
const ACCRUAL =
  /^_*(borrowIndex|supplyIndex|interestIndex|accrualBlock\w*|lastAccru\w*|accrued\w*|totalBorrows|totalReserves|cumulative\w*(Rate|Index)|\w*RateIndex|exchangeRate\w*)$/i;
const TOTAL = /^_*(total\w*|\w*Supply|count|counter|sum|tally|\w*Total)$/i;
const BALANCE = /balance/i;

/**
 * The remedy of a hot location, or `undefined` when no pattern matches (see the module doc).
 * Storage labels are only matched when decoded.
 */
export function remedyFor(hot: RemedySubject, context: RemedyContext): Remedy | undefined {
  const pattern = patternOf(hot, context);
  return pattern === undefined ? undefined : { pattern, hint: REMEDY_HINTS[pattern] };
}

function patternOf(hot: RemedySubject, context: RemedyContext): RemedyPattern | undefined {
  const kind = locationKind(hot.location);
  const address = locationAddress(hot.location);
  if (kind !== "storage") {
    if (context.order && context.created.has(address) && kind !== "balance") {
      return "creation-order";
    }
    if (context.order && context.senders.has(address) && kind !== "code") return "sender-order";
    if (kind === "balance" && context.contracts.has(address) && !context.senders.has(address)) {
      return "shared-balance";
    }
    return undefined;
  }
  if (!hot.decoded) return undefined;
  const parsed = parseLabel(hot.label);
  if (parsed === undefined) return undefined;
  if (RESERVES.test(parsed.variable)) return "amm-reserves";
  if (ACCRUAL.test(parsed.variable)) return "interest-accrual";
  if (
    BALANCE.test(parsed.variable) &&
    parsed.keys.some((key) => context.contracts.has(key.toLowerCase()))
  ) {
    return "shared-balance";
  }
  if (parsed.keys.length > 0 || !readModifyWrite(hot)) return undefined;
  return TOTAL.test(parsed.variable) ? "shared-total" : "shared-variable";
}

/** Whether some function both wrote and read the location across its dependencies. */
function readModifyWrite(hot: RemedySubject): boolean {
  const writers = new Set(hot.writers.map((w) => `${w.contract}.${w.function}`));
  return hot.readers.some((r) => writers.has(`${r.contract}.${r.function}`));
}

/**
 * `Vault.balanceOf[0xab…][3].x` → variable `balanceOf`, keys `["0xab…", "3"]`; a struct member
 * path `Pool.state.reserve0` → variable `reserve0` (the last member named), keys `[]`.
 */
function parseLabel(label: string): { variable: string; keys: string[] } | undefined {
  const dot = label.indexOf(".");
  if (dot <= 0) return undefined;
  const path = label.slice(dot + 1);
  const keys = [...path.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
  const names = path
    .replace(/\[[^\]]*\]/g, "")
    .split(".")
    .filter((n) => n !== "");
  if (names.length === 0) return undefined;
  // The first name is the variable; a struct member (`reserves.reserve0`) names it better.
  const variable = names.length > 1 && keys.length === 0 ? names[names.length - 1] : names[0];
  return { variable, keys };
}

/**
 * The {@link RemedyContext} of a block from its transactions: contracts are the addresses whose
 * storage was touched or code written, and the called addresses with a contract name.
 */
export function remedyContext(
  transactions: ReadonlyArray<{
    from: Address;
    to: Address | null;
    contractName?: string;
    reads: readonly LocationKey[];
    writes: readonly LocationKey[];
  }>,
  order: boolean,
): RemedyContext {
  const contracts = new Set<string>();
  const senders = new Set<string>();
  const created = new Set<string>();
  for (const tx of transactions) {
    senders.add(tx.from.toLowerCase());
    if (tx.to !== null && tx.contractName !== undefined) contracts.add(tx.to.toLowerCase());
    for (const key of [...tx.reads, ...tx.writes]) {
      if (locationKind(key) === "storage") contracts.add(locationAddress(key));
    }
    for (const key of tx.writes) {
      if (locationKind(key) === "code") {
        contracts.add(locationAddress(key));
        created.add(locationAddress(key));
      }
    }
  }
  return { contracts, senders, created, order };
}
