import { readdir } from 'node:fs/promises';

const SLASH = Buffer.from('/');

/** `root/relative` as raw bytes: names stay bytes end to end, whatever their encoding. */
export function joinPath(root: Buffer, relative: Buffer): Buffer {
  return Buffer.concat([root, SLASH, relative]);
}

/**
 * Every path below root (root itself excluded), relative to it, sorted bytewise like
 * `find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort`. Sorting whole paths (not each directory
 * on its own) puts "a-b" before "a/b", exactly as that pipeline does. Only the names are kept;
 * metadata is read later, one entry at a time.
 */
export async function listTreePaths(root: string): Promise<Buffer[]> {
  const rootBytes = Buffer.from(root);
  const paths: Buffer[] = [];
  const pending: Buffer[] = [Buffer.alloc(0)];
  while (pending.length > 0) {
    const dir = pending.pop() as Buffer;
    const entries = await readdir(dir.length === 0 ? rootBytes : joinPath(rootBytes, dir), { withFileTypes: true, encoding: 'buffer' });
    for (const entry of entries) {
      const path = dir.length === 0 ? Buffer.from(entry.name) : Buffer.concat([dir, SLASH, entry.name]);
      paths.push(path);
      if (entry.isDirectory()) pending.push(path);
    }
  }
  return paths.sort(Buffer.compare);
}

/** Map in order, keeping up to `concurrency` calls in flight (metadata reads overlap, output order does not change). */
export async function* mapOrdered<T, R>(items: readonly T[], concurrency: number, map: (item: T) => Promise<R>): AsyncIterable<R> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  const start = (): void => {
    const result = map(items[next++]);
    result.catch(() => undefined); // observed when its turn comes; avoids an unhandled rejection if an earlier one throws first
    inFlight.push(result);
  };
  while (next < items.length && inFlight.length < concurrency) start();
  while (inFlight.length > 0) {
    const result = await (inFlight.shift() as Promise<R>);
    if (next < items.length) start();
    yield result;
  }
}
