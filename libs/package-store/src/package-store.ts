import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { currentProcess, isRunning, ownerTag, parseOwnerTag } from '@strata/owner';

const SHA256 = /^[0-9a-f]{64}$/;

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A store entry that did not hash to its name: it was dropped, never used. */
export interface CorruptEntry {
  sha256: string;
  actual: string;
}

/**
 * Packages kept by the sha256 that locks record: <dir>/sha256/<hex>. The same layout, served over
 * HTTP, is a mirror. Entries appear whole or not at all (written beside, then renamed), so a kill
 * leaves no partial entry and concurrent builds may fill the store at once; every read re-hashes
 * the entry, and one that does not match its name is removed before anything can use it.
 */
export class PackageStore {
  readonly entriesDir: string;
  private readonly incomingDir: string;
  /** Entries dropped during this process because their content did not match their name. */
  readonly corrupt: CorruptEntry[] = [];

  constructor(readonly dir: string) {
    this.entriesDir = join(dir, 'sha256');
    this.incomingDir = join(dir, 'incoming');
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
    return join(this.entriesDir, sha256);
  }

  /** The path of a verified entry, or null when the store does not hold it (or held it corrupted). */
  async verifiedPath(sha256: string): Promise<string | null> {
    const path = this.pathOf(sha256);
    const exists = await stat(path).then((st) => st.isFile(), () => false);
    if (!exists) return null;
    const actual = await sha256OfFile(path);
    if (actual === sha256) return path;
    this.corrupt.push({ sha256, actual });
    await rm(path, { force: true });
    return null;
  }

  /**
   * A file for `write` to fill, inside the store's file system; `commit` checks it against the
   * expected sha256 and renames it into place, `discard` removes it. Whatever happens to the writer,
   * no entry under sha256/ is ever partial.
   */
  async incoming(): Promise<{ file: string; commit(sha256: string): Promise<string>; discard(): Promise<void> }> {
    await mkdir(this.incomingDir, { recursive: true });
    await mkdir(this.entriesDir, { recursive: true });
    const file = join(this.incomingDir, `${ownerTag(currentProcess())}${randomBytes(6).toString('hex')}`);
    return {
      file,
      commit: async (sha256) => {
        const actual = await sha256OfFile(file);
        if (actual !== sha256) {
          await rm(file, { force: true });
          throw new ChecksumMismatch(sha256, actual);
        }
        const target = this.pathOf(sha256);
        await rename(file, target);
        return target;
      },
      discard: () => rm(file, { force: true }),
    };
  }

  /** Every sha256 the store holds (unverified). */
  async list(): Promise<string[]> {
    const names = await readdir(this.entriesDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.filter((name) => SHA256.test(name)).sort();
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  /** Leftovers of writers that were killed: incoming entries whose owning process is gone. */
  async collectIncoming(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.incomingDir).catch(() => [] as string[])) {
      const owner = parseOwnerTag(name);
      if (owner && isRunning(owner)) continue;
      // A file being fetched, or a folder dnf downloaded into.
      await rm(join(this.incomingDir, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

export class ChecksumMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`sha256 ${actual}, the lock says ${expected}`);
    this.name = 'ChecksumMismatch';
  }
}
