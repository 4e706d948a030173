import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Give a build a private staging folder beside its output, and swap it in only when complete.
 * An interrupted build leaves the previous good output (or none), never a partial one.
 */
export async function withAtomicOutput<T>(outputDir: string, fill: (stagingDir: string) => Promise<T>): Promise<T> {
  const parent = dirname(outputDir);
  const name = basename(outputDir);
  const staging = join(parent, `.${name}.staging-${process.pid}`);
  const previous = join(parent, `.${name}.previous-${process.pid}`);
  await mkdir(parent, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  try {
    const result = await fill(staging);
    await rm(previous, { recursive: true, force: true });
    await rename(outputDir, previous).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(staging, outputDir);
    await rm(previous, { recursive: true, force: true });
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
