/**
 * The project's compiled contracts and their access manifests, loaded once per Hardhat run and
 * given to every parallel provider: artifacts for EDR-style revert messages and contract names,
 * manifests for the run-time check of declared access.
 */
import { existsSync } from "node:fs";
import type { HookContext } from "hardhat/types/hooks";
import { type AccessManifest, manifestPathForArtifact, readManifest } from "../../sdk/access/manifest.ts";
import type { ContractArtifact } from "../../sdk/rpc/contract-registry.ts";
import type { ParallelProvider } from "../../sdk/rpc/provider.ts";

export interface ProjectContracts {
  artifacts: ContractArtifact[];
  manifests: AccessManifest[];
}

/** Reads every artifact and the manifest next to it (when the build wrote one). Never throws. */
export async function loadProjectContracts(context: HookContext): Promise<ProjectContracts> {
  try {
    const names = [...(await context.artifacts.getAllFullyQualifiedNames())];
    const entries = await Promise.all(
      names.map(async (name) => {
        const artifact = (await context.artifacts.readArtifact(name)) as unknown as ContractArtifact;
        const manifestPath = manifestPathForArtifact(await context.artifacts.getArtifactPath(name));
        const manifest = existsSync(manifestPath) ? await readManifest(manifestPath).catch(() => undefined) : undefined;
        return { artifact, manifest };
      }),
    );
    return {
      artifacts: entries.map((e) => e.artifact),
      manifests: entries.flatMap((e) => (e.manifest === undefined ? [] : [e.manifest])),
    };
  } catch {
    return { artifacts: [], manifests: [] };
  }
}

/** Gives a provider the project's contracts and turns on the declared-access check if any has a manifest. */
export function equipProvider(provider: ParallelProvider, contracts: ProjectContracts): void {
  provider.contracts.add(contracts.artifacts);
  for (const manifest of contracts.manifests) provider.declarations.add(manifest);
  if (provider.declarations.size > 0) provider.chain.setDeclarations(provider.declarations);
}
