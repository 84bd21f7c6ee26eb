/** Calls that change nothing: eth_call (with state overrides), eth_estimateGas, eth_createAccessList. */
import { bytesToHex } from "@ethereumjs/util";
import { keccak256, type Hex } from "viem";
import type { ExecutionResult, TransactionOutcome } from "../../engine/execute-transaction.ts";
import {
  balanceKey,
  codeKey,
  nonceKey,
  storageKey,
  type LocationKey,
  isStorageKey,
  locationAddress,
  locationSlot,
} from "../../engine/location.ts";
import { OverriddenState } from "../../engine/state/overlay-state.ts";
import type { StateReader } from "../../engine/state/state-reader.ts";
import {
  maxTransactionGas,
  type MethodHandler,
  type RpcContext,
  resolveBlock,
  toTxData,
  ZERO_ADDRESS,
} from "../context.ts";
import { invalidParams, RpcError } from "../errors.ts";
import { q } from "../format.ts";
import {
  address,
  blockTag,
  data,
  hash,
  object,
  paramsOf,
  quantity,
  type TransactionRequest,
  transactionRequest,
} from "../params.ts";
import { executionError } from "../revert.ts";
import { printConsoleLogs, reportCoverage } from "../observers.ts";

/** Parses an eth_call state override set (geth's format) into an overridden state. */
function withOverrides(base: StateReader, value: unknown): StateReader {
  if (value === undefined || value === null) return base;
  const set = object(value, "stateOverrides");
  const values = new Map<LocationKey, bigint>();
  const replaced = new Set<string>();
  const codes = new Map<bigint, Uint8Array>();
  for (const [rawAddress, rawOverride] of Object.entries(set)) {
    const who = address(rawAddress, `stateOverrides key`);
    const o = object(rawOverride, `stateOverrides[${who}]`);
    if (o.balance !== undefined)
      values.set(balanceKey(who), quantity(o.balance, `stateOverrides[${who}].balance`));
    if (o.nonce !== undefined)
      values.set(nonceKey(who), quantity(o.nonce, `stateOverrides[${who}].nonce`));
    if (o.code !== undefined) {
      const code = Uint8Array.from(
        Buffer.from(data(o.code, `stateOverrides[${who}].code`).slice(2), "hex"),
      );
      const h = code.length === 0 ? 0n : BigInt(keccak256(code));
      codes.set(h, code);
      values.set(codeKey(who), h);
    }
    if (o.state !== undefined && o.stateDiff !== undefined) {
      throw invalidParams(`stateOverrides[${who}] cannot have both state and stateDiff`);
    }
    const slots = o.state ?? o.stateDiff;
    if (o.state !== undefined) replaced.add(who);
    if (slots !== undefined) {
      for (const [k, v] of Object.entries(object(slots, `stateOverrides[${who}].state`))) {
        values.set(
          storageKey(who, hash(k, `stateOverrides[${who}] slot`)),
          BigInt(hash(v, `stateOverrides[${who}] value`)),
        );
      }
    }
  }
  return new OverriddenState(base, values, replaced, codes);
}

/** The sender of a call without `from`: the first dev account, as Hardhat's request handlers fill it. */
function defaultSender(ctx: RpcContext): Hex {
  return ctx.chain.accounts[0]?.address ?? ZERO_ADDRESS;
}

/** Where and how {@link runCall} runs a request. */
interface RunCallOptions {
  /** The call's gas limit (gas). */
  gas: bigint;
  state: StateReader;
  /** The block the call follows. */
  blockNumber: bigint;
  /** Also work out `minimumGasLimit` (gas estimation). */
  gasLimitKnowledge?: boolean;
}

async function runCall(
  ctx: RpcContext,
  req: TransactionRequest,
  options: RunCallOptions,
): Promise<ExecutionResult> {
  const { gas, state, blockNumber, gasLimitKnowledge } = options;
  const from = req.from ?? defaultSender(ctx);
  const nonce = req.nonce ?? state.read(nonceKey(from));
  const txData = toTxData(ctx, { ...req, nonce }, { nonce, gas, purpose: "call" });
  const zeroBaseFee = req.gasPrice === undefined && req.maxFeePerGas === undefined;
  return ctx.chain.call({ data: txData, from, state, blockNumber, zeroBaseFee, gasLimitKnowledge });
}

/** What an eth_call reports besides its result: console.log lines, coverage, the executed call. */
function observeCall(
  ctx: RpcContext,
  req: TransactionRequest,
  state: StateReader,
  outcome: TransactionOutcome,
): void {
  const { observers } = ctx;
  printConsoleLogs(observers, outcome);
  reportCoverage(observers, outcome);
  observers.onExecutedCall?.({
    to: req.to?.toLowerCase() as Hex | undefined,
    input: req.data ?? "0x",
    outcome,
    codeAt: (a) => bytesToHex(state.code(state.read(codeKey(a.toLowerCase() as Hex)))) as Hex,
  });
}

/** Throws the EDR-shaped error of a failed or invalid call. */
function ensureSucceeded(
  ctx: RpcContext,
  req: TransactionRequest,
  state: StateReader,
  result: ExecutionResult,
): TransactionOutcome {
  if (result.kind === "invalid") throw new RpcError(-32003, result.reason);
  if (result.status === 0) {
    const code =
      req.to === undefined
        ? undefined
        : (bytesToHex(state.code(state.read(codeKey(req.to)))) as Hex);
    throw executionError(result.error ?? "revert", result.returnValue, ctx.contracts, {
      to: req.to,
      data: req.data ?? "0x",
      code,
      failureOrigin: result.failureOrigin,
    });
  }
  return result;
}

function callArgs(ctx: RpcContext, p: unknown, method: string) {
  const [r, t, o] = paramsOf(p, 1, 3, method);
  const req = transactionRequest(r, "transaction");
  const block = resolveBlock(ctx, blockTag(t, "block", ctx.chain.latest().number));
  const state = withOverrides(ctx.chain.stateAt(block.number), o);
  return { req, block, state };
}

/**
 * Hardhat's gas estimation, as EDR implements it (so estimates match EDR's to the unit): run with
 * the cap; start from max(gas used, intrinsic gas + 1); if that fails, search upwards between it
 * and the cap — first probe at 3 × the lower bound, then halve — until the bounds are within
 * {@link minDifference} or 20 probes were made. The result is a sufficient gas limit, not always
 * the smallest one.
 *
 * A probe whose outcome is already known is not run: when the run with the cap shows that the
 * transaction succeeds exactly from some gas limit up (it never looked at the gas left; see
 * {@link TransactionOutcome.minimumGasLimit}), a probe succeeds iff its limit is at least that.
 * The probes, the search and the result are the same as when every probe is run; typically
 * the estimate then costs one execution instead of two.
 */
async function estimate(
  ctx: RpcContext,
  req: TransactionRequest,
  state: StateReader,
  blockNumber: bigint,
): Promise<bigint> {
  const cap = req.gas ?? maxTransactionGas(ctx);
  const run = await runCall(ctx, req, { gas: cap, state, blockNumber, gasLimitKnowledge: true });
  if (run.kind === "executed") {
    reportCoverage(ctx.observers, run);
    // EDR prints an estimate's console.log lines only when it fails (its run with the cap).
    if (run.status === 0) printConsoleLogs(ctx.observers, run);
  }
  const first = ensureSucceeded(ctx, req, state, run);
  // With coverage on every probe runs: EDR reports the hits of each of its runs.
  const known = ctx.chain.options.coverage ? undefined : first.minimumGasLimit;
  const succeeds = async (gas: bigint) => {
    if (known !== undefined && gas <= cap) return gas >= known;
    const r = await runCall(ctx, req, { gas, state, blockNumber });
    if (r.kind === "executed") reportCoverage(ctx.observers, r);
    return r.kind === "executed" && r.status === 1;
  };
  const intrinsic = first.intrinsicGas;
  let lower = first.gasUsed > intrinsic + 1n ? first.gasUsed : intrinsic + 1n;
  if (await succeeds(lower)) return lower;
  let upper = cap;
  for (let i = 0; upper - lower > minDifference(lower) && i < 20; i++) {
    let mid = lower + (upper - lower) / 2n;
    if (i === 0 && 3n * lower < mid) mid = 3n * lower;
    if (await succeeds(mid)) upper = mid;
    else lower = mid + 1n;
  }
  return upper;
}

/**
 * eth_estimateGas of an already parsed request against the pending block (the latest state,
 * no overrides), as `eth_estimateGas` with tag `pending` answers it: eth_sendTransaction's gas
 * default, without serialising and parsing the request again.
 * @returns The estimate (gas).
 * @throws {RpcError} as `eth_estimateGas` does (EDR-shaped revert errors, -32003 invalid).
 */
export function estimatePending(ctx: RpcContext, req: TransactionRequest): Promise<bigint> {
  return estimate(ctx, req, ctx.chain.state, ctx.chain.latest().number);
}

/** Tolerance of the estimation search (gas), by the size of the lower bound (Hardhat's values). */
function minDifference(lower: bigint): bigint {
  if (lower >= 4_000_000n) return 50_000n;
  if (lower >= 1_000_000n) return 10_000n;
  if (lower >= 100_000n) return 1_000n;
  if (lower >= 50_000n) return 500n;
  if (lower >= 30_000n) return 300n;
  return 200n;
}

export const callMethods: Record<string, MethodHandler> = {
  eth_call: async (ctx, p) => {
    const { req, block, state } = callArgs(ctx, p, "eth_call");
    const run = await runCall(ctx, req, {
      gas: req.gas ?? maxTransactionGas(ctx),
      state,
      blockNumber: block.number,
    });
    if (run.kind === "executed") observeCall(ctx, req, state, run);
    const result = ensureSucceeded(ctx, req, state, run);
    return bytesToHex(result.returnValue);
  },
  eth_estimateGas: async (ctx, p) => {
    const { req, block, state } = callArgs(ctx, p, "eth_estimateGas");
    return q(await estimate(ctx, req, state, block.number));
  },
  eth_createAccessList: async (ctx, p) => {
    // geth's semantics: run, collect the touched slots and addresses, re-run with that list
    // until it is stable; sender, recipient and precompiles are left out.
    const { req, block, state } = callArgs(ctx, p, "eth_createAccessList");
    const from = req.from ?? defaultSender(ctx);
    const precompile = (a: string) => BigInt(a) > 0n && BigInt(a) <= 0x11n;
    let list: Array<{ address: Hex; storageKeys: Hex[] }> = req.accessList ?? [];
    let result: TransactionOutcome | undefined;
    for (let round = 0; round < 8; round++) {
      const request = {
        ...req,
        accessList: list,
        type: req.gasPrice !== undefined ? 1n : req.type,
      };
      const attempt = await runCall(ctx, request, {
        gas: req.gas ?? maxTransactionGas(ctx),
        state,
        blockNumber: block.number,
      });
      if (attempt.kind === "invalid") throw new RpcError(-32003, attempt.reason);
      result = attempt;
      const touched = new Map<string, Set<string>>();
      for (const key of [...attempt.reads.keys(), ...attempt.writes.keys()]) {
        const a = locationAddress(key);
        if (a === from || a === req.to?.toLowerCase() || precompile(a)) continue;
        if (!touched.has(a)) touched.set(a, new Set());
        if (isStorageKey(key)) touched.get(a)!.add(locationSlot(key));
      }
      const next = [...touched.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([a, keys]) => ({ address: a as Hex, storageKeys: [...keys].sort() as Hex[] }));
      if (JSON.stringify(next) === JSON.stringify(list)) break;
      list = next;
    }
    return {
      accessList: list,
      gasUsed: q(result!.gasUsed),
      ...(result!.status === 0 ? { error: result!.error } : {}),
    };
  },
};
