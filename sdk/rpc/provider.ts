/**
 * `createParallelProvider(options)`: an EIP-1193 provider over a parallel dev chain, usable
 * without Hardhat. It answers every method of Hardhat's EDR network that this project supports
 * (see README) with the same result shapes and errors; unknown methods get -32601 and malformed
 * parameters -32602, and the provider keeps serving afterwards.
 *
 * @example
 * ```ts
 * import { createParallelProvider } from "hardhat-parallel/sdk";
 * const provider = await createParallelProvider({ lanes: 2 });
 * const [from] = await provider.request({ method: "eth_accounts" });
 * await provider.dispose();
 * ```
 */
import { MissingStateError } from "../engine/state/fork-reader.ts";
import { EventEmitter } from "node:events";
import { Chain } from "../engine/chain.ts";
import type { ParallelChainOptions } from "../engine/options.ts";
import { ContractIndex } from "../contracts/contract-index.ts";
import { EngineError } from "../engine/errors.ts";
import { ManifestDeclarations } from "./declarations.ts";
import type { MethodHandler, RpcContext } from "./context.ts";
import { rpcErrorOf } from "./engine-errors.ts";
import { internalError, methodNotFound, RpcError } from "./errors.ts";
import { FilterManager } from "./filters.ts";
import { defaultObservers, type ExecutionObservers, observeMinedBlock } from "./observers.ts";
import { blockMethods } from "./methods/blocks.ts";
import { callMethods } from "./methods/call.ts";
import { debugMethods, retraceFailure } from "./methods/debug.ts";
import type { ExecutionTracer } from "../engine/tracing/replay.ts";
import { devMethods } from "./methods/dev.ts";
import { logMethods } from "./methods/logs.ts";
import { parallelMethods } from "./methods/parallel.ts";
import { sendMethods } from "./methods/send.ts";
import { signMethods } from "./methods/sign.ts";
import { stateMethods } from "./methods/state.ts";

const METHODS: Record<string, MethodHandler> = {
  ...stateMethods,
  ...callMethods,
  ...sendMethods,
  ...signMethods,
  ...blockMethods,
  ...logMethods,
  ...devMethods,
  ...parallelMethods,
  ...debugMethods,
};

/** Methods that read the pending nonce and then change the pool: run one at a time. */
const SERIAL_METHODS = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);

/** The names of every supported JSON-RPC method. */
export const SUPPORTED_METHODS: readonly string[] = Object.keys(METHODS).sort();

export interface RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

/** A JSON-RPC error as thrown by {@link ParallelProvider.request}. */
export interface ProviderRpcError extends Error {
  code: number;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class ParallelProvider extends EventEmitter {
  readonly chain: Chain;
  /** Known contracts: add artifacts to get EDR's revert messages for custom errors. */
  readonly contracts = new ContractIndex();
  /** Access manifests of known contracts: enable the check with `chain.setDeclarations(declarations)`. */
  readonly declarations = new ManifestDeclarations(this.contracts);
  /**
   * Where console.log lines go (`printLine`, default `console.log`) and who hears of coverage
   * hits and executed calls, at EDR's moments (see `observers.ts`). Replace the fields to
   * redirect them.
   */
  readonly observers: ExecutionObservers = defaultObservers();
  readonly #ctx: RpcContext;
  #disposed = false;
  /** The mined transaction each failed request (by its request object) was about. */
  readonly #failedTransactions = new WeakMap<object, `0x${string}`>();
  /** Sends run one at a time: each takes the pending nonce, estimates gas, then submits. */
  #sendQueue: Promise<unknown> = Promise.resolve();

  constructor(chain: Chain) {
    super();
    this.chain = chain;
    this.#ctx = {
      chain,
      filters: new FilterManager(chain),
      contracts: this.contracts,
      logging: { enabled: false },
      observers: this.observers,
    };
    const codeAt = (address: `0x${string}`): `0x${string}` =>
      `0x${Buffer.from(chain.state.codeAt(address.toLowerCase())).toString("hex")}`;
    chain.onBlock((block) => observeMinedBlock(this.observers, block, codeAt));
  }

  /**
   * EIP-1193 `request`. Resolves with the method's result.
   * @throws {ProviderRpcError} with the JSON-RPC `code` (and `data`, e.g. revert data).
   */
  // biome-ignore lint/suspicious/noExplicitAny: EIP-1193's request result is method-dependent; viem's custom transport expects `any`
  async request(args: RequestArguments): Promise<any> {
    const response = await this.handle({
      jsonrpc: "2.0",
      id: 0,
      method: args?.method,
      params: args?.params,
    });
    if (response.error !== undefined) {
      const error = new Error(response.error.message) as ProviderRpcError;
      error.code = response.error.code;
      if (response.error.data !== undefined) error.data = response.error.data;
      throw error;
    }
    return response.result;
  }

  /**
   * Runs `run`; on a forked chain, a read of state not loaded yet (thrown before anything
   * changed) is loaded from the remote and the request runs again.
   * @throws {ForkRemoteError} when the remote fails.
   */
  async #withForkReads<T>(run: () => Promise<T>): Promise<T> {
    const fork = this.#ctx.chain.fork;
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!(error instanceof MissingStateError) || fork === undefined || attempt > 1_000)
          throw error;
        await fork.load(error.keys);
      }
    }
  }

  /** Answers one JSON-RPC request object; never throws. */
  async handle(request: unknown): Promise<JsonRpcResponse> {
    const req = (typeof request === "object" && request !== null ? request : {}) as Record<
      string,
      unknown
    >;
    const id = typeof req.id === "number" || typeof req.id === "string" ? req.id : null;
    try {
      if (this.#disposed) throw new RpcError(-32603, "the provider was disposed");
      if (typeof req.method !== "string")
        throw new RpcError(-32600, "Invalid request: method must be a string");
      const handler = Object.hasOwn(METHODS, req.method) ? METHODS[req.method] : undefined;
      if (handler === undefined) throw methodNotFound(req.method);
      const run = () =>
        SERIAL_METHODS.has(req.method as string)
          ? this.#serial(() => handler(this.#ctx, req.params))
          : handler(this.#ctx, req.params);
      const result = await this.#withForkReads(run);
      return { jsonrpc: "2.0", id, result: result === undefined ? null : result };
    } catch (error) {
      if (
        error instanceof RpcError &&
        error.transactionHash !== undefined &&
        typeof request === "object" &&
        request !== null
      )
        this.#failedTransactions.set(request, error.transactionHash);
      const rpc =
        error instanceof RpcError
          ? error
          : error instanceof EngineError
            ? rpcErrorOf(error)
            : internalError(error instanceof Error ? error.message : String(error));
      return {
        jsonrpc: "2.0",
        id,
        error: {
          code: rpc.code,
          message: rpc.message,
          ...(rpc.data === undefined ? {} : { data: rpc.data }),
        },
      };
    }
  }

  /**
   * The hash of the mined transaction a request that failed was about (a transaction that was
   * mined and failed), looked up by the request object given to {@link handle}.
   */
  failedTransactionOf(request: object): `0x${string}` | undefined {
    return this.#failedTransactions.get(request);
  }

  /**
   * Re-executes a request that failed (eth_call, eth_estimateGas, eth_sendTransaction,
   * eth_sendRawTransaction, answered by {@link handle}) with `tracer` attached, on a VM of its
   * own: nothing changes on the chain. Used for Solidity stack traces.
   * @returns whether it was re-executed (false for other methods and calls with state overrides).
   */
  async retrace(
    request: { method?: unknown; params?: unknown },
    tracer: ExecutionTracer,
  ): Promise<boolean> {
    if (typeof request.method !== "string") return false;
    return retraceFailure(
      this.#ctx,
      request.method,
      request.params,
      this.failedTransactionOf(request),
      tracer,
    );
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#sendQueue.then(work, work);
    this.#sendQueue = run.catch(() => {});
    return run;
  }

  /** Stops interval mining and the executor's workers. Further requests fail. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.chain.dispose();
    this.removeAllListeners();
  }
}

/** Creates a provider over a new chain. See {@link ParallelChainOptions} for the defaults. */
export async function createParallelProvider(
  options: ParallelChainOptions = {},
): Promise<ParallelProvider> {
  return new ParallelProvider(await Chain.create(options));
}
