import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LOCK_FILE_NAME, parseLock, type LockedPackage } from './lockfile';

/** Every lock file under <workspace>/recipes (links not followed), relative paths in a stable order. */
async function findLockFiles(workspaceRoot: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name === LOCK_FILE_NAME) found.push(relative(workspaceRoot, path));
    }
  };
  await walk(join(workspaceRoot, 'recipes'));
  return found;
}

/** The packages every lock of a workspace names (layers and kernel sets), with the lock that names each. */
export async function workspaceLockedPackages(workspaceRoot: string): Promise<{ lockFile: string; pkg: LockedPackage }[]> {
  const out: { lockFile: string; pkg: LockedPackage }[] = [];
  for (const lockFile of await findLockFiles(workspaceRoot)) {
    const lock = parseLock(await readFile(join(workspaceRoot, lockFile), 'utf8'), lockFile);
    for (const pkg of [...lock.packages, ...(lock.kernel?.packages ?? [])]) out.push({ lockFile, pkg });
  }
  return out;
}
