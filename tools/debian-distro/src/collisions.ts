/**
 * rpm refuses to install two packages that ship the same path differently: a folder with
 * another mode or owner, or a file with other content. Checked over the whole distribution at
 * build time, so a bad conversion fails the build instead of a later install.
 */
import { type EntrySummary } from './convert-deb';

export interface PackageEntries {
  name: string;
  entries: readonly EntrySummary[];
}

function same(a: EntrySummary, b: EntrySummary): boolean {
  if (a.type !== b.type || a.user !== b.user || a.group !== b.group) return false;
  if (a.type === 'directory') return a.mode === b.mode;
  return a.mode === b.mode && a.content === b.content;
}

/** One message per path shipped differently by two packages. */
export function findCollisions(packages: readonly PackageEntries[]): string[] {
  const owners = new Map<string, { name: string; entry: EntrySummary }[]>();
  for (const pkg of packages) {
    for (const entry of pkg.entries) {
      const list = owners.get(entry.path) ?? [];
      list.push({ name: pkg.name, entry });
      owners.set(entry.path, list);
    }
  }
  const problems: string[] = [];
  for (const [path, list] of owners) {
    const [first, ...rest] = list;
    const other = rest.find((o) => !same(first!.entry, o.entry));
    if (other) {
      const describe = (o: { name: string; entry: EntrySummary }): string =>
        `${o.name} (${o.entry.type} ${o.entry.mode.toString(8)} ${o.entry.user}:${o.entry.group})`;
      problems.push(`${path}: ${describe(first!)} vs ${describe(other)}`);
    }
  }
  return problems.sort();
}
