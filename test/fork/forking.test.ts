/**
 * Forking (`fork` option, README "Forking"): a parallel chain forked from a remote node started
 * here — anvil and Hardhat's own `hardhat node`, each prepared with a token and blocks of many
 * transactions. Forked reads equal the remote's at the fork block (balances, nonces, code,
 * storage, BLOCKHASH); writes stay local; the disk cache makes a second run remote-free (counted
 * by a proxy); a corrupt cache file is rewritten; a remote that dies gives an error naming its
 * masked URL and the chain stays usable; a Block-STM block on forked state equals the
 * sequential executor's. Against EDR forking the same node: chain id, block numbers, parent
 * hash, base fee and `hardhat_metadata`'s `forkedNetwork`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "mocha";
import { network } from "hardhat";
import { configVariable } from "hardhat/config";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import hardhatParallel from "../../plugins/index.ts";
import {
  encodeAbiParameters,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  keccak256,
} from "viem";
import { artifacts, engineDeclarations } from "../engine/helpers.ts";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import type { ParallelChainOptions } from "../../sdk/engine/options.ts";
import { maskUrl } from "../../sdk/engine/fork/json-rpc-client.ts";
import { ForkCache } from "../../sdk/engine/fork/fork-cache.ts";
import { toChainOptions } from "../../plugins/hooks/config.ts";
import { REPO_ROOT } from "../exit/helpers.ts";
import {
  call,
  DEV,
  holder,
  type Prepared,
  prepare,
  receiptOf,
  type Remote,
  startAnvil,
  startCountingProxy,
  startHardhatNode,
  transferData,
} from "./helpers.ts";

const hex = (n: bigint): Hex => `0x${n.toString(16)}` as Hex;

for (const start of [startAnvil, startHardhatNode]) {
  describe(`forking ${start === startAnvil ? "anvil" : "hardhat node"}`, function () {
    this.timeout(240_000);
    let remote: Remote;
    let prepared: Prepared;
    const providers: ParallelProvider[] = [];
    const dirs: string[] = [];
    const fork = async (
      options: Partial<ParallelChainOptions["fork"]> & { url?: string } = {},
      rest: ParallelChainOptions = {},
    ) => {
      const provider = await createParallelProvider({
        ...rest,
        fork: { url: remote.url, blockNumber: prepared.block, ...options },
      });
      providers.push(provider);
      return provider;
    };
    const cacheDir = () => {
      const dir = mkdtempSync(path.join(tmpdir(), "hp-fork-"));
      dirs.push(dir);
      return dir;
    };
    // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results are method-dependent
    type Json = any;
    const r = (p: ParallelProvider, method: string, params: unknown[] = []): Promise<Json> =>
      p.request({ method, params });

    before(async function () {
      remote = await start();
      prepared = await prepare(remote.url);
    });

    after(async function () {
      for (const p of providers) await p.dispose?.();
      await remote?.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it("reads balances, nonces, code, storage and block hashes as the remote at the fork block", async function () {
      const p = await fork({ cacheDir: cacheDir() });
      const tag = hex(prepared.block);
      const whos = [...DEV, holder(0), holder(29), prepared.token];
      for (const who of whos) {
        assert.equal((await r(p, "eth_getBalance", [who, "latest"])) === undefined, false);
        if (!DEV.includes(who as never))
          assert.equal(
            await r(p, "eth_getBalance", [who, "latest"]),
            await call(remote.url, "eth_getBalance", [who, tag]),
            `balance of ${who}`,
          );
        assert.equal(
          await r(p, "eth_getTransactionCount", [who, "latest"]),
          await call(remote.url, "eth_getTransactionCount", [who, tag]),
          `nonce of ${who}`,
        );
        assert.equal(
          await r(p, "eth_getCode", [who, "latest"]),
          await call(remote.url, "eth_getCode", [who, tag]),
          `code of ${who}`,
        );
      }
      for (const slot of ["0x2", "0x0", "0x5"])
        assert.equal(
          BigInt(await r(p, "eth_getStorageAt", [prepared.token, slot, "latest"])),
          BigInt(await call<Hex>(remote.url, "eth_getStorageAt", [prepared.token, slot, tag])),
        );
      for (const who of [DEV[3], holder(7), holder(29), holder(99)]) {
        const data = encodeFunctionData({
          abi: prepared.abi,
          functionName: "balanceOf",
          args: [who],
        } as never);
        assert.equal(
          await r(p, "eth_call", [{ to: prepared.token, data }, "latest"]),
          await call(remote.url, "eth_call", [{ to: prepared.token, data }, tag]),
          `balanceOf(${who})`,
        );
      }
      // BLOCKHASH of blocks up to the fork block: init code returning blockhash(n).
      for (const n of [prepared.block - 1n, prepared.block - 3n]) {
        const push = n.toString(16).padStart(4, "0");
        // Returned as "runtime code" behind a zero byte (code may not start with 0xef).
        const initCode = `0x61${push}4060015260215ff3`;
        const got = await r(p, "eth_call", [{ data: initCode }, "latest"]);
        const block = await call<{ hash: Hex }>(remote.url, "eth_getBlockByNumber", [
          hex(n),
          false,
        ]);
        assert.equal(got, `0x00${block.hash.slice(2)}`, `blockhash(${n})`);
      }
      const latest = await r(p, "eth_getBlockByNumber", ["latest", false]);
      const remoteBlock = await call<{ hash: Hex }>(remote.url, "eth_getBlockByNumber", [
        tag,
        false,
      ]);
      assert.equal(latest.number, tag);
      assert.equal(latest.hash, remoteBlock.hash);
      const metadata = await r(p, "hardhat_metadata");
      assert.deepEqual(metadata.forkedNetwork, {
        chainId: Number(await call<Hex>(remote.url, "eth_chainId")),
        forkBlockNumber: Number(prepared.block),
        forkBlockHash: remoteBlock.hash,
      });
    });

    it("keeps writes local and continues the chain from the fork block", async function () {
      const p = await fork({ cacheDir: cacheDir() });
      const tag = hex(prepared.block);
      const before = await call<Hex>(remote.url, "eth_getStorageAt", [
        prepared.token,
        "0x2",
        "latest",
      ]);
      await r(p, "eth_sendTransaction", [
        { from: DEV[2], to: prepared.token, data: transferData(prepared.abi, holder(50), 5n) },
      ]);
      await r(p, "hardhat_setBalance", [holder(0), "0x1234"]);
      await r(p, "eth_sendTransaction", [{ from: DEV[3], to: holder(1), value: "0x10" }]);
      const data = encodeFunctionData({
        abi: prepared.abi,
        functionName: "balanceOf",
        args: [holder(50)],
      } as never);
      assert.equal(BigInt(await r(p, "eth_call", [{ to: prepared.token, data }, "latest"])), 5n);
      assert.equal(
        BigInt(await call<Hex>(remote.url, "eth_call", [{ to: prepared.token, data }, "latest"])),
        0n,
      );
      assert.equal(await r(p, "eth_getBalance", [holder(0), "latest"]), "0x1234");
      assert.notEqual(await call(remote.url, "eth_getBalance", [holder(0), "latest"]), "0x1234");
      assert.equal(
        await call(remote.url, "eth_getStorageAt", [prepared.token, "0x2", "latest"]),
        before,
      );
      // The state at the fork block is still the remote's (holder 1 was paid after it).
      assert.equal(
        await r(p, "eth_getBalance", [holder(1), tag]),
        await call(remote.url, "eth_getBalance", [holder(1), tag]),
      );
      assert.equal(
        BigInt(await r(p, "eth_getBalance", [holder(1), "latest"])),
        BigInt(await call<Hex>(remote.url, "eth_getBalance", [holder(1), tag])) + 16n,
      );
      const fundsData = encodeFunctionData({
        abi: prepared.abi,
        functionName: "balanceOf",
        args: [holder(50)],
      } as never);
      assert.equal(
        BigInt(await r(p, "eth_call", [{ to: prepared.token, data: fundsData }, tag])),
        0n,
      );
      const first = await r(p, "eth_getBlockByNumber", [hex(prepared.block + 1n), false]);
      const forkBlock = await call<{ hash: Hex; timestamp: Hex }>(
        remote.url,
        "eth_getBlockByNumber",
        [tag, false],
      );
      assert.equal(first.parentHash, forkBlock.hash);
      assert.ok(BigInt(first.timestamp) > BigInt(forkBlock.timestamp));
      assert.equal(await r(p, "eth_blockNumber"), hex(prepared.block + 2n));
      assert.equal(await r(p, "eth_chainId"), "0x7a69");
      // An undone write reads the remote again.
      const id = await r(p, "evm_snapshot");
      await r(p, "hardhat_setBalance", [holder(2), "0x99"]);
      await r(p, "evm_revert", [id]);
      assert.equal(
        await r(p, "eth_getBalance", [holder(2), "latest"]),
        await call(remote.url, "eth_getBalance", [holder(2), tag]),
      );
    });

    it("reads nothing remote on a second run at the same block (disk cache); a corrupt file is rewritten", async function () {
      const dir = cacheDir();
      const proxy = await startCountingProxy(remote.url);
      try {
        const reads = async (p: ParallelProvider) => {
          const out: unknown[] = [];
          for (const who of [holder(3), holder(4), DEV[5], prepared.token])
            out.push(
              await r(p, "eth_getBalance", [who, "latest"]),
              await r(p, "eth_getCode", [who, "latest"]),
            );
          out.push(await r(p, "eth_getStorageAt", [prepared.token, "0x2", "latest"]));
          await r(p, "eth_sendTransaction", [
            { from: DEV[4], to: prepared.token, data: transferData(prepared.abi, holder(5), 1n) },
          ]);
          out.push(
            await r(p, "eth_getTransactionReceipt", [
              await r(p, "eth_sendTransaction", [{ from: DEV[6], to: holder(6), value: "0x1" }]),
            ]).then((x: Json) => x.status),
          );
          return out;
        };
        const first = await fork({ url: proxy.url, cacheDir: dir });
        const expected = await reads(first);
        await first.dispose();
        assert.ok(proxy.total() > 0);
        proxy.calls.clear();
        const second = await fork({ url: proxy.url, cacheDir: dir });
        assert.deepEqual(await reads(second), expected);
        await second.dispose();
        assert.equal(
          proxy.total(),
          0,
          `remote calls on the second run: ${JSON.stringify([...proxy.calls])}`,
        );
        // Truncate the cache file (a run killed mid-write): detected, ignored, rewritten.
        const file = readdirSync(dir).find((f) => f.endsWith(".json"))!;
        const full = readFileSync(path.join(dir, file), "utf8");
        writeFileSync(path.join(dir, file), full.slice(0, Math.floor(full.length / 2)));
        const third = await fork({ url: proxy.url, cacheDir: dir });
        assert.deepEqual(await reads(third), expected);
        await third.dispose();
        assert.ok(proxy.total() > 0, "the corrupt cache was not used");
        const rewritten = readFileSync(path.join(dir, file), "utf8");
        assert.equal(rewritten.split("\n").length, 3);
        JSON.parse(rewritten.split("\n")[0]);
        proxy.calls.clear();
        const fourth = await fork({ url: proxy.url, cacheDir: dir });
        assert.deepEqual(await reads(fourth), expected);
        assert.equal(proxy.total(), 0);
      } finally {
        await proxy.kill();
      }
    });

    it("names the masked URL when the remote dies, and keeps the chain usable", async function () {
      const proxy = await startCountingProxy(remote.url);
      const secretUrl = `${proxy.url.replace("http://", "http://alice:hunter2@")}v3/0123456789abcdef0123`;
      try {
        const p = await fork({ url: secretUrl });
        await r(p, "eth_sendTransaction", [{ from: DEV[7], to: DEV[8], value: "0x5" }]);
        const number = await r(p, "eth_blockNumber");
        await proxy.kill();
        await assert.rejects(r(p, "eth_getBalance", [holder(20), "latest"]), (error: Error) => {
          assert.match(error.message, new RegExp(maskUrl(secretUrl).replaceAll("*", "\\*")));
          assert.doesNotMatch(error.message, /hunter2|0123456789abcdef0123/);
          return true;
        });
        await assert.rejects(
          r(p, "eth_sendTransaction", [
            { from: DEV[7], to: prepared.token, data: transferData(prepared.abi, holder(21), 1n) },
          ]),
          /\*\*\*:\*\*\*@127\.0\.0\.1/,
        );
        assert.equal(await r(p, "eth_blockNumber"), number);
        // Local state (and remote state read before) still serves.
        await r(p, "eth_sendTransaction", [{ from: DEV[7], to: DEV[8], value: "0x6" }]);
        assert.equal(await r(p, "eth_blockNumber"), hex(BigInt(number) + 1n));
      } finally {
        await proxy.kill();
      }
    });

    it("names the masked URL when the remote does not answer in time", async function () {
      const proxy = await startCountingProxy(remote.url);
      try {
        const p = await fork({ url: proxy.url, timeout: 300 });
        proxy.hang();
        await assert.rejects(
          r(p, "eth_getBalance", [holder(22), "latest"]),
          /Forking: the remote node at http:\/\/127\.0\.0\.1:\d+\/ failed: eth_getBalance: no answer within 300 ms/,
        );
        assert.equal(await r(p, "eth_blockNumber"), hex(prepared.block));
      } finally {
        await proxy.kill();
      }
    });

    it("mines a Block-STM block of many transactions on forked state as the sequential executor does", async function () {
      // A cold cache each: the token slots of the new holders are not prefetched (only
      // accounts are), so lanes miss them and the coordinator loads and re-dispatches.
      const outcome = async (executor: "sequential" | "block-stm") => {
        const p = await fork(
          { cacheDir: cacheDir() },
          {
            executor,
            lanes: 2,
            mining: { auto: false },
            fallback: {
              minTransactions: 1,
              minGas: 0n,
              minPredictedSpeedup: 0,
              maxAbortShare: Number.POSITIVE_INFINITY,
            },
          },
        );
        const hashes: Hex[] = [];
        for (let i = 1; i < DEV.length; i++) {
          hashes.push(
            await r(p, "eth_sendTransaction", [
              {
                from: DEV[i],
                to: prepared.token,
                data: transferData(prepared.abi, holder(60 + i), BigInt(i)),
                gas: "0x20000",
              },
            ]),
          );
          hashes.push(
            await r(p, "eth_sendTransaction", [
              {
                from: DEV[i],
                to: prepared.token,
                data: transferData(prepared.abi, holder(i % 3), 7n),
                gas: "0x20000",
              },
            ]),
          );
          hashes.push(
            await r(p, "eth_sendTransaction", [
              { from: DEV[i], to: holder(80 + i), value: "0x100", gas: "0x10000" },
            ]),
          );
        }
        // Count the storage slots loaded while the block runs (the prefetch loads accounts only).
        const source = p.chain.fork!;
        const load = source.load.bind(source);
        let slotsLoadedDuringBlock = 0;
        source.load = (keys) => {
          const list = [...keys];
          slotsLoadedDuringBlock += list.filter((k) => k.startsWith("s:")).length;
          return load(list);
        };
        await r(p, "evm_mine");
        source.load = load;
        const record = await r(p, "parallel_getBlockRecord", ["latest"]);
        const receipts = [];
        for (const h of hashes) {
          const x = await r(p, "eth_getTransactionReceipt", [h]);
          receipts.push({
            status: x.status,
            gasUsed: x.gasUsed,
            logs: x.logs.map((l: Json) => [l.address, l.topics, l.data]),
          });
        }
        const balances = [];
        for (let n = 0; n < 100; n++) {
          const data = encodeFunctionData({
            abi: prepared.abi,
            functionName: "balanceOf",
            args: [holder(n)],
          } as never);
          balances.push(
            await r(p, "eth_call", [{ to: prepared.token, data }, "latest"]),
            await r(p, "eth_getBalance", [holder(n), "latest"]),
          );
        }
        return {
          receipts,
          balances,
          executedBy: record.executedBy,
          transactions: record.transactions,
          why: [record.fallbackReason, record.faults],
          slotsLoadedDuringBlock,
        };
      };
      const sequential = await outcome("sequential");
      for (const executor of ["block-stm"] as const) {
        const parallel = await outcome(executor);
        assert.equal(parallel.executedBy, executor, JSON.stringify(parallel.why));
        assert.equal(parallel.transactions, 27);
        // The lanes missed the new holders' token slots; the coordinator loaded them.
        assert.ok(
          parallel.slotsLoadedDuringBlock >= 9,
          `${parallel.slotsLoadedDuringBlock} slots loaded`,
        );
        assert.deepEqual(parallel.receipts, sequential.receipts, executor);
        assert.deepEqual(parallel.balances, sequential.balances, executor);
      }
    });

    it("mines a Block-STM block as the sequential executor does after an undone write made a location remote again", async function () {
      const run = async (executor: "sequential" | "block-stm") => {
        const p = await fork(
          { cacheDir: cacheDir() },
          {
            executor,
            lanes: 2,
            mining: { auto: false },
            fallback: {
              minTransactions: 1,
              minGas: 0n,
              minPredictedSpeedup: 0,
              maxAbortShare: Number.POSITIVE_INFINITY,
            },
          },
        );
        const send = async (from: string, to: string, value: string) =>
          r(p, "eth_sendTransaction", [{ from, to, value, gas: "0x10000" }]);
        // A first parallel block starts the lanes (their replicas are seeded).
        for (let i = 1; i < 5; i++) await send(DEV[i], holder(120 + i), "0x1");
        await r(p, "evm_mine");
        // The token slot of holder(130) is written before it was ever read (so it is not
        // loaded), then the write is undone: the lanes must forget it and ask again.
        const slot = keccak256(
          encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [holder(130), 0n]),
        );
        const id = await r(p, "evm_snapshot");
        await r(p, "hardhat_setStorageAt", [prepared.token, slot, `0x${"0".repeat(63)}9`]);
        await r(p, "evm_revert", [id]);
        for (let i = 1; i < 6; i++)
          await r(p, "eth_sendTransaction", [
            {
              from: DEV[i],
              to: prepared.token,
              data: transferData(prepared.abi, holder(130), BigInt(i)),
              gas: "0x20000",
            },
          ]);
        await r(p, "evm_mine");
        const record = await r(p, "parallel_getBlockRecord", ["latest"]);
        return {
          balance: await r(p, "eth_getStorageAt", [prepared.token, slot, "latest"]),
          executedBy: record.executedBy,
        };
      };
      const sequential = await run("sequential");
      const parallel = await run("block-stm");
      assert.equal(parallel.executedBy, "block-stm");
      assert.equal(parallel.balance, sequential.balance);
      assert.equal(
        BigInt(sequential.balance),
        BigInt(await call<Hex>(remote.url, "eth_getBalance", [holder(130), hex(prepared.block)])) +
          15n,
      );
    });

    it("mines a declared block of transfers of a forked annotated token as the sequential executor does", async function () {
      const { EngToken } = artifacts();
      const holders = DEV.slice(1);
      const hash = await call<Hex>(remote.url, "eth_sendTransaction", [
        {
          from: DEV[0],
          data: encodeDeployData({
            abi: EngToken.abi,
            bytecode: EngToken.bytecode,
            args: [holders, 10n ** 20n],
          } as never),
          gas: "0x500000",
        },
      ]);
      // Waiting for the receipt: anvil's automine may answer before it stored the block.
      const { contractAddress: engToken } = await receiptOf(remote.url, hash);
      const at = BigInt(await call<Hex>(remote.url, "eth_blockNumber"));
      const outcome = async (executor: "sequential" | "declared") => {
        const p = await createParallelProvider({
          fork: { url: remote.url, blockNumber: at, cacheDir: cacheDir() },
          executor,
          lanes: 2,
          mining: { auto: false },
          fallback: { minTransactions: 1, minGas: 0n, minPredictedSpeedup: 0 },
        });
        providers.push(p);
        p.chain.setDeclarations(engineDeclarations());
        const hashes: Hex[] = [];
        for (const [i, from] of holders.entries()) {
          const data = encodeFunctionData({
            abi: EngToken.abi,
            functionName: "transfer",
            args: [holder(200 + i), 5n],
          } as never);
          hashes.push(
            await r(p, "eth_sendTransaction", [{ from, to: engToken, data, gas: "0x20000" }]),
          );
        }
        await r(p, "evm_mine");
        const record = await r(p, "parallel_getBlockRecord", ["latest"]);
        const receipts: Json[] = [];
        for (const h of hashes) {
          const x = await r(p, "eth_getTransactionReceipt", [h]);
          receipts.push([x.status, x.gasUsed, x.logs.length]);
        }
        const balances: Json[] = [];
        for (const who of [...holders, ...holders.map((_, i) => holder(200 + i))]) {
          const data = encodeFunctionData({
            abi: EngToken.abi,
            functionName: "balanceOf",
            args: [who],
          } as never);
          balances.push(await r(p, "eth_call", [{ to: engToken, data }, "latest"]));
        }
        return { receipts, balances, executedBy: record.executedBy, why: record.fallbackReason };
      };
      const sequential = await outcome("sequential");
      const declared = await outcome("declared");
      assert.equal(declared.executedBy, "declared", declared.why);
      assert.deepEqual(declared.receipts, sequential.receipts);
      assert.deepEqual(declared.balances, sequential.balances);
      assert.ok(sequential.receipts.every((x) => x[0] === "0x1"));
    });

    it("forks through the plugin's config (parallel.forking, a configuration variable URL), caching under Hardhat's cache directory", async function () {
      const root = cacheDir();
      writeFileSync(path.join(root, "package.json"), '{ "name": "fork-config", "type": "module" }');
      const hre = await createHardhatRuntimeEnvironment(
        {
          plugins: [hardhatParallel],
          // A configuration variable, resolved when the network is created.
          parallel: {
            forking: {
              url: configVariable("HP_TEST_FORK_URL"),
              blockNumber: Number(prepared.block),
            },
          },
          paths: { cache: path.join(root, "cache") },
        },
        {},
        root,
      );
      // Set until the end: the engine (and the variable's value) is made on the first request.
      process.env.HP_TEST_FORK_URL = remote.url;
      const connection = await hre.network.create("parallel");
      try {
        const e = (method: string, params: unknown[] = []) =>
          connection.provider.request({ method, params }) as Promise<Json>;
        assert.equal(
          (await e("hardhat_metadata")).forkedNetwork.forkBlockNumber,
          Number(prepared.block),
        );
        assert.equal(
          await e("eth_getBalance", [holder(9), "latest"]),
          await call(remote.url, "eth_getBalance", [holder(9), hex(prepared.block)]),
        );
      } finally {
        await connection.close();
        delete process.env.HP_TEST_FORK_URL;
      }
      const files = readdirSync(path.join(root, "cache", "hardhat-parallel", "fork"));
      const chainId = Number(await call<Hex>(remote.url, "eth_chainId"));
      assert.ok(files.includes(`${chainId}-${prepared.block}.json`), files.join(", "));
    });

    it("matches EDR forking the same node: chain id, fork block, next block, metadata", async function () {
      const edr = await network.create({
        override: { forking: { url: remote.url, blockNumber: Number(prepared.block) } },
      } as never);
      try {
        const p = await fork({});
        const e = (method: string, params: unknown[] = []) =>
          edr.provider.request({ method, params }) as Promise<Json>;
        assert.equal(await r(p, "eth_chainId"), await e("eth_chainId"));
        assert.equal(await r(p, "eth_blockNumber"), await e("eth_blockNumber"));
        assert.deepEqual(
          (await r(p, "hardhat_metadata")).forkedNetwork,
          (await e("hardhat_metadata")).forkedNetwork,
        );
        await r(p, "evm_mine");
        await e("evm_mine");
        const ours = await r(p, "eth_getBlockByNumber", ["latest", false]);
        const theirs = await e("eth_getBlockByNumber", ["latest", false]);
        for (const field of ["number", "parentHash", "baseFeePerGas", "gasLimit"] as const)
          assert.equal(ours[field], theirs[field], field);
        for (const who of [DEV[0], holder(3), prepared.token])
          assert.equal(
            await r(p, "eth_getBalance", [who, "latest"]),
            await e("eth_getBalance", [who, "latest"]),
            who,
          );
      } finally {
        await edr.close();
      }
    });
  });
}

describe("fork cache", function () {
  this.timeout(120_000);

  it("stays valid while two processes save it at once", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "hp-fork-race-"));
    try {
      const script = path.join(REPO_ROOT, "test", "fixtures", "fork", "cache-writer.ts");
      const run = (prefix: string) =>
        new Promise<number | null>((resolve) =>
          spawn(process.execPath, [script, dir, prefix, "300"], { stdio: "ignore" }).on(
            "exit",
            resolve,
          ),
        );
      const done = Promise.all([run("a"), run("b")]);
      let checks = 0;
      let finished = false;
      void done.then(() => (finished = true));
      while (!finished) {
        const cache = new ForkCache(dir, 4242, 7n);
        cache.load();
        assert.equal(cache.corruptOnLoad, false, "a reader saw a corrupt file");
        checks++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.deepEqual(await done, [0, 0]);
      const cache = new ForkCache(dir, 4242, 7n);
      const content = cache.load();
      assert.equal(cache.corruptOnLoad, false);
      // The last save of each writer merged what was on disk: its own 300 keys are all there.
      const keys = Object.keys(content.values);
      assert.ok(
        keys.filter((k) => k.startsWith("s:a:")).length === 300 ||
          keys.filter((k) => k.startsWith("s:b:")).length === 300,
      );
      assert.ok(checks > 0);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith(".tmp")),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("maps the plugin's forking config to the engine's fork option under Hardhat's cache", function () {
    const options = toChainOptions(
      { forking: { url: "http://127.0.0.1:1/", blockNumber: 12, httpHeaders: { a: "b" } } },
      "/project/cache",
    );
    assert.deepEqual(options.fork, {
      url: "http://127.0.0.1:1/",
      blockNumber: 12n,
      httpHeaders: { a: "b" },
      cacheDir: path.join("/project/cache", "hardhat-parallel", "fork"),
    });
    assert.equal(
      toChainOptions({ forking: { url: "http://127.0.0.1:1/", enabled: false } }).fork,
      undefined,
    );
  });

  it("masks credentials and key-like parts of URLs", function () {
    assert.equal(
      maskUrl("https://user:pw@eth.example/v2/abcdefabcdefabcdef12?key=0123456789abcdefXYZ&x=1"),
      "https://***:***@eth.example/v2/***?key=***&x=1",
    );
    assert.equal(maskUrl("http://127.0.0.1:8545/"), "http://127.0.0.1:8545/");
  });

  it("fails to create a chain forked from an unreachable remote, naming the masked URL", async function () {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(
      createParallelProvider({
        fork: { url: `http://bob:pw@127.0.0.1:${port}/key0123456789abcdef` },
      }),
      (error: Error) => {
        assert.equal(
          error.message,
          `Forking: the remote node at http://***:***@127.0.0.1:${port}/*** failed: eth_chainId: ECONNREFUSED`,
        );
        return true;
      },
    );
  });
});
