/**
 * Turns a failed execution into the error Hardhat's EDR network returns, so that viem and
 * hardhat-viem-assertions decode require messages, panics and custom errors the same way:
 * code 3 with the raw revert data for reverts, EDR's message texts otherwise.
 */
import { bytesToHex } from "@ethereumjs/util";
import { decodeAbiParameters, type Hex } from "viem";
import type { ContractIndex } from "../contracts/contract-index.ts";
import { RpcError } from "./errors.ts";

/** Solidity panic codes (docs.soliditylang.org, "Panic via assert and error via require"). */
const PANIC_REASONS: Record<number, string> = {
  0x00: "Generic compiler inserted panic",
  0x01: "Assertion error",
  0x11: "Arithmetic operation overflowed outside of an unchecked block",
  0x12: "Division or modulo division by zero",
  0x21: "Tried to convert a value into an enum, but the value was too big or negative",
  0x22: "Incorrectly encoded storage byte array",
  0x31: ".pop() was called on an empty array",
  0x32: "Array accessed at an out-of-bounds or negative index",
  0x41: "Too much memory was allocated, or an array was created that is too large",
  0x51: "Called a zero-initialized variable of internal function type",
};

/** What was called, to explain a revert without data. */
export interface FailedCall {
  /** Called address; undefined for a deployment. */
  to?: Hex;
  /** Calldata, or init code for a deployment. */
  data: Hex;
  /** Runtime code at `to` before the call. */
  code?: Hex;
  /** Kind of the nested frame where the failure started, if any. */
  failureOrigin?: "create" | "call";
}

const NO_SELECTOR =
  "Transaction reverted: function selector was not recognized and there's no fallback nor receive function";

/** EDR's message for a revert without data: it names an unknown selector, or admits it cannot tell. */
function describeEmptyRevert(
  contracts: ContractIndex | undefined,
  call: FailedCall | undefined,
): string {
  if (contracts === undefined || contracts.size === 0 || call === undefined) {
    return "Transaction reverted without a reason string";
  }
  // A failure that started in a nested contract creation cannot be attributed (EDR's wording).
  if (call.failureOrigin === "create")
    return "Transaction reverted and Hardhat couldn't infer the reason.";
  const contract =
    call.to === undefined
      ? contracts.byInitCode(call.data)
      : contracts.byRuntimeCode(call.code ?? "0x");
  if (contract === undefined) return "Transaction reverted and Hardhat couldn't infer the reason.";
  if (call.to !== undefined && !contract.hasFallback) {
    if (call.data.length >= 10 && !contract.functions.has(call.data.slice(0, 10) as Hex))
      return NO_SELECTOR;
    if (call.data === "0x" && !contract.hasReceive) return NO_SELECTOR;
  }
  return "Transaction reverted without a reason string";
}

/**
 * A readable description of revert data, as in EDR's messages. Custom errors are decoded with
 * the known contracts' ABIs when an index is given.
 */
export function describeRevert(data: Hex, contracts?: ContractIndex, call?: FailedCall): string {
  if (data === "0x") return describeEmptyRevert(contracts, call);
  const selector = data.slice(0, 10);
  try {
    if (selector === "0x08c379a0") {
      const [reason] = decodeAbiParameters([{ type: "string" }], `0x${data.slice(10)}`);
      return `VM Exception while processing transaction: reverted with reason string '${reason}'`;
    }
    if (selector === "0x4e487b71") {
      const [code] = decodeAbiParameters([{ type: "uint256" }], `0x${data.slice(10)}`);
      const text = PANIC_REASONS[Number(code)] ?? "Unknown panic code";
      return `VM Exception while processing transaction: reverted with panic code 0x${code.toString(16)} (${text})`;
    }
  } catch {
    // Malformed Error/Panic payload: fall through to the generic form.
  }
  const custom = contracts?.describeCustomError(data);
  if (custom !== undefined)
    return `VM Exception while processing transaction: reverted with custom error '${custom}'`;
  return `VM Exception while processing transaction: reverted with an unrecognized custom error (return data: ${data})`;
}

/** The JSON-RPC error for a failed execution (`error` is the EVM's exception name). */
export function executionError(
  error: string,
  returnValue: Uint8Array,
  contracts?: ContractIndex,
  call?: FailedCall,
): RpcError {
  const data = bytesToHex(returnValue) as Hex;
  if (error === "revert") return new RpcError(3, describeRevert(data, contracts, call), data);
  if (error === "out of gas") return new RpcError(-32000, "Transaction ran out of gas", data);
  return new RpcError(-32003, `VM Exception while processing transaction: ${error}`, data);
}
