/**
 * `createJsonRpcHttpServer(options)`: serves an EIP-1193 provider (a {@link ParallelProvider}, or
 * any object with `request`) as a JSON-RPC server over HTTP, answering as Hardhat's `hardhat node`
 * does (Hardhat 3.18, `builtin-plugins/node/json-rpc/handler.ts`) so that a front end, `cast` or a
 * script in another process can use it:
 *
 * - any HTTP method with a body is read as JSON, whatever its content type; `OPTIONS` gets an
 *   empty 200 (CORS preflight), and every answer carries the same permissive CORS headers;
 * - a body that is not JSON (an empty `GET` too) → `-32700` `Parse error: <JSON.parse's message>`;
 * - a request that is not an object with `jsonrpc: "2.0"`, a string or number `id`, a string
 *   `method` and array (or absent) `params` → `-32600` `Invalid request`;
 * - a JSON array is a batch: each element is answered as above, in order (an empty batch gets
 *   `[]`, as Hardhat's node answers, where JSON-RPC 2.0 would give one `-32600`);
 * - a provider error keeps its `code` and `message`; its `data` is the raw revert data for code 3
 *   (geth's convention) and `{ message, txHash?, data? }` otherwise, as Hardhat's node gives.
 *
 * Unlike Hardhat's node, bodies larger than `maxBodyBytes` are refused with HTTP 413 and a
 * `-32600` error naming the limit, without buffering them; Hardhat's node has no limit. Every
 * answer is HTTP 200 otherwise. There is no WebSocket endpoint.
 *
 * @example
 * ```ts
 * import { createParallelProvider, createJsonRpcHttpServer } from "hardhat-parallel/sdk";
 * const provider = await createParallelProvider();
 * const server = createJsonRpcHttpServer({ provider, port: 0 });
 * const { url } = await server.listen(); // "http://127.0.0.1:53122/"
 * // … fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }) })
 * await server.close();
 * await provider.dispose();
 * ```
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { JsonRpcResponse, RequestArguments } from "./provider.ts";

/** What the server needs from a provider: EIP-1193's `request`, throwing `{ code, message, data }`. */
export interface JsonRpcRequester {
  request(args: RequestArguments): Promise<unknown>;
}

/** One answered request, as given to {@link JsonRpcHttpServerOptions.onRequest}. */
export interface AnsweredRequest {
  method: string;
  params: readonly unknown[];
  /** The JSON-RPC response sent for it (its `error` when the provider threw). */
  response: JsonRpcResponse;
}

export interface JsonRpcHttpServerOptions {
  provider: JsonRpcRequester;
  /** Interface to bind. Default `127.0.0.1` (only this machine); `0.0.0.0` for every interface. */
  hostname?: string;
  /** TCP port. Default 8545; 0 picks a free one (read it from `listen()`'s result). */
  port?: number;
  /** Largest accepted request body, in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /**
   * Called after each well-formed request (an element of a batch too) was answered, before the
   * HTTP response is written; not called for parse errors, invalid requests or refused bodies.
   * The `hardhat parallel-node` task prints the methods with it.
   */
  onRequest?: (answered: AnsweredRequest) => void;
}

/** 32 MiB: far above any deployment (EIP-3860 caps init code at 48 KiB) or batch a dev tool sends. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** JSON-RPC's code for an invalid request object (and here for an oversized body). */
const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;
const INTERNAL_ERROR = -32603;
/** The revert code (EIP-1474's "execution error" as geth, anvil and EDR use it). */
const REVERT = 3;

export interface JsonRpcHttpServer {
  /**
   * Starts listening.
   * @returns the bound address and port, and the URL to send requests to.
   * @throws {Error} when the port is taken (`EADDRINUSE`) or the address cannot be bound.
   */
  listen(): Promise<{ address: string; port: number; url: string }>;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves when all are closed. */
  close(): Promise<void>;
  /** The underlying Node server (for tests and tools). */
  readonly server: http.Server;
}

/** Creates the server (not yet listening). See the module docstring for the answers it gives. */
export function createJsonRpcHttpServer(options: JsonRpcHttpServerOptions): JsonRpcHttpServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 8545;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = http.createServer((req, res) => {
    handleHttp(req, res, options, maxBodyBytes).catch((error: unknown) => {
      // Only a failure to write the response lands here; answer it if the headers are not out.
      if (!res.headersSent) send(res, 200, errorResponse(null, INTERNAL_ERROR, String(error)));
      else res.destroy();
    });
  });
  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, hostname, () => {
          server.off("error", reject);
          const info = server.address() as AddressInfo;
          const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
          resolve({ address: info.address, port: info.port, url: `http://${host}:${info.port}/` });
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function handleHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: JsonRpcHttpServerOptions,
  maxBodyBytes: number,
): Promise<void> {
  setCorsHeaders(res);
  if (req.method === "OPTIONS") {
    res.writeHead(200);
    res.end();
    return;
  }
  const body = await readBody(req, maxBodyBytes);
  if (body === undefined) {
    const message = `Request body too large: the limit is ${maxBodyBytes} bytes`;
    res.setHeader("Connection", "close");
    send(res, 413, errorResponse(null, INVALID_REQUEST, message));
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch (error) {
    send(res, 200, errorResponse(null, PARSE_ERROR, `Parse error: ${(error as Error).message}`));
    return;
  }
  const answer = Array.isArray(payload)
    ? await Promise.all(payload.map((item) => answerOne(item, options)))
    : await answerOne(payload, options);
  send(res, 200, answer);
}

/**
 * The body, or `undefined` when it exceeds `limit` bytes (by its Content-Length or as it
 * streams in); the rest of an oversized body is read and dropped so the client can read the 413.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    let tooLarge = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Answers one element: Hardhat node's validation, then the provider. Never throws. */
async function answerOne(
  payload: unknown,
  options: JsonRpcHttpServerOptions,
): Promise<JsonRpcResponse> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return errorResponse(null, INVALID_REQUEST, "Invalid request");
  const request = payload as Record<string, unknown>;
  const params = request.params ?? [];
  if (
    request.jsonrpc !== "2.0" ||
    (typeof request.id !== "number" && typeof request.id !== "string") ||
    typeof request.method !== "string" ||
    !Array.isArray(params)
  )
    return errorResponse(null, INVALID_REQUEST, "Invalid request");
  const { id, method } = request as { id: number | string; method: string };
  let response: JsonRpcResponse;
  try {
    const result = await options.provider.request({ method, params });
    response = { jsonrpc: "2.0", id, result: result === undefined ? null : result };
  } catch (error) {
    response = providerErrorResponse(id, error);
  }
  options.onRequest?.({ method, params, response });
  return response;
}

/**
 * A provider's error as Hardhat's node sends it: `code` and `message` kept (a thrown value
 * without a numeric code is an internal error); `data` is the raw revert data for code 3, and
 * otherwise `{ message, txHash?, data? }` from the error's `transactionHash`/`txHash` and its
 * string `data` (or `data.data`).
 */
function providerErrorResponse(id: number | string, error: unknown): JsonRpcResponse {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const message =
    typeof e.message === "string" ? e.message : `Internal error: ${JSON.stringify(error)}`;
  const code = typeof e.code === "number" ? e.code : INTERNAL_ERROR;
  const data = e.data as Record<string, unknown> | string | undefined;
  const returnData =
    typeof data === "string"
      ? data
      : typeof data === "object" && data !== null && typeof data.data === "string"
        ? data.data
        : undefined;
  if (code === REVERT) return { jsonrpc: "2.0", id, error: { code, message, data: returnData } };
  const txHash =
    typeof e.transactionHash === "string"
      ? e.transactionHash
      : typeof data === "object" && data !== null
        ? typeof data.transactionHash === "string"
          ? data.transactionHash
          : typeof data.txHash === "string"
            ? data.txHash
            : undefined
        : undefined;
  return errorResponse(id, code, message, { message, txHash, data: returnData });
}

/** An error response; `data` defaults to `{ message }`, as Hardhat's node always sends one. */
function errorResponse(
  id: number | string | null,
  code: number,
  message: string,
  data: unknown = { message },
): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: { code, message, data } };
}

function setCorsHeaders(res: http.ServerResponse): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Request-Method", "*");
  res.setHeader("Access-Control-Allow-Methods", "OPTIONS, GET");
  res.setHeader("Access-Control-Allow-Headers", "*");
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify(body));
}
