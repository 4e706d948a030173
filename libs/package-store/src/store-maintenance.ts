import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { mirrorUrl } from './package-sources';
import { sha256OfFile, type PackageStore } from './package-store';

/** Re-hash every entry; an entry whose content does not match its name is removed. */
export async function verifyStore(store: PackageStore): Promise<{ checked: number; bytes: number; corrupt: { sha256: string; actual: string }[] }> {
  const corrupt: { sha256: string; actual: string }[] = [];
  let bytes = 0;
  const entries = await store.list();
  for (const sha256 of entries) {
    const path = store.pathOf(sha256);
    bytes += (await stat(path)).size;
    const actual = await sha256OfFile(path);
    if (actual !== sha256) {
      corrupt.push({ sha256, actual });
      await store.remove(sha256);
    }
  }
  return { checked: entries.length, bytes, corrupt };
}

/** Remove every entry not in `keep`; with dryRun, only say what would go. */
export async function pruneStore(store: PackageStore, keep: ReadonlySet<string>, options: { dryRun?: boolean } = {}): Promise<{ removed: string[]; bytes: number; kept: number }> {
  const removed: string[] = [];
  let bytes = 0;
  let kept = 0;
  for (const sha256 of await store.list()) {
    if (keep.has(sha256)) {
      kept++;
      continue;
    }
    bytes += (await stat(store.pathOf(sha256))).size;
    removed.push(sha256);
    if (!options.dryRun) await store.remove(sha256);
  }
  await store.collectIncoming();
  return { removed, bytes, kept };
}

export interface PushResult {
  uploaded: string[];
  /** Already on the mirror (HEAD 200, or 409 from a server that refuses to overwrite). */
  present: string[];
  /** Named by a lock but not in this store: nothing to upload. */
  notInStore: string[];
}

/**
 * Upload packages to a mirror with HTTP PUT at <url>/sha256/<hex>, the layout builds fetch from.
 * Each entry is verified before it leaves; what the mirror already has is skipped.
 */
export async function pushToMirror(store: PackageStore, packages: readonly string[], url: string, token?: string): Promise<PushResult> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const result: PushResult = { uploaded: [], present: [], notInStore: [] };
  for (const sha256 of [...new Set(packages)].sort()) {
    const path = await store.verifiedPath(sha256);
    if (!path) {
      result.notInStore.push(sha256);
      continue;
    }
    const target = mirrorUrl(url, sha256);
    const head = await fetch(target, { method: 'HEAD', headers: auth });
    if (head.status === 200) {
      result.present.push(sha256);
      continue;
    }
    const size = (await stat(path)).size;
    const put = await fetch(target, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(path)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (put.status === 409) result.present.push(sha256);
    else if (put.ok) result.uploaded.push(sha256);
    else throw new Error(`PUT ${target}: HTTP ${put.status} ${put.statusText}${put.status === 401 || put.status === 403 ? ' (set STRATA_PACKAGE_MIRROR_TOKEN to the mirror\'s bearer token)' : ''}`);
  }
  return result;
}
