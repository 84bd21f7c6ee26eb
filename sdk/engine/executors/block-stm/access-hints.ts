/**
 * Access hints: what a transaction will probably read and write, known before it runs.
 *
 * Block-STM (Gelashvili et al., PPoPP 2023) learns dependencies only by executing: a
 * transaction that reads what a lower, unfinished transaction will write is aborted and
 * re-executed. On a contended block (every transaction mints, writing one `totalSupply`) that
 * costs several incarnations per transaction. pevm and Grevm avoid it with hints known before
 * execution; this module gives the engine the same, from two sources:
 *
 * - **the transaction itself**: its sender's nonce and balance are written (sender order), and
 *   the recipient's balance when it carries value;
 * - **recent executions of the same function** (`to` + 4-byte selector): a location written by
 *   at least half of the recent executions — a decayed share, {@link DECAY} per execution, so
 *   about the last ten count, and only after {@link MIN_EXECUTIONS} — is predicted for the next
 *   call. A per-user slot (the caller's
 *   balance) is written once per user and never reaches the threshold; a total written by every
 *   call does after one execution. Profiles are learned from every executed transaction, in
 *   parallel and sequential blocks alike (automined ones too), and inside a block as results
 *   arrive.
 *
 * Hints only steer scheduling (which transaction waits for which) and the choice to run a block
 * sequentially; results never depend on them, since Block-STM still validates every read set.
 */
import type { ExecutionResult } from "../../execute-transaction.ts";
import { balanceKey, nonceKey, type LocationKey } from "../../location.ts";
import type { EngineTransaction } from "../../transactions.ts";

/** Weight of an execution relative to the one after it. */
export const DECAY = 0.9;
/** A location is predicted when its decayed share of a function's executions is at least this. */
export const PREDICT_SHARE = 0.5;
/**
 * Executions of a function before its profile predicts anything: with fewer, the latest
 * caller's own slots still hold more than half of the weight.
 */
export const MIN_EXECUTIONS = 3;
/** Locations kept per function (the least frequent go first). */
const MAX_LOCATIONS = 48;
/** Functions kept (least recently executed go first). */
const MAX_FUNCTIONS = 4096;

/** The locations a transaction is predicted to touch. */
export interface PredictedAccess {
  /** Locations it will probably write (it may read them too). */
  writes: LocationKey[];
  /** Locations it will probably only read. */
  reads: LocationKey[];
}

interface LocationScore {
  /** Decayed count of executions that touched the location, as of execution `at`. */
  score: number;
  at: number;
}

interface FunctionProfile {
  /** Executions seen. */
  executions: number;
  /** Decayed count of executions (Σ DECAY^age). */
  weight: number;
  writes: Map<LocationKey, LocationScore>;
  reads: Map<LocationKey, LocationScore>;
}

/** The profile key of a call: `to` and selector (`0x` for plain transfers); undefined for a creation. */
export function functionKey(etx: EngineTransaction): string | undefined {
  const to = etx.tx.to;
  if (to === undefined) return undefined;
  const data = etx.tx.data;
  let selector = "";
  for (let i = 0; i < Math.min(4, data.length); i++)
    selector += data[i].toString(16).padStart(2, "0");
  return `${to.toString()}:${selector}`;
}

export class AccessHints {
  readonly #profiles = new Map<string, FunctionProfile>();

  /** Functions with a profile (for tests and the record). */
  get size(): number {
    return this.#profiles.size;
  }

  /**
   * The predicted access of `etx`: its own sender and value transfer, plus the locations the
   * recent executions of its function mostly wrote and read (the sender's own excluded).
   */
  predict(etx: EngineTransaction): PredictedAccess {
    return this.predictAll([etx])[0];
  }

  /** {@link predict} for each of `txs`; a function's profile is read once per call. */
  predictAll(txs: readonly EngineTransaction[]): PredictedAccess[] {
    const byFunction = new Map<string, PredictedAccess | undefined>();
    return txs.map((etx) => {
      const from = etx.from;
      const writes: LocationKey[] = [nonceKey(from), balanceKey(from)];
      const reads: LocationKey[] = [];
      const to = etx.tx.to?.toString();
      if (to !== undefined && etx.tx.value > 0n) writes.push(balanceKey(to));
      const key = functionKey(etx);
      if (key === undefined) return { writes, reads };
      let shared = byFunction.get(key);
      if (!byFunction.has(key)) {
        shared = this.#shared(key);
        byFunction.set(key, shared);
      }
      if (shared !== undefined) {
        const own = ownLocations(from);
        for (const location of shared.writes) if (!own.has(location)) writes.push(location);
        for (const location of shared.reads) if (!own.has(location)) reads.push(location);
      }
      return { writes, reads };
    });
  }

  /** The locations most recent executions of function `key` touched, if it has a profile. */
  #shared(key: string): PredictedAccess | undefined {
    const profile = this.#profiles.get(key);
    if (profile === undefined || profile.executions < MIN_EXECUTIONS) return undefined;
    const pick = (scores: Map<LocationKey, LocationScore>) =>
      [...scores]
        .filter(([, s]) => share(profile, s) >= PREDICT_SHARE)
        .map(([location]) => location);
    return { writes: pick(profile.writes), reads: pick(profile.reads) };
  }

  /**
   * Learns from one execution of `etx`. Invalid transactions teach nothing; the sender's own
   * nonce and balance and the block's coinbase are left out (predicted from the transaction).
   */
  learn(etx: EngineTransaction, result: ExecutionResult, coinbaseKey: LocationKey): void {
    if (result.kind !== "executed") return;
    const key = functionKey(etx);
    if (key === undefined) return;
    let profile = this.#profiles.get(key);
    if (profile === undefined) {
      if (this.#profiles.size >= MAX_FUNCTIONS)
        this.#profiles.delete(this.#profiles.keys().next().value!);
      profile = { executions: 0, weight: 0, writes: new Map(), reads: new Map() };
    } else {
      this.#profiles.delete(key); // re-inserted below: the map's order is recency of use
    }
    this.#profiles.set(key, profile);
    profile.executions++;
    profile.weight = profile.weight * DECAY + 1;
    const own = ownLocations(etx.from);
    const skip = (location: LocationKey) => own.has(location) || location === coinbaseKey;
    bump(profile, profile.writes, result.writes.keys(), skip);
    bump(profile, profile.reads, readOnly(result), skip);
  }
}

function* readOnly(result: Extract<ExecutionResult, { kind: "executed" }>): Iterable<LocationKey> {
  for (const location of result.reads.keys()) if (!result.writes.has(location)) yield location;
}

function ownLocations(from: string): Set<LocationKey> {
  return new Set([nonceKey(from), balanceKey(from)]);
}

/** Decayed share of the function's executions that touched the location (0..1). */
function share(profile: FunctionProfile, s: LocationScore): number {
  return (s.score * DECAY ** (profile.executions - s.at)) / profile.weight;
}

function bump(
  profile: FunctionProfile,
  scores: Map<LocationKey, LocationScore>,
  locations: Iterable<LocationKey>,
  skip: (location: LocationKey) => boolean,
): void {
  const now = profile.executions;
  for (const location of locations) {
    if (skip(location)) continue;
    const s = scores.get(location);
    if (s === undefined) scores.set(location, { score: 1, at: now });
    else {
      s.score = s.score * DECAY ** (now - s.at) + 1;
      s.at = now;
    }
  }
  if (scores.size <= MAX_LOCATIONS) return;
  // Keep the most frequent half: per-user locations come and go, shared ones stay.
  const ranked = [...scores].sort((a, b) => share(profile, b[1]) - share(profile, a[1]));
  for (const [location] of ranked.slice(MAX_LOCATIONS / 2)) scores.delete(location);
}
