/**
 * Test helpers for declared access lists: in-process solc compilation (with `storageLayout`,
 * which the repo build does not emit unless the plugin's solidity hook is active) and an
 * independent oracle of what a transaction really read and wrote, from EDR's
 * `debug_traceTransaction` struct logs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import solc from "solc";
import { type Hex, keccak256 } from "viem";

import type { SolcInputLike, SolcOutputLike } from "../../sdk/access/index.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Compilation {
  input: SolcInputLike & { language: string; settings: unknown };
  output: SolcOutputLike & { errors?: Array<{ severity: string; formattedMessage: string }> };
}

/**
 * Compiles sources with the `solc` npm package (same version as the repo's Hardhat config).
 * @param sources input source name → content.
 * @throws {Error} when solc reports an error.
 */
export function compile(sources: Record<string, string>): Compilation {
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(
      Object.entries(sources).map(([name, content]) => [name, { content }]),
    ),
    settings: {
      outputSelection: {
        "*": {
          "*": [
            "abi",
            "devdoc",
            "storageLayout",
            "evm.methodIdentifiers",
            "evm.deployedBytecode.object",
            "evm.deployedBytecode.immutableReferences",
          ],
          "": ["ast"],
        },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as Compilation["output"];
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return { input, output };
}

/** Compiles repo files (paths relative to the repo root), named `project/<path>` like Hardhat does. */
export function compileFiles(files: string[]): Compilation {
  return compile(
    Object.fromEntries(
      files.map((file) => [`project/${file}`, readFileSync(path.join(ROOT, file), "utf8")]),
    ),
  );
}

interface StructLog {
  op: string;
  depth: number;
  stack: string[];
  memory?: string[];
}

/** What the top-level frame of a transaction touched in its own contract's storage. */
export interface TracedAccess {
  /** Slots read with SLOAD (32-byte lowercase hex). */
  reads: Hex[];
  /** Slots written with SSTORE. */
  writes: Hex[];
  /** keccak-256 hash → preimage of every KECCAK256 the frame computed. */
  preimages: Map<Hex, Hex>;
}

const word = (value: string): Hex => `0x${BigInt(value).toString(16).padStart(64, "0")}`;

/**
 * Replays a transaction with `debug_traceTransaction` (memory enabled) and collects SLOAD/SSTORE
 * slots and KECCAK256 preimages of the depth-1 frame.
 */
export async function traceAccess(
  provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> },
  hash: Hex,
): Promise<TracedAccess> {
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { enableMemory: true }],
  })) as {
    structLogs: StructLog[];
  };
  const reads = new Set<Hex>();
  const writes = new Set<Hex>();
  const preimages = new Map<Hex, Hex>();
  for (const log of trace.structLogs) {
    if (log.depth !== 1) continue;
    const top = (i: number): string => log.stack[log.stack.length - 1 - i];
    if (log.op === "SLOAD") reads.add(word(top(0)));
    else if (log.op === "SSTORE") writes.add(word(top(0)));
    else if (log.op === "KECCAK256" || log.op === "SHA3") {
      const offset = Number(BigInt(top(0)));
      const size = Number(BigInt(top(1)));
      const memory = (log.memory ?? []).map((w) => w.replace(/^0x/, "")).join("");
      const preimage =
        `0x${memory.slice(offset * 2, (offset + size) * 2).padEnd(size * 2, "0")}` as Hex;
      preimages.set(keccak256(preimage), preimage);
    }
  }
  return { reads: [...reads], writes: [...writes], preimages };
}
