/**
 * What every JSON-RPC method handler receives: the chain and the connection's filters.
 */
import type { ExecutionObservers } from "./observers.ts";
import type { TypedTxData } from "@ethereumjs/tx";
import { bigIntToUnpaddedBytes, hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { Chain, MinedBlock } from "../engine/chain.ts";
import type { StateReader } from "../engine/state/state-reader.ts";
import { invalidInput, invalidParams, RpcError } from "./errors.ts";
import type { AuthorizationRequest, BlockTag, TransactionRequest } from "./params.ts";
import type { ContractIndex } from "../contracts/contract-index.ts";
import type { FilterManager } from "./filters.ts";
import { suggestFees } from "./fees.ts";

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

/** EDR's refusals of blob requests outside eth_sendRawTransaction (its error texts). */
const EIP4844_CALL_UNSUPPORTED =
  "An EIP-4844 (shard blob) call request was received, but Hardhat only supports them via `eth_sendRawTransaction`. See https://github.com/NomicFoundation/hardhat/issues/5182";
const EIP4844_TRANSACTION_UNSUPPORTED =
  "An EIP-4844 (shard blob) transaction was received, but Hardhat only supports them via `eth_sendRawTransaction`. See https://github.com/NomicFoundation/hardhat/issues/5023";

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
 * Turns a request into `@ethereumjs/tx` fields as EDR resolves a request: `gasPrice` makes a
 * legacy (EIP-155) or, with an access list, an EIP-2930 transaction; otherwise an
 * `authorizationList` makes an EIP-7702 set-code transaction and anything else an EIP-1559 one.
 * The `type` field is ignored, as EDR ignores it (eth_sendTransaction refuses type 3 first).
 * Fee defaults are Hardhat's (priority 1 gwei, max fee = 2 × next base fee + priority).
 * @throws {RpcError} with EDR's codes and messages: -32602 for an authorization list before
 *   Prague; -32000 for blob fields (`blobs`, `blobHashes`) or type 3 (blob transactions go
 *   through eth_sendRawTransaction only), gasPrice with an authorization list, a priority fee
 *   above the max fee, an EIP-7702 request without `to` or with an empty list.
 */
export function toTxData(
  ctx: RpcContext,
  req: TransactionRequest,
  options: TxDataOptions,
): TypedTxData {
  const { nonce, gas } = options;
  const forCall = options.purpose === "call";
  if (forCall && req.blobs === true) throw invalidInput(EIP4844_CALL_UNSUPPORTED);
  if (!forCall && (req.blobs === true || req.type === 3n))
    throw invalidInput(EIP4844_TRANSACTION_UNSUPPORTED);
  const common = {
    nonce,
    gasLimit: gas,
    to: req.to,
    value: req.value ?? 0n,
    data: req.data ?? "0x",
    accessList: req.accessList?.map((i) => ({ address: i.address, storageKeys: i.storageKeys })),
  };
  const auths = req.authorizationList;
  if (auths !== undefined && ["shanghai", "cancun"].includes(ctx.chain.hardfork)) {
    throw new RpcError(
      -32602,
      `The transaction contains EIP-7702 parameters, but they are not supported by the current hardfork: ${ctx.chain.hardfork.toUpperCase()}. Use the Prague hardfork (or later).`,
    );
  }
  if (req.gasPrice !== undefined) {
    if (auths !== undefined) throw invalidInput("Cannot send both gasPrice and authorizationList");
    const type = req.accessList !== undefined ? 1 : 0;
    return { ...common, type, gasPrice: req.gasPrice } as TypedTxData;
  }
  if (
    req.maxFeePerGas !== undefined &&
    req.maxPriorityFeePerGas !== undefined &&
    req.maxPriorityFeePerGas > req.maxFeePerGas
  ) {
    throw invalidInput(
      `maxPriorityFeePerGas (${req.maxPriorityFeePerGas}) is bigger than maxFeePerGas (${req.maxFeePerGas})`,
    );
  }
  if (auths !== undefined) {
    if (req.to === undefined)
      throw invalidInput("Invalid EIP-7702 transaction: to (receiver) parameter is missing.");
    if (auths.length === 0)
      throw invalidInput("Invalid EIP-7702 transaction: authorization list is empty.");
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
    type: auths === undefined ? 2 : 4,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: priority,
    accessList: common.accessList ?? [],
    ...(auths === undefined ? {} : { authorizationList: auths.map(authorizationBytes) }),
  } as TypedTxData;
}

/** An authorization in `@ethereumjs/tx`'s byte form `[chainId, address, nonce, yParity, r, s]`. */
function authorizationBytes(a: AuthorizationRequest): Uint8Array[] {
  const n = bigIntToUnpaddedBytes;
  return [n(a.chainId), hexToBytes(a.address), n(a.nonce), n(a.yParity), n(a.r), n(a.s)];
}

export const ZERO_ADDRESS: Hex = "0x0000000000000000000000000000000000000000";
