/**
 * What changed between two builds: packages added, removed, upgraded and downgraded (rpm's own
 * version order tells which), each with its change in installed size, biggest first; and, when
 * both sides are images, how many files were added, removed or changed. Pure.
 */
import { compareEvr, formatEvr, parseNevra, type Nevra } from '@strata/rpm';
import { byteOrder, formatBytes, formatBytesDelta, formatTable, type Cell, type Colors } from './text';

export interface DiffPackage {
  nevra: string;
  installSize: number;
}

export interface DiffEntry {
  name: string;
  type: string;
  size: number;
  mode: number;
  symlinkTarget?: string;
}

/** One side: a manifest's packages, an image's entries, or both. */
export interface DiffSide {
  label: string;
  packages?: readonly DiffPackage[];
  compressedSize?: number;
  entries?: readonly DiffEntry[];
}

export type ChangeKind = 'added' | 'removed' | 'upgraded' | 'downgraded' | 'changed';

export interface PackageChange {
  name: string;
  arch: string;
  change: ChangeKind;
  from: string | null;
  to: string | null;
  /** Installed size of `to` minus that of `from` (a missing side counts 0). */
  sizeChange: number;
}

export interface FileDiff {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** The first paths of each kind, for people (all counts are above). */
  examples: { added: string[]; removed: string[]; changed: string[] };
}

export interface BuildDiff {
  a: string;
  b: string;
  packages: PackageChange[] | null;
  unchangedPackages: number;
  installSizeChange: number;
  compressedSize: { a: number; b: number } | null;
  files: FileDiff | null;
}

interface Keyed {
  nevra: Nevra;
  text: string;
  installSize: number;
}

function byKey(packages: readonly DiffPackage[]): Map<string, Keyed[]> {
  const map = new Map<string, Keyed[]>();
  for (const p of packages) {
    const nevra = parseNevra(p.nevra);
    const key = `${nevra.name}.${nevra.arch}`;
    map.set(key, [...(map.get(key) ?? []), { nevra, text: p.nevra, installSize: p.installSize }]);
  }
  return map;
}

export function diffPackages(a: readonly DiffPackage[], b: readonly DiffPackage[]): { changes: PackageChange[]; unchanged: number } {
  const before = byKey(a);
  const after = byKey(b);
  const changes: PackageChange[] = [];
  let unchanged = 0;
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(byteOrder);
  for (const key of keys) {
    const olds = (before.get(key) ?? []).filter((p) => !(after.get(key) ?? []).some((q) => q.text === p.text));
    const news = (after.get(key) ?? []).filter((p) => !(before.get(key) ?? []).some((q) => q.text === p.text));
    unchanged += (before.get(key) ?? []).length - olds.length;
    const { name, arch } = (before.get(key) ?? after.get(key) ?? [])[0].nevra;
    if (olds.length === 1 && news.length === 1) {
      const [from, to] = [olds[0], news[0]];
      const order = compareEvr(from.nevra, to.nevra);
      changes.push({ name, arch, change: order < 0 ? 'upgraded' : order > 0 ? 'downgraded' : 'changed', from: from.text, to: to.text, sizeChange: to.installSize - from.installSize });
      continue;
    }
    // Several versions side by side (installonly packages such as kernels): match nothing up.
    for (const p of olds) changes.push({ name, arch, change: 'removed', from: p.text, to: null, sizeChange: -p.installSize });
    for (const p of news) changes.push({ name, arch, change: 'added', from: null, to: p.text, sizeChange: p.installSize });
  }
  changes.sort((x, y) => Math.abs(y.sizeChange) - Math.abs(x.sizeChange) || byteOrder(x.name, y.name) || byteOrder(x.from ?? x.to ?? '', y.from ?? y.to ?? ''));
  return { changes, unchanged };
}

export function diffFiles(a: readonly DiffEntry[], b: readonly DiffEntry[], examples = 10): FileDiff {
  // Later entries of the same name win, as when the kernel unpacks the archives.
  const last = (entries: readonly DiffEntry[]): Map<string, DiffEntry> => new Map(entries.map((e) => [e.name, e]));
  const before = last(a);
  const after = last(b);
  const out: FileDiff = { added: 0, removed: 0, changed: 0, unchanged: 0, examples: { added: [], removed: [], changed: [] } };
  const note = (kind: 'added' | 'removed' | 'changed', path: string): void => {
    out[kind] += 1;
    if (out.examples[kind].length < examples) out.examples[kind].push(path);
  };
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort(byteOrder)) {
    const x = before.get(name);
    const y = after.get(name);
    if (!x) note('added', name);
    else if (!y) note('removed', name);
    else if (x.type !== y.type || x.size !== y.size || x.mode !== y.mode || x.symlinkTarget !== y.symlinkTarget) note('changed', name);
    else out.unchanged += 1;
  }
  return out;
}

export function diffBuilds(a: DiffSide, b: DiffSide): BuildDiff {
  const packages = a.packages && b.packages ? diffPackages(a.packages, b.packages) : null;
  return {
    a: a.label,
    b: b.label,
    packages: packages?.changes ?? null,
    unchangedPackages: packages?.unchanged ?? 0,
    installSizeChange: packages?.changes.reduce((sum, c) => sum + c.sizeChange, 0) ?? 0,
    compressedSize: a.compressedSize !== undefined && b.compressedSize !== undefined ? { a: a.compressedSize, b: b.compressedSize } : null,
    files: a.entries && b.entries ? diffFiles(a.entries, b.entries) : null,
  };
}

const SYMBOL: Record<ChangeKind, string> = { added: '+', removed: '-', upgraded: '↑', downgraded: '↓', changed: '~' };

export function formatDiff(d: BuildDiff, c: Colors): string {
  const out = [c.bold(`${d.a} → ${d.b}`)];
  const style: Record<ChangeKind, (s: string) => string> = { added: c.green, removed: c.red, upgraded: c.cyan, downgraded: c.yellow, changed: c.magenta };
  if (d.packages) {
    const count = (kind: ChangeKind): number => d.packages?.filter((p) => p.change === kind).length ?? 0;
    const kinds: ChangeKind[] = ['added', 'removed', 'upgraded', 'downgraded', 'changed'];
    out.push(
      `packages: ${kinds.filter((k) => k !== 'changed' || count(k) > 0).map((k) => `${count(k)} ${k}`).join(', ')}, ${d.unchangedPackages} unchanged; installed size ${formatBytesDelta(d.installSizeChange)}`,
    );
    out.push(
      ...formatTable(
        d.packages.map((p): Cell[] => [
          { text: SYMBOL[p.change], style: style[p.change] },
          { text: p.change, style: style[p.change] },
          p.from && p.to ? `${p.name} ${formatEvr(parseNevra(p.from))} → ${formatEvr(parseNevra(p.to))} (${p.arch})` : (p.to ?? p.from ?? ''),
          { text: formatBytesDelta(p.sizeChange), align: 'right', style: c.bold },
        ]),
        '  ',
      ),
    );
  } else {
    out.push(c.dim('packages: not compared (no manifest beside both sides)'));
  }
  if (d.files) {
    out.push(`files: ${d.files.added} added, ${d.files.removed} removed, ${d.files.changed} changed, ${d.files.unchanged} unchanged`);
    for (const kind of ['added', 'removed', 'changed'] as const) {
      const examples = d.files.examples[kind];
      if (examples.length > 0) out.push(c.dim(`  ${kind}: ${examples.join(', ')}${d.files[kind] > examples.length ? ', …' : ''}`));
    }
  }
  if (d.compressedSize) out.push(`image: ${formatBytes(d.compressedSize.a)} → ${formatBytes(d.compressedSize.b)} (${formatBytesDelta(d.compressedSize.b - d.compressedSize.a)})`);
  return `${out.join('\n')}\n`;
}
