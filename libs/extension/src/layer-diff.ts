/**
 * What an extension layer adds to its base, from two tree indexes. Pure: no file system access.
 *
 * An extension can only add to the hierarchies it is merged into (an overlay over /usr and /opt
 * for a sysext, over /etc for a confext); it cannot delete what its base holds.
 */
import type { ExtensionKind } from './extension-release';
import { compareBytewise, isUnder, type TreeEntry, type TreeIndex } from './tree-index';

export interface LayerDiff {
  /** In the result, not in the base. */
  added: string[];
  /** In both, with another type, mode, owner, symlink target, device number or content. */
  changed: string[];
  /** In the base, not in the result. */
  removed: string[];
}

/** The hierarchies systemd merges an extension of each kind into. */
export const EXTENSION_HIERARCHIES: Readonly<Record<ExtensionKind, readonly string[]>> = {
  sysext: ['usr', 'opt'],
  confext: ['etc'],
};

/**
 * Package-manager state: left out of both sides of a diff and never part of an extension. The rpm
 * database changes with every install, and is kept only in the tree later layers build on.
 */
export const PACKAGE_MANAGER_PATHS: readonly string[] = [
  'usr/lib/sysimage/rpm',
  'var/lib/rpm',
  'var/lib/dnf',
  'var/cache/dnf',
  'var/cache/ldconfig',
  'var/log/dnf.log',
  'var/log/dnf.librepo.log',
  'var/log/dnf.rpm.log',
  'var/log/hawkey.log',
];

export function sameEntry(a: TreeEntry, b: TreeEntry): boolean {
  return a.type === b.type && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.sha256 === b.sha256 && a.target === b.target && a.device === b.device;
}

export function diffTrees(base: TreeIndex, result: TreeIndex): LayerDiff {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [path, entry] of result) {
    const before = base.get(path);
    if (before === undefined) added.push(path);
    else if (!sameEntry(before, entry)) changed.push(path);
  }
  for (const path of base.keys()) if (!result.has(path)) removed.push(path);
  const sort = (list: string[]): string[] => list.sort(compareBytewise);
  return { added: sort(added), changed: sort(changed), removed: sort(removed) };
}

/** Every proper parent of a relative path, outermost first: a/b/c -> [a, a/b]. */
export function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

export interface ExtensionContent {
  /** What the layer adds or changes inside the hierarchies: the extension proper. */
  content: string[];
  /** content plus the directories leading to it (as they are in the result): the extension's tree. */
  paths: string[];
  /** What the layer adds or changes outside the hierarchies: not part of the extension. */
  dropped: string[];
}

export function selectExtensionContent(diff: LayerDiff, result: TreeIndex, kind: ExtensionKind): ExtensionContent {
  const hierarchies = EXTENSION_HIERARCHIES[kind];
  const content: string[] = [];
  const dropped: string[] = [];
  for (const path of [...diff.added, ...diff.changed].sort(compareBytewise)) {
    if (isUnder(path, PACKAGE_MANAGER_PATHS)) continue;
    (isUnder(path, hierarchies) ? content : dropped).push(path);
  }
  const paths = new Set<string>();
  for (const path of content) {
    for (const parent of parentsOf(path)) {
      if (result.get(parent)?.type !== 'directory') throw new Error(`${path}: its parent ${parent} is not a directory in the layer's tree`);
      paths.add(parent);
    }
    paths.add(path);
  }
  return { content, paths: [...paths].sort(compareBytewise), dropped };
}

/**
 * The paths as a reader wants them: only the outermost of each subtree ("etc/foo/" stands for
 * everything below it that is listed too), at most `limit` of them.
 */
export function summarizePaths(paths: readonly string[], index?: TreeIndex, limit = 20): string {
  const listed = new Set(paths);
  const outermost = [...paths].sort(compareBytewise).filter((path) => !parentsOf(path).some((parent) => listed.has(parent)));
  const shown = outermost.slice(0, limit).map((path) => {
    const below = paths.filter((p) => p.startsWith(`${path}/`)).length;
    const isDir = index?.get(path)?.type === 'directory' || below > 0;
    return isDir && below > 0 ? `${path}/ (and ${below} below)` : isDir ? `${path}/` : path;
  });
  const more = outermost.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** A path of the base missing from the layer's tree: an extension cannot delete, so refuse. */
export function removalError(name: string, diff: LayerDiff, base: TreeIndex): Error | null {
  const removed = diff.removed.filter((path) => !isUnder(path, PACKAGE_MANAGER_PATHS));
  if (removed.length === 0) return null;
  return new Error(
    `${name}: the layer deletes ${removed.length} path(s) of its base: ${summarizePaths(removed, base)}. ` +
      'An extension is merged over its base and can only add or replace files, not delete them; ' +
      'remove the removeFiles glob or removePackages entry that deletes them, or build an initrd instead',
  );
}

export interface InstalledPackage {
  name: string;
  nevra: string;
}

/** Base packages the layer removed or replaced by another version: an extension cannot do that. */
export function basePackageError(name: string, before: readonly InstalledPackage[], after: readonly InstalledPackage[]): Error | null {
  const afterByName = new Map<string, string[]>();
  for (const pkg of after) afterByName.set(pkg.name, [...(afterByName.get(pkg.name) ?? []), pkg.nevra]);
  const afterNevras = new Set(after.map((p) => p.nevra));
  const problems: string[] = [];
  for (const pkg of before) {
    if (afterNevras.has(pkg.nevra)) continue;
    const now = afterByName.get(pkg.name);
    problems.push(now ? `${pkg.nevra} replaced by ${now.join(', ')}` : `${pkg.nevra} removed`);
  }
  if (problems.length === 0) return null;
  return new Error(`${name}: the layer changes packages of its base: ${problems.join('; ')}. An extension can only add packages to its base`);
}
