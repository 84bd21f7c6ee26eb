/**
 * `hardhat parallel-replay --rpc-url URL --block N [--to M] [--lanes P]`: replays real blocks
 * of a remote chain through the engine (`sdk/replay/replay-block.ts`) — each block's signed
 * transactions on the state before it, read from the remote, in the block's environment, with
 * the sequential executor and with Block-STM — checks every receipt against the chain's, and
 * prints the blocks' parallelism analysis with the test report's table, writing its JSON,
 * Markdown and HTML (default `reports/parallel-replay.{json,md,html}`; `--json`, `--markdown`,
 * `--html` to choose).
 *
 * Exit code: non-zero when any receipt (or the remote's block access list) differs.
 */
import path from "node:path";
import { HardhatPluginError } from "@nomicfoundation/hardhat-errors";
import type { NewTaskActionFunction } from "hardhat/types/tasks";
import { errorResult, successfulResult } from "hardhat/utils/result";
import { ForkRemoteError, maskUrl } from "../../sdk/engine/fork/json-rpc-client.ts";
import { HARDFORKS, type HardforkName } from "../../sdk/engine/options.ts";
import type { CodeTable } from "../../sdk/analysis/recorded-block.ts";
import { type ReplayedBlock, replayBlock } from "../../sdk/replay/replay-block.ts";
import { loadProjectContracts } from "../internal/project-contracts.ts";
import { buildReport } from "../report/build.ts";
import { emitReport } from "../report/run.ts";
import type { RecordedBucket } from "../report/types.ts";
import { formatReplayedBlock, replayedExactly } from "./replay-output.ts";

interface ParallelReplayArguments {
  rpcUrl: string | undefined;
  block: bigint;
  to: bigint;
  lanes: number;
  hardfork: string | undefined;
  json: string | undefined;
  markdown: string | undefined;
  html: string | undefined;
}

const fail = (message: string): never => {
  throw new HardhatPluginError("hardhat-parallel", message);
};

const action: NewTaskActionFunction<ParallelReplayArguments> = async (args, hre) => {
  const url = args.rpcUrl ?? fail("parallel-replay needs --rpc-url <URL> of the remote node");
  if (args.block < 1n)
    fail("parallel-replay needs --block N with N ≥ 1 (block 0 has no transactions)");
  const to = args.to < 0n ? args.block : args.to;
  if (to < args.block) fail(`--to ${to} is before --block ${args.block}`);
  if (!Number.isInteger(args.lanes) || args.lanes < 1)
    fail(`--lanes must be ≥ 1 (got ${args.lanes})`);
  if (args.hardfork !== undefined && !(HARDFORKS as readonly string[]).includes(args.hardfork))
    fail(`--hardfork must be one of ${HARDFORKS.join(", ")} (got ${args.hardfork})`);
  const masked = maskUrl(url);
  console.log(
    `Replaying block${to > args.block ? `s ${args.block}–${to}` : ` ${args.block}`} of ${masked} on the state before each block, sequential and Block-STM on ${args.lanes} lanes`,
  );
  const codes: CodeTable = {};
  const buckets: RecordedBucket[] = [];
  let exact = true;
  for (let n = args.block; n <= to; n++) {
    let replayed: ReplayedBlock;
    try {
      replayed = await replayBlock(
        {
          url,
          lanes: args.lanes,
          ...(args.hardfork === undefined ? {} : { hardfork: args.hardfork as HardforkName }),
        },
        n,
        codes,
      );
    } catch (error) {
      if (error instanceof ForkRemoteError || error instanceof RangeError)
        fail(`parallel-replay of block ${n}: ${error.message}`);
      throw error;
    }
    for (const line of formatReplayedBlock(replayed)) console.log(line);
    exact &&= replayedExactly(replayed);
    buckets.push({
      key: `\u0000block ${n}`,
      title: `block ${n} (${replayed.hash.slice(0, 10)}…)`,
      kind: "test",
      blocks: [replayed.recorded],
    });
  }
  const { index } = await loadProjectContracts(hre.artifacts);
  const report = await buildReport(
    { _format: "hardhat-parallel-recording", version: 1, buckets, codes },
    { index },
  );
  const root = hre.config.paths.root;
  const file = (given: string | undefined, ext: string): string =>
    path.resolve(root, given ?? `reports/parallel-replay.${ext}`);
  await emitReport(
    report,
    {
      ...hre.config.parallel.report,
      json: file(args.json, "json"),
      markdown: file(args.markdown, "md"),
      html: file(args.html, "html"),
    },
    { color: process.stdout.isTTY === true },
  );
  if (!exact) {
    console.log("The replay differs from the chain (see the MISMATCH lines above).");
    return errorResult();
  }
  return successfulResult();
};

export default action;
