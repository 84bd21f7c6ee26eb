/**
 * Build-time side of declared access lists (docs/design.md §5): after a Solidity build, check every
 * `@custom:reads` / `@custom:writes` annotation and write one access manifest per contract next
 * to its artifact (`<artifacts>/<source>/<Contract>.access`, format in
 * `sdk/access/manifest.ts`).
 *
 * Inputs come from Hardhat's build-info files (`<artifacts>/build-info/<id>.json` holds the solc
 * input, `<id>.output.json` the output), which contain `storageLayout` because the solidity hook
 * adds it to every compilation's output selection ({@link addAccessOutputSelection}).
 *
 * Cache hits: Hardhat does not recompile unchanged files, but a bad annotation must keep failing
 * the build. After a build id has been checked and its manifests written, a marker
 * `<cache>/hardhat-parallel/access/<id>.json` lists the artifacts it covered; a later cache hit
 * with the marker and all its manifests present costs two small file reads, anything else is
 * re-checked from the build info.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { HardhatPluginError } from "@nomicfoundation/hardhat-errors";
import type { CompilerInput } from "hardhat/types/solidity";

import {
  type AccessManifest,
  type AnnotationError,
  buildAccessManifests,
  formatUndeclaredCallee,
  manifestPathForArtifact,
  parseManifest,
  serializeManifest,
  undeclaredCallees,
} from "../../sdk/access/index.ts";

/** Plugin id used in `HardhatPluginError`s. */
export const PLUGIN_ID = "hardhat-parallel";

/** Compiler outputs the access manifests need, on top of Hardhat's defaults. */
export const ACCESS_OUTPUT_SELECTION = ["devdoc", "storageLayout"] as const;

/**
 * Returns a copy of a solc input whose output selection also asks every contract for `devdoc`
 * and `storageLayout` (the input is not modified).
 */
export function addAccessOutputSelection(input: CompilerInput): CompilerInput {
  const selection: CompilerInput["settings"]["outputSelection"] = {};
  for (const [source, contracts] of Object.entries(input.settings.outputSelection ?? {})) {
    selection[source] = Object.fromEntries(
      Object.entries(contracts).map(([name, outputs]) => [name, [...outputs]]),
    );
  }
  selection["*"] ??= {};
  selection["*"]["*"] ??= [];
  const all = selection["*"]["*"];
  for (const output of ACCESS_OUTPUT_SELECTION) if (!all.includes(output)) all.push(output);
  return { ...input, settings: { ...input.settings, outputSelection: selection } };
}

/** One compilation whose artifacts need manifests. */
export interface BuildToCheck {
  buildId: string;
  /** Absolute paths of the contract artifacts (`<Contract>.json`) it produced. */
  artifactPaths: readonly string[];
  /** True when the artifacts were just (re)written; false for cache hits. */
  fresh: boolean;
}

interface ArtifactHead {
  contractName: string;
  sourceName: string;
  inputSourceName: string;
  bytecode?: string;
}

interface Marker {
  buildId: string;
  /** artifact path → manifest path, or null for contracts that get none (interfaces, libraries, …). */
  artifacts: Record<string, string | null>;
}

const exists = async (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Formats annotation errors into the message of the build failure. */
export function formatAnnotationErrors(errors: readonly AnnotationError[]): string {
  const count =
    errors.length === 1
      ? "1 invalid access annotation"
      : `${errors.length} invalid access annotations`;
  return `${count}:\n\n${errors.map((error) => error.format()).join("\n\n")}\n`;
}

/**
 * Checks the annotations of the given builds and writes their manifests.
 *
 * @param builds the compilations of a build (cache hits included).
 * @param artifactsDirectory where `build-info/` lives for these builds.
 * @param cacheDirectory Hardhat's cache path (for the markers).
 * @returns the manifest paths written.
 * @throws {HardhatPluginError} listing every bad annotation (`file:line:column`, the annotation,
 *   what is wrong and a hint); manifests of the contracts without errors are still written.
 */
export async function emitAccessManifests(
  builds: readonly BuildToCheck[],
  artifactsDirectory: string,
  cacheDirectory: string,
): Promise<string[]> {
  const markerDirectory = path.join(cacheDirectory, "hardhat-parallel", "access");
  const written: string[] = [];
  const errors: AnnotationError[] = [];
  const seen = new Set<string>();
  const fresh: AccessManifest[] = [];

  for (const build of builds) {
    if (build.artifactPaths.length === 0) continue;
    const markerPath = path.join(markerDirectory, `${build.buildId}.json`);
    if (!build.fresh && (await markerCovers(markerPath, build))) continue;

    const buildInfoDirectory = path.join(artifactsDirectory, "build-info");
    const input = await readJson<{ input?: CompilerInput }>(
      path.join(buildInfoDirectory, `${build.buildId}.json`),
    );
    const output = await readJson<{ output?: unknown }>(
      path.join(buildInfoDirectory, `${build.buildId}.output.json`),
    );
    if (input?.input === undefined || output?.output === undefined) continue;

    const heads = new Map<string, ArtifactHead>();
    for (const artifactPath of build.artifactPaths) {
      const head = await readJson<ArtifactHead>(artifactPath);
      if (head !== undefined) heads.set(artifactPath, head);
    }
    const displayNames = new Map([...heads.values()].map((h) => [h.inputSourceName, h.sourceName]));
    const result = buildAccessManifests(
      input.input,
      output.output as Parameters<typeof buildAccessManifests>[1],
      {
        buildInfoId: build.buildId,
        contracts: [...heads.values()].map((h) => ({
          inputSourceName: h.inputSourceName,
          contractName: h.contractName,
        })),
        displayName: (name) =>
          displayNames.get(name) ??
          (name.startsWith("project/") ? name.slice("project/".length) : name),
      },
    );

    const byContract = new Map<string, AccessManifest>(
      result.manifests.map((m) => [`${m.inputSourceName}:${m.contractName}`, m]),
    );
    const marker: Marker = { buildId: build.buildId, artifacts: {} };
    for (const [artifactPath, head] of heads) {
      const manifest = byContract.get(`${head.inputSourceName}:${head.contractName}`);
      const manifestPath = manifestPathForArtifact(artifactPath);
      if (manifest === undefined) {
        // No manifest: not deployable, or its annotations are bad. Never leave a stale one.
        await rm(manifestPath, { force: true });
        marker.artifacts[artifactPath] = null;
        continue;
      }
      await writeFile(manifestPath, serializeManifest(manifest), "utf8");
      if (build.fresh) fresh.push(manifest);
      marker.artifacts[artifactPath] = manifestPath;
      written.push(manifestPath);
    }
    for (const error of result.errors) {
      const key = `${error.file}:${error.line}:${error.column}:${error.detail}`;
      if (!seen.has(key)) {
        seen.add(key);
        errors.push(error);
      }
    }
    if (result.errors.length === 0) {
      await mkdir(markerDirectory, { recursive: true });
      await writeFile(markerPath, JSON.stringify(marker), "utf8");
    } else {
      await rm(markerPath, { force: true });
    }
  }

  if (errors.length > 0) throw new HardhatPluginError(PLUGIN_ID, formatAnnotationErrors(errors));
  for (const warning of await undeclaredCallWarnings(fresh, artifactsDirectory))
    console.warn(`Warning: ${warning}`);
  return written;
}

/**
 * Warnings for declared calls (`@custom:calls`) of freshly built manifests whose function no
 * manifest of the project declares (all `.access` files under `artifactsDirectory` count).
 */
async function undeclaredCallWarnings(
  fresh: readonly AccessManifest[],
  artifactsDirectory: string,
): Promise<string[]> {
  if (!fresh.some((m) => Object.values(m.functions).some((f) => (f.calls ?? []).length > 0)))
    return [];
  const all: AccessManifest[] = [...fresh];
  const entries = await readdir(artifactsDirectory, { recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.endsWith(".access")) continue;
    const json = await readJson<unknown>(path.join(artifactsDirectory, entry));
    try {
      all.push(parseManifest(json));
    } catch {
      // not a manifest this version reads: ignored for warnings
    }
  }
  return fresh.flatMap((manifest) =>
    undeclaredCallees(manifest, all).map((entry) => formatUndeclaredCallee(manifest, entry)),
  );
}

async function markerCovers(markerPath: string, build: BuildToCheck): Promise<boolean> {
  const marker = await readJson<Marker>(markerPath);
  if (marker === undefined || marker.buildId !== build.buildId) return false;
  for (const artifactPath of build.artifactPaths) {
    if (!(artifactPath in marker.artifacts)) return false;
    const manifestPath = marker.artifacts[artifactPath];
    if (manifestPath !== null && !(await exists(manifestPath))) return false;
  }
  return true;
}
