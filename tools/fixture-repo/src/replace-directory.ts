/**
 * Publish a finished folder: stage it next to the target (same file system), then swap it in
 * with renames, so readers see either the old complete tree or the new one.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh temp folder beside `target`, named after it. */
export function stagingDirFor(target: string): Promise<string> {
  return mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`));
}

/** Moves `staged` to `target`, replacing whatever was there. Both must be on one file system. */
export async function replaceDirectory(staged: string, target: string): Promise<void> {
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
