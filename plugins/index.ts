/**
 * hardhat-parallel: the Hardhat 3 plugin. Adds the `parallel` network (an @ethereumjs/vm dev
 * chain executed with Block-STM) and the `parallel` config section, and after `hardhat test` the
 * per-test parallelism report (`plugins/report/`; global flags `--no-parallel-report`,
 * `--parallel-snapshot`, `--parallel-check`; task `parallel-report`), and the task
 * `parallel-node`, which serves a parallel network over HTTP JSON-RPC as `hardhat node` does, and
 * `parallel-replay`, which replays real blocks of a remote chain through the analysis.
 *
 * @example
 * ```ts
 * import hardhatParallel from "hardhat-parallel";
 * export default defineConfig({ plugins: [hardhatParallel], parallel: { lanes: 2 } });
 * ```
 */
import { globalFlag, overrideTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { HardhatPlugin } from "hardhat/types/plugins";
import "./type-extensions.ts";

const hardhatParallel: HardhatPlugin = {
  id: "hardhat-parallel",
  hookHandlers: {
    config: () => import("./hooks/config.ts"),
    network: () => import("./hooks/network.ts"),
    solidity: () => import("./hooks/solidity.ts"),
    test: () => import("./hooks/test.ts"),
  },
  globalOptions: [
    globalFlag({
      name: "noParallelReport",
      description: "Do not print or write the per-test parallelism report after the tests",
    }),
    globalFlag({
      name: "parallelSnapshot",
      description:
        "Write each test's contention and parallelism to the budget snapshot (.parallel-snapshot.json)",
    }),
    globalFlag({
      name: "parallelCheck",
      description:
        "Fail when a test's contention rose or its parallelism fell beyond parallel.report.tolerance",
    }),
  ],
  tasks: [
    task(
      "parallel-report",
      "Prints the parallelism report of the last test run (from its JSON file), or merges shard reports",
    )
      .addOption({
        name: "file",
        description:
          "The report JSON to read (default: parallel.report.json, reports/parallel-report.json)",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addFlag({ name: "markdown", description: "Print the Markdown summary instead of the table" })
      .addFlag({
        name: "check",
        description: "Check the report against the budget snapshot; fail on a regression",
      })
      .addFlag({ name: "snapshot", description: "Write the budget snapshot from the report" })
      .addFlag({
        name: "merge",
        description:
          "Merge the report JSON files given as arguments (CI shards) and write the merged JSON, Markdown and HTML",
      })
      .addVariadicArgument({
        name: "files",
        description: "With --merge: the report JSON files of the shards",
        defaultValue: [],
      })
      .setAction(() => import("./tasks/parallel-report.ts"))
      .build(),
    // One report for all runners of `hardhat test` (see the action's module doc).
    overrideTask("test")
      .setAction(() => import("./tasks/test.ts"))
      .build(),
    task(
      "parallel-node",
      "Starts a JSON-RPC server over HTTP on top of a parallel network (default: parallel)",
    )
      .addOption({
        name: "hostname",
        description: "The host to which to bind to for new connections (default: 127.0.0.1)",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addOption({
        name: "port",
        description: "The port on which to listen for new connections (0: a free one)",
        type: ArgumentType.INT,
        defaultValue: 8545,
      })
      .setAction(() => import("./tasks/parallel-node.ts"))
      .build(),
    task(
      "parallel-replay",
      "Replays real blocks of a remote chain through the engine, checks the receipts and prints their parallelism",
    )
      .addOption({
        name: "rpcUrl",
        description: "The remote node's JSON-RPC URL",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addOption({
        name: "block",
        description: "The (first) block to replay",
        type: ArgumentType.BIGINT,
        defaultValue: 0n,
      })
      .addOption({
        name: "to",
        description: "The last block to replay (default: --block)",
        type: ArgumentType.BIGINT,
        defaultValue: -1n,
      })
      .addOption({
        name: "lanes",
        description: "Block-STM lanes and the speedup's P (default 2)",
        type: ArgumentType.INT,
        defaultValue: 2,
      })
      .addOption({
        name: "hardfork",
        description:
          "The rules the blocks ran under (default: from the header; osaka for Prague-style headers)",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addOption({
        name: "json",
        description: "Report JSON (default reports/parallel-replay.json)",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addOption({
        name: "markdown",
        description: "Report Markdown (default reports/parallel-replay.md)",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addOption({
        name: "html",
        description: "Report HTML (default reports/parallel-replay.html)",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .setAction(() => import("./tasks/parallel-replay.ts"))
      .build(),
  ],
  npmPackage: "hardhat-parallel",
};

export default hardhatParallel;
