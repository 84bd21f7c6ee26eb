/**
 * The pre-execution system calls of a replayed block, applied as the storage writes their
 * system contracts make when the system address calls them at the start of a block:
 *
 * - EIP-4788 (Cancun): the beacon roots contract stores the block's timestamp at
 *   `timestamp % 8191` and its `parentBeaconBlockRoot` at `timestamp % 8191 + 8191`;
 * - EIP-2935 (Prague): the history storage contract stores the parent's hash at
 *   `(number − 1) % 8191`.
 *
 * Each is applied only when the hardfork has it, the header carries its input, the contract
 * has code at the parent block (an account without code makes the call a no-op, as the EIPs
 * say), and the remote's state after the block holds the values (a node may skip a system call:
 * Hardhat's EDR node writes no EIP-4788 root in its dev blocks; anvil's Prague genesis has no
 * beacon roots contract). The engine's own block building applies neither (its dev chain has no
 * such contracts); the replay must, so transactions that read them see what the chain's did.
 */
import type { Common } from "@ethereumjs/common";
import type { Hex } from "viem";
import type { ForkSource } from "../engine/fork/fork-source.ts";
import { codeKey, storageKey } from "../engine/location.ts";
import type { WorldState } from "../engine/state/world-state.ts";

/** EIP-4788's beacon roots contract. */
export const BEACON_ROOTS_ADDRESS: Hex = "0x000f3df6d732807ef1319fb7b8bb8522d0beac02";
/** EIP-2935's history storage contract. */
export const HISTORY_STORAGE_ADDRESS: Hex = "0x0000f90827f1c53a10cb7a02335b175320002935";
/** Ring buffer length of both contracts (EIP-4788 `HISTORY_BUFFER_LENGTH`, EIP-2935 `HISTORY_SERVE_WINDOW`). */
const RING = 8191n;

/** What was done for one system call. */
export interface SystemCallNote {
  eip: 4788 | 2935;
  applied: boolean;
  /** Why not, when not applied. */
  reason?: string;
  /** The storage written, when applied (slots and values as bigints). */
  writes?: Write[];
}

/** A storage write of a system call. */
export interface Write {
  address: Hex;
  slot: bigint;
  value: bigint;
}

/** The environment the system calls read. */
export interface SystemCallInput {
  number: bigint;
  timestamp: bigint;
  parentHash: Hex;
  parentBeaconBlockRoot: Hex | undefined;
}

/**
 * Applies the block's pre-execution system calls to `state` (see the module doc).
 * @throws {ForkRemoteError} when the contracts' code or the remote's values cannot be read.
 */
export async function applySystemCalls(
  input: SystemCallInput,
  common: Common,
  state: WorldState,
  fork: ForkSource,
): Promise<SystemCallNote[]> {
  await fork.load([codeKey(BEACON_ROOTS_ADDRESS), codeKey(HISTORY_STORAGE_ADDRESS)]);
  const candidates: Array<{ eip: 4788 | 2935; address: Hex; writes?: Write[]; reason?: string }> =
    [];
  if (!common.isActivatedEIP(4788))
    candidates.push({ eip: 4788, address: BEACON_ROOTS_ADDRESS, reason: "not in this hardfork" });
  else if (input.parentBeaconBlockRoot === undefined)
    candidates.push({
      eip: 4788,
      address: BEACON_ROOTS_ADDRESS,
      reason: "the header has no parentBeaconBlockRoot",
    });
  else {
    const slot = input.timestamp % RING;
    candidates.push({
      eip: 4788,
      address: BEACON_ROOTS_ADDRESS,
      writes: [
        { address: BEACON_ROOTS_ADDRESS, slot, value: input.timestamp },
        {
          address: BEACON_ROOTS_ADDRESS,
          slot: slot + RING,
          value: BigInt(input.parentBeaconBlockRoot),
        },
      ],
    });
  }
  if (!common.isActivatedEIP(2935))
    candidates.push({
      eip: 2935,
      address: HISTORY_STORAGE_ADDRESS,
      reason: "not in this hardfork",
    });
  else if (input.number === 0n)
    candidates.push({ eip: 2935, address: HISTORY_STORAGE_ADDRESS, reason: "genesis block" });
  else
    candidates.push({
      eip: 2935,
      address: HISTORY_STORAGE_ADDRESS,
      writes: [
        {
          address: HISTORY_STORAGE_ADDRESS,
          slot: (input.number - 1n) % RING,
          value: BigInt(input.parentHash),
        },
      ],
    });
  const notes: SystemCallNote[] = [];
  const tag = `0x${input.number.toString(16)}`;
  for (const c of candidates) {
    if (c.writes === undefined) {
      notes.push({ eip: c.eip, applied: false, reason: c.reason });
      continue;
    }
    if (state.read(codeKey(c.address)) === 0n) {
      notes.push({ eip: c.eip, applied: false, reason: `no code at ${c.address}` });
      continue;
    }
    const after = await fork.client.batch<Hex>(
      c.writes.map((w) => ({
        method: "eth_getStorageAt",
        params: [w.address, `0x${w.slot.toString(16)}`, tag],
      })),
    );
    if (c.writes.some((w, i) => BigInt(after[i]) !== w.value)) {
      notes.push({
        eip: c.eip,
        applied: false,
        reason: "the remote's state after the block does not hold its values: the node skips it",
      });
      continue;
    }
    for (const w of c.writes) state.write(storageKey(w.address, w.slot), w.value);
    notes.push({ eip: c.eip, applied: true, writes: c.writes });
  }
  return notes;
}

/** One line for the output: `EIP-4788 applied, EIP-2935 skipped (no code at 0x…)`. */
export function describeSystemCalls(notes: readonly SystemCallNote[]): string {
  return notes
    .map((n) => `EIP-${n.eip} ${n.applied ? "applied" : `not applied (${n.reason})`}`)
    .join(", ");
}
