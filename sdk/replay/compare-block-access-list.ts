/**
 * Comparing the replay's EIP-7928 block access list with the one the remote serves
 * (`eth_getBlockAccessList`), account by account and field by field.
 */
import type { RpcAccountAccess, RpcBlockAccessList } from "../analysis/block-access-list-rpc.ts";

/** One difference: `0x… storageChanges: ours […] theirs […]`, or an account only one side has. */
export interface BlockAccessListDifference {
  address: string;
  /** `account` (present on one side only) or a field of `RpcAccountAccess`. */
  field: string;
  ours: string;
  theirs: string;
}

const FIELDS = [
  "storageChanges",
  "storageReads",
  "balanceChanges",
  "nonceChanges",
  "codeChanges",
] as const;

/** Lowercase JSON, quantities normalised (`0x01` → `0x1` is not done: both sides are canonical). */
const canonical = (value: unknown): string => JSON.stringify(value ?? []).toLowerCase();

/**
 * Every difference between `ours` and `theirs`; empty when they are equal. Index 0 (the
 * pre-execution system calls) and n + 1 (post-execution) are compared like the rest.
 */
export function compareBlockAccessLists(
  ours: RpcBlockAccessList,
  theirs: RpcBlockAccessList,
): BlockAccessListDifference[] {
  const byAddress = (list: RpcBlockAccessList): Map<string, RpcAccountAccess> =>
    new Map(list.map((a) => [a.address.toLowerCase(), a]));
  const o = byAddress(ours);
  const t = byAddress(theirs);
  const differences: BlockAccessListDifference[] = [];
  for (const address of [...new Set([...o.keys(), ...t.keys()])].sort()) {
    const a = o.get(address);
    const b = t.get(address);
    if (a === undefined || b === undefined) {
      differences.push({
        address,
        field: "account",
        ours: a === undefined ? "absent" : "present",
        theirs: b === undefined ? "absent" : "present",
      });
      continue;
    }
    for (const field of FIELDS) {
      const x = canonical(a[field]);
      const y = canonical(b[field]);
      if (x !== y) differences.push({ address, field, ours: x, theirs: y });
    }
  }
  return differences;
}
