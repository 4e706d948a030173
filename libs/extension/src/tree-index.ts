import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { splitDeviceNumber } from '@strata/cpio';

/** What a layer diff compares of each path: type, permissions, owner, symlink target, content. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface TreeEntry {
  type: EntryType;
  /** Permission bits, with setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a regular file, 0 for everything else. */
  size: number;
  /** sha256 of a regular file's content. */
  sha256?: string;
  /** A symlink's target, as stored. */
  target?: string;
  /** A device node's "major:minor". */
  device?: string;
}

/** Relative path (no leading "/", "/"-separated) -> entry, in bytewise path order. */
export type TreeIndex = ReadonlyMap<string, TreeEntry>;

export interface IndexOptions {
  /** Paths left out with everything below them, e.g. "usr/lib/sysimage/rpm". */
  exclude?: readonly string[];
  /** Files hashed at once. */
  concurrency?: number;
}

export function compareBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Whether path is one of the prefixes or lies below one of them. */
export function isUnder(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function typeOf(stats: Awaited<ReturnType<typeof lstat>>): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  if (stats.isFIFO()) return 'fifo';
  return 'socket';
}

/** glibc's dev_t as "major:minor". */
function deviceNumber(dev: bigint): string {
  const { major, minor } = splitDeviceNumber(dev);
  return `${major}:${minor}`;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Run fn over items with at most `limit` calls in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Walk a tree (not following symlinks) into an index; regular files are hashed. */
export async function indexTree(root: string, options: IndexOptions = {}): Promise<Map<string, TreeEntry>> {
  const exclude = options.exclude ?? [];
  const found: [string, TreeEntry][] = [];
  const files: [string, TreeEntry][] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(rel === '' ? root : join(root, rel))).sort(compareBytewise);
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (isUnder(path, exclude)) continue;
      const full = join(root, path);
      const stats = await lstat(full);
      const type = typeOf(stats);
      const entry: TreeEntry = { type, mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, size: type === 'file' ? stats.size : 0 };
      if (type === 'symlink') entry.target = await readlink(full);
      if (type === 'char' || type === 'block') entry.device = deviceNumber(BigInt(stats.rdev));
      found.push([path, entry]);
      if (type === 'file') files.push([path, entry]);
      if (type === 'directory') await walk(path);
    }
  }
  await walk('');
  await forEachLimited(files, options.concurrency ?? 8, async ([path, entry]) => {
    entry.sha256 = await sha256Of(join(root, path));
  });
  return new Map(found.sort(([a], [b]) => compareBytewise(a, b)));
}

/** One line per entry, the same for the same tree on any machine. */
export function describeEntry(path: string, entry: TreeEntry): string {
  const detail = entry.sha256 ?? entry.target ?? entry.device ?? '';
  return `${path}\0${entry.type}\0${entry.mode.toString(8)}\0${entry.uid}:${entry.gid}\0${entry.size}\0${detail}`;
}

/** sha256 over the whole index: the content identity of a tree (names, metadata, bytes; not times). */
export function indexDigest(index: TreeIndex): string {
  const hash = createHash('sha256');
  for (const path of [...index.keys()].sort(compareBytewise)) hash.update(`${describeEntry(path, index.get(path) as TreeEntry)}\n`);
  return hash.digest('hex');
}
