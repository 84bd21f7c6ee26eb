/**
 * Remote nodes for the forking tests, all on 127.0.0.1 and started by the tests: anvil
 * (`@foundry-rs/anvil`) and Hardhat's own `hardhat node`, each prepared with a token contract
 * and blocks of many transactions; and a counting proxy in front of a node, which counts the
 * JSON-RPC calls it forwards and can be killed (a remote that dies mid-run).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { encodeDeployData, encodeFunctionData, type Hex } from "viem";
import { REPO_ROOT } from "../exit/helpers.ts";
import { startNode } from "../node/helpers.ts";

export interface Remote {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** Starts anvil on a free port with chain id 4242; resolves once it listens. */
export function startAnvil(): Promise<Remote> {
  const bin = path.join(REPO_ROOT, "node_modules", ".bin", "anvil");
  const child: ChildProcess = spawn(
    bin,
    ["--port", "0", "--host", "127.0.0.1", "--chain-id", "4242", "--hardfork", "prague"],
    // Its own process group: `.bin/anvil` is a Node shim that runs the real binary as a child,
    // and killing the shim alone would leave that child running.
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const killAll = (): void => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL"); // the group is gone already
    }
  };
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killAll();
      reject(new Error(`anvil did not start within 60 s:\n${out}`));
    }, 60_000);
    child.on("exit", (code) => reject(new Error(`anvil exited (${code}):\n${out}`)));
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /Listening on (\S+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        name: "anvil",
        url: `http://${match[1]}`,
        stop: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once("exit", r));
          killAll();
          await exited;
          child.stdout?.destroy();
          child.stderr?.destroy();
        },
      });
    });
  });
}

/** Starts `hardhat node` (EDR over HTTP) on a free port. */
export async function startHardhatNode(): Promise<Remote> {
  const node = await startNode(["node", "--hostname", "127.0.0.1", "--port", "0"]);
  return {
    name: "hardhat node",
    url: node.url,
    stop: async () => {
      await node.stop("SIGKILL");
    },
  };
}

/** One JSON-RPC call over HTTP. @throws {Error} with the remote's error message. */
export async function call<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** The receipt of `hash`, waiting for it (anvil's automine may answer before the block is stored). */
export async function receiptOf(url: string, hash: Hex): Promise<{ contractAddress: Hex }> {
  for (let i = 0; i < 100; i++) {
    const receipt = await call<{ contractAddress: Hex } | null>(url, "eth_getTransactionReceipt", [
      hash,
    ]);
    if (receipt !== null) return receipt;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no receipt for ${hash} after 5 s`);
}

export const DEV = [
  "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
  "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
  "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
  "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
  "0x976ea74026e726554db657fa54763abd0c3a0aa9",
  "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
  "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f",
  "0xa0ee7a142d267c1f36714e4a8f75612f20a79720",
] as const;

/** An address that no one uses: `0x00…00<n>` shifted out of the precompile range. */
export const holder = (n: number): Hex => `0x${(0x1000 + n).toString(16).padStart(40, "0")}` as Hex;

export interface Prepared {
  token: Hex;
  /** The last block of the preparation (fork there). */
  block: bigint;
  abi: readonly unknown[];
}

/**
 * Deploys NetToken from DEV[0] and mines blocks of many transactions: tokens to DEV[1..9] and
 * to 30 holders, ETH to the holders, in blocks of 10 transactions.
 */
export async function prepare(url: string): Promise<Prepared> {
  const artifact = JSON.parse(
    await readFile(
      path.join(REPO_ROOT, "artifacts/test/fixtures/contracts/network/NetToken.sol/NetToken.json"),
      "utf8",
    ),
  ) as { abi: readonly unknown[]; bytecode: Hex };
  const deployHash = await call<Hex>(url, "eth_sendTransaction", [
    {
      from: DEV[0],
      data: encodeDeployData({
        abi: artifact.abi,
        bytecode: artifact.bytecode,
        args: [10n ** 24n],
      }),
      gas: "0x500000",
    },
  ]);
  const token = (await receiptOf(url, deployHash)).contractAddress;
  await call(url, "evm_setAutomine", [false]);
  const sends: Array<Record<string, string>> = [];
  for (let i = 1; i < DEV.length; i++)
    sends.push({ from: DEV[0], to: token, data: transferData(artifact.abi, DEV[i], 10n ** 21n) });
  for (let n = 0; n < 30; n++) {
    sends.push({
      from: DEV[0],
      to: token,
      data: transferData(artifact.abi, holder(n), BigInt(n + 1) * 10n ** 18n),
    });
    sends.push({
      from: DEV[1],
      to: holder(n),
      value: `0x${(BigInt(n + 1) * 10n ** 15n).toString(16)}`,
    });
  }
  for (let i = 0; i < sends.length; i += 10) {
    for (const tx of sends.slice(i, i + 10))
      await call(url, "eth_sendTransaction", [{ ...tx, gas: "0x30000" }]);
    await call(url, "evm_mine");
  }
  await call(url, "evm_setAutomine", [true]);
  return { token, block: BigInt(await call<Hex>(url, "eth_blockNumber")), abi: artifact.abi };
}

export function transferData(abi: readonly unknown[], to: string, amount: bigint): Hex {
  return encodeFunctionData({ abi, functionName: "transfer", args: [to as Hex, amount] } as never);
}

export interface CountingProxy {
  url: string;
  /** JSON-RPC calls forwarded so far (each element of a batch counts), by method. */
  calls: Map<string, number>;
  total(): number;
  /** Stops forwarding: open connections are destroyed, new ones refused. */
  kill(): Promise<void>;
  /** From now on, requests are never answered (a remote that hangs). */
  hang(): void;
}

/** A proxy to `target` that counts calls; `pathPrefix` lets URLs carry fake credentials. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const calls = new Map<string, number>();
  let hanging = false;
  const server: Server = createServer(async (request, response) => {
    if (hanging) return;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      const parsed = JSON.parse(body) as { method: string } | Array<{ method: string }>;
      for (const item of Array.isArray(parsed) ? parsed : [parsed])
        calls.set(item.method, (calls.get(item.method) ?? 0) + 1);
    } catch {}
    const answer = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    hang: () => {
      hanging = true;
    },
    kill: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
