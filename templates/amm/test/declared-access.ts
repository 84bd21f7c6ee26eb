/**
 * Checks mined transactions against the `@custom:reads` / `@custom:writes` annotations of the
 * contracts they called: every storage slot of the called contract that the transaction read or
 * wrote must be declared by the annotation of the function it called (writes imply reads).
 *
 * The engine of the `parallel` network records every transaction's read and write sets; the
 * build writes an access manifest next to each artifact (`<Contract>.access.json`). This helper
 * joins the two with the SDK's `compileManifestForRuntime`. It looks at the called contract's own
 * storage only (the transaction-level sets cannot tell which call frame of another contract made
 * an access); the engine's per-frame conformance check covers the rest.
 *
 * Helpers only (no `describe`).
 */
import hre from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import {
  compileManifestForRuntime,
  manifestPathForArtifact,
  readManifest,
} from "hardhat-parallel/sdk";
import type { Address, Hex } from "viem";

/** A contract whose calls are checked: its artifact name and deployed address. */
export interface DeclaredContract {
  name: string;
  address: Address;
}

/** One undeclared access. */
export interface UndeclaredAccess {
  hash: Hex;
  contract: string;
  /** The called function's signature, or the selector when the manifest does not know it. */
  function: string;
  access: "read" | "write" | "undeclared function";
  /** The slot (32-byte hex), when `access` is a read or a write. */
  slot?: Hex;
}

/** The read/write sets of one mined transaction, as `connection.parallel` returns them. */
interface AccessRecord {
  transactionHash: Hex;
  from: Address;
  to: Address | null;
  reads: { location: string }[];
  writes: { location: string }[];
}

type Declarations = ReturnType<typeof compileManifestForRuntime>;
const compiled = new Map<string, Promise<Declarations>>();

/** The compiled declarations of an artifact, from its access manifest (cached). */
async function declarationsOf(name: string): Promise<Declarations> {
  let found = compiled.get(name);
  if (found === undefined) {
    found = (async () => {
      const artifactPath = await hre.artifacts.getArtifactPath(name);
      return compileManifestForRuntime(await readManifest(manifestPathForArtifact(artifactPath)));
    })();
    compiled.set(name, found);
  }
  return found;
}

/**
 * Lists the accesses of `transactions` to the storage of the `contracts` they called that the
 * called function does not declare. Transactions to other addresses are ignored.
 *
 * @param connection a connection to a parallel network (it serves the read/write sets).
 * @param transactions transaction hashes, or the read/write sets `parallel.batch()` returned.
 * @param contracts the contracts to check, by artifact name and address.
 * @param preimages keccak-256 preimages (hash → preimage) of mapping slots reached through a `*`
 *   key, e.g. `_orders[*]`; without them such slots count as undeclared.
 * @returns the undeclared accesses; empty when everything conforms.
 * @throws when a transaction has no recorded read/write set (not mined on a parallel network).
 */
export async function undeclaredAccesses(
  connection: NetworkConnection,
  transactions: readonly (Hex | AccessRecord)[],
  contracts: readonly DeclaredContract[],
  preimages: ReadonlyMap<Hex, Hex> = new Map(),
): Promise<UndeclaredAccess[]> {
  const byAddress = new Map(contracts.map((c) => [c.address.toLowerCase(), c.name]));
  const publicClient = await connection.viem.getPublicClient();
  const found: UndeclaredAccess[] = [];
  for (const entry of transactions) {
    const access =
      typeof entry === "string" ? await connection.parallel.transactionAccess(entry) : entry;
    if (access === null) throw new Error(`no read/write set recorded for ${String(entry)}`);
    const to = access.to?.toLowerCase();
    const name = to === undefined ? undefined : byAddress.get(to);
    if (name === undefined || to === undefined) continue;
    const tx = await publicClient.getTransaction({ hash: access.transactionHash });
    const frame = (await declarationsOf(name))(
      tx.input,
      access.from,
      access.from,
      access.to as Address,
    );
    const fn = frame.signature ?? frame.selector ?? "(no selector)";
    const prefix = `s:${to}:`;
    const own = (list: { location: string }[]) =>
      list
        .filter((e) => e.location.startsWith(prefix))
        .map((e) => e.location.slice(prefix.length) as Hex);
    const reads = own(access.reads);
    const writes = own(access.writes);
    if (!frame.declared) {
      if (reads.length + writes.length > 0) {
        found.push({
          hash: access.transactionHash,
          contract: name,
          function: fn,
          access: "undeclared function",
        });
      }
      continue;
    }
    for (const slot of writes) {
      if (!frame.mayWrite(slot, preimages))
        found.push({
          hash: access.transactionHash,
          contract: name,
          function: fn,
          access: "write",
          slot,
        });
    }
    for (const slot of reads) {
      if (!frame.mayRead(slot, preimages))
        found.push({
          hash: access.transactionHash,
          contract: name,
          function: fn,
          access: "read",
          slot,
        });
    }
  }
  return found;
}

/** Formats {@link UndeclaredAccess} entries one per line, for assertion messages. */
export function formatUndeclared(found: readonly UndeclaredAccess[]): string {
  return found
    .map(
      (u) =>
        `${u.contract}.${u.function} ${u.access}${u.slot === undefined ? "" : ` ${u.slot}`} (${u.hash})`,
    )
    .join("\n");
}
