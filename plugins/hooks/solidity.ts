/**
 * Solidity hooks of hardhat-parallel (declared access lists, docs/design.md §5):
 *
 * - `preprocessSolcInputBeforeBuilding`: every compilation also outputs `devdoc` and
 *   `storageLayout`. Hardhat computes build ids from the preprocessed input, so the cache stays
 *   correct (adding the plugin recompiles once).
 * - `build`: after Hardhat's build (compilation, artifacts, build info), check every
 *   `@custom:reads` / `@custom:writes` annotation of the contracts in the source paths (Solidity
 *   test files are skipped) against the storage layouts and write
 *   `<Contract>.access` manifests next to the artifacts. A bad annotation fails the build
 *   with a `HardhatPluginError` listing `file:line:column`, the annotation, what is wrong and a
 *   hint — also on later builds that hit the compilation cache (see
 *   `plugins/internal/access-manifests.ts`).
 */
import { readdir } from "node:fs/promises";
import path from "node:path";

import type { SolidityHooks } from "hardhat/types/hooks";
import type { FileBuildResult } from "hardhat/types/solidity";

import {
  addAccessOutputSelection,
  type BuildToCheck,
  emitAccessManifests,
} from "../internal/access-manifests.ts";

/** Contract artifacts (`<Contract>.json`) in one source file's artifact folder. */
async function artifactsIn(directory: string): Promise<string[]> {
  const entries = await readdir(directory).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith(".json")).map((f) => path.join(directory, f));
}

export default async (): Promise<Partial<SolidityHooks>> => ({
  preprocessSolcInputBeforeBuilding: async (context, solcInput, next) =>
    next(context, addAccessOutputSelection(solcInput)),

  build: async (context, rootFilePaths, options, next) => {
    const result = await next(context, rootFilePaths, options);
    if (!(result instanceof Map)) return result;
    const artifactsDirectory = await context.solidity.getArtifactsDirectory(
      options?.scope ?? "contracts",
    );

    const builds = new Map<string, { artifactPaths: Set<string>; fresh: boolean }>();
    const entry = (buildId: string): { artifactPaths: Set<string>; fresh: boolean } => {
      let found = builds.get(buildId);
      if (found === undefined) {
        found = { artifactPaths: new Set(), fresh: false };
        builds.set(buildId, found);
      }
      return found;
    };
    for (const [rootPath, fileResult] of result as Map<string, FileBuildResult>) {
      // Solidity test files (under paths.tests.solidity, not a source path) run in the Solidity
      // test runner, never on the parallel network: they are not checked.
      if (!rootPath.startsWith("npm:") && (await context.solidity.getScope(rootPath)) === "tests")
        continue;
      if ("compilationJob" in fileResult && "contractArtifactsGenerated" in fileResult) {
        // BUILD_SUCCESS. Hardhat 3.18 reports `contractArtifactsGenerated: []` here for project
        // files (it looks them up by user source name in a map keyed by root path), so the
        // artifacts are listed from the root's artifact folder as well.
        const build = entry(await fileResult.compilationJob.getBuildId());
        build.fresh = true;
        for (const artifact of fileResult.contractArtifactsGenerated)
          build.artifactPaths.add(artifact);
        for (const [userSourceName, file] of fileResult.compilationJob.dependencyGraph.getRoots()) {
          if (file.fsPath !== rootPath && `npm:${userSourceName}` !== rootPath) continue;
          for (const artifact of await artifactsIn(path.join(artifactsDirectory, userSourceName)))
            build.artifactPaths.add(artifact);
        }
      } else if ("buildId" in fileResult) {
        // CACHE_HIT
        const build = entry(fileResult.buildId);
        for (const artifact of fileResult.contractArtifactsGenerated)
          build.artifactPaths.add(artifact);
      }
      // BUILD_FAILURE: solc's errors are reported by Hardhat.
    }
    const toCheck: BuildToCheck[] = [...builds.entries()].map(([buildId, b]) => ({
      buildId,
      artifactPaths: [...b.artifactPaths].sort(),
      fresh: b.fresh,
    }));
    await emitAccessManifests(toCheck, artifactsDirectory, context.config.paths.cache);
    return result;
  },
});
