/**
 * The pre-execution system calls of a replayed block, applied as the storage writes their
 * system contracts make when the system address calls them at the start of a block:
 *
 * - EIP-4788 (Cancun): the beacon roots contract stores the block's timestamp at
 *   `timestamp % 8191` and its `parentBeaconBlockRoot` at `timestamp % 8191 + 8191`;
 * - EIP-2935 (Prague): the history storage contract stores the parent's hash at
 *   `(number − 1) % 8191`.
 *
 * Each is applied only when the hardfork has it, the header carries its input and the contract
 * has code at the parent block (an account without code makes the call a no-op, as the EIPs
 * say). The engine's own block building applies neither (its dev chain has no such contracts);
 * the replay must, so transactions that read them see what the chain's did.
 */
import type { Common } from "@ethereumjs/common";
import type { Hex } from "viem";
import type { ForkSource } from "../engine/fork/fork-source.ts";
import { codeKey, storageKey } from "../engine/location.ts";
import type { WorldState } from "../engine/state/world-state.ts";

/** EIP-4788's beacon roots contract. */
export const BEACON_ROOTS_ADDRESS = "0x000f3df6d732807ef1319fb7b8bb8522d0beac02";
/** EIP-2935's history storage contract. */
export const HISTORY_STORAGE_ADDRESS = "0x0000f90827f1c53a10cb7a02335b175320002935";
/** Ring buffer length of both contracts (EIP-4788 `HISTORY_BUFFER_LENGTH`, EIP-2935 `HISTORY_SERVE_WINDOW`). */
const RING = 8191n;

/** What was done for one system call. */
export interface SystemCallNote {
  eip: 4788 | 2935;
  applied: boolean;
  /** Why not, when not applied. */
  reason?: string;
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
 * @throws {ForkRemoteError} when the contracts' code cannot be read from the remote.
 */
export async function applySystemCalls(
  input: SystemCallInput,
  common: Common,
  state: WorldState,
  fork: ForkSource,
): Promise<SystemCallNote[]> {
  await fork.load([codeKey(BEACON_ROOTS_ADDRESS), codeKey(HISTORY_STORAGE_ADDRESS)]);
  const notes: SystemCallNote[] = [];
  if (common.isActivatedEIP(4788)) {
    if (input.parentBeaconBlockRoot === undefined)
      notes.push({ eip: 4788, applied: false, reason: "the header has no parentBeaconBlockRoot" });
    else if (state.read(codeKey(BEACON_ROOTS_ADDRESS)) === 0n)
      notes.push({ eip: 4788, applied: false, reason: `no code at ${BEACON_ROOTS_ADDRESS}` });
    else {
      const slot = input.timestamp % RING;
      state.write(storageKey(BEACON_ROOTS_ADDRESS, slot), input.timestamp);
      state.write(
        storageKey(BEACON_ROOTS_ADDRESS, slot + RING),
        BigInt(input.parentBeaconBlockRoot),
      );
      notes.push({ eip: 4788, applied: true });
    }
  } else notes.push({ eip: 4788, applied: false, reason: "not in this hardfork" });
  if (common.isActivatedEIP(2935)) {
    if (input.number === 0n) notes.push({ eip: 2935, applied: false, reason: "genesis block" });
    else if (state.read(codeKey(HISTORY_STORAGE_ADDRESS)) === 0n)
      notes.push({ eip: 2935, applied: false, reason: `no code at ${HISTORY_STORAGE_ADDRESS}` });
    else {
      state.write(
        storageKey(HISTORY_STORAGE_ADDRESS, (input.number - 1n) % RING),
        BigInt(input.parentHash),
      );
      notes.push({ eip: 2935, applied: true });
    }
  } else notes.push({ eip: 2935, applied: false, reason: "not in this hardfork" });
  return notes;
}

/** One line for the output: `EIP-4788 applied, EIP-2935 skipped (no code at 0x…)`. */
export function describeSystemCalls(notes: readonly SystemCallNote[]): string {
  return notes
    .map((n) => `EIP-${n.eip} ${n.applied ? "applied" : `not applied (${n.reason})`}`)
    .join(", ");
}
