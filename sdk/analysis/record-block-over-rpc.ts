/**
 * Recording a mined block over JSON-RPC (for `connection.parallel.analyse` and `batch()`), in
 * the same shape as blocks recorded from the engine (`record-mined-block.ts`):
 * `eth_getBlockByNumber` (calldata), `parallel_getBlockAccess` (read/write sets, gas),
 * `parallel_getBlockRecord` (re-executions), `eth_getTransactionReceipt` (created addresses) and
 * `eth_getCode` at that block (contract identification).
 */
import { keccak256, type Address, type Hex } from "viem";
import {
  decodeBlockRecord,
  decodeTransactionAccess,
  type BlockRecordJson,
  type TransactionAccessJson,
} from "../viem/types.ts";
import { calldataKeys, mergeKeys, nestedCallKeys, selectorOf } from "./calldata-keys.ts";
import { ERC1967_IMPLEMENTATION_SLOT } from "../engine/erc1967.ts";
import {
  involvedAddresses,
  proxiedAddresses,
  recordViolations,
  type CodeTable,
  type RecordedBlock,
  type RecordedTransaction,
} from "./recorded-block.ts";

/** An EIP-1193 `request` function. */
export type RequestFunction = (args: { method: string; params?: unknown[] }) => Promise<unknown>;

interface RpcTransaction {
  hash: Hex;
  from: Address;
  to: Address | null;
  input: Hex;
}

/**
 * Records block `block` (a JSON-RPC block parameter: `0x…` number or a tag).
 *
 * @param lanes the network's configured lanes, stored as the block's headline lanes.
 * @param codes receives the runtime code of the contracts involved, by code hash.
 * @throws {Error} when the block does not exist.
 */
export async function recordBlockOverRpc(
  request: RequestFunction,
  block: string,
  lanes: number,
  codes: CodeTable,
): Promise<RecordedBlock> {
  const rpcBlock = (await request({ method: "eth_getBlockByNumber", params: [block, true] })) as {
    number: Hex;
    transactions: RpcTransaction[];
  } | null;
  if (rpcBlock === null) throw new Error(`block ${block} does not exist`);
  const number = rpcBlock.number;
  const [accessJson, recordJson] = await Promise.all([
    request({ method: "parallel_getBlockAccess", params: [number] }) as Promise<
      TransactionAccessJson[]
    >,
    request({ method: "parallel_getBlockRecord", params: [number] }) as Promise<BlockRecordJson>,
  ]);
  const access = accessJson.map(decodeTransactionAccess);
  const record = decodeBlockRecord(recordJson);
  const transactions = await Promise.all(
    rpcBlock.transactions.map(async (tx, index): Promise<RecordedTransaction> => {
      const sets = access[index];
      const conformance = (
        accessJson[index] as {
          conformance?: { violations?: Parameters<typeof recordViolations>[0] };
        }
      ).conformance;
      const to = tx.to === null ? null : (tx.to.toLowerCase() as Address);
      const recorded: RecordedTransaction = {
        hash: tx.hash,
        index,
        from: tx.from.toLowerCase() as Address,
        to,
        gasUsed: sets.gasUsed.toString(),
        status: sets.status === "success" ? 1 : 0,
        reads: sets.reads.map((e) => e.location),
        writes: sets.writes.map((e) => e.location),
      };
      if (conformance?.violations !== undefined)
        recorded.violations = recordViolations(conformance.violations);
      if (to === null) {
        const receipt = (await request({
          method: "eth_getTransactionReceipt",
          params: [tx.hash],
        })) as { contractAddress?: Address | null } | null;
        if (receipt?.contractAddress != null)
          recorded.created = receipt.contractAddress.toLowerCase() as Address;
      } else {
        const selector = selectorOf(tx.input);
        if (selector !== undefined) recorded.selector = selector;
        const nested = (accessJson[index] as { nestedCallKeys?: Hex[] }).nestedCallKeys;
        const keys = mergeKeys(
          calldataKeys(tx.input),
          nestedCallKeys(nested?.map((word) => word.slice(2))),
        );
        if (keys !== undefined) recorded.keys = keys;
      }
      return recorded;
    }),
  );
  const implementations: Record<Address, Address> = {};
  await Promise.all(
    [...proxiedAddresses(transactions)].map(async (proxy) => {
      const word = (await request({
        method: "eth_getStorageAt",
        params: [proxy, ERC1967_IMPLEMENTATION_SLOT, number],
      })) as Hex;
      const implementation = BigInt(word) & ((1n << 160n) - 1n);
      if (implementation !== 0n)
        implementations[proxy] = `0x${implementation.toString(16).padStart(40, "0")}` as Address;
    }),
  );
  const codeHashes: Record<Address, Hex> = {};
  const withCode = [...involvedAddresses(transactions), ...Object.values(implementations)];
  await Promise.all(
    [...new Set(withCode)].map(async (address) => {
      const code = (await request({ method: "eth_getCode", params: [address, number] })) as Hex;
      if (code === "0x") return;
      const hash = keccak256(code);
      codeHashes[address] = hash;
      codes[hash] ??= code;
    }),
  );
  return {
    number: BigInt(number).toString(),
    lanes,
    executedBy: record.executedBy,
    reExecutions: record.reExecutions,
    ...(record.fallbackReason === undefined ? {} : { fallbackReason: record.fallbackReason }),
    transactions,
    codeHashes,
    ...(Object.keys(implementations).length === 0 ? {} : { implementations }),
  };
}
