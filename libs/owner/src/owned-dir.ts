import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { currentProcess, ownerTag } from './process-owner';

/**
 * A fresh folder `<parent>/<prefix>p<pid>-s<start>-b<boot>-XXXXXX` whose name records this
 * process, so that once the process is gone a later run knows the folder is a leftover.
 */
export async function makeOwnedDir(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `${prefix}${ownerTag(currentProcess())}`));
}
