/**
 * Sender order and creation order apart from state contention (docs/design.md §3 "sender
 * order", "creation order", "state dependency").
 *
 * A dependency edge i → j is carried by the locations j read whose latest earlier writer is i
 * (`graph.ts`). Each carrying location is classified for that edge:
 * - **sender order**: `nonce(S)` or `balance(S)` where i and j were both sent by S. One
 *   sender's transactions are a chain through its nonce whatever the contracts do.
 * - **creation order**: any location of a contract C (its code, nonce, balance and the storage
 *   its constructor wrote) where i wrote C's code, i.e. created it (top-level or from a factory;
 *   an EIP-7702 delegation also writes an account's code). A call cannot run before the contract
 *   exists; on a live chain the deployment lies in an earlier block.
 * - **state**: every other carrying location.
 *
 * An edge with at least one state location is a **state** edge: it would remain with the
 * transactions sent by different accounts and the contracts deployed beforehand. Otherwise it is
 * a **creation** edge when a creation location carries it, else a **sender** edge.
 *
 * Because edges go to the latest writer only, a third party's payment to S between two of S's
 * transactions is state: B pays A after A's transaction i, so A's next transaction j reads
 * `balance(A)` last written by B's transaction (state edge B → j, besides the sender edge i → j
 * through `nonce(A)`), and B's payment itself read `balance(A)` last written by i (state edge
 * i → B's payment).
 */
import { type LocationKey, locationAddress, locationKind } from "../engine/location.ts";
import type { AnalysedTransaction, ClassifiedDependency, Dependency } from "./types.ts";

/**
 * Classifies the edges of a dependency graph (see the module doc for the rule).
 *
 * @param transactions the analysed transactions, by position (`dependencies` refer to positions).
 * @returns the same edges, in the same order, each with its `kind` and, when non-empty, the
 *   carrying locations that are sender order (`senderOrder`) or creation order (`creationOrder`).
 * @throws {RangeError} when an edge refers to a position outside `transactions`.
 */
export function classifyDependencies(
  transactions: readonly Pick<AnalysedTransaction, "from" | "writes">[],
  dependencies: readonly Dependency[],
): ClassifiedDependency[] {
  const created = new Map<number, Set<string>>();
  const createdBy = (position: number): Set<string> => {
    let set = created.get(position);
    if (set === undefined) {
      set = new Set();
      for (const key of transactions[position].writes) {
        if (locationKind(key) === "code") set.add(locationAddress(key));
      }
      created.set(position, set);
    }
    return set;
  };
  return dependencies.map((dependency): ClassifiedDependency => {
    const writer = transactions[dependency.from];
    const reader = transactions[dependency.to];
    if (writer === undefined || reader === undefined) {
      throw new RangeError(
        `classifyDependencies: dependency ${dependency.from} -> ${dependency.to} is outside the ${transactions.length} transactions`,
      );
    }
    const sender = writer.from.toLowerCase();
    const sameSender = sender === reader.from.toLowerCase();
    const senderOrder: LocationKey[] = [];
    const creationOrder: LocationKey[] = [];
    let state = false;
    for (const location of dependency.locations) {
      const kind = locationKind(location);
      const address = locationAddress(location);
      if (sameSender && address === sender && (kind === "nonce" || kind === "balance")) {
        senderOrder.push(location);
      } else if (createdBy(dependency.from).has(address)) {
        creationOrder.push(location);
      } else {
        state = true;
      }
    }
    return {
      ...dependency,
      kind: state ? "state" : creationOrder.length > 0 ? "creation" : "sender",
      ...(senderOrder.length > 0 ? { senderOrder } : {}),
      ...(creationOrder.length > 0 ? { creationOrder } : {}),
    };
  });
}

/** The carrying locations of an edge that are state (neither sender nor creation order). */
export function stateLocations(dependency: ClassifiedDependency): LocationKey[] {
  if (dependency.senderOrder === undefined && dependency.creationOrder === undefined) {
    return dependency.locations;
  }
  const order = new Set([...(dependency.senderOrder ?? []), ...(dependency.creationOrder ?? [])]);
  return dependency.locations.filter((location) => !order.has(location));
}

/**
 * Predecessor lists of the state edges only (`state`) and of all edges (`all`), by position.
 * Both ascending, as `buildDependencyGraph` gives them.
 */
export function predecessorsByKind(
  size: number,
  dependencies: readonly ClassifiedDependency[],
): { state: number[][]; all: number[][] } {
  const state: number[][] = Array.from({ length: size }, () => []);
  const all: number[][] = Array.from({ length: size }, () => []);
  for (const dependency of dependencies) {
    all[dependency.to].push(dependency.from);
    if (dependency.kind === "state") state[dependency.to].push(dependency.from);
  }
  for (const list of [...state, ...all]) list.sort((a, b) => a - b);
  return { state, all };
}
