/**
 * What every JSON-RPC method handler receives: the chain and the connection's filters.
 */
import type { ExecutionObservers } from "./observers.ts";
import type { TypedTxData } from "@ethereumjs/tx";
import type { Hex } from "viem";
import type { Chain, MinedBlock } from "../engine/chain.ts";
import type { StateReader } from "../engine/state/state-reader.ts";
import { invalidInput, invalidParams } from "./errors.ts";
import type { BlockTag, TransactionRequest } from "./params.ts";
import type { ContractIndex } from "../contracts/contract-index.ts";
import type { FilterManager } from "./filters.ts";
import { DEFAULT_PRIORITY_FEE, nextBaseFee, suggestFees } from "./fees.ts";

export interface RpcContext {
  chain: Chain;
  filters: FilterManager;
  /** Known contracts (artifacts), for EDR-style revert messages. */
  contracts: ContractIndex;
  /**
   * hardhat_setLoggingEnabled's switch. EDR logs requests only in `hardhat node`; an in-process
   * network prints no request log either way, so this only records the choice.
   */
  logging: { enabled: boolean };
  /** Where console.log lines, coverage hits and executed calls go (`observers.ts`). */
  observers: ExecutionObservers;
}

/** The code at an address in the latest state, as hex. */
export function codeAt(ctx: RpcContext, address: Hex | undefined): Hex | undefined {
  if (address === undefined) return undefined;
  return `0x${Buffer.from(ctx.chain.state.codeAt(address.toLowerCase())).toString("hex")}` as Hex;
}

export type MethodHandler = (ctx: RpcContext, params: unknown) => Promise<unknown>;

/** Resolves a block tag to a mined block. `pending` means the latest one. */
export function resolveBlock(ctx: RpcContext, tag: BlockTag): MinedBlock {
  if (tag === "pending") return ctx.chain.latest();
  const block =
    "hash" in tag ? ctx.chain.blockByHash(tag.hash) : ctx.chain.blockByNumber(tag.number);
  if (block === undefined) {
    const what = "hash" in tag ? `hash ${tag.hash}` : `number ${tag.number}`;
    throw invalidParams(
      `block with ${what} does not exist (latest is ${ctx.chain.latest().number})`,
    );
  }
  return block;
}

/** The state after the block a tag names. */
export function stateFor(ctx: RpcContext, tag: BlockTag): StateReader {
  return ctx.chain.stateAt(resolveBlock(ctx, tag).number);
}

/** EIP-7825's per-transaction gas cap (gas), in force from Osaka. */
export const EIP_7825_CAP = 16_777_216n;

/**
 * The largest gas a call or transaction may use on this chain: the call gas limit, the current
 * block gas limit (evm_setBlockGasLimit may lower it) and, from Osaka, EIP-7825's cap.
 */
export function maxTransactionGas(ctx: RpcContext): bigint {
  let cap = ctx.chain.blockGasLimit;
  if (["osaka", "amsterdam"].includes(ctx.chain.hardfork) && EIP_7825_CAP < cap) cap = EIP_7825_CAP;
  return ctx.chain.callGasLimit < cap ? ctx.chain.callGasLimit : cap;
}

/** The fields {@link toTxData} adds to a request, and what the transaction is for. */
export interface TxDataOptions {
  nonce: bigint;
  /** Gas limit (gas). */
  gas: bigint;
  /**
   * `call`: missing fees are 0 (a call pays nothing); `transaction`: missing fees get
   * eth_sendTransaction's defaults ({@link suggestFees}).
   */
  purpose: "call" | "transaction";
}

/**
 * Turns a request into `@ethereumjs/tx` fields: the type from the fee fields, fee defaults as
 * Hardhat's (priority 1 gwei, max fee = 2 × next base fee + priority).
 * @throws {RpcError} -32000 for an unsupported type or a priority fee above the max fee.
 */
export function toTxData(
  ctx: RpcContext,
  req: TransactionRequest,
  options: TxDataOptions,
): TypedTxData {
  const { nonce, gas } = options;
  const forCall = options.purpose === "call";
  const common = {
    nonce,
    gasLimit: gas,
    to: req.to,
    value: req.value ?? 0n,
    data: req.data ?? "0x",
    accessList: req.accessList?.map((i) => ({ address: i.address, storageKeys: i.storageKeys })),
  };
  if (req.gasPrice !== undefined || (req.type !== undefined && req.type < 2n)) {
    const gasPrice =
      req.gasPrice ?? (forCall ? 0n : nextBaseFee(ctx.chain.latest()) + DEFAULT_PRIORITY_FEE);
    const type = req.type !== undefined ? Number(req.type) : req.accessList !== undefined ? 1 : 0;
    return {
      ...common,
      type,
      gasPrice,
      accessList: type === 0 ? undefined : (common.accessList ?? []),
    } as TypedTxData;
  }
  if (req.type !== undefined && req.type !== 2n) {
    throw invalidInput(`transaction type ${req.type} is not supported (use 0, 1 or 2)`);
  }
  let priority: bigint;
  let maxFee: bigint;
  if (forCall) {
    priority = req.maxPriorityFeePerGas ?? 0n;
    maxFee = req.maxFeePerGas ?? priority;
  } else {
    const suggested = suggestFees(ctx.chain.latest());
    priority = req.maxPriorityFeePerGas ?? suggested.maxPriorityFeePerGas;
    maxFee = req.maxFeePerGas ?? suggested.maxFeePerGas;
    if (req.maxFeePerGas === undefined && maxFee < priority) maxFee += priority;
  }
  if (priority > maxFee) {
    throw invalidInput(
      `maxPriorityFeePerGas (${priority}) is bigger than maxFeePerGas (${maxFee})`,
    );
  }
  return {
    ...common,
    type: 2,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: priority,
    accessList: common.accessList ?? [],
  } as TypedTxData;
}

export const ZERO_ADDRESS: Hex = "0x0000000000000000000000000000000000000000";
