import { readFileSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { displayPath } from '@strata/recipe';

/** The mount point of the file system holding `path`: the longest mount point above it (mountinfo's 5th field). */
export function mountPointOf(path: string, mountinfo: string): string {
  const absolute = resolve(path);
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    // mountinfo writes space, tab, newline and backslash as octal escapes.
    const point = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if ((absolute === point || absolute.startsWith(point.endsWith('/') ? point : `${point}/`)) && point.length > best.length) best = point;
  }
  return best;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
const FIX = 'free space there, or put dist/ on a larger file system, and build again';

/** A write that failed for want of space, with the file and the file system it was on. */
export class NoSpaceError extends Error {
  readonly code = 'ENOSPC';
  constructor(
    readonly path: string,
    readonly mountPoint: string,
    readonly freeBytes: number | null,
    readonly totalBytes: number | null,
  ) {
    const room = freeBytes !== null && totalBytes !== null ? ` (${mb(freeBytes)} free of ${mb(totalBytes)})` : '';
    super(`no space left on the file system mounted at ${mountPoint}${room} while writing ${displayPath(path)}; ${FIX}`);
    this.name = 'NoSpaceError';
  }
}

/**
 * Fails at once when the file system holding `path` has less than `bytes` free, for steps that
 * would not fail by themselves on a full disk (apt-get update then waits forever in poll).
 */
export function requireFreeSpace(path: string, bytes: number, what: string): void {
  const fs = fileSystemOf(path);
  if (fs.freeBytes === null || fs.freeBytes >= bytes) return;
  throw new Error(
    `only ${mb(fs.freeBytes)} free on the file system mounted at ${fs.mountPoint} (${mb(fs.totalBytes ?? 0)} in all), and ${displayPath(path)} needs at least ${mb(bytes)} for ${what}; ${FIX}`,
  );
}

function fileSystemOf(path: string): { mountPoint: string; freeBytes: number | null; totalBytes: number | null } {
  let mountPoint = '/';
  try {
    mountPoint = mountPointOf(path, readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    // No /proc: the root is the best guess.
  }
  for (let probe = resolve(path); ; probe = dirname(probe)) {
    try {
      const fs = statfsSync(probe);
      return { mountPoint, freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
    } catch {
      if (probe === dirname(probe)) return { mountPoint, freeBytes: null, totalBytes: null };
    }
  }
}

/** Runs `write`; an ENOSPC it fails with (Node names no path for a failed write) becomes a NoSpaceError naming `path`. */
export async function explainNoSpace<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof NoSpaceError || (err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    const fs = fileSystemOf(path);
    throw new NoSpaceError((err as NodeJS.ErrnoException).path ?? path, fs.mountPoint, fs.freeBytes, fs.totalBytes);
  }
}
