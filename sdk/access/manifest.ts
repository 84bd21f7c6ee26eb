/**
 * Access manifests: the resolved declarations of one contract, stored as JSON next to its
 * Hardhat artifact (`<artifacts>/<source>/<Contract>.access`) by the build.
 *
 * Format (version 1):
 * ```json
 * {
 *   "_format": "hardhat-parallel-access-manifest",
 *   "version": 1,
 *   "contractName": "Vault",
 *   "sourceName": "contracts/Vault.sol",
 *   "inputSourceName": "project/contracts/Vault.sol",
 *   "buildInfoId": "solc-0_8_31-…",
 *   "contract": { "reads": [SlotPattern…], "writes": [SlotPattern…], "annotations": [...] },
 *   "functions": {
 *     "0xa9059cbb": {
 *       "signature": "transfer(address,uint256)", "name": "transfer", "inputs": [AbiParameter…],
 *       "stateMutability": "nonpayable", "source": "annotation",
 *       "declaredIn": { "contract": "Token", "file": "contracts/Token.sol", "line": 12 },
 *       "annotations": { "writes": "balanceOf[msg.sender], balanceOf[to]" },
 *       "reads": [SlotPattern…], "writes": [SlotPattern…]
 *     }
 *   },
 *   "storageLayout": { "storage": [...], "types": {...} }
 * }
 * ```
 * `functions` has every external/public function of the ABI, keyed by 4-byte selector.
 * `source` is `annotation` (the function's own `@custom:reads`/`writes`, or inherited from the
 * first base or interface declaration that has them), `getter` (a public state variable's
 * getter, declared automatically as reading the variable) or `none` (undeclared). Contract-level
 * patterns (from `@custom:reads`/`writes` on the contract and its bases) apply to every declared
 * function. `writes` implies reads.
 */
import { readFile, writeFile } from "node:fs/promises";

import type { AbiParameter, Hex } from "viem";

import type { StorageLayout } from "./layout.ts";
import type { CallPattern, SlotPattern } from "./pattern.ts";

export const MANIFEST_FORMAT = "hardhat-parallel-access-manifest";
export const MANIFEST_VERSION = 1;

/** Where a declaration was written. */
export interface DeclarationSite {
  contract: string;
  /** Source file as the user knows it. */
  file: string;
  /** 1-based line of the first tag. */
  line: number;
}

/** The declarations of one function. */
export interface FunctionAccess {
  /** Canonical signature, e.g. `transfer(address,uint256)`. */
  signature: string;
  name: string;
  /** ABI inputs, named as in the annotated declaration. */
  inputs: AbiParameter[];
  stateMutability: string;
  source: "annotation" | "getter" | "none";
  declaredIn?: DeclarationSite;
  /** The annotation texts (whitespace collapsed; several tags of one kind joined with ", "). */
  annotations?: { reads?: string; writes?: string; calls?: string };
  reads: SlotPattern[];
  writes: SlotPattern[];
  /** Declared calls into other contracts (`@custom:calls`), composed from their manifests at run time. */
  calls?: CallPattern[];
}

/** A contract-level tag. */
export interface ContractAnnotation extends DeclarationSite {
  tag: "reads" | "writes";
  text: string;
}

/** The access manifest of one contract (see the module doc). */
export interface AccessManifest {
  _format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  contractName: string;
  sourceName: string;
  inputSourceName?: string;
  buildInfoId?: string;
  contract: { reads: SlotPattern[]; writes: SlotPattern[]; annotations: ContractAnnotation[] };
  /** Keyed by 4-byte selector, lowercase `0x` hex. */
  functions: Record<Hex, FunctionAccess>;
  /**
   * True when the contract has a `fallback` function (it runs for unknown selectors); absent
   * otherwise, so a declared call of a function the contract lacks reverts without touching it.
   */
  fallback?: true;
  storageLayout: StorageLayout;
}

/** Thrown when a file is not a manifest this version understands. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** Serialises a manifest (2-space indented JSON, trailing newline). */
export function serializeManifest(manifest: AccessManifest): string {
  return `${JSON.stringify(manifest, undefined, 2)}\n`;
}

/**
 * Parses and checks a manifest.
 * @param json the JSON text, or an already parsed value.
 * @throws {ManifestError} when the format marker, version or required fields are wrong.
 */
export function parseManifest(json: string | unknown): AccessManifest {
  let value: unknown = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new ManifestError(`not JSON: ${(error as Error).message}`);
    }
  }
  if (value === null || typeof value !== "object")
    throw new ManifestError("a manifest must be a JSON object");
  const m = value as Partial<AccessManifest>;
  if (m._format !== MANIFEST_FORMAT)
    throw new ManifestError(`not an access manifest (_format is ${JSON.stringify(m._format)})`);
  if (m.version !== MANIFEST_VERSION) {
    throw new ManifestError(
      `unsupported manifest version ${JSON.stringify(m.version)}; this SDK reads version ${MANIFEST_VERSION} (rebuild the project)`,
    );
  }
  if (typeof m.contractName !== "string" || typeof m.sourceName !== "string")
    throw new ManifestError("missing contractName or sourceName");
  if (m.functions === undefined || typeof m.functions !== "object")
    throw new ManifestError("missing functions");
  if (
    m.contract === undefined ||
    !Array.isArray(m.contract.reads) ||
    !Array.isArray(m.contract.writes)
  ) {
    throw new ManifestError("missing contract-level reads/writes");
  }
  if (m.storageLayout === undefined || !Array.isArray(m.storageLayout.storage))
    throw new ManifestError("missing storageLayout");
  for (const [selector, fn] of Object.entries(m.functions)) {
    if (!/^0x[0-9a-f]{8}$/.test(selector))
      throw new ManifestError(`invalid selector key ${selector}`);
    if (!Array.isArray(fn.reads) || !Array.isArray(fn.writes) || !Array.isArray(fn.inputs)) {
      throw new ManifestError(`function ${selector} lacks reads, writes or inputs`);
    }
  }
  return m as AccessManifest;
}

/**
 * Reads a manifest file.
 * @throws {ManifestError} see {@link parseManifest}; Node's errors when the file cannot be read.
 */
export async function readManifest(path: string): Promise<AccessManifest> {
  return parseManifest(await readFile(path, "utf8"));
}

/** Writes a manifest file (see {@link serializeManifest}). */
export async function writeManifest(path: string, manifest: AccessManifest): Promise<void> {
  await writeFile(path, serializeManifest(manifest), "utf8");
}

/**
 * Path of the manifest next to a Hardhat artifact: `X/Vault.json` → `X/Vault.access` (JSON
 * content; not named `.json`, because Hardhat takes every `.json` under `artifacts/` for an
 * artifact and would then type `Vault` as ambiguous).
 */
export function manifestPathForArtifact(artifactPath: string): string {
  if (!artifactPath.endsWith(".json"))
    throw new Error(`${artifactPath} is not a .json artifact path`);
  return `${artifactPath.slice(0, -".json".length)}.access`;
}

/** The declarations in force for one function: its own plus the contract-level ones. */
export interface EffectiveDeclaration {
  declared: boolean;
  function?: FunctionAccess;
  /** Everything the call may read: reads and writes (writes imply reads). */
  reads: SlotPattern[];
  writes: SlotPattern[];
}

/**
 * The declarations in force for a selector: the function's own patterns plus the contract-level
 * ones (contract-level writes count as reads only for `view`/`pure` functions); `reads` includes
 * every write pattern. `declared` is false (and the lists empty) for an unknown selector or an
 * undeclared function.
 */
export function effectiveDeclaration(
  manifest: AccessManifest,
  selector: Hex,
): EffectiveDeclaration {
  const fn = manifest.functions[selector.toLowerCase() as Hex];
  if (fn === undefined || fn.source === "none")
    return { declared: false, function: fn, reads: [], writes: [] };
  const readOnly = fn.stateMutability === "view" || fn.stateMutability === "pure";
  // Contract-level writes apply to functions that can write; for view functions they are reads.
  const writes = readOnly ? [] : [...fn.writes, ...manifest.contract.writes];
  const reads = [
    ...fn.reads,
    ...manifest.contract.reads,
    ...fn.writes,
    ...manifest.contract.writes,
  ];
  return { declared: true, function: fn, reads, writes };
}
