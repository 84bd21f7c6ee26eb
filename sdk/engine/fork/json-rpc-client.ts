/**
 * A minimal JSON-RPC client over Node's `fetch` for reading a forked chain: single and batched
 * requests, a timeout per request, and errors that name the URL with its credentials masked
 * (user info, and API keys in the path or query are never printed).
 */

/** A failure talking to the fork's remote node: unreachable, timed out, HTTP or JSON-RPC error. */
export class ForkRemoteError extends Error {
  /** The URL with credentials masked ({@link maskUrl}). */
  readonly url: string;
  constructor(url: string, detail: string) {
    super(`Forking: the remote node at ${url} failed: ${detail}`);
    this.name = "ForkRemoteError";
    this.url = url;
  }
}

/**
 * The URL as it may be printed: user and password replaced by `***`, and every path segment or
 * query value of 16 characters or more (the shape of an API key: Infura, Alchemy, ...) too.
 * @example maskUrl("https://u:p@eth.example/v2/abcdefabcdefabcdef12") // "https://***:***@eth.example/v2/***"
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "<invalid URL>";
  }
  if (parsed.username !== "") parsed.username = "***";
  if (parsed.password !== "") parsed.password = "***";
  parsed.pathname = parsed.pathname
    .split("/")
    .map((segment) => (segment.length >= 16 ? "***" : segment))
    .join("/");
  for (const [name, value] of [...parsed.searchParams])
    if (value.length >= 16) parsed.searchParams.set(name, "***");
  return parsed.toString().replaceAll("%2A%2A%2A", "***");
}

/** One call of a batch. */
export interface RpcCall {
  method: string;
  params: unknown[];
}

export class JsonRpcClient {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  #id = 0;
  /** Requests sent (a batch counts once), for diagnostics. */
  requests = 0;
  /** The URL with credentials masked. */
  readonly maskedUrl: string;

  /**
   * @param url the remote node's HTTP(S) JSON-RPC endpoint.
   * @param headers extra HTTP headers (Hardhat's `forking.httpHeaders`).
   * @param timeoutMs per request (milliseconds).
   */
  constructor(url: string, headers: Record<string, string> = {}, timeoutMs = 20_000) {
    this.maskedUrl = maskUrl(url);
    // fetch refuses URLs with user info: it goes into a Basic authorization header instead.
    let target = url;
    let auth: Record<string, string> = {};
    try {
      const parsed = new URL(url);
      if (parsed.username !== "" || parsed.password !== "") {
        const user = decodeURIComponent(parsed.username);
        const password = decodeURIComponent(parsed.password);
        auth = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
        parsed.username = "";
        parsed.password = "";
        target = parsed.toString();
      }
    } catch {
      // An invalid URL fails on the first request, with the masked URL.
    }
    this.#url = target;
    this.#headers = { ...auth, ...headers };
    this.#timeoutMs = timeoutMs;
  }

  /**
   * One call.
   * @throws {ForkRemoteError} on a transport failure, a timeout or a JSON-RPC error.
   */
  async request<T>(method: string, params: unknown[] = []): Promise<T> {
    const [result] = await this.batch<T>([{ method, params }]);
    return result;
  }

  /**
   * Several calls in one HTTP request (JSON-RPC batch); results in call order.
   * @throws {ForkRemoteError} when the request fails or any call has an error.
   */
  async batch<T>(calls: RpcCall[]): Promise<T[]> {
    if (calls.length === 0) return [];
    const first = this.#id;
    const body = calls.map((call, i) => ({
      jsonrpc: "2.0",
      id: first + i,
      method: call.method,
      params: call.params,
    }));
    this.#id += calls.length;
    this.requests++;
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.#headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const cause = error as Error & { cause?: { code?: string; message?: string } };
      const detail =
        cause.name === "TimeoutError"
          ? `no answer within ${this.#timeoutMs} ms`
          : (cause.cause?.code ?? cause.cause?.message ?? cause.message);
      throw new ForkRemoteError(this.maskedUrl, `${calls[0].method}: ${detail}`);
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch {
      throw new ForkRemoteError(
        this.maskedUrl,
        `${calls[0].method}: HTTP ${response.status}, the answer is not JSON`,
      );
    }
    const items = Array.isArray(payload) ? payload : [payload];
    const byId = new Map<number, { result?: unknown; error?: { code: number; message: string } }>();
    for (const item of items)
      if (item !== null && typeof item === "object") byId.set(item.id, item);
    return calls.map((call, i) => {
      const item = byId.get(first + i);
      if (item === undefined)
        throw new ForkRemoteError(
          this.maskedUrl,
          `${call.method}: HTTP ${response.status}, no answer to this call`,
        );
      if (item.error !== undefined)
        throw new ForkRemoteError(
          this.maskedUrl,
          `${call.method}: ${item.error.message} (code ${item.error.code})`,
        );
      return item.result as T;
    });
  }
}
