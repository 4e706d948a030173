import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import type { RepositorySpec } from '@strata/dnf';
import type { StoredPackage } from './stored-package';

/**
 * One local repository per recipe repository, holding exactly the layer's locked files (links
 * into the store) and indexed with createrepo_c. dnf installs from these only, so the fence around
 * the lock holds by construction: nothing else exists to be picked. The repository ids, and with
 * them gpgcheck and the keys, stay the recipe's.
 */
export async function stageLocalRepositories(
  dir: string,
  packages: readonly StoredPackage[],
  paths: ReadonlyMap<string, string>,
  repositories: readonly RepositorySpec[],
): Promise<RepositorySpec[]> {
  const byRepository = new Map<string, StoredPackage[]>();
  for (const pkg of packages) byRepository.set(pkg.repository, [...(byRepository.get(pkg.repository) ?? []), pkg]);
  const specs: RepositorySpec[] = [];
  for (const [id, members] of [...byRepository].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const original = repositories.find((r) => r.id === id);
    if (!original) throw new Error(`the lock names repository "${id}" for ${members[0].nevra}, but the recipe has no repository of that id; relock the recipe`);
    const repoDir = join(dir, id);
    await mkdir(join(repoDir, 'Packages'), { recursive: true });
    for (const pkg of members) {
      const path = paths.get(pkg.sha256);
      if (!path) throw new Error(`${pkg.nevra} is not in the package store`);
      await symlink(path, join(repoDir, 'Packages', `${pkg.nevra}.rpm`));
    }
    await execa('createrepo_c', ['--quiet', '--no-database', '--simple-md-filenames', '--workers', '2', repoDir]);
    specs.push({ id, baseurl: [pathToFileURL(repoDir).href], gpgcheck: original.gpgcheck, gpgkey: original.gpgkey });
  }
  return specs;
}
