/**
 * A busy block on a remote node for the replay tests and the bench: `senders` fresh accounts
 * (funded with ETH and NetToken first), each sending one signed transaction in the same block —
 * a third call `NetCounter.increment()` (one hot slot), a third transfer tokens to one holder
 * (another hot slot: its balance), a third to holders of their own (independent); or, with
 * `independent`, all of them token transfers to holders of their own.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { encodeDeployData, encodeFunctionData, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { REPO_ROOT } from "../exit/helpers.ts";
import { call, DEV, holder, prepare, receiptOf, transferData } from "../fork/helpers.ts";

export interface BusyBlock {
  /** The busy block's number. */
  block: bigint;
  token: Hex;
  counter: Hex;
  /** The signed transactions of the busy block, in submission order. */
  raws: Hex[];
}

const artifact = async (name: string): Promise<{ abi: readonly unknown[]; bytecode: Hex }> =>
  JSON.parse(
    await readFile(
      path.join(REPO_ROOT, `artifacts/test/fixtures/contracts/network/${name}.sol/${name}.json`),
      "utf8",
    ),
  );

/** Sends `txs` with automine off and mines them in one block; returns its number. */
async function mineTogether(url: string, send: Array<() => Promise<unknown>>): Promise<bigint> {
  await call(url, "evm_setAutomine", [false]);
  for (const s of send) await s();
  await call(url, "evm_mine");
  await call(url, "evm_setAutomine", [true]);
  return BigInt(await call<Hex>(url, "eth_blockNumber"));
}

/** Prepares the busy block of `senders` transactions on the node at `url` (see the module doc). */
export async function prepareBusyBlock(
  url: string,
  senders: number,
  mix: "mixed" | "independent" = "mixed",
): Promise<BusyBlock> {
  const { token, abi } = await prepare(url);
  const counterArtifact = await artifact("NetCounter");
  const deploy = await call<Hex>(url, "eth_sendTransaction", [
    {
      from: DEV[0],
      data: encodeDeployData({ abi: counterArtifact.abi, bytecode: counterArtifact.bytecode }),
    },
  ]);
  const counter = (await receiptOf(url, deploy)).contractAddress;
  const chainId = Number(await call<Hex>(url, "eth_chainId"));
  const accounts = Array.from({ length: senders }, (_, i) =>
    privateKeyToAccount(keccak256(toHex(`hardhat-parallel replay sender ${i}`))),
  );
  // Funding, in blocks of 100: ETH from DEV[2], tokens from DEV[0].
  for (let i = 0; i < senders; i += 50)
    await mineTogether(
      url,
      accounts.slice(i, i + 50).flatMap((a) => [
        () =>
          call(url, "eth_sendTransaction", [
            { from: DEV[2], to: a.address, value: toHex(10n ** 18n) },
          ]),
        () =>
          call(url, "eth_sendTransaction", [
            {
              from: DEV[0],
              to: token,
              data: transferData(abi, a.address, 10n ** 20n),
            },
          ]),
      ]),
    );
  const increment = encodeFunctionData({
    abi: counterArtifact.abi,
    functionName: "increment",
  } as never);
  const raws: Hex[] = [];
  for (const [i, account] of accounts.entries()) {
    const [to, data] =
      mix === "independent"
        ? [token, transferData(abi, holder(600 + i), 1n)]
        : i % 3 === 0
          ? [counter, increment]
          : i % 3 === 1
            ? [token, transferData(abi, holder(500), 1n)]
            : [token, transferData(abi, holder(600 + i), 1n)];
    raws.push(
      await account.signTransaction({
        type: "eip1559",
        chainId,
        nonce: 0,
        to,
        data,
        gas: 120_000n,
        maxFeePerGas: 100n * 10n ** 9n,
        maxPriorityFeePerGas: 10n ** 9n,
      }),
    );
  }
  const block = await mineTogether(
    url,
    raws.map((raw) => () => call(url, "eth_sendRawTransaction", [raw])),
  );
  return { block, token, counter, raws };
}

export interface RewritingProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A proxy to `target` that passes each call's result through `rewrite` (a remote that serves
 * what no local node produces: a foreign transaction type, a receipt that differs).
 */
export async function startRewritingProxy(
  target: string,
  rewrite: (method: string, params: unknown[], result: unknown) => unknown,
): Promise<RewritingProxy> {
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const answer = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const parsed = JSON.parse(body) as JsonRpcCall | JsonRpcCall[];
    const answered = (await answer.json()) as JsonRpcAnswer | JsonRpcAnswer[];
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const answers = Array.isArray(answered) ? answered : [answered];
    for (const a of answers) {
      const c = calls.find((x) => x.id === a.id);
      if (c !== undefined && a.result !== undefined)
        a.result = rewrite(c.method, c.params ?? [], a.result);
    }
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(JSON.stringify(answered));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface JsonRpcCall {
  id: number;
  method: string;
  params?: unknown[];
}
interface JsonRpcAnswer {
  id: number;
  result?: unknown;
}
