import { join } from 'node:path';
import { installLockedPackages, type InstallRequest } from '@strata/dnf';
import { ensurePackages, PackagesUnavailableError, type FetchConfig } from './ensure-packages';
import { stageLocalRepositories } from './local-repository';
import type { PackageStore } from './package-store';
import type { StoredPackage } from './stored-package';
import { unavailableMessage, type PackageOrigin } from './unavailable-message';

/** An install of locked packages (each with its NEVRA, as the lock records it). */
export type LockedInstallRequest = Omit<InstallRequest, 'packages'> & { packages: (InstallRequest['packages'][number] & StoredPackage)[] };

/** Where a recipe's locked packages come from: the store, and where to fetch what it lacks. */
export interface PackageSupply {
  store: PackageStore;
  fetch: FetchConfig;
  origin: PackageOrigin;
}

export interface StoreInstallOptions extends PackageSupply {
  /** Scratch folder for the local repositories (inside the build's work folder). */
  scratchDir: string;
  verbose?: boolean;
}

/** Fill the store with the lock's packages, checked; the error for the ones that are nowhere. */
export async function ensureLockedPackages(packages: readonly StoredPackage[], options: PackageSupply) {
  try {
    return await ensurePackages(options.store, packages, options.fetch);
  } catch (err) {
    if (err instanceof PackagesUnavailableError) throw new Error(unavailableMessage(err, options.origin));
    throw err;
  }
}

/**
 * Install a lock from the package store: fetch what the store lacks, then let dnf install from
 * local repositories that hold exactly the locked files.
 */
export async function installFromStore(request: LockedInstallRequest, options: StoreInstallOptions): ReturnType<typeof installLockedPackages> {
  const { paths } = await ensureLockedPackages(request.packages, options);
  const repositories = await stageLocalRepositories(join(options.scratchDir, 'local-repositories'), request.packages, paths, request.repositories);
  return installLockedPackages({ ...request, repositories, readablePaths: [options.store.entriesDir] }, { verbose: options.verbose });
}
