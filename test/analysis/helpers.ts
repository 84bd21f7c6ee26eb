/** Builders of hand-made transactions for the analysis tests. */
import type { Address, Hex } from "viem";
import { storageKey, type LocationKey } from "../../sdk/engine/location.ts";
import type { AnalysedTransaction } from "../../sdk/analysis/types.ts";

export const VAULT: Address = "0x1000000000000000000000000000000000000001";
export const TOKEN: Address = "0x2000000000000000000000000000000000000002";
export const ALICE: Address = "0xa11ce00000000000000000000000000000000001";
export const BOB: Address = "0xb0b0000000000000000000000000000000000002";

/** Storage slot `slot` of the vault, as a location key. */
export const vaultSlot = (slot: bigint | Hex): LocationKey => storageKey(VAULT, slot);
/** Storage slot `slot` of the token, as a location key. */
export const tokenSlot = (slot: bigint | Hex): LocationKey => storageKey(TOKEN, slot);
/** A generic location named by a small number (slot n of the vault). */
export const loc = (n: number): LocationKey => vaultSlot(BigInt(n));

export interface TxSpec {
  gas?: bigint;
  reads?: LocationKey[];
  writes?: LocationKey[];
  contractName?: string;
  functionName?: string;
  selector?: Hex;
  to?: Address | null;
  from?: Address;
}

/** A transaction at `index` (hash derived from the index). Default gas 21,000. */
export function tx(index: number, spec: TxSpec = {}): AnalysedTransaction {
  return {
    index,
    hash: `0x${index.toString(16).padStart(64, "0")}`,
    from: spec.from ?? ALICE,
    to: spec.to === undefined ? VAULT : spec.to,
    ...(spec.selector === undefined ? {} : { selector: spec.selector }),
    ...(spec.contractName === undefined ? {} : { contractName: spec.contractName }),
    ...(spec.functionName === undefined ? {} : { functionName: spec.functionName }),
    gasUsed: spec.gas ?? 21_000n,
    reads: spec.reads ?? [],
    writes: spec.writes ?? [],
  };
}

/** A block from specs, indices 0…n-1. */
export function block(specs: TxSpec[]): AnalysedTransaction[] {
  return specs.map((spec, i) => tx(i, spec));
}
