import { chmod, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { makeOwnedDir } from '@strata/owner';
import { explainNoSpace } from './no-space';

/**
 * A fresh staging folder beside `target` (same file system, so the final rename is atomic):
 * `.<name>.tmp-<owner>-XXXXXX`, naming this process so that a later build removes it if this
 * one is killed (see leftovers.ts).
 */
export async function stagingDirFor(target: string): Promise<string> {
  const staging = await makeOwnedDir(dirname(target), `.${basename(target)}.tmp-`);
  // mkdtemp makes it private (0700); the output it becomes is an ordinary readable folder.
  await chmod(staging, 0o755);
  return staging;
}

/**
 * Move a finished `staged` folder to `target`, replacing what was there: readers see the old
 * complete tree or the new one. If the second rename fails, the old tree is put back.
 */
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

/**
 * Give a build a private staging folder beside its output, and swap it in only when complete.
 * An interrupted build leaves the previous good output (or none), never a partial one.
 */
export async function withAtomicOutput<T>(outputDir: string, fill: (stagingDir: string) => Promise<T>): Promise<T> {
  const staging = await stagingDirFor(outputDir);
  try {
    // A full disk names the output being written, not just "ENOSPC: ..., write".
    const result = await explainNoSpace(staging, () => fill(staging));
    await replaceDirectory(staging, outputDir);
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
