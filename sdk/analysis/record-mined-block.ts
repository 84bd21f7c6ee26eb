/**
 * Recording a block mined by the engine (`MinedBlock`, from `chain.onBlock`) as a
 * {@link RecordedBlock}; the JSON-RPC counterpart is `record-block-over-rpc.ts`.
 */
import type { Address, Hex } from "viem";
import type { Chain, MinedBlock } from "../engine/chain.ts";
import { codeKey, type LocationKey } from "../engine/location.ts";
import { calldataKeys, logKeys, mergeKeys, nestedCallKeys, selectorOf } from "./calldata-keys.ts";
import { erc1967ProxyAt } from "../engine/erc1967.ts";
import {
  involvedAddresses,
  proxiedAddresses,
  recordViolations,
  type CodeTable,
  type RecordedBlock,
  type RecordedTransaction,
} from "./recorded-block.ts";

const bytesToHex = (bytes: Uint8Array): Hex =>
  `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;

/**
 * Records a block mined by the engine. Runs inside `chain.onBlock`, so the chain's state is the
 * state right after the block: the code hashes of the involved contracts are read from it and
 * any code not yet in `codes` is added (keyed by code hash).
 *
 * @param lanes the network's configured lanes (`chain.options.lanes`, default 2).
 */
export function recordMinedBlock(block: MinedBlock, chain: Chain, codes: CodeTable): RecordedBlock {
  const transactions = block.transactions.map((etx, index): RecordedTransaction => {
    const outcome = block.outcomes[index];
    const to = etx.tx.to === undefined ? null : (etx.tx.to.toString().toLowerCase() as Address);
    const input = bytesToHex(etx.tx.data);
    const tx: RecordedTransaction = {
      hash: etx.hash,
      index,
      from: etx.from as Address,
      to,
      gasUsed: outcome.gasUsed.toString(),
      status: outcome.status,
      reads: [...outcome.reads.keys()] as LocationKey[],
      writes: [...outcome.writes.keys()] as LocationKey[],
    };
    if (outcome.conformance !== undefined)
      tx.violations = recordViolations(outcome.conformance.violations);
    if (to === null) {
      if (outcome.contractAddress !== undefined)
        tx.created = outcome.contractAddress.toLowerCase() as Address;
    } else {
      const selector = selectorOf(input);
      if (selector !== undefined) tx.selector = selector;
    }
    // Calldata words and log words (a recipient, a pool, a spender) are the likely mapping keys.
    const keys = mergeKeys(
      mergeKeys(to === null ? undefined : calldataKeys(input), logKeys(outcome.logs)),
      nestedCallKeys(outcome.nestedCallKeys),
    );
    if (keys !== undefined) tx.keys = keys;
    return tx;
  });
  const implementations: Record<Address, Address> = {};
  for (const proxy of proxiedAddresses(transactions)) {
    const found = erc1967ProxyAt(chain.state, proxy);
    if (found?.kind === "implementation") implementations[proxy] = found.implementation as Address;
  }
  const codeHashes: Record<Address, Hex> = {};
  const withCode = [...involvedAddresses(transactions), ...Object.values(implementations)];
  for (const address of new Set(withCode)) {
    const hash = chain.state.read(codeKey(address));
    if (hash === 0n) continue;
    const hex = `0x${hash.toString(16).padStart(64, "0")}` as Hex;
    codeHashes[address] = hex;
    if (codes[hex] === undefined) codes[hex] = bytesToHex(chain.state.code(hash));
  }
  return {
    number: block.number.toString(),
    lanes: chain.options.lanes,
    executedBy: block.record.executedBy,
    reExecutions: block.record.reExecutions,
    ...(block.record.fallbackReason === undefined
      ? {}
      : { fallbackReason: block.record.fallbackReason }),
    transactions,
    codeHashes,
    ...(Object.keys(implementations).length === 0 ? {} : { implementations }),
  };
}
