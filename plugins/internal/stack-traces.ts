/**
 * Solidity stack traces for parallel networks, as Hardhat gives them for EDR: a request that
 * reverts (code 3) is re-executed with a failure tracer, its frames are located with the
 * project's build infos, and the request throws a `SolidityError` whose `stack` starts with
 * the Solidity call sites (`at Inner.fail (contracts/Inner.sol:24)`), with the message, `code`
 * 3, the revert `data` and, for a mined transaction, its `transactionHash`.
 */
import { readFile } from "node:fs/promises";
import type { ArtifactManager } from "hardhat/types/artifacts";
import type { JsonRpcResponse } from "hardhat/types/providers";
import {
  formatCallSite,
  type SolidityCallSite,
  solidityStack,
} from "../../sdk/contracts/solidity-stack.ts";
import { type SolcBuildInfo, SourceMaps } from "../../sdk/contracts/source-maps.ts";
import { FailureTracer } from "../../sdk/engine/tracing/failure-tracer.ts";
import type { ParallelProvider } from "../../sdk/rpc/provider.ts";

/** The methods whose reverts EDR explains with a stack trace. */
const TRACED_METHODS = new Set([
  "eth_call",
  "eth_estimateGas",
  "eth_sendTransaction",
  "eth_sendRawTransaction",
]);

/** EIP-1474's code for an execution reverted, as EDR's `SolidityError` carries it. */
const REVERT_CODE = 3;

/** A revert with its Solidity stack, shaped like Hardhat's `SolidityError` for EDR networks. */
export class SolidityError extends Error {
  readonly code = REVERT_CODE;
  readonly data: unknown;
  readonly transactionHash?: string;
  /** The call sites, innermost first. */
  readonly solidityStack: readonly SolidityCallSite[];

  constructor(message: string, sites: readonly SolidityCallSite[], data: unknown, hash?: string) {
    super(message);
    this.name = "SolidityError";
    this.data = data;
    this.transactionHash = hash;
    this.solidityStack = sites;
    // The JavaScript frames, after the Solidity ones (the first line is the message).
    const js = (this.stack ?? "").split("\n").slice(1);
    this.stack = [`${this.name}: ${message}`, ...sites.map(formatCallSite), ...js].join("\n");
  }
}

const loaded = new WeakMap<ArtifactManager, Promise<SourceMaps>>();

/** The project's build infos as source maps, read once per artifact manager. Never rejects. */
export function loadSourceMaps(artifacts: ArtifactManager): Promise<SourceMaps> {
  let maps = loaded.get(artifacts);
  if (maps === undefined) {
    maps = readSourceMaps(artifacts);
    loaded.set(artifacts, maps);
  }
  return maps;
}

async function readSourceMaps(artifacts: ArtifactManager): Promise<SourceMaps> {
  const maps = new SourceMaps();
  try {
    const ids = new Set<string>();
    for (const fqn of await artifacts.getAllFullyQualifiedNames()) {
      const id = await artifacts.getBuildInfoId(fqn).catch(() => undefined);
      if (id !== undefined) ids.add(id);
    }
    for (const id of ids) {
      try {
        const [inputPath, outputPath] = await Promise.all([
          artifacts.getBuildInfoPath(id),
          artifacts.getBuildInfoOutputPath(id),
        ]);
        if (inputPath === undefined || outputPath === undefined) continue;
        const [input, output] = await Promise.all(
          [inputPath, outputPath].map(async (p) => JSON.parse(await readFile(p, "utf8"))),
        );
        maps.add({ input: input.input, output: output.output } as SolcBuildInfo);
      } catch {
        // A build info removed since it was listed: its contracts get no locations.
      }
    }
  } catch {
    // No artifacts: reverts keep their reason only.
  }
  return maps;
}

/**
 * Throws the `SolidityError` of a reverted request when its frames can be found; otherwise
 * returns the response unchanged.
 */
export async function withSolidityStack(
  provider: ParallelProvider,
  request: unknown,
  response: JsonRpcResponse,
  maps: Promise<SourceMaps>,
): Promise<JsonRpcResponse> {
  const error = "error" in response ? response.error : undefined;
  if (error === undefined || error.code !== REVERT_CODE) return response;
  const req = request as { method?: unknown; params?: unknown };
  if (typeof req.method !== "string" || !TRACED_METHODS.has(req.method)) return response;
  const tracer = new FailureTracer();
  try {
    if (!(await provider.retrace(req, tracer))) return response;
  } catch {
    return response;
  }
  const frames = tracer.frames();
  if (frames.length === 0) return response;
  const sites = solidityStack(frames, provider.contracts, await maps);
  throw new SolidityError(
    error.message,
    sites,
    error.data,
    provider.failedTransactionOf(request as object),
  );
}
