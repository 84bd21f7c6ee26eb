/**
 * Replaying real blocks (`sdk/replay/`, task `parallel-replay`, README "Replaying real blocks"):
 * a block of many transactions from distinct senders, some sharing hot slots, prepared on
 * anvil and on `hardhat node` (both started here on 127.0.0.1), is replayed on the state before
 * it read from the node. Receipts (status, gas, cumulative gas, logs) equal the node's on both
 * executors; the analysis equals that of the same signed transactions mined on a parallel
 * network directly; a dead remote and a missing block give errors naming the masked URL; and
 * the task, run in a child process, prints the table, writes JSON/Markdown/HTML and exits.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { after, before, describe, it } from "mocha";
import type { Hex } from "viem";
import { analyseTestBlocks } from "../../sdk/analysis/recorded-analysis.ts";
import { recordMinedBlock } from "../../sdk/analysis/record-mined-block.ts";
import type { CodeTable, RecordedBlock } from "../../sdk/analysis/recorded-block.ts";
import type { NamingEnvironment } from "../../sdk/analysis/naming.ts";
import type { HardforkName } from "../../sdk/engine/options.ts";
import { createParallelProvider } from "../../sdk/rpc/provider.ts";
import { compareBlockAccessLists } from "../../sdk/replay/compare-block-access-list.ts";
import { compareReceipts } from "../../sdk/replay/compare-receipts.ts";
import type { RpcBlockAccessList } from "../../sdk/analysis/block-access-list-rpc.ts";
import { createJsonRpcHttpServer } from "../../sdk/rpc/http-server.ts";
import type { RemoteReceipt } from "../../sdk/replay/remote-block.ts";
import type { ExecutionResult } from "../../sdk/engine/execute-transaction.ts";
import { type ReplayedBlock, replayBlock } from "../../sdk/replay/replay-block.ts";
import { loadProjectContracts } from "../../plugins/internal/project-contracts.ts";
import { HARDHAT_CLI, runUntilExit } from "../exit/helpers.ts";
import {
  call,
  type Remote,
  startAnvil,
  startCountingProxy,
  startHardhatNode,
} from "../fork/helpers.ts";
import { type BusyBlock, prepareBusyBlock, startRewritingProxy } from "./helpers.ts";

const SENDERS = 45;

/** The figures the report shows for one block's analysis. */
async function figures(block: RecordedBlock, codes: CodeTable) {
  const { index } = await loadProjectContracts(hre.artifacts);
  const env: NamingEnvironment = { index, codes };
  const result = await analyseTestBlocks([block], env);
  assert.ok(result !== undefined);
  const a = result.analysis;
  return {
    transactions: a.transactionCount,
    dependentTransactions: a.dependentTransactions,
    dependencies: a.dependencyCount,
    contention: a.contention,
    criticalPath: { gas: a.criticalPath.gas, length: a.criticalPath.length },
    speedup: a.speedup,
    hot: a.hotLocations.slice(0, 3).map((h) => h.label),
  };
}

for (const [name, start, hardfork] of [
  ["anvil", startAnvil, "prague"],
  ["hardhat node", startHardhatNode, undefined],
] as const) {
  describe(`replaying a block of ${name}`, function () {
    this.timeout(300_000);
    let remote: Remote;
    let busy: BusyBlock;
    let replayed: ReplayedBlock;
    const codes: CodeTable = {};
    const dirs: string[] = [];

    before(async function () {
      remote = await start();
      busy = await prepareBusyBlock(remote.url, SENDERS);
      const block = await call<{ transactions: unknown[] }>(remote.url, "eth_getBlockByNumber", [
        `0x${busy.block.toString(16)}`,
        false,
      ]);
      assert.equal(block.transactions.length, SENDERS, "the busy block holds every transaction");
      replayed = await replayBlock(
        { url: remote.url, lanes: 4, ...(hardfork === undefined ? {} : { hardfork }) },
        busy.block,
        codes,
      );
    });

    after(async function () {
      await remote?.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it("gives every receipt of the node on both executors", function () {
      assert.equal(replayed.transactions, SENDERS);
      assert.deepEqual(replayed.sequentialMismatches, []);
      assert.deepEqual(replayed.blockStmMismatches, []);
      assert.equal(replayed.recorded.transactions.length, SENDERS);
      assert.equal(replayed.blockStmRecord.executedBy, "block-stm");
    });

    it("applies the system calls as the node did (their slots equal the node's after the block)", async function () {
      // anvil: no beacon roots contract in its Prague genesis, the history contract written;
      // EDR's node has both contracts but writes neither in its dev blocks.
      assert.deepEqual(
        replayed.systemCalls.map((c) => [c.eip, c.applied]),
        [
          [4788, false],
          [2935, name === "anvil"],
        ],
      );
      assert.match(
        replayed.systemCalls[0].reason ?? "",
        name === "anvil" ? /^no code at 0x000f3df6/ : /the node skips it/,
      );
      const applied = replayed.systemCalls.filter((c) => c.applied);
      if (name === "anvil") assert.equal(applied.length, 1);
      for (const call_ of applied)
        for (const w of call_.writes ?? [])
          assert.equal(
            BigInt(
              await call<Hex>(remote.url, "eth_getStorageAt", [
                w.address,
                `0x${w.slot.toString(16)}`,
                `0x${busy.block.toString(16)}`,
              ]),
            ),
            w.value,
            `EIP-${call_.eip} slot ${w.slot}`,
          );
    });

    it("reports a receipt that differs (which transaction, which field, ours vs theirs)", async function () {
      const { transactions } = await call<{ transactions: Hex[] }>(
        remote.url,
        "eth_getBlockByNumber",
        [`0x${busy.block.toString(16)}`, false],
      );
      const receipts: RemoteReceipt[] = [];
      for (const hash of transactions)
        receipts.push(await call<RemoteReceipt>(remote.url, "eth_getTransactionReceipt", [hash]));
      // Results shaped from the node's receipts (as a replay that agrees gives them).
      const results = receipts.map((r) => ({
        kind: "executed",
        status: Number(r.status),
        gasUsed: BigInt(r.gasUsed),
        blockGasUsed: BigInt(r.gasUsed),
        logs: r.logs,
      })) as unknown as ExecutionResult[];
      assert.deepEqual(compareReceipts(results, receipts), []);
      const tampered = receipts.map((r, i) =>
        i === 3 ? { ...r, logs: [], status: "0x0" as Hex } : r,
      );
      const mismatches = compareReceipts(results, tampered);
      assert.deepEqual(
        mismatches.map((m) => [m.index, m.transactionHash, m.field, m.ours, m.theirs]),
        [
          [3, receipts[3].transactionHash, "status", "0x1", "0x0"],
          [3, receipts[3].transactionHash, "logs.length", String(receipts[3].logs.length), "0"],
        ],
      );
      assert.ok(receipts[3].logs.length > 0);
    });

    it("gives the analysis of the same transactions mined on a parallel network", async function () {
      const chainId = Number(await call<Hex>(remote.url, "eth_chainId"));
      const provider = await createParallelProvider({
        chainId,
        hardfork: (hardfork ?? "osaka") as HardforkName,
        lanes: 4,
        mining: { auto: false, interval: 0 },
        fork: { url: remote.url, blockNumber: busy.block - 1n },
      });
      try {
        for (const raw of busy.raws)
          await provider.request({ method: "eth_sendRawTransaction", params: [raw] });
        await provider.request({ method: "evm_mine", params: [] });
        const mined = provider.chain.latest();
        assert.equal(mined.transactions.length, SENDERS);
        const direct: CodeTable = {};
        const ours = await figures(replayed.recorded, codes);
        const theirs = await figures(recordMinedBlock(mined, provider.chain, direct), direct);
        assert.deepEqual(ours, theirs);
        // A third of the senders share NetCounter.count, a third one holder's token balance.
        assert.ok(
          ours.dependentTransactions >= SENDERS / 3,
          `dependent: ${ours.dependentTransactions}`,
        );
        assert.ok(
          ours.hot.some((label) => label.startsWith("NetCounter.count")),
          `hot: ${ours.hot.join(", ")}`,
        );
      } finally {
        await provider.dispose?.();
      }
    });

    it("fails with the masked URL when the remote dies or the block is missing", async function () {
      const proxy = await startCountingProxy(remote.url);
      await proxy.kill();
      await assert.rejects(
        replayBlock({ url: `${proxy.url}v2/abcdefabcdefabcdef1234` }, busy.block, {}),
        (error: Error) => {
          assert.match(
            error.message,
            /^Forking: the remote node at http:\/\/127\.0\.0\.1:\d+\/v2\/\*\*\* failed: /,
          );
          assert.doesNotMatch(error.message, /abcdefabcdef/);
          return true;
        },
      );
      const latest = BigInt(await call<Hex>(remote.url, "eth_blockNumber"));
      await assert.rejects(replayBlock({ url: remote.url }, latest + 5n, {}), (error: Error) => {
        assert.match(
          error.message,
          /^Forking: the remote node at http:\/\/127\.0\.0\.1:\d+\/ failed: /,
        );
        assert.match(error.message, new RegExp(`${latest}`));
        return true;
      });
    });

    it("refuses a transaction type it does not support, naming the masked URL", async function () {
      const proxy = await startRewritingProxy(remote.url, (method, params, result) => {
        if (method !== "eth_getBlockByNumber" || params[1] !== true) return result;
        const block = result as { transactions: Array<{ type: string }> };
        block.transactions[2].type = "0x7e"; // an OP-stack deposit
        return block;
      });
      try {
        await assert.rejects(
          replayBlock(
            { url: proxy.url, ...(hardfork === undefined ? {} : { hardfork }) },
            busy.block,
            {},
          ),
          (error: Error) => {
            assert.match(
              error.message,
              /^Forking: the remote node at http:\/\/127\.0\.0\.1:\d+\/ failed: block \d+: transaction 0x[0-9a-f]{64} has type 126, which the replay does not support/,
            );
            return true;
          },
        );
      } finally {
        await proxy.close();
      }
    });

    if (name === "anvil")
      it("runs as `hardhat parallel-replay` in a child process: table, JSON, Markdown, HTML, exit", async function () {
        const dir = mkdtempSync(path.join(tmpdir(), "hp-replay-"));
        dirs.push(dir);
        const files = { json: "r.json", markdown: "r.md", html: "r.html" };
        const run = await runUntilExit({
          args: [
            HARDHAT_CLI,
            "parallel-replay",
            "--rpc-url",
            remote.url,
            "--block",
            String(busy.block - 1n),
            "--to",
            String(busy.block),
            "--lanes",
            "2",
            "--hardfork",
            "prague",
            ...Object.entries(files).flatMap(([k, f]) => [`--${k}`, path.join(dir, f)]),
          ],
          doneWhen: /Parallelism report written to/,
          workTimeoutMs: 240_000,
        });
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        assert.ok(run.exitedByItself, `lingered ${run.lingerMs} ms`);
        assert.match(
          run.stdout,
          new RegExp(`block ${busy.block}: ${SENDERS} transactions, .*receipts equal`),
        );
        assert.match(run.stdout, new RegExp(`block ${busy.block - 1n}: `));
        assert.match(run.stdout, /NetCounter\.count/);
        for (const f of Object.values(files)) assert.ok(existsSync(path.join(dir, f)), f);
        const json = JSON.parse(readFileSync(path.join(dir, files.json), "utf8"));
        const test = json.tests.find((t: { title: string }) =>
          t.title.startsWith(`block ${busy.block} `),
        );
        assert.equal(test.transactions, SENDERS);
        assert.match(readFileSync(path.join(dir, files.html), "utf8"), /<html/i);
      });

    if (name === "anvil")
      it("exits non-zero and names the transaction and field when a receipt differs", async function () {
        const dir = mkdtempSync(path.join(tmpdir(), "hp-replay-"));
        dirs.push(dir);
        // The chain's receipts with transaction 5's cumulative gas one higher.
        const proxy = await startRewritingProxy(remote.url, (method, _params, result) => {
          if (method !== "eth_getBlockReceipts" || !Array.isArray(result)) return result;
          const r = result[5] as { cumulativeGasUsed: string };
          r.cumulativeGasUsed = `0x${(BigInt(r.cumulativeGasUsed) + 1n).toString(16)}`;
          return result;
        });
        try {
          const run = await runUntilExit({
            args: [
              HARDHAT_CLI,
              "parallel-replay",
              "--rpc-url",
              proxy.url,
              "--block",
              String(busy.block),
              "--hardfork",
              "prague",
              "--json",
              path.join(dir, "r.json"),
              "--markdown",
              path.join(dir, "r.md"),
              "--html",
              path.join(dir, "r.html"),
            ],
            doneWhen: /The replay differs from the chain/,
            workTimeoutMs: 240_000,
          });
          assert.notEqual(run.code, 0, run.stdout);
          assert.ok(run.exitedByItself, `lingered ${run.lingerMs} ms`);
          for (const executor of ["sequential", "block-stm"])
            assert.match(
              run.stdout,
              new RegExp(
                `MISMATCH \\(${executor}\\) tx 5 0x[0-9a-f]{64} cumulativeGasUsed: ours 0x[0-9a-f]+, chain's 0x[0-9a-f]+`,
              ),
            );
          assert.match(run.stdout, /2 receipt mismatches/);
        } finally {
          await proxy.close();
        }
      });
  });
}

describe("replaying a block of a node that serves eth_getBlockAccessList (EIP-7928)", function () {
  this.timeout(300_000);

  it("compares the replay's block access list with the remote's, and reports a difference", async function () {
    // The remote: a parallel network under Amsterdam served over HTTP (anvil serves no list).
    const provider = await createParallelProvider({ chainId: 4343, hardfork: "amsterdam" });
    const server = createJsonRpcHttpServer({ provider, port: 0 });
    const { url } = await server.listen();
    try {
      const busy = await prepareBusyBlock(url, 24);
      const replayed = await replayBlock({ url, lanes: 2 }, busy.block, {});
      assert.equal(replayed.hardfork, "amsterdam");
      assert.deepEqual(replayed.sequentialMismatches, []);
      assert.deepEqual(replayed.blockStmMismatches, []);
      assert.deepEqual(replayed.blockAccessList, { differences: [] });
      const theirs = await call<RpcBlockAccessList>(url, "eth_getBlockAccessList", [
        `0x${busy.block.toString(16)}`,
      ]);
      assert.ok(theirs.length > 24);
      const changed = theirs.map((a, i) =>
        i === 1 ? { ...a, balanceChanges: [{ index: "0x1" as Hex, value: "0x1" as Hex }] } : a,
      );
      const differences = compareBlockAccessLists(theirs, changed.slice(0, -1));
      assert.deepEqual(
        differences.map((d) => [d.address, d.field]),
        [
          [theirs[1].address.toLowerCase(), "balanceChanges"],
          [theirs.at(-1)!.address.toLowerCase(), "account"],
        ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      );
    } finally {
      await server.close();
      await provider.dispose?.();
    }
  });
});
