/** Build next to the target, then swap it in with renames: readers see the old tree or the new one. */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function stagingDirFor(target: string): Promise<string> {
  return mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`));
}

export async function publishDirectory(staged: string, target: string): Promise<void> {
  const old = `${staged}.old`;
  let hadOld = true;
  try {
    await rename(target, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    hadOld = false;
  }
  try {
    await rename(staged, target);
  } catch (err) {
    if (hadOld) await rename(old, target);
    throw err;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
