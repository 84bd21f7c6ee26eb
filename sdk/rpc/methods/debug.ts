/**
 * debug_traceTransaction and debug_traceCall, with EDR's result shapes and errors: the default
 * struct logger (options `disableStack`, `disableStorage`, `enableMemory`, `enableReturnData`;
 * `disableMemory` is accepted, memory being off unless enabled), `callTracer` (`onlyTopCall`,
 * `withLog`), `prestateTracer` (`diffMode`, `disableCode`, `disableStorage`), `4byteTracer` and
 * `noopTracer`. A name EDR does not know is refused as EDR refuses it (it takes it for a
 * JavaScript tracer); `flatCallTracer` and `muxTracer`, which EDR serves, are refused with
 * -32602 naming them (see README).
 *
 * A mined transaction is traced by re-executing its block up to it (`sdk/engine/tracing/replay.ts`).
 */
import { reportCoverage } from "../observers.ts";
import type { Hex } from "viem";
import type { ExecutionResult, TransactionOutcome } from "../../engine/execute-transaction.ts";
import { nonceKey } from "../../engine/location.ts";
import { CallTracer, type CallTracerConfig } from "../../engine/tracing/call-tracer.ts";
import { FourByteTracer } from "../../engine/tracing/four-byte-tracer.ts";
import { prestateOf, type PrestateTracerConfig } from "../../engine/tracing/prestate-tracer.ts";
import {
  type ExecutionTracer,
  ReplayMismatchError,
  replayMinedTransaction,
  traced,
  withTracingLane,
} from "../../engine/tracing/replay.ts";
import { StructLogger, type StructLoggerOptions } from "../../engine/tracing/struct-logger.ts";
import type { StateReader } from "../../engine/state/state-reader.ts";
import {
  maxTransactionGas,
  type MethodHandler,
  type RpcContext,
  toTxData,
  ZERO_ADDRESS,
} from "../context.ts";
import { internalError, invalidInput, invalidParams, RpcError } from "../errors.ts";
import { blockTag, boolean, hash, object, paramsOf, transactionRequest } from "../params.ts";

/** Built-in tracers EDR serves that this network does not. */
const UNSUPPORTED_TRACERS = new Set(["flatCallTracer", "muxTracer"]);

/** The tracer a `debug_trace*` config asks for, ready to attach, and how to read its result. */
interface TraceRequest {
  tracer?: ExecutionTracer;
  result(run: {
    outcome: TransactionOutcome;
    before: StateReader;
    coinbase: Hex;
    gasLimit: bigint;
  }): unknown;
}

/** EDR's error for a `tracerConfig` that does not fit the tracer. */
const invalidTracerConfig = () => new RpcError(-32602, "invalid tracer config");

/** The boolean fields of a tracer config; anything else of the same name is an invalid config. */
function tracerConfig<K extends string>(
  value: unknown,
  keys: readonly K[],
): Partial<Record<K, boolean>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalidTracerConfig();
  const config: Partial<Record<K, boolean>> = {};
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "boolean") throw invalidTracerConfig();
    config[key] = v;
  }
  return config;
}

/** Parses a `debug_trace*` config (geth's `TraceConfig`). */
function traceRequest(value: unknown): TraceRequest {
  const options = value === undefined || value === null ? {} : object(value, "traceConfig");
  const tracer = options.tracer;
  if (tracer === undefined || tracer === null) {
    const flags: StructLoggerOptions = {};
    for (const key of [
      "disableStack",
      "disableStorage",
      "disableMemory",
      "enableMemory",
      "enableReturnData",
    ] as const) {
      if (options[key] !== undefined && options[key] !== null)
        (flags as Record<string, boolean>)[key] = boolean(options[key], `traceConfig.${key}`);
    }
    const logger = new StructLogger(flags);
    return { tracer: logger, result: ({ outcome }) => logger.result(outcome) };
  }
  if (typeof tracer !== "string")
    throw invalidParams(`traceConfig.tracer must be a string, got ${typeof tracer}`);
  switch (tracer) {
    case "callTracer": {
      const config: CallTracerConfig = tracerConfig(options.tracerConfig, [
        "onlyTopCall",
        "withLog",
      ]);
      const calls = new CallTracer(config);
      return {
        tracer: calls,
        result: ({ outcome, gasLimit }) => calls.result({ gasLimit, gasUsed: outcome.gasUsed }),
      };
    }
    case "prestateTracer": {
      const config: PrestateTracerConfig = tracerConfig(options.tracerConfig, [
        "diffMode",
        "disableCode",
        "disableStorage",
      ]);
      return { result: (run) => prestateOf(run, config) };
    }
    case "4byteTracer": {
      const counts = new FourByteTracer();
      return { tracer: counts, result: () => counts.result() };
    }
    case "noopTracer":
      return { result: () => ({}) };
    default:
      if (UNSUPPORTED_TRACERS.has(tracer))
        throw invalidParams(
          `tracer ${tracer} is not supported by this network (supported: the default struct logger, callTracer, prestateTracer, 4byteTracer, noopTracer)`,
        );
      // EDR treats any other name as JavaScript tracer code.
      throw new RpcError(-32602, "JS Tracer is not enabled");
  }
}

async function traceTransaction(ctx: RpcContext, p: unknown): Promise<unknown> {
  const [h, c] = paramsOf(p, 1, 2, "debug_traceTransaction");
  const txHash = hash(h, "transactionHash");
  const request = traceRequest(c);
  const mined = ctx.chain.minedTransaction(txHash);
  if (mined === undefined)
    throw invalidInput(`Unable to find a block containing transaction ${txHash}`);
  try {
    const run = await replayMinedTransaction(ctx.chain, mined.block, mined.index, request.tracer);
    // EDR observes a traced execution: its coverage hits count (not its console.log lines).
    reportCoverage(ctx.observers, run.outcome);
    return request.result(run);
  } catch (error) {
    if (error instanceof ReplayMismatchError) throw internalError(error.message);
    throw error;
  }
}

/**
 * Runs a call as eth_call runs it (same sender, nonce, gas and fee defaults, in the environment
 * of the block after `blockParam`), on the tracing VM with `tracer` attached.
 * @throws {RpcError} -32000 with EDR's words for a block that does not exist.
 */
export async function tracedCall(
  ctx: RpcContext,
  txParam: unknown,
  blockParam: unknown,
  tracer: ExecutionTracer | undefined,
): Promise<{ outcome: ExecutionResult; before: StateReader; gasLimit: bigint }> {
  const req = transactionRequest(txParam, "transaction");
  const latest = ctx.chain.latest().number;
  const tag = blockTag(blockParam, "block", latest);
  const block =
    tag === "pending"
      ? ctx.chain.latest()
      : "hash" in tag
        ? ctx.chain.blockByHash(tag.hash)
        : ctx.chain.blockByNumber(tag.number);
  if (block === undefined) {
    const what =
      tag !== "pending" && "number" in tag ? `${tag.number}` : JSON.stringify(blockParam);
    throw invalidInput(`Received invalid block tag ${what}. Latest block number is ${latest}`);
  }
  const state = ctx.chain.stateAt(block.number);
  const from = req.from ?? ctx.chain.accounts[0]?.address ?? ZERO_ADDRESS;
  const nonce = req.nonce ?? state.read(nonceKey(from));
  const gasLimit = req.gas ?? maxTransactionGas(ctx);
  const data = toTxData(ctx, { ...req, nonce }, { nonce, gas: gasLimit, purpose: "call" });
  const zeroBaseFee = req.gasPrice === undefined && req.maxFeePerGas === undefined;
  const outcome = await withTracingLane(ctx.chain, (lane) =>
    traced(lane, tracer, () =>
      ctx.chain.call({ data, from, state, blockNumber: block.number, zeroBaseFee, lane }),
    ),
  );
  return { outcome, before: state, gasLimit };
}

async function traceCall(ctx: RpcContext, p: unknown): Promise<unknown> {
  const [r, t, c] = paramsOf(p, 1, 3, "debug_traceCall");
  const options = c === undefined || c === null ? {} : object(c, "traceConfig");
  if (options.stateOverrides !== undefined || options.blockOverrides !== undefined)
    throw invalidParams("traceConfig.stateOverrides and blockOverrides are not supported");
  const request = traceRequest(c);
  const { outcome, before, gasLimit } = await tracedCall(ctx, r, t, request.tracer);
  if (outcome.kind === "invalid") throw new RpcError(-32003, outcome.reason);
  reportCoverage(ctx.observers, outcome);
  return request.result({ outcome, before, coinbase: ctx.chain.coinbase, gasLimit });
}

/**
 * Re-executes a request that failed, with `tracer` attached: a mined transaction that failed
 * (`transactionHash`) by replaying its block, an eth_call, eth_estimateGas or a transaction
 * whose gas estimate failed as a call. Calls with state overrides are not re-executed.
 * @returns whether the request was re-executed.
 */
export async function retraceFailure(
  ctx: RpcContext,
  method: string,
  params: unknown,
  transactionHash: Hex | undefined,
  tracer: ExecutionTracer,
): Promise<boolean> {
  if (transactionHash !== undefined) {
    const mined = ctx.chain.minedTransaction(transactionHash);
    if (mined === undefined) return false;
    await replayMinedTransaction(ctx.chain, mined.block, mined.index, tracer);
    return true;
  }
  const list = Array.isArray(params) ? params : [];
  if (method === "eth_call" || method === "eth_estimateGas") {
    if (list[2] !== undefined && list[2] !== null) return false;
    await tracedCall(ctx, list[0], list[1], tracer);
    return true;
  }
  if (method === "eth_sendTransaction") {
    // Its gas estimate failed: that ran as a call on the pending block.
    await tracedCall(ctx, list[0], "pending", tracer);
    return true;
  }
  return false;
}

export const debugMethods: Record<string, MethodHandler> = {
  debug_traceTransaction: traceTransaction,
  debug_traceCall: traceCall,
};
