import { createHash } from 'node:crypto';
import type { StoredPackage } from '@strata/package-store';
import { compareNevra, formatNevra } from '@strata/rpm';

/**
 * One locked package: what the package store keys and fetches it by (name, EVR, arch, NEVRA,
 * sha256, repository and location), plus its sizes. `nevra` is derived, kept for people and grep.
 */
export interface LockedPackage extends StoredPackage {
  size: number;
  installSize: number;
}

/** What determined the resolution; `digest` covers everything but the metadata revisions. */
export interface LockProvenance {
  digest: string;
  request: string[];
  weakDependencies: boolean;
  baseLock: string | null;
  repositories: { id: string; url: string; revision: string | null }[];
}

/** The kernel package of an initrd (kernel.package) with its dependencies, resolved on an empty root. */
export interface KernelLock {
  request: string;
  packages: LockedPackage[];
}

export interface LockFile {
  lockVersion: 1;
  recipe: string;
  base: string | null;
  resolvedFrom: LockProvenance;
  /** Only the packages this layer adds on top of its base. */
  packages: LockedPackage[];
  /** Installed for the modules layer only, never into the image. */
  kernel?: KernelLock;
}

export const LOCK_FILE_NAME = 'packages.lock.json';

const PACKAGE_KEYS: (keyof LockedPackage)[] = [
  'name', 'epoch', 'version', 'release', 'arch', 'nevra', 'sha256', 'size', 'installSize', 'repository', 'location',
];

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Build a locked package from resolver output, filling in the NEVRA. */
export function toLockedPackage(p: Omit<LockedPackage, 'nevra'>): LockedPackage {
  return { ...p, nevra: formatNevra(p) };
}

export function sortLockedPackages(packages: readonly LockedPackage[]): LockedPackage[] {
  return [...packages].sort(compareNevra);
}

/** The identity of a layer's package set: what children and caches key on. */
export function packagesDigest(packages: readonly LockedPackage[]): string {
  const lines = sortLockedPackages(packages).map((p) => `${p.nevra} ${p.sha256}`);
  return `sha256:${sha256Hex(lines.join('\n'))}`;
}

export interface ResolutionRequest {
  request: string[];
  weakDependencies: boolean;
  baseLock: string | null;
  repositories: { id: string; url: string }[];
  /** kernel.package, when the kernel comes from a package. */
  kernel?: string | null;
}

/** Digest of the inputs of a resolution; a lock whose digest differs from its recipe's is stale. */
export function requestDigest(input: ResolutionRequest): string {
  const canonical = JSON.stringify({
    request: [...input.request].sort(),
    weakDependencies: input.weakDependencies,
    baseLock: input.baseLock,
    repositories: [...input.repositories].sort((a, b) => a.id.localeCompare(b.id)).map(({ id, url }) => ({ id, url })),
    // Only present when set, so that the digest of every lock without a kernel package stays as it was.
    ...(input.kernel ? { kernel: input.kernel } : {}),
  });
  return `sha256:${sha256Hex(canonical)}`;
}

function canonicalPackage(p: LockedPackage): Record<string, unknown> {
  return Object.fromEntries(PACKAGE_KEYS.map((key) => [key, p[key]]));
}

/** The one byte form of a lock: fixed key order, packages sorted, two-space indent, final newline. */
export function serializeLock(lock: LockFile): string {
  const canonical = {
    lockVersion: lock.lockVersion,
    recipe: lock.recipe,
    base: lock.base,
    resolvedFrom: {
      digest: lock.resolvedFrom.digest,
      request: [...lock.resolvedFrom.request].sort(),
      weakDependencies: lock.resolvedFrom.weakDependencies,
      baseLock: lock.resolvedFrom.baseLock,
      repositories: [...lock.resolvedFrom.repositories]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map(({ id, url, revision }) => ({ id, url, revision })),
    },
    packages: sortLockedPackages(lock.packages).map(canonicalPackage),
    ...(lock.kernel ? { kernel: { request: lock.kernel.request, packages: sortLockedPackages(lock.kernel.packages).map(canonicalPackage) } } : {}),
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/** Parse and sanity-check a lock; `file` names it in errors. */
export function parseLock(text: string, file: string): LockFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); regenerate it with the recipe's lock target`);
  }
  const lock = value as LockFile;
  if (lock === null || typeof lock !== 'object' || lock.lockVersion !== 1 || !Array.isArray(lock.packages) || !lock.resolvedFrom) {
    throw new Error(`${file}: not a strata lock (lockVersion 1 with resolvedFrom and packages); regenerate it with the recipe's lock target`);
  }
  if (lock.kernel !== undefined && (typeof lock.kernel?.request !== 'string' || !Array.isArray(lock.kernel.packages))) {
    throw new Error(`${file}: "kernel" must hold "request" and "packages"; regenerate it with the recipe's lock target`);
  }
  const check = (list: LockedPackage[], where: string): void =>
    list.forEach((p, index) => {
      for (const key of PACKAGE_KEYS) {
        if (p[key] === undefined) throw new Error(`${file}: ${where}[${index}] has no "${key}"`);
      }
      if (formatNevra(p) !== p.nevra) throw new Error(`${file}: ${where}[${index}] says nevra "${p.nevra}" but its fields give "${formatNevra(p)}"`);
    });
  check(lock.packages, 'packages');
  if (lock.kernel) check(lock.kernel.packages, 'kernel.packages');
  return lock;
}
