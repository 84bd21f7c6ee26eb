/**
 * `connection.parallel`: helpers on every network connection to a parallel network.
 *
 * @example
 * const { viem, parallel } = await network.create("parallel");
 * const { record, transactions, analysis } = await parallel.batch(async () => {
 *   for (const user of users) await counter.write.increment({ account: user });
 * });
 * await parallel.assertions.maxContention(analysis, 0.05);
 * await parallel.assertions.noDependencyOn(parallel.batch(send), "Vault", "totalSupply");
 */
import type { EIP1193Provider } from "viem";
import { createClient, custom } from "viem";
import type { ArtifactManager } from "hardhat/types/artifacts";
import {
  maxContention,
  minParallelism,
  minSpeedup,
  noAccessViolations,
  noDependencyOn,
} from "../../sdk/analysis/assertions.ts";
import { assertAnalysis } from "../../sdk/analysis/checks.ts";
import type { AnalysisLike, BlockAnalysis } from "../../sdk/analysis/types.ts";
import { getBlockAccess } from "../../sdk/viem/actions/getBlockAccess.ts";
import { getBlockRecord } from "../../sdk/viem/actions/getBlockRecord.ts";
import { getTransactionAccess } from "../../sdk/viem/actions/getTransactionAccess.ts";
import { mineBatch, type MineBatchReturnType } from "../../sdk/viem/actions/mineBatch.ts";
import {
  blockParam,
  type BlockRecord,
  type BlockSelector,
  type TransactionAccess,
} from "../../sdk/viem/types.ts";
import {
  recordBlockOverRpc,
  type RequestFunction,
} from "../../sdk/analysis/record-block-over-rpc.ts";
import { DEFAULT_LANES, type CodeTable } from "../../sdk/analysis/recorded-block.ts";
import { analyseRecordedBlock } from "../../sdk/analysis/recorded-analysis.ts";
import { loadProjectContracts } from "./project-contracts.ts";

/** What `batch()` returns: the mined block's record, read/write sets and analysis. */
export type BatchResult<T> = MineBatchReturnType<T> & {
  /**
   * Parallelism analysis of the mined block (docs/design.md §3) at the network's configured lanes, with
   * contract and function names from the artifacts and decoded storage labels
   * (`Counter.count`, `Token.balanceOf[0x…]`) when layouts are available.
   */
  analysis: BlockAnalysis;
};

/** A block to analyse: a number, a selector (`{ blockNumber }`, `{ blockTag }`), or latest. */
export type AnalyseTarget = BlockSelector | bigint | number;

/**
 * What the connection's assertions accept: an analysis, anything with an `analysis` field (the
 * result of `batch()`), a block number or selector — or a Promise of any of these (e.g.
 * `parallel.batch(send)` itself, not awaited).
 */
export type AssertionSubject =
  | AnalysisLike
  | { analysis: AnalysisLike }
  | AnalyseTarget
  | PromiseLike<AnalysisLike | { analysis: AnalysisLike } | AnalyseTarget>;

/**
 * The assertions of `sdk/analysis/assertions.ts`, bound to the connection: block numbers are
 * analysed on this network with its artifacts (decoded labels). All assert on deterministic
 * figures; all throw `node:assert`'s `AssertionError` naming the top hot locations.
 */
export interface ParallelAssertions {
  /** Contention (share of dependent transactions, 0..1) ≤ `max`. */
  maxContention(subject: AssertionSubject, max: number): Promise<void>;
  /** speedup(P) ≥ `speedup`; P defaults to the network's lanes. */
  minSpeedup(
    subject: AssertionSubject,
    expected: { lanes?: number; speedup: number },
  ): Promise<void>;
  /** Parallelism (total gas / critical-path gas) ≥ `min`. */
  minParallelism(subject: AssertionSubject, min: number): Promise<void>;
  /** No dependency caused by `contract.variable` (e.g. `"Vault", "totalSupply"`). */
  noDependencyOn(subject: AssertionSubject, contract: string, variable: string): Promise<void>;
  /** No declared-access violation (fails when the analysis carries no violation record). */
  noAccessViolations(subject: AssertionSubject): Promise<void>;
}

export interface ParallelConnectionHelpers {
  /** Whether this connection is served by the parallel engine. */
  readonly enabled: boolean;
  /**
   * Runs `send` with automine off and mines everything it sent as one block; returns the
   * block's record, read/write sets and analysis.
   * @throws when the connection is not a parallel network.
   */
  batch<T>(send: () => Promise<T>): Promise<BatchResult<T>>;
  blockRecord(selector?: BlockSelector): Promise<BlockRecord>;
  blockAccess(selector?: BlockSelector): Promise<TransactionAccess[]>;
  transactionAccess(hash: `0x${string}`): Promise<TransactionAccess | null>;
  /**
   * Parallelism analysis of a mined block (default: the latest), with names and decoded labels.
   * @throws when the connection is not a parallel network or the block does not exist.
   */
  analyse(target?: AnalyseTarget): Promise<BlockAnalysis>;
  /** Assertions bound to this connection (see {@link ParallelAssertions}). */
  readonly assertions: ParallelAssertions;
}

/** Optional context of a connection's helpers. */
export interface ConnectionHelperOptions {
  /** The project's artifacts: contract/function names and storage layouts for analyses. */
  artifacts?: ArtifactManager;
  /** The network's configured lanes (headline speedup). Default 2. */
  lanes?: number;
}

export function createConnectionHelpers(
  provider: EIP1193Provider,
  enabled: boolean,
  networkName: string,
  options: ConnectionHelperOptions = {},
): ParallelConnectionHelpers {
  const client = createClient({ transport: custom(provider) });
  const request = provider.request.bind(provider) as unknown as RequestFunction;
  const lanes = options.lanes ?? DEFAULT_LANES;
  const codes: CodeTable = {};
  const ensure = () => {
    if (!enabled) {
      throw new Error(
        `network "${networkName}" is not a parallel network: use network.create("parallel") or mark it with \`parallel: true\` in hardhat.config.ts`,
      );
    }
  };
  const analyse = async (target?: AnalyseTarget): Promise<BlockAnalysis> => {
    ensure();
    const selector: BlockSelector =
      typeof target === "bigint" || typeof target === "number"
        ? { blockNumber: BigInt(target) }
        : target;
    const block = await recordBlockOverRpc(request, blockParam(selector), lanes, codes);
    const index =
      options.artifacts === undefined
        ? undefined
        : (await loadProjectContracts(options.artifacts)).index;
    return analyseRecordedBlock(block, { index, codes }, lanes);
  };
  const resolve = async (subject: AssertionSubject): Promise<AnalysisLike> => {
    const value: unknown = await subject;
    if (typeof value === "bigint" || typeof value === "number") return analyse(value);
    if (typeof value === "object" && value !== null) {
      if ("analysis" in value) {
        const analysis = (value as { analysis: unknown }).analysis;
        assertAnalysis(analysis);
        return analysis;
      }
      if (("blockNumber" in value || "blockTag" in value) && !("contention" in value))
        return analyse(value as BlockSelector);
    }
    assertAnalysis(value);
    return value;
  };
  const assertions: ParallelAssertions = {
    maxContention: async (subject, max) => maxContention(await resolve(subject), max),
    minSpeedup: async (subject, expected) => minSpeedup(await resolve(subject), expected),
    minParallelism: async (subject, min) => minParallelism(await resolve(subject), min),
    noDependencyOn: async (subject, contract, variable) =>
      noDependencyOn(await resolve(subject), contract, variable),
    noAccessViolations: async (subject) => noAccessViolations(await resolve(subject)),
  };
  return {
    enabled,
    batch: async (send) => {
      ensure();
      const mined = await mineBatch(client, { send });
      return { ...mined, analysis: await analyse({ blockNumber: mined.record.blockNumber }) };
    },
    blockRecord: async (selector) => {
      ensure();
      return getBlockRecord(client, selector);
    },
    blockAccess: async (selector) => {
      ensure();
      return getBlockAccess(client, selector);
    },
    transactionAccess: async (hash) => {
      ensure();
      return getTransactionAccess(client, { hash });
    },
    analyse,
    assertions,
  };
}
