import { downloadPackages, type RepositorySpec } from '@strata/dnf';
import type { StoredPackage } from './stored-package';
import { rm } from 'node:fs/promises';
import { makeOwnedDir } from '@strata/owner';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchUrl, NotThere } from './fetch-url';
import { ChecksumMismatch, type PackageStore } from './package-store';
import { sourcesFor, type PackageSource, type SourceRepository } from './package-sources';

/** Where missing packages may come from. */
export interface FetchConfig {
  repositories: SourceRepository[];
  mirrors: string[];
  /** For metalink and mirrorlist repositories, which only dnf can read: the repositories as dnf gets them. */
  dnf?: { repositories: RepositorySpec[]; releasever: string; basearch: string };
  /** Sent to mirrors (Authorization: Bearer). */
  mirrorToken?: string;
}

/** One place a package was looked for, and what was there. */
export interface Attempt {
  source: PackageSource;
  outcome: string;
}

export interface EnsureResult {
  /** sha256 -> verified path in the store, for every package asked for. */
  paths: Map<string, string>;
  /** Packages that were not in the store, and where each came from. */
  fetched: { nevra: string; from: string }[];
}

/** Locked packages that are in no place strata knows: the store, the repositories, the archives, the mirrors. */
export class PackagesUnavailableError extends Error {
  constructor(
    readonly storeDir: string,
    readonly missing: { pkg: StoredPackage; attempts: Attempt[] }[],
    readonly config: FetchConfig,
  ) {
    super(`${missing.length} locked package(s) are in no place strata can fetch them from: ${missing.map((m) => m.pkg.nevra).join(', ')}`);
    this.name = 'PackagesUnavailableError';
  }
}

function describeSource(source: PackageSource): string {
  return source.kind === 'repository-metadata' ? `${source.via} (through dnf)` : source.url;
}

/** How many downloads run at once. */
const PARALLEL = 4;

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

/** Fetch one URL into the store, checked against the lock's sha256 before it becomes an entry. */
async function fetchInto(store: PackageStore, pkg: StoredPackage, url: string, headers: Record<string, string>): Promise<string> {
  const entry = await store.incoming();
  try {
    await fetchUrl(url, entry.file, headers);
    return await entry.commit(pkg.sha256);
  } finally {
    await entry.discard();
  }
}

/**
 * Make sure the store holds every package, verified: what it lacks is fetched from each package's
 * sources in order (its repository at the lock's location, the repository's archive, the mirrors)
 * and checked against the lock before it enters the store. With everything in the store, nothing
 * is asked of any repository.
 */
export async function ensurePackages(store: PackageStore, packages: readonly StoredPackage[], config: FetchConfig): Promise<EnsureResult> {
  const paths = new Map<string, string>();
  const fetched: EnsureResult['fetched'] = [];
  const attempts = new Map<string, Attempt[]>();
  const missing: StoredPackage[] = [];
  for (const pkg of packages) {
    const path = await store.verifiedPath(pkg.sha256);
    if (path) paths.set(pkg.sha256, path);
    else if (!missing.some((m) => m.sha256 === pkg.sha256)) missing.push(pkg);
  }
  if (missing.length === 0) return { paths, fetched };
  // Before fetching: what writers that were killed left behind goes first.
  await store.collectIncoming();

  const sources = new Map(missing.map((pkg) => [pkg.sha256, sourcesFor(pkg, config.repositories, config.mirrors)]));
  const depth = Math.max(...[...sources.values()].map((s) => s.length));
  for (let level = 0; level < depth; level++) {
    const pending = missing.filter((pkg) => !paths.has(pkg.sha256) && sources.get(pkg.sha256)![level]);
    // Repositories that only dnf can read (metalink, mirrorlist): one dnf run for all of them.
    const viaDnf = pending.filter((pkg) => sources.get(pkg.sha256)![level].kind === 'repository-metadata');
    if (viaDnf.length > 0) await fetchThroughDnf(store, viaDnf, config, (pkg, outcome, path) => {
      record(pkg, sources.get(pkg.sha256)![level], outcome);
      if (path) {
        paths.set(pkg.sha256, path);
        fetched.push({ nevra: pkg.nevra, from: describeSource(sources.get(pkg.sha256)![level]) });
      }
    });
    await inParallel(pending.filter((pkg) => !viaDnf.includes(pkg)), PARALLEL, async (pkg) => {
      const source = sources.get(pkg.sha256)![level] as Exclude<PackageSource, { kind: 'repository-metadata' }>;
      const headers: Record<string, string> = source.kind === 'mirror' && config.mirrorToken ? { authorization: `Bearer ${config.mirrorToken}` } : {};
      try {
        paths.set(pkg.sha256, await fetchInto(store, pkg, source.url, headers));
        fetched.push({ nevra: pkg.nevra, from: source.url });
        record(pkg, source, 'fetched');
      } catch (err) {
        record(pkg, source, err instanceof NotThere ? `not there (${err.message})` : err instanceof ChecksumMismatch ? `refused: ${err.message}` : `failed: ${(err as Error).message}`);
      }
    });
  }
  const unavailable = missing.filter((pkg) => !paths.has(pkg.sha256));
  if (unavailable.length > 0) throw new PackagesUnavailableError(store.dir, unavailable.map((pkg) => ({ pkg, attempts: attempts.get(pkg.sha256) ?? [] })), config);
  return { paths, fetched };

  function record(pkg: StoredPackage, source: PackageSource, outcome: string): void {
    attempts.set(pkg.sha256, [...(attempts.get(pkg.sha256) ?? []), { source, outcome }]);
  }
}

async function fetchThroughDnf(
  store: PackageStore,
  packages: StoredPackage[],
  config: FetchConfig,
  report: (pkg: StoredPackage, outcome: string, path?: string) => void,
): Promise<void> {
  if (!config.dnf) {
    for (const pkg of packages) report(pkg, 'not asked: no dnf configuration for this repository');
    return;
  }
  const dest = await makeOwnedDir(join(store.dir, 'incoming'), 'dnf-');
  try {
    const ids = new Set(packages.map((p) => p.repository));
    const { downloaded } = await downloadPackages({ ...config.dnf, repositories: config.dnf.repositories.filter((r) => ids.has(r.id)), packages, destDir: dest });
    for (const pkg of packages) {
      const file = downloaded[pkg.nevra];
      if (!file) {
        report(pkg, 'not in the repository metadata any more');
        continue;
      }
      try {
        report(pkg, 'fetched', await fetchInto(store, pkg, pathToFileURL(file).href, {}));
      } catch (err) {
        report(pkg, err instanceof ChecksumMismatch ? `refused: ${err.message}` : `failed: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    for (const pkg of packages) report(pkg, `failed: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}
