/**
 * `createJsonRpcHttpServer` in-process, over a real socket: the body limit for a streamed body
 * without Content-Length, provider errors as Hardhat's node shapes them (revert data raw for
 * code 3, `{ message, txHash }` otherwise), and `onRequest` seeing only well-formed requests.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import {
  type AnsweredRequest,
  createJsonRpcHttpServer,
  type JsonRpcHttpServer,
} from "../../sdk/rpc/http-server.ts";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import { post, rpc } from "./helpers.ts";

const DEV0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

describe("createJsonRpcHttpServer", function () {
  this.timeout(60_000);
  let provider: ParallelProvider;
  let server: JsonRpcHttpServer;
  let url: string;
  const answered: AnsweredRequest[] = [];

  before(async () => {
    provider = await createParallelProvider({ executor: "sequential" });
    server = createJsonRpcHttpServer({
      provider,
      port: 0,
      maxBodyBytes: 1_000,
      onRequest: (a) => answered.push(a),
    });
    ({ url } = await server.listen());
  });
  after(async () => {
    await server?.close();
    await provider?.dispose();
  });

  it("binds 127.0.0.1 by default", function () {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("refuses a streamed body (no Content-Length) once it passes the limit, then serves", async function () {
    const chunk = new TextEncoder().encode(" ".repeat(400));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(url, { method: "POST", body, duplex: "half" } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal(response.headers.get("content-length") !== null, true);
    const json = (await response.json()) as { error: { code: number; message: string } };
    assert.equal(json.error.code, -32600);
    assert.equal(json.error.message, "Request body too large: the limit is 1000 bytes");
    // A body of exactly the limit is read.
    const exact = rpc("eth_chainId").padEnd(1_000, " ");
    assert.deepEqual((await post(url, exact)).json, { jsonrpc: "2.0", id: 1, result: "0x7a69" });
  });

  it("sends a revert's data raw (code 3) and other errors' data as { message, txHash? }", async function () {
    const revert = await post(url, rpc("eth_call", [{ from: DEV0, data: "0x60006000fd" }]));
    const reverted = (revert.json as { error: { code: number; message: string; data: unknown } })
      .error;
    assert.equal(reverted.code, 3);
    assert.equal(reverted.data, "0x");
    assert.match(reverted.message, /^Transaction reverted/);
    const unknown = await post(
      url,
      rpc("eth_sendTransaction", [
        { from: "0x0000000000000000000000000000000000000001", to: DEV0 },
      ]),
    );
    const error = (unknown.json as { error: { code: number; message: string; data: unknown } })
      .error;
    assert.equal(error.code, -32000);
    assert.deepEqual(error.data, { message: error.message });
  });

  it("tells onRequest about well-formed requests only", async function () {
    answered.length = 0;
    await post(url, "{bad");
    await post(url, "[5]");
    await post(url, `[${rpc("eth_blockNumber", [], 7)}]`);
    assert.deepEqual(
      answered.map((a) => [a.method, a.response.id, a.response.result]),
      [["eth_blockNumber", 7, "0x0"]],
    );
  });
});
