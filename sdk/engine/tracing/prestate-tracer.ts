/**
 * geth's `prestateTracer`, as EDR serves it: the accounts a transaction touched as they were
 * before it — `balance` (hex), `nonce` (a number, left out when 0), `code` (left out when
 * empty) and `storage` (every slot it read or wrote, with its value before, 32-byte hex; left
 * out when none) — keyed by address in ascending order; the block's coinbase is always there.
 * With `diffMode`, `{ post, pre }`: `pre` has the accounts the transaction changed (their
 * fields before, storage limited to the changed slots that were not zero; not the accounts it
 * created) and `post` only the
 * fields that changed, with their new values (storage slots that became zero left out).
 *
 * Built from the transaction's exact read and write sets (`sdk/engine/state/tx-state.ts`), so it
 * needs no EVM events. Source: go-ethereum eth/tracers/native/prestate.go.
 */
import type { Hex } from "viem";
import type { TransactionOutcome } from "../execute-transaction.ts";
import {
  balanceKey,
  codeKey,
  isStorageKey,
  type LocationKey,
  locationAddress,
  locationSlot,
  nonceKey,
} from "../location.ts";
import type { StateReader } from "../state/state-reader.ts";
import { hexOf, quantityOf, wordOf } from "./evm-events.ts";

/** `tracerConfig` of the prestate tracer. */
export interface PrestateTracerConfig {
  diffMode?: boolean;
  disableCode?: boolean;
  disableStorage?: boolean;
}

/** One account of a prestate result. */
export interface PrestateAccount {
  balance?: Hex;
  code?: Hex;
  nonce?: number;
  storage?: Record<string, Hex>;
}

export type Prestate = Record<string, PrestateAccount>;

/** What the prestate tracer reads from one traced execution. */
export interface PrestateInput {
  outcome: Pick<TransactionOutcome, "reads" | "writes" | "codes" | "feeCredit">;
  /** The state just before the transaction. */
  before: StateReader;
  /** Fee recipient of the block (lowercase). */
  coinbase: Hex;
}

const byKey = <T>(entries: Array<[string, T]>): Record<string, T> =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The prestate (or, with `diffMode`, the pre/post diff) of one traced execution.
 * @returns geth's `prestateTracer` result.
 */
export function prestateOf(
  input: PrestateInput,
  config: PrestateTracerConfig = {},
): Prestate | { post: Prestate; pre: Prestate } {
  const { outcome, before, coinbase } = input;
  const coinbaseKey = balanceKey(coinbase);
  const touched = new Map<string, Set<LocationKey>>();
  const touch = (key: LocationKey) => {
    const address = locationAddress(key);
    let slots = touched.get(address);
    if (slots === undefined) {
      slots = new Set();
      touched.set(address, slots);
    }
    if (isStorageKey(key)) slots.add(key);
  };
  for (const key of outcome.reads.keys()) touch(key);
  for (const key of outcome.writes.keys()) touch(key);
  touch(coinbaseKey);

  const after = (key: LocationKey): bigint => {
    if (key === coinbaseKey)
      return (outcome.writes.get(key) ?? before.read(key)) + outcome.feeCredit;
    return outcome.writes.get(key) ?? before.read(key);
  };
  const codeBytes = (hash: bigint): Uint8Array => outcome.codes.get(hash) ?? before.code(hash);
  const account = (address: string, read: (key: LocationKey) => bigint, slots: LocationKey[]) => {
    const out: PrestateAccount = { balance: quantityOf(read(balanceKey(address))) };
    const code = codeBytes(read(codeKey(address)));
    if (code.length > 0 && config.disableCode !== true) out.code = hexOf(code);
    const nonce = read(nonceKey(address));
    if (nonce !== 0n) out.nonce = Number(nonce);
    if (slots.length > 0 && config.disableStorage !== true)
      out.storage = byKey(slots.map((k) => [locationSlot(k), wordOf(read(k))]));
    return out;
  };

  if (config.diffMode !== true) {
    return byKey(
      [...touched].map(([address, slots]) => [
        address,
        account(address, (k) => before.read(k), [...slots]),
      ]),
    );
  }

  const pre: Array<[string, PrestateAccount]> = [];
  const post: Array<[string, PrestateAccount]> = [];
  for (const [address, slots] of touched) {
    const changed = (k: LocationKey) => after(k) !== before.read(k);
    const changedSlots = [...slots].filter(changed);
    const fields = [balanceKey(address), nonceKey(address), codeKey(address)];
    if (!fields.some(changed) && changedSlots.length === 0) continue;
    // Accounts the transaction created have no "before"; merely touched ones (a fee credited to
    // an empty coinbase) do.
    const created = changed(codeKey(address)) && before.read(codeKey(address)) === 0n;
    if (!created)
      pre.push([
        address,
        account(
          address,
          (k) => before.read(k),
          changedSlots.filter((k) => before.read(k) !== 0n),
        ),
      ]);
    const out: PrestateAccount = {};
    if (changed(balanceKey(address))) out.balance = quantityOf(after(balanceKey(address)));
    if (changed(codeKey(address)) && config.disableCode !== true)
      out.code = hexOf(codeBytes(after(codeKey(address))));
    if (changed(nonceKey(address))) out.nonce = Number(after(nonceKey(address)));
    const written = changedSlots.filter((k) => after(k) !== 0n);
    if (written.length > 0 && config.disableStorage !== true)
      out.storage = byKey(written.map((k) => [locationSlot(k), wordOf(after(k))]));
    post.push([address, out]);
  }
  return { post: byKey(post), pre: byKey(pre) };
}
