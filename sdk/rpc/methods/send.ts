/**
 * Sending transactions: eth_sendTransaction (dev accounts, signed with their keys; impersonated
 * accounts, fake-signed as on EDR — see `engine/transactions.ts`) and eth_sendRawTransaction
 * (legacy, EIP-2930, EIP-1559 and EIP-7702 transactions).
 */
import { getAddress, type Hex } from "viem";
import { decodeRawTransaction, type EngineTransaction } from "../../engine/transactions.ts";
import { bytesToHex } from "@ethereumjs/util";
import { EIP_7825_CAP, type MethodHandler, type RpcContext, toTxData } from "../context.ts";
import { invalidParams, RpcError } from "../errors.ts";
import { data, paramsOf, transactionRequest } from "../params.ts";
import { executionError } from "../revert.ts";
import { nonceKey } from "../../engine/location.ts";
import { estimatePending } from "./call.ts";
import { printConsoleLogs } from "../observers.ts";

/**
 * Submits to the chain. In automine mode a transaction that fails is still mined (as on
 * Hardhat's network) and the failure is returned as the EDR-shaped error.
 */
async function submit(ctx: RpcContext, etx: EngineTransaction): Promise<Hex> {
  // The recipient's code before the transaction, for the revert message; hex only if it fails.
  const to = etx.tx.to?.toString() as Hex | undefined;
  const codeBefore = to === undefined ? undefined : ctx.chain.state.codeAt(to.toLowerCase());
  // Engine errors (nonce, fees, funds, ...) become EDR's JSON-RPC errors in the provider.
  const { block, outcome } = await ctx.chain.submit(etx);
  ctx.filters.notePendingTransaction(etx.hash); // accepted: mined (automine) or pooled
  // The block's lines were printed as it was mined; when it also mined other pending
  // transactions, EDR prints the sent one's again after them ("Currently sent transaction").
  if (block !== undefined && block.transactions.length > 1 && outcome?.kind === "executed")
    printConsoleLogs(ctx.observers, outcome);
  if (outcome?.kind === "executed" && outcome.status === 0) {
    const code = codeBefore === undefined ? undefined : (bytesToHex(codeBefore) as Hex);
    const call = {
      to,
      data: bytesToHex(etx.tx.data) as Hex,
      code,
      failureOrigin: outcome.failureOrigin,
    };
    const err = executionError(outcome.error ?? "revert", outcome.returnValue, ctx.contracts, call);
    const failed = new RpcError(err.code, err.message, err.data ?? { txHash: etx.hash });
    failed.transactionHash = etx.hash;
    throw failed;
  }
  return etx.hash;
}

/** The error for a raw transaction @ethereumjs/tx refused to decode, in Hardhat's words where it has them. */
function rawTransactionError(chainId: number, message: string): RpcError {
  if (message.includes("not matching the derived chain ID") || message.includes("chain ID")) {
    return new RpcError(
      -32602,
      `Trying to send a raw transaction with an invalid chainId. The expected chainId is ${chainId}`,
    );
  }
  const cap = /gas limit (\d+) exceeds the maximum allowed by EIP-7825/i.exec(message);
  if (cap !== null) {
    return new RpcError(
      -32000,
      `Transaction gas limit is ${cap[1]} and exceeds transaction gas cap of 16777216`,
    );
  }
  return invalidParams(`signedTransaction could not be decoded: ${message.split(" (")[0]}`);
}

export const sendMethods: Record<string, MethodHandler> = {
  eth_sendTransaction: async (ctx, p) => {
    const [r] = paramsOf(p, 1, 1, "eth_sendTransaction");
    const req = transactionRequest(r, "transaction");
    if (req.from === undefined) throw invalidParams(`transaction.from is required`);
    // EDR's error for a sender that is neither a dev account nor impersonated.
    if (!ctx.chain.canSign(req.from))
      throw new RpcError(-32000, `Unknown account ${getAddress(req.from)}`);
    if (req.chainId !== undefined && req.chainId !== BigInt(ctx.chain.chainId)) {
      throw invalidParams(
        `transaction.chainId ${req.chainId} does not match the chain id ${ctx.chain.chainId}`,
      );
    }
    const nonce = req.nonce ?? ctx.chain.pendingNonce(req.from);
    let gas = req.gas;
    if (gas === undefined) {
      // The estimate runs on the latest state: the sender's earlier transactions still pending
      // (automine off) are not in it, so a nonce ahead of the state's is estimated as the next one.
      const stateNonce = ctx.chain.state.read(nonceKey(req.from));
      gas = await estimatePending(ctx, { ...req, nonce: nonce > stateNonce ? stateNonce : nonce });
    }
    // The EIP-7825 cap (or a lower call gas limit); a gas above a lowered block gas limit gets
    // the block-limit error from admission instead, as on EDR.
    const cap = ctx.chain.callGasLimit < EIP_7825_CAP ? ctx.chain.callGasLimit : EIP_7825_CAP;
    if (gas > cap && ["osaka", "amsterdam"].includes(ctx.chain.hardfork)) {
      throw new RpcError(-32003, `Transaction gas limit ${gas} exceeds the EIP-7825 cap of ${cap}`);
    }
    const etx = ctx.chain.buildTransaction(
      toTxData(ctx, req, { nonce, gas, purpose: "transaction" }),
      req.from,
    );
    return submit(ctx, etx);
  },
  eth_sendRawTransaction: async (ctx, p) => {
    const [raw] = paramsOf(p, 1, 1, "eth_sendRawTransaction");
    const bytes = data(raw, "signedTransaction");
    let etx: EngineTransaction;
    try {
      etx = decodeRawTransaction(bytes, ctx.chain.common, ctx.chain.nextArrival());
    } catch (error) {
      throw rawTransactionError(
        ctx.chain.chainId,
        error instanceof Error ? error.message : String(error),
      );
    }
    const chainId = (etx.tx as { chainId?: bigint }).chainId ?? etx.tx.common.chainId();
    if (etx.tx.type !== 0 && chainId !== BigInt(ctx.chain.chainId)) {
      throw invalidParams(
        `signedTransaction is for chain ${chainId}, this chain is ${ctx.chain.chainId}`,
      );
    }
    return submit(ctx, etx);
  },
};
