/**
 * Signing with the dev accounts: eth_sign, personal_sign (EIP-191) and eth_signTypedData_v4
 * (EIP-712), answered as EDR answers them. Only the configured dev accounts (`chain.accounts`)
 * sign; any other address, impersonated ones included (their keys are unknown), gets EDR's
 * `Unknown account 0x…` (-32000).
 *
 * @example
 * ```ts
 * const sig = await provider.request({ method: "personal_sign", params: ["0x68656c6c6f", from] });
 * ```
 */
import { getAddress, type Hex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { MethodHandler, RpcContext } from "../context.ts";
import { invalidParams, RpcError } from "../errors.ts";
import { address, data, paramsOf } from "../params.ts";

/** The viem account of dev account `from`; EDR's -32000 for any other address. */
function signerOf(ctx: RpcContext, from: Hex) {
  const account = ctx.chain.accounts.find((a) => a.address === from);
  if (account === undefined) throw new RpcError(-32000, `Unknown account ${getAddress(from)}`);
  return privateKeyToAccount(account.privateKey);
}

/** EIP-191 personal message signature of raw bytes `message` by dev account `from`. */
async function signBytes(ctx: RpcContext, from: Hex, message: Hex): Promise<Hex> {
  return await signerOf(ctx, from).signMessage({ message: { raw: message } });
}

/**
 * The typed data of eth_signTypedData_v4: a JSON string or an object with `types`,
 * `primaryType`, `domain` and `message`, as EDR accepts it.
 * @throws {RpcError} -32602 when it is not such an object (EDR: "invalid JSON"); -32000 when
 *   `primaryType` is not one of `types` (EDR's message).
 */
function typedDataOf(value: unknown): TypedDataDefinition {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  const o = parsed as Record<string, unknown> | undefined;
  if (
    typeof o !== "object" ||
    o === null ||
    typeof o.types !== "object" ||
    o.types === null ||
    typeof o.primaryType !== "string" ||
    typeof o.domain !== "object" ||
    o.domain === null ||
    typeof o.message !== "object" ||
    o.message === null
  ) {
    throw invalidParams("The message parameter is an invalid JSON.");
  }
  if (!Object.hasOwn(o.types, o.primaryType))
    throw new RpcError(-32000, `missing type in type resolution: ${o.primaryType}`);
  return o as unknown as TypedDataDefinition;
}

export const signMethods: Record<string, MethodHandler> = {
  eth_sign: async (ctx, p) => {
    const [a, m] = paramsOf(p, 2, 2, "eth_sign");
    const from = address(a, "address");
    return await signBytes(ctx, from, data(m, "message"));
  },
  personal_sign: async (ctx, p) => {
    const [m, a] = paramsOf(p, 2, 2, "personal_sign");
    const message = data(m, "message");
    return await signBytes(ctx, address(a, "address"), message);
  },
  eth_signTypedData_v4: async (ctx, p) => {
    const [a, t] = paramsOf(p, 2, 2, "eth_signTypedData_v4");
    const from = address(a, "address");
    const typedData = typedDataOf(t);
    const signer = signerOf(ctx, from);
    try {
      return await signer.signTypedData(typedData);
    } catch (error) {
      // A value that does not fit its type (EDR: "type mismatch: …"); viem's first line says which.
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new RpcError(-32000, message);
    }
  },
};
