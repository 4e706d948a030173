import type { StoredPackage } from './stored-package';

/** A recipe repository as the store sees it: where its packages were, and where they are kept. */
export interface SourceRepository {
  id: string;
  baseurl?: string[];
  metalink?: string;
  mirrorlist?: string;
  /** URL template of an archive that keeps every build (repositories[].archive). */
  archive?: string;
}

/** One place a locked package may be fetched from, in the order they are tried. */
export type PackageSource =
  | { kind: 'repository'; repository: string; url: string }
  /** A metalink or mirrorlist repository: dnf picks the mirror, from the metadata it serves today. */
  | { kind: 'repository-metadata'; repository: string; via: string }
  | { kind: 'archive'; repository: string; url: string }
  | { kind: 'mirror'; mirror: string; url: string };

const TEMPLATE_FIELD = /\{([a-z0-9]+)\}/g;
export const ARCHIVE_FIELDS = ['name', 'epoch', 'version', 'release', 'arch', 'nevra', 'sha256'] as const;

/** The URL of a package in an archive: {name} {epoch} {version} {release} {arch} {nevra} {sha256}. */
export function expandArchiveTemplate(template: string, pkg: StoredPackage): string {
  return template.replace(TEMPLATE_FIELD, (whole, field: string) => {
    if (!(ARCHIVE_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`archive URL ${template}: unknown field ${whole}; the fields are ${ARCHIVE_FIELDS.map((f) => `{${f}}`).join(' ')}`);
    }
    return encodeURIComponent(String(pkg[field as keyof StoredPackage]));
  });
}

/** `location` relative to a baseurl, as dnf joins them. */
export function packageUrl(baseurl: string, location: string): string {
  return new URL(location, baseurl.endsWith('/') ? baseurl : `${baseurl}/`).href;
}

/** Where a mirror (a package store served over HTTP) keeps a package. */
export function mirrorUrl(mirror: string, sha256: string): string {
  return `${mirror.replace(/\/+$/, '')}/sha256/${sha256}`;
}

/**
 * Every place a locked package missing from the store is looked for, in order: its repository at
 * the location the lock records, that repository's archive, then the mirrors.
 */
export function sourcesFor(pkg: StoredPackage, repositories: readonly SourceRepository[], mirrors: readonly string[]): PackageSource[] {
  const sources: PackageSource[] = [];
  const repo = repositories.find((r) => r.id === pkg.repository);
  if (repo) {
    for (const baseurl of repo.baseurl ?? []) sources.push({ kind: 'repository', repository: repo.id, url: packageUrl(baseurl, pkg.location) });
    if (!repo.baseurl?.length && (repo.metalink || repo.mirrorlist)) {
      sources.push({ kind: 'repository-metadata', repository: repo.id, via: (repo.metalink ?? repo.mirrorlist) as string });
    }
    if (repo.archive) sources.push({ kind: 'archive', repository: repo.id, url: expandArchiveTemplate(repo.archive, pkg) });
  }
  for (const mirror of mirrors) sources.push({ kind: 'mirror', mirror, url: mirrorUrl(mirror, pkg.sha256) });
  return sources;
}
