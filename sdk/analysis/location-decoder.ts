/**
 * The location decoder of recorded-block analyses (the report, the connection assertions):
 * turns location keys into `Contract.variable[key]` labels with the storage layouts of the
 * contracts involved (docs/design.md §3 "hot location"), using `sdk/access`'s slot decoder.
 */
import type { Address } from "viem";
import type { StorageLayout } from "../access/layout.ts";
import { createSlotDecoder, type CandidateKey, type DecodedSlot } from "../access/decode.ts";
import { parseLocationKey } from "../engine/location.ts";
import type { LocationDecoder } from "./types.ts";

/** A contract at an address, as far as the decoder needs it. */
export interface DecodableContract {
  name: string;
  /** solc storage layout; without it the contract's slots keep their default labels. */
  layout?: StorageLayout;
}

/**
 * Upper bound of hashed regions per contract decoder (see `createSlotDecoder`): the analysis of
 * one block (a batch, an assertion) decodes deeply; the end-of-run report builds decoders for
 * every test, so it uses {@link REPORT_MAX_REGIONS} to bound its cost (nested mappings with many
 * candidate keys may then keep their raw `storage(0x…)[0x…]` label in the table).
 */
export const BLOCK_MAX_REGIONS = 50_000;
export const REPORT_MAX_REGIONS = 5_000;

/**
 * Builds a {@link LocationDecoder}:
 * - a storage slot of a contract with a layout → the `sdk/access` label, e.g.
 *   `SharedCounter.count`, `Token.balanceOf[0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266]`
 *   (mapping keys are found by hashing the `candidates` forward);
 * - the balance, nonce or code of a named contract → `balance(Vault)`, `nonce(Vault)`,
 *   `code(Vault)`;
 * - anything else → `undefined` (the analysis then uses the default label).
 *
 * Slot decoders are built lazily, once per contract.
 *
 * @param contracts named contracts by lowercase address.
 * @param candidates mapping keys to try: addresses (lowercase hex) and integers.
 */
export function createLocationDecoder(
  contracts: ReadonlyMap<Address, DecodableContract>,
  candidates: readonly CandidateKey[],
  maxRegions: number = BLOCK_MAX_REGIONS,
): LocationDecoder {
  const slotDecoders = new Map<Address, ((slot: bigint) => DecodedSlot | undefined) | null>();
  const decoder: LocationDecoder = (key) => {
    const location = parseLocationKey(key);
    const contract = contracts.get(location.address);
    if (contract === undefined) return undefined;
    if (location.kind !== "storage") return `${location.kind}(${contract.name})`;
    let decode = slotDecoders.get(location.address);
    if (decode === undefined) {
      decode =
        contract.layout === undefined
          ? null
          : createSlotDecoder(contract.layout, contract.name, candidates, { maxRegions });
      slotDecoders.set(location.address, decode);
    }
    return decode?.(BigInt(location.slot))?.label;
  };
  decoder.likelyMapping = (key, neighbours) => {
    const location = parseLocationKey(key);
    const contract = contracts.get(location.address);
    if (location.kind !== "storage" || contract?.layout === undefined) return undefined;
    // A slot no candidate hashes to is a hashed entry (a mapping's or a dynamic array's): most
    // likely of the mapping whose named entries the same transactions touched most often…
    const counts = new Map<string, number>();
    for (const neighbour of neighbours) {
      const variable = mappingVariable(decoder(neighbour), contract.name);
      if (variable !== undefined) counts.set(variable, (counts.get(variable) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [variable, count] of counts)
      if (best === undefined || count > counts.get(best)!) best = variable;
    // …else of the contract's only mapping, when it has one.
    const mappings = contract.layout.storage.filter((entry) => entry.type.startsWith("t_mapping"));
    best ??= mappings.length === 1 ? mappings[0]!.label : undefined;
    return best === undefined ? undefined : `${contract.name}.${best}`;
  };
  return decoder;
}

/** `var` of a decoded mapping entry's label `Contract.var[key]…`, else undefined. */
function mappingVariable(label: string | undefined, contractName: string): string | undefined {
  if (label === undefined || !label.startsWith(`${contractName}.`)) return undefined;
  const path = label.slice(contractName.length + 1);
  const bracket = path.indexOf("[");
  return bracket > 0 ? path.slice(0, bracket) : undefined;
}
