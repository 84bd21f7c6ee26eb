/**
 * The project's compiled contracts, loaded once per Hardhat run (per artifact manager) into one
 * {@link ContractIndex} and shared by everything that names a contract: the providers of
 * parallel networks (EDR-style revert messages, the run-time check of declared access, with the
 * access manifests), the analyses of `connection.parallel` and the test report (contract,
 * function and storage names).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ArtifactManager } from "hardhat/types/artifacts";
import type { StorageLayout } from "../../sdk/access/layout.ts";
import {
  type AccessManifest,
  manifestPathForArtifact,
  readManifest,
} from "../../sdk/access/manifest.ts";
import {
  type ContractArtifact,
  ContractIndex,
  type LayoutLoader,
} from "../../sdk/contracts/contract-index.ts";
import type { ParallelProvider } from "../../sdk/rpc/provider.ts";

export interface ProjectContracts {
  /** Every contract artifact of the project, with storage layouts from the project's files. */
  index: ContractIndex;
  /** The access manifests the build wrote next to the artifacts. */
  manifests: AccessManifest[];
}

/** One load per artifact manager, i.e. per Hardhat runtime environment. */
const loaded = new WeakMap<ArtifactManager, Promise<ProjectContracts>>();

/**
 * Reads every artifact and the manifest next to it (when the build wrote one), once per
 * artifact manager; later calls return the same result. An artifact that cannot be read (removed
 * since it was listed, by a concurrent build) is left out. Never rejects: when the artifacts
 * cannot be listed the index is empty.
 */
export function loadProjectContracts(artifacts: ArtifactManager): Promise<ProjectContracts> {
  let contracts = loaded.get(artifacts);
  if (contracts === undefined) {
    contracts = readProjectContracts(artifacts);
    loaded.set(artifacts, contracts);
  }
  return contracts;
}

async function readProjectContracts(artifacts: ArtifactManager): Promise<ProjectContracts> {
  try {
    const names = [...(await artifacts.getAllFullyQualifiedNames())];
    const entries = await Promise.all(
      names.map(async (fqn) => {
        try {
          const artifact = (await artifacts.readArtifact(fqn)) as unknown as ContractArtifact;
          const manifestPath = manifestPathForArtifact(await artifacts.getArtifactPath(fqn));
          const manifest = existsSync(manifestPath)
            ? await readManifest(manifestPath).catch(() => undefined)
            : undefined;
          // Keyed like the index's contracts (`IndexedContract.fqn`).
          return { fqn: `${artifact.sourceName}:${artifact.contractName}`, artifact, manifest };
        } catch {
          return undefined;
        }
      }),
    );
    const found = entries.filter((e) => e !== undefined);
    const manifests = new Map(
      found.flatMap((e) => (e.manifest === undefined ? [] : [[e.fqn, e.manifest] as const])),
    );
    return {
      index: new ContractIndex(
        found.map((e) => e.artifact),
        { loadLayout: layoutLoaderFor(artifacts, manifests) },
      ),
      manifests: [...manifests.values()],
    };
  } catch {
    return { index: new ContractIndex(), manifests: [] };
  }
}

/**
 * The layout loader of a Hardhat project: the access manifest next to the artifact
 * (`X.access.json`), else the `storageLayout` output in the contract's build-info output file
 * (present when `solidity.settings.outputSelection` asks for it). Build-info outputs are read
 * once per build.
 *
 * @param manifests the project's access manifests by fully qualified name.
 */
export function layoutLoaderFor(
  artifacts: ArtifactManager,
  manifests: ReadonlyMap<string, AccessManifest>,
): LayoutLoader {
  const outputs = new Map<string, Promise<unknown>>();
  return async (contract) => {
    // No manifest (the access build hook did not run, or an older build): try the build info.
    const fromManifest = manifests.get(contract.fqn)?.storageLayout;
    if (fromManifest !== undefined) return fromManifest;
    const buildInfoId =
      contract.artifact.buildInfoId ?? (await artifacts.getBuildInfoId(contract.fqn));
    if (buildInfoId === undefined) return undefined;
    let output = outputs.get(buildInfoId);
    if (output === undefined) {
      output = artifacts
        .getBuildInfoOutputPath(buildInfoId)
        .then((path) =>
          path === undefined
            ? undefined
            : readFile(path, "utf8").then((text) => JSON.parse(text) as unknown),
        );
      outputs.set(buildInfoId, output);
    }
    const json = (await output) as
      | {
          output?: {
            contracts?: Record<string, Record<string, { storageLayout?: StorageLayout }>>;
          };
        }
      | undefined;
    const source = contract.artifact.inputSourceName ?? `project/${contract.artifact.sourceName}`;
    return json?.output?.contracts?.[source]?.[contract.name]?.storageLayout;
  };
}

/** Gives a provider the project's contracts and turns on the declared-access check if any has a manifest. */
export function equipProvider(provider: ParallelProvider, contracts: ProjectContracts): void {
  provider.contracts.add(contracts.index.artifacts());
  for (const manifest of contracts.manifests) provider.declarations.add(manifest);
  if (provider.declarations.size > 0) provider.chain.setDeclarations(provider.declarations);
}
