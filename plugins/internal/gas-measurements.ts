/**
 * `hardhat test --gas-stats` for parallel networks: each mined transaction and each `eth_call`
 * becomes the gas measurement EDR's gas report gives Hardhat's `network.onGasMeasurement` hook
 * (EDR `crates/edr_gas_report/src/lib.rs`; Hardhat `network-manager.ts`,
 * `edrGasReportToHardhatGasMeasurements`):
 *
 * - a deployment (no recipient) is named by its init code; a call by the runtime code at its
 *   recipient and the selector of its call data, looked up in that contract's ABI;
 * - `contractFqn` is `<solc input source name>:<contract>` (`project/contracts/Foo.sol:Foo`),
 *   `functionSig` is `name(type,…)` with the ABI's parameter types (`tuple` for a struct, as
 *   EDR writes it); `gas` is the receipt's gas used (intrinsic gas included, after refunds);
 *   `runtimeSize` is the deployed code's length (bytes);
 * - only successful executions count; unknown contracts and unknown selectors (plain value
 *   transfers, fallback calls) give nothing;
 * - a call through proxies is named after the implementation, with the chain of contracts from
 *   the outermost proxy to the implementation in `proxyChain`: EDR's rule — the first
 *   DELEGATECALL child of a frame with the frame's selector and the frame's output is the
 *   next link (`outcome.delegations`, recorded by the engine).
 *
 * Differences: EDR knows every contract of every build info (npm dependencies without an
 * artifact too); this index knows the project's artifacts only.
 */
import { type AbiFunction, type Hex, toFunctionSelector, toFunctionSignature } from "viem";
import type { ContractIndex, IndexedContract } from "../../sdk/contracts/contract-index.ts";
import type { ExecutedCall } from "../../sdk/rpc/observers.ts";

/** Hardhat's `GasMeasurement` (gas-analytics `types.ts`). */
export type GasMeasurement =
  | {
      type: "function";
      contractFqn: string;
      functionSig: string;
      gas: number;
      proxyChain: string[];
    }
  | { type: "deployment"; contractFqn: string; gas: number; runtimeSize: number };

/** EDR's contract identifier: the solc input source name and the contract name. */
function identifierOf(contract: IndexedContract): string {
  const artifact = contract.artifact;
  return `${artifact.inputSourceName ?? artifact.sourceName}:${artifact.contractName}`;
}

const signatures = new WeakMap<IndexedContract, Map<string, string>>();

/** `name(type,…)` of the function `selector` (8 hex digits) calls on `contract`, if any. */
function functionSignature(contract: IndexedContract, selector: string): string | undefined {
  let bySelector = signatures.get(contract);
  if (bySelector === undefined) {
    bySelector = new Map();
    for (const item of contract.artifact.abi as AbiFunction[]) {
      if (item?.type !== "function" || typeof item.name !== "string") continue;
      const key = toFunctionSelector(toFunctionSignature(item)).slice(2);
      bySelector.set(key, `${item.name}(${item.inputs.map((i) => i.type).join(",")})`);
    }
    signatures.set(contract, bySelector);
  }
  return bySelector.get(selector);
}

/**
 * The gas measurement of one execution, or `undefined` when it failed or its contract or
 * function is not known.
 */
export function gasMeasurementOf(
  index: ContractIndex,
  call: ExecutedCall,
): GasMeasurement | undefined {
  const { outcome } = call;
  if (outcome.status !== 1) return undefined;
  const gas = Number(outcome.gasUsed);
  if (call.to === undefined) {
    const contract = index.byInitCode(call.input);
    if (contract === undefined) return undefined;
    return {
      type: "deployment",
      contractFqn: identifierOf(contract),
      gas,
      runtimeSize: outcome.returnValue.length,
    };
  }
  const selector = call.input.slice(2, 10).toLowerCase();
  if (selector.length < 8) return undefined;
  // Through proxies: the implementation names the function, the chain lists every contract.
  const chain = outcome.delegations ?? [];
  const implementation = chain.length > 0 ? chain[chain.length - 1] : call.to;
  const contract = index.byRuntimeCode(call.codeAt(implementation));
  if (contract === undefined) return undefined;
  const functionSig = functionSignature(contract, selector);
  if (functionSig === undefined) return undefined;
  let proxyChain: string[] = [];
  if (chain.length > 0) {
    const links = [call.to, ...chain.slice(0, -1)].map((a) =>
      index.byRuntimeCode(call.codeAt(a as Hex)),
    );
    if (links.some((c) => c === undefined)) return undefined;
    proxyChain = [...links.map((c) => identifierOf(c!)), identifierOf(contract)];
  }
  return { type: "function", contractFqn: identifierOf(contract), functionSig, gas, proxyChain };
}
