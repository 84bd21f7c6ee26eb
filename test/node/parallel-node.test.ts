/**
 * `hardhat parallel-node` in a child process, talked to over HTTP: with fetch and with a viem
 * client (deploy, write, read, a batched transport), with malformed bodies (bad JSON, wrong
 * JSON types, an empty batch, wrong HTTP method and content type: answered exactly as Hardhat's
 * own `hardhat node`, started beside it as the reference), an oversized body (413), and the
 * bad-input suite's generated requests (`test/network/helpers/malformed.ts`) sent singly and as
 * one batch, each answered as the in-process provider answers it. The node must keep serving
 * after every one, and exit by itself on SIGINT and SIGTERM.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "mocha";
import { createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../../sdk/rpc/http-server.ts";
import { REPO_ROOT } from "../exit/helpers.ts";
import { sampleMalformedRequests } from "../network/helpers/malformed.ts";
import { post, type RunningNode, rpc, startNode } from "./helpers.ts";

const DEV0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const DEV0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** Bodies both nodes must answer identically (parse errors, invalid requests, empty batch). */
const MALFORMED_BODIES: Record<string, string> = {
  "bad JSON": "{bad",
  "truncated JSON": '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"',
  "empty body": "",
  "empty batch": "[]",
  "a number": "5",
  "a string": '"eth_chainId"',
  null: "null",
  "batch of non-objects": '[1, "x", null]',
  "no jsonrpc field": '{"id":1,"method":"eth_chainId"}',
  "wrong jsonrpc version": '{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}',
  "no id (a notification)": '{"jsonrpc":"2.0","method":"eth_chainId"}',
  "object id": '{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}',
  "numeric method": '{"jsonrpc":"2.0","id":1,"method":7}',
  "params not an array": '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":5}',
  "batch with one bad element": `[${rpc("eth_chainId")}, 5, ${rpc("net_version", [], 2)}]`,
};

describe("hardhat parallel-node (child process over HTTP)", function () {
  this.timeout(240_000);
  let node: RunningNode;
  let reference: RunningNode;

  before(async function () {
    [node, reference] = await Promise.all([
      startNode(["parallel-node", "--port", "0"]),
      startNode(["node", "--hostname", "127.0.0.1", "--port", "0"]),
    ]);
  });

  after(async function () {
    await Promise.all([node?.stop("SIGKILL"), reference?.stop("SIGKILL")]);
  });

  const blockNumber = async () => {
    const { json } = await post(node.url, rpc("eth_blockNumber"));
    return (json as { result: string }).result;
  };

  it("binds 127.0.0.1 and prints the accounts exactly as hardhat node does", async function () {
    await Promise.all([
      node.waitFor(/LOST\.[\s\S]*LOST\./),
      reference.waitFor(/LOST\.[\s\S]*LOST\./),
    ]);
    assert.match(node.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const accounts = (out: string) =>
      out.slice(out.indexOf("Accounts\n"), out.lastIndexOf("LOST."));
    assert.ok(node.stdout().includes(`Account #0:  ${DEV0} (10000 ETH)`), node.stdout());
    assert.ok(node.stdout().includes(`Private Key: ${DEV0_KEY}`));
    assert.equal(accounts(node.stdout()), accounts(reference.stdout()));
  });

  it("answers single and batch requests with fetch", async function () {
    assert.deepEqual((await post(node.url, rpc("eth_chainId", [], "a"))).json, {
      jsonrpc: "2.0",
      id: "a",
      result: "0x7a69",
    });
    const batch = `[${rpc("eth_chainId", [], 1)},${rpc("eth_accounts", [], 2)},${rpc("nope_x", [], 3)}]`;
    const { status, json } = await post(node.url, batch);
    assert.equal(status, 200);
    const [chainId, accounts, unknown] = json as Array<Record<string, unknown>>;
    assert.deepEqual(chainId, { jsonrpc: "2.0", id: 1, result: "0x7a69" });
    assert.equal((accounts.result as string[])[0], DEV0);
    assert.deepEqual(unknown, {
      jsonrpc: "2.0",
      id: 3,
      error: {
        code: -32601,
        message: "Method nope_x is not supported",
        data: { message: "Method nope_x is not supported" },
      },
    });
  });

  it("serves a viem client: deploy, write, read, batched calls, revert data", async function () {
    const artifact = JSON.parse(
      await readFile(
        path.join(
          REPO_ROOT,
          "artifacts/test/fixtures/contracts/network/NetCounter.sol/NetCounter.json",
        ),
        "utf8",
      ),
    ) as { abi: readonly unknown[]; bytecode: Hex };
    const abi = artifact.abi as never;
    const transport = http(node.url, { batch: true });
    const publicClient = createPublicClient({ transport });
    const wallet = createWalletClient({ transport, account: privateKeyToAccount(DEV0_KEY) });
    const chain = {
      id: 31337,
      name: "parallel",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    } as const;
    const hash = await wallet.deployContract({ abi, bytecode: artifact.bytecode, chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const address = receipt.contractAddress!;
    const write = await wallet.writeContract({ address, abi, functionName: "increment", chain });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash: write })).status, "success");
    // With `batch: true` these go out as one JSON-RPC batch.
    const [count, code, balance] = await Promise.all([
      publicClient.readContract({ address, abi, functionName: "count" }),
      publicClient.getCode({ address }),
      publicClient.getBalance({ address: DEV0 }),
    ]);
    assert.equal(count, 1n);
    assert.ok(code !== undefined && code.length > 2);
    assert.ok(balance < 10_000n * 10n ** 18n);
    await assert.rejects(
      publicClient.readContract({ address, abi, functionName: "set", args: [2_000_000n] }),
      (error: Error) => error.message.includes("TooLarge"),
    );
  });

  for (const [name, body] of Object.entries(MALFORMED_BODIES)) {
    it(`answers ${name} as hardhat node does, and keeps serving`, async function () {
      const before = await blockNumber();
      const ours = await post(node.url, body);
      const theirs = await post(reference.url, body);
      assert.deepEqual(ours, theirs);
      assert.equal(await blockNumber(), before);
    });
  }

  it("answers GET, OPTIONS and a text/plain POST as hardhat node does", async function () {
    for (const init of [
      { method: "GET" },
      { method: "OPTIONS" },
      { method: "PUT", body: rpc("eth_chainId") },
      { method: "POST", body: rpc("eth_chainId"), headers: { "content-type": "text/plain" } },
    ] as RequestInit[]) {
      const [ours, theirs] = await Promise.all(
        [node.url, reference.url].map(async (url) => {
          const response = await fetch(url, init);
          return {
            status: response.status,
            cors: response.headers.get("access-control-allow-origin"),
            body: await response.text(),
          };
        }),
      );
      assert.deepEqual(ours, theirs, `${init.method} ${JSON.stringify(init.headers ?? {})}`);
    }
  });

  it("refuses a body above the limit with 413 and -32600, then keeps serving", async function () {
    const huge = new Uint8Array(DEFAULT_MAX_BODY_BYTES + 1).fill(0x20);
    const { status, json } = await post(node.url, huge);
    assert.equal(status, 413);
    assert.deepEqual((json as { error: unknown }).error, {
      code: -32600,
      message: `Request body too large: the limit is ${DEFAULT_MAX_BODY_BYTES} bytes`,
      data: { message: `Request body too large: the limit is ${DEFAULT_MAX_BODY_BYTES} bytes` },
    });
    assert.match(await blockNumber(), /^0x[0-9a-f]+$/);
  });

  describe("the bad-input suite's requests over HTTP", function () {
    const requests = sampleMalformedRequests(200, 0x5eed);
    let local: ParallelProvider;
    before(async () => {
      local = await createParallelProvider();
    });
    after(async () => local?.dispose());

    const expected = async (i: number) => {
      const answer = await local.handle({ jsonrpc: "2.0", id: i, ...requests[i] });
      return { code: answer.error?.code, message: answer.error?.message };
    };

    it("rejects each one, singly, with the in-process provider's code and message", async function () {
      const mismatches: string[] = [];
      for (let i = 0; i < requests.length; i++) {
        const { method, params } = requests[i];
        const { json } = await post(
          node.url,
          JSON.stringify({ jsonrpc: "2.0", id: i, method, params }),
        );
        const answer = json as { id: number; error?: { code: number; message: string } };
        const want = await expected(i);
        if (
          answer.id !== i ||
          answer.error?.code !== want.code ||
          answer.error?.message !== want.message
        )
          mismatches.push(
            `${requests[i].defect}: got ${JSON.stringify(answer)}, want ${JSON.stringify(want)}`,
          );
        assert.ok(want.code !== undefined && want.code <= -32000 && want.code >= -32768);
      }
      assert.deepEqual(mismatches, []);
      assert.match(await blockNumber(), /^0x[0-9a-f]+$/);
    });

    it("rejects them all in one batch, in order", async function () {
      const batch = requests.map(({ method, params }, i) => ({
        jsonrpc: "2.0",
        id: i,
        method,
        params,
      }));
      const { json } = await post(node.url, JSON.stringify(batch));
      const answers = json as Array<{ id: number; error?: { code: number; message: string } }>;
      assert.equal(answers.length, requests.length);
      for (let i = 0; i < requests.length; i++) {
        assert.equal(answers[i].id, i);
        assert.deepEqual(
          { code: answers[i].error?.code, message: answers[i].error?.message },
          await expected(i),
          requests[i].defect,
        );
      }
    });
  });

  it("printed the methods as hardhat node logs them", async function () {
    const bad = await post(node.url, rpc("eth_getStorageAt", ["0x12", "0x0"]));
    assert.equal((bad.json as { error: { code: number } }).error.code, -32602);
    await post(node.url, rpc("web3_clientVersion"));
    const out = await node.waitFor(/^web3_clientVersion$/m);
    assert.match(out, /^eth_chainId$/m);
    assert.match(out, /^nope_x - Method not supported$/m);
    assert.match(out, /^eth_blockNumber \(\d+\)$/m, "repeated methods are counted");
    assert.match(out, /^eth_sendTransaction$|^eth_sendRawTransaction$/m);
    assert.doesNotMatch(out, /^eth_getStorageAt/m, "-32602 requests are not printed");
    // The reverted call of the viem test: its method, then its message indented.
    assert.match(out, /^eth_call\n\n {2}.*TooLarge.*\n\n/m, "a failed request shows its error");
  });

  describe("at the end", function () {
    it("closes and exits with code 0 on SIGINT", async function () {
      const outcome = await node.stop("SIGINT");
      assert.deepEqual(outcome, { code: 0, signal: null }, node.stderr());
      assert.match(node.stdout(), /SIGINT: closing the server/);
    });
  });
});

describe("hardhat parallel-node --network", function () {
  this.timeout(180_000);

  it("serves another parallel network (parallelStrict) and exits with code 0 on SIGTERM", async function () {
    const node = await startNode(["--network", "parallelStrict", "parallel-node", "--port", "0"]);
    try {
      await node.waitFor(/Serving the parallel network "parallelStrict"/);
      assert.deepEqual((await post(node.url, rpc("eth_chainId"))).json, {
        jsonrpc: "2.0",
        id: 1,
        result: "0x7a69",
      });
    } finally {
      const outcome = await node.stop("SIGTERM");
      assert.deepEqual(outcome, { code: 0, signal: null }, node.stderr());
    }
  });

  it("refuses a network that is not a parallel one", async function () {
    await assert.rejects(
      startNode(["--network", "node", "parallel-node", "--port", "0"]),
      (error: Error) =>
        error.message.includes('The network "node" is not a parallel network') &&
        error.message.includes("exited (1)"),
    );
  });
});
