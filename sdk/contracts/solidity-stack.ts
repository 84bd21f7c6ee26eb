/**
 * Solidity stack traces of failed executions, as Hardhat prints EDR's: one call site per frame
 * from the frame where the failure started out to the transaction's own, each
 * `Contract.function (source:line)` — the call site for a frame that passed its callee's
 * failure on, the failing statement for the frame where it started. Contracts are recognised
 * by their code ({@link ContractIndex}) and located with their build infos' source maps
 * ({@link SourceMaps}); a contract without artifacts is `<UnrecognizedContract>`.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { FailedFrame } from "../engine/tracing/failure-tracer.ts";
import type { ContractIndex } from "./contract-index.ts";
import type { SourceMaps } from "./source-maps.ts";

/** One frame of a Solidity stack trace. */
export interface SolidityCallSite {
  /** Source name without solc's `project/` prefix; the address for an unrecognised contract. */
  file: string;
  contract: string;
  function: string;
  /** 1-based; undefined when no source location is known. */
  line?: number;
}

/** Hardhat's names for what it cannot name (EDR's `UNRECOGNIZED_CONTRACT_NAME` etc.). */
const UNRECOGNIZED_CONTRACT = "<UnrecognizedContract>";
const UNKNOWN_FUNCTION = "<unknown>";

/**
 * The call sites of a failure, innermost first (the order of a JavaScript stack).
 * @param frames the failing frames, outermost first (`FailureTracer.frames()`).
 */
export function solidityStack(
  frames: readonly FailedFrame[],
  contracts: ContractIndex,
  maps: SourceMaps,
): SolidityCallSite[] {
  const sites: SolidityCallSite[] = [];
  for (const frame of frames) {
    const hex = bytesToHex(frame.code) as Hex;
    const contract = frame.isCreate ? contracts.byInitCode(hex) : contracts.byRuntimeCode(hex);
    if (contract === undefined) {
      sites.push(
        frame.isCreate
          ? { file: "unknown", contract: UNRECOGNIZED_CONTRACT, function: "constructor" }
          : {
              file: frame.address ?? "unknown",
              contract: UNRECOGNIZED_CONTRACT,
              function: UNKNOWN_FUNCTION,
            },
      );
      continue;
    }
    const artifact = contract.artifact as { inputSourceName?: string; sourceName: string };
    const sourceName = artifact.inputSourceName ?? `project/${artifact.sourceName}`;
    const locate = (pc: number) =>
      maps.locate(sourceName, contract.name, frame.isCreate, frame.code, pc);
    let location = frame.kind === "call" ? locate(frame.pc) : undefined;
    // Where a failure started: its opcode, or (compiler-generated code, e.g. a panic's) the
    // last opcode before it that maps to the project's sources.
    for (let i = frame.pcs.length - 1; location === undefined && i >= 0; i--)
      location = locate(frame.pcs[i]);
    sites.push(
      location === undefined
        ? {
            file: artifact.sourceName,
            contract: contract.name,
            function: frame.isCreate ? "constructor" : UNKNOWN_FUNCTION,
          }
        : {
            file: location.sourceName.replace(/^project\//, ""),
            contract: location.contract,
            function: location.function,
            line: location.line,
          },
    );
  }
  return sites.reverse();
}

/** A call site as a stack line: `    at Contract.function (file:line)`. */
export function formatCallSite(site: SolidityCallSite): string {
  const where = site.line === undefined ? site.file : `${site.file}:${site.line}`;
  return `    at ${site.contract}.${site.function} (${where})`;
}
