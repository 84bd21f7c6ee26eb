/**
 * The artifact index of a Hardhat project (`sdk/contracts/artifact-index.ts`), with storage
 * layouts from the access manifests and build-info outputs next to the artifacts.
 */
import { readFile } from "node:fs/promises";
import type { ArtifactManager } from "hardhat/types/artifacts";
import { manifestPathForArtifact, readManifest } from "../../sdk/access/manifest.ts";
import type { StorageLayout } from "../../sdk/access/layout.ts";
import { ArtifactIndex, type IndexedArtifact, type LayoutLoader } from "../../sdk/contracts/artifact-index.ts";

/**
 * Indexes every artifact of a Hardhat project.
 * @throws what Hardhat's artifact manager throws for unreadable artifacts.
 */
export async function loadArtifactIndex(artifacts: ArtifactManager): Promise<ArtifactIndex> {
  const names = [...(await artifacts.getAllFullyQualifiedNames())];
  const entries = await Promise.all(
    names.map(async (fqn) => {
      try {
        return { fqn, artifact: (await artifacts.readArtifact(fqn)) as unknown as IndexedArtifact };
      } catch {
        return undefined; // removed since it was listed (a concurrent build)
      }
    }),
  );
  return new ArtifactIndex(
    entries.filter((e): e is { fqn: string; artifact: IndexedArtifact } => e !== undefined),
    layoutLoaderFor(artifacts),
  );
}

/**
 * The layout loader of a Hardhat project: the access manifest next to the artifact
 * (`X.access.json`), else the `storageLayout` output in the contract's build-info output file
 * (present when `solidity.settings.outputSelection` asks for it). Build-info outputs are read
 * once per build.
 */
export function layoutLoaderFor(artifacts: ArtifactManager): LayoutLoader {
  const outputs = new Map<string, Promise<unknown>>();
  return async (contract) => {
    try {
      const manifest = await readManifest(manifestPathForArtifact(await artifacts.getArtifactPath(contract.fqn)));
      if (manifest.storageLayout !== undefined) return manifest.storageLayout;
    } catch {
      // no manifest (the access build hook did not run, or an older build): try the build info
    }
    const buildInfoId = contract.artifact.buildInfoId ?? (await artifacts.getBuildInfoId(contract.fqn));
    if (buildInfoId === undefined) return undefined;
    let output = outputs.get(buildInfoId);
    if (output === undefined) {
      output = artifacts
        .getBuildInfoOutputPath(buildInfoId)
        .then((path) => (path === undefined ? undefined : readFile(path, "utf8").then((text) => JSON.parse(text) as unknown)));
      outputs.set(buildInfoId, output);
    }
    const json = (await output) as
      | { output?: { contracts?: Record<string, Record<string, { storageLayout?: StorageLayout }>> } }
      | undefined;
    const source = contract.artifact.inputSourceName ?? `project/${contract.artifact.sourceName}`;
    return json?.output?.contracts?.[source]?.[contract.name]?.storageLayout;
  };
}
