/**
 * Replaying a remote chain's block through the engine: the block's own signed transactions, on
 * the state before it read from the remote (a chain forked at N − 1, as `fork` does), in the
 * block's environment (number, timestamp, coinbase, gas limit, base fee, prevRandao, beacon
 * root, blob gas), after its pre-execution system calls (`system-calls.ts`), once with the
 * sequential executor and once with Block-STM. The results are checked against the chain's
 * receipts (`compare-receipts.ts`) and, when the remote serves one, its EIP-7928 block access
 * list; the block is recorded for the parallelism analysis (`record-mined-block.ts`).
 */
import { createBlock, type Block } from "@ethereumjs/block";
import { createAddressFromString, hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import {
  type RpcBlockAccessList,
  toRpcBlockAccessList,
} from "../analysis/block-access-list-rpc.ts";
import { recordMinedBlock } from "../analysis/record-mined-block.ts";
import type { CodeTable, RecordedBlock } from "../analysis/recorded-block.ts";
import { blockAccessListOf } from "../engine/block-access.ts";
import { Chain, type MinedBlock } from "../engine/chain.ts";
import type { TransactionOutcome } from "../engine/execute-transaction.ts";
import type { BlockExecution, BlockExecutor, ExecutionRecord } from "../engine/executor.ts";
import { JsonRpcClient } from "../engine/fork/json-rpc-client.ts";
import { balanceKey } from "../engine/location.ts";
import type { HardforkName } from "../engine/options.ts";
import {
  type BlockAccessListDifference,
  compareBlockAccessLists,
} from "./compare-block-access-list.ts";
import { compareReceipts, type ReceiptMismatch } from "./compare-receipts.ts";
import { fetchBlock, type FetchedBlock, type RemoteFullBlock } from "./remote-block.ts";
import { applySystemCalls, type SystemCallNote } from "./system-calls.ts";

export interface ReplayOptions {
  /** The remote node's HTTP(S) JSON-RPC endpoint (printed masked). */
  url: string;
  /** Lanes of Block-STM and of the analysis's speedup(P). Default 2. */
  lanes?: number;
  /** The rules the block ran under. Default: inferred from the header ({@link inferHardfork}). */
  hardfork?: HardforkName;
  httpHeaders?: Record<string, string>;
  /** Per request (milliseconds). Default 20,000. */
  timeout?: number;
  /** Disk cache of remote reads (`fork.cacheDir`); none by default. */
  cacheDir?: string;
}

/** One replayed block. */
export interface ReplayedBlock {
  number: bigint;
  hash: Hex;
  hardfork: HardforkName;
  transactions: number;
  /** Gas used by the block (gas), the chain's. */
  gasUsed: bigint;
  /** The sequential executor's results against the chain's receipts. */
  sequentialMismatches: ReceiptMismatch[];
  /** Block-STM's results against the chain's receipts. */
  blockStmMismatches: ReceiptMismatch[];
  /** Wall time of each execution on loaded state (milliseconds). */
  sequentialMs: number;
  blockStmMs: number;
  /** Block-STM's execution record (executed by, re-executions, aborts, fallback). */
  blockStmRecord: ExecutionRecord;
  systemCalls: SystemCallNote[];
  /** Undefined when the remote does not serve `eth_getBlockAccessList` for the block. */
  blockAccessList?: { differences: BlockAccessListDifference[] };
  /** The block as the parallelism analysis reads it (from the sequential run). */
  recorded: RecordedBlock;
}

/**
 * The hardfork a header's fields imply: `amsterdam` with a block access list hash, `osaka` with
 * `requestsHash` (Prague and Osaka headers look alike: pass `prague` for a Prague chain),
 * `cancun` with blob gas fields, `shanghai` with withdrawals.
 * @throws {Error} for an older header (the engine runs Shanghai and later only).
 */
export function inferHardfork(block: RemoteFullBlock): HardforkName {
  if (block.blockAccessListHash !== undefined) return "amsterdam";
  if (block.requestsHash !== undefined) return "osaka";
  if (block.blobGasUsed !== undefined) return "cancun";
  if (block.withdrawalsRoot !== undefined) return "shanghai";
  throw new Error(
    `block ${BigInt(block.number)} predates Shanghai (no withdrawalsRoot); the engine runs Shanghai and later`,
  );
}

/** The header-only block the transactions execute in: the remote block's environment. */
function environmentOf(block: RemoteFullBlock, chain: Chain): Block {
  const big = (v: Hex | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(v));
  return createBlock(
    {
      header: {
        parentHash: hexToBytes(block.parentHash),
        number: BigInt(block.number),
        timestamp: BigInt(block.timestamp),
        coinbase: createAddressFromString(block.miner),
        gasLimit: BigInt(block.gasLimit),
        baseFeePerGas: big(block.baseFeePerGas),
        mixHash: block.mixHash === undefined ? undefined : hexToBytes(block.mixHash),
        difficulty: 0n,
        ...(chain.common.isActivatedEIP(4844)
          ? {
              excessBlobGas: big(block.excessBlobGas) ?? 0n,
              blobGasUsed: big(block.blobGasUsed) ?? 0n,
            }
          : {}),
        ...(block.parentBeaconBlockRoot === undefined || !chain.common.isActivatedEIP(4788)
          ? {}
          : { parentBeaconBlockRoot: hexToBytes(block.parentBeaconBlockRoot) }),
      },
    },
    { common: chain.common, skipConsensusFormatValidation: true, setHardfork: false },
  );
}

/** Runs `executor` on the chain's state and undoes its writes; returns the execution and its time. */
async function executeAndUndo(
  chain: Chain,
  executor: BlockExecutor,
  block: Block,
  fetched: FetchedBlock,
  keep: boolean,
): Promise<{ execution: BlockExecution; ms: number }> {
  const snapshot = chain.state.snapshot();
  try {
    const start = performance.now();
    const execution = await executor.execute(block, fetched.transactions, chain.state);
    const ms = performance.now() - start;
    if (!keep) chain.state.revertTo(snapshot);
    return { execution, ms };
  } catch (error) {
    chain.state.revertTo(snapshot);
    throw error;
  } finally {
    chain.state.releaseSnapshot();
  }
}

/**
 * Replays block `n` of the remote (see the module doc). A first untimed run of each executor
 * loads the state the block touches from the remote and starts Block-STM's workers; the timed
 * runs read it locally.
 * @param codes the code table the recorded block's code hashes point into (filled here).
 * @throws {ForkRemoteError} naming the masked URL when the remote fails, block `n` (or
 *   `n − 1`) does not exist, or a transaction cannot be decoded.
 */
export async function replayBlock(
  options: ReplayOptions,
  n: bigint,
  codes: CodeTable,
): Promise<ReplayedBlock> {
  if (n < 1n) throw new RangeError("block 0 (genesis) has no transactions to replay");
  const client = new JsonRpcClient(options.url, options.httpHeaders, options.timeout);
  const chainId = Number(await client.request<Hex>("eth_chainId"));
  const header = await client.request<RemoteFullBlock | null>("eth_getBlockByNumber", [
    `0x${n.toString(16)}`,
    false,
  ]);
  const hardfork =
    options.hardfork ??
    (header === null ? "osaka" : inferHardfork({ ...header, transactions: [] }));
  const lanes = options.lanes ?? 2;
  const chain = await Chain.create({
    chainId,
    hardfork,
    lanes,
    executor: "block-stm",
    // Every block with two transactions or more runs on the lanes (none is predicted away).
    fallback: { minTransactions: 2, minGas: 0n, minPredictedSpeedup: 0 },
    accounts: { count: 0 },
    fork: {
      url: options.url,
      blockNumber: n - 1n,
      httpHeaders: options.httpHeaders,
      timeout: options.timeout,
      cacheDir: options.cacheDir,
    },
  });
  const sequential = await chain.createExecutor("sequential");
  try {
    const fetched = await fetchBlock(client, n, chain.common);
    const { block: remote } = fetched;
    const block = environmentOf(remote, chain);
    const fork = chain.fork!;
    const systemCalls = await applySystemCalls(
      {
        number: n,
        timestamp: BigInt(remote.timestamp),
        parentHash: remote.parentHash,
        parentBeaconBlockRoot: remote.parentBeaconBlockRoot,
      },
      chain.common,
      chain.state,
      fork,
    );
    // Untimed: loads what the block reads from the remote, and starts Block-STM's workers.
    await executeAndUndo(chain, sequential, block, fetched, false);
    await executeAndUndo(chain, chain.executor, block, fetched, false);
    const stm = await executeAndUndo(chain, chain.executor, block, fetched, false);
    const coinbase = remote.miner.toLowerCase() as Hex;
    const coinbaseBalanceBefore = chain.state.read(balanceKey(coinbase));
    const seq = await executeAndUndo(chain, sequential, block, fetched, true);
    const outcomes = seq.execution.results.filter(
      (r): r is TransactionOutcome => r.kind === "executed",
    );
    const mined = {
      number: n,
      transactions: fetched.transactions.slice(0, outcomes.length),
      outcomes,
      record: stm.execution.record,
    } as unknown as MinedBlock;
    const recorded = recordMinedBlock(mined, chain, codes);
    let blockAccessList: ReplayedBlock["blockAccessList"];
    if (fetched.blockAccessList !== undefined) {
      const ours: RpcBlockAccessList = toRpcBlockAccessList(
        blockAccessListOf({
          coinbase,
          outcomes,
          coinbaseBalanceBefore,
          code: (hash) => chain.state.code(hash),
        }),
      );
      blockAccessList = {
        differences: compareBlockAccessLists(ours, fetched.blockAccessList),
      };
    }
    return {
      number: n,
      hash: remote.hash,
      hardfork,
      transactions: fetched.transactions.length,
      gasUsed: BigInt(remote.gasUsed),
      sequentialMismatches: compareReceipts(seq.execution.results, fetched.receipts),
      blockStmMismatches: compareReceipts(stm.execution.results, fetched.receipts),
      sequentialMs: seq.ms,
      blockStmMs: stm.ms,
      blockStmRecord: stm.execution.record,
      systemCalls,
      ...(blockAccessList === undefined ? {} : { blockAccessList }),
      recorded,
    };
  } finally {
    await sequential.dispose();
    await chain.dispose();
  }
}
