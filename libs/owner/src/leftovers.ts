import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bootTimeMs, isRunning, parseOwnerTag, type ProcessOwner } from './process-owner';

/** Entries of `dir` whose names match `names` are scratch folders made by makeOwnedDir (or before it existed). */
export interface LeftoverPlace {
  dir: string;
  names: RegExp;
}

export interface Collected {
  path: string;
  /** Disk space the folder held (allocated blocks, each inode once). */
  bytes: number;
}

/** A folder whose name records no owner (made before owners were recorded) goes when untouched this long. */
export const UNOWNED_STALE_MS = 24 * 3600 * 1000;

export interface LeftoverFacts {
  running: (owner: ProcessOwner) => boolean;
  nowMs: number;
  bootMs: number;
}

/** Whether a scratch folder is left over: its owner is gone, or it records none and is stale. */
export function isLeftover(name: string, mtimeMs: number, facts: LeftoverFacts): boolean {
  const owner = parseOwnerTag(name);
  if (owner) return !facts.running(owner);
  return mtimeMs < facts.bootMs || facts.nowMs - mtimeMs > UNOWNED_STALE_MS;
}

async function diskUsage(path: string, seen: Set<string>): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  const key = `${st.dev}:${st.ino}`;
  let bytes = seen.has(key) ? 0 : st.blocks * 512;
  seen.add(key);
  if (st.isDirectory()) {
    for (const name of await readdir(path).catch(() => [])) bytes += await diskUsage(join(path, name), seen);
  }
  return bytes;
}

/**
 * Removes the scratch folders of runs that are gone. A folder of a running process stays, so two
 * builds at once never delete each other's work. Best effort: a folder that cannot be read or
 * removed (another user's, in /tmp) is left alone.
 */
export async function collectLeftovers(places: readonly LeftoverPlace[], facts: Partial<LeftoverFacts> = {}): Promise<Collected[]> {
  const all: LeftoverFacts = { running: facts.running ?? isRunning, nowMs: facts.nowMs ?? Date.now(), bootMs: facts.bootMs ?? bootTimeMs() };
  const collected: Collected[] = [];
  for (const place of places) {
    const names = await readdir(place.dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (!place.names.test(name)) continue;
      const path = join(place.dir, name);
      const st = await lstat(path).catch(() => null);
      if (!st?.isDirectory() || !isLeftover(name, st.mtimeMs, all)) continue;
      const bytes = await diskUsage(path, new Set());
      try {
        await rm(path, { recursive: true, force: true });
        collected.push({ path, bytes });
      } catch {
        // Not ours to remove (permissions): leave it.
      }
    }
  }
  return collected;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** One line saying what was freed, or '' when nothing was: "removed 2 folders of interrupted runs (12.3 MB): a, b". */
export function describeCollected(collected: readonly Collected[], relativeTo: (path: string) => string = (p) => p): string {
  if (collected.length === 0) return '';
  const total = collected.reduce((sum, c) => sum + c.bytes, 0);
  const folders = collected.length === 1 ? '1 folder' : `${collected.length} folders`;
  return `removed ${folders} left by interrupted runs, freeing ${megabytes(total)}: ${collected.map((c) => relativeTo(c.path)).join(', ')}`;
}
