/**
 * Where the bytes of an image go: per package (from the rpm database of the tree), per directory,
 * the largest files, the files no package owns (what strata itself writes: /init, the release
 * file, the recipe's files/), the kernel modules archive, and what removeFiles saved. Pure: the
 * caller lists the image and asks rpm (see ownership.ts).
 */
import type { ListedEntry } from '@strata/cpio';
import type { Ownership } from './ownership';
import { BLANK_LINE, byteOrder, formatBytes, formatTable, percent, plural, type Cell, type Colors } from './text';

export const SIZE_REPORT_VERSION = 1;

export type OwnerKind = 'package' | 'kernel' | 'strata';

export interface OwnerSize {
  /** The NEVRA, "kernel modules <version>", or "not from a package". */
  owner: string;
  kind: OwnerKind;
  /** The recipe whose lock holds the package; null for the others. */
  layer: string | null;
  files: number;
  bytes: number;
  /** What rpm says the package installs (before removeFiles); null for the others. */
  installSize: number | null;
}

export interface FileSize {
  path: string;
  bytes: number;
  owner: string;
}

export interface DirectorySize {
  path: string;
  /** Regular files directly in the folder, and their bytes. */
  files: number;
  bytes: number;
}

export interface SizeReport {
  reportVersion: number;
  recipe: string;
  image: string;
  sha256: string;
  compressedSize: number;
  totals: { entries: number; files: number; directories: number; symlinks: number; other: number; bytes: number };
  owners: OwnerSize[];
  directories: DirectorySize[];
  largestFiles: FileSize[];
  /** Entries (other than folders) that no package and no kernel archive provides. */
  unowned: { path: string; type: ListedEntry['type']; bytes: number }[];
  removeFiles: { layers: { layer: string; paths: number; bytes: number }[]; paths: number; bytes: number };
  /** Every regular file, by path: what the treemap draws. */
  files: FileSize[];
  /** What the kernel.modules rules asked for and did not get (initrds with modules only). */
  modules?: ModuleGaps;
}

/** From the modules archive's modules.json: firmware the host lacks, excludes that dependencies undid. */
export interface ModuleGaps {
  missingFirmware: { module: string; files: string[] }[];
  undoneExcludes: { rule: string; modules: string[]; pulledBackBy: string[] }[];
}

export interface SizeReportInput {
  recipe: string;
  image: string;
  sha256: string;
  compressedSize: number;
  entries: readonly Pick<ListedEntry, 'name' | 'type' | 'size'>[];
  ownership: Ownership;
  /** The manifest's package list. */
  packages: readonly { nevra: string; installSize: number; layer: string }[];
  /** The paths the kernel modules archive provides, its kernel version, and what its rules did not get. */
  kernel?: { version: string; paths: ReadonlySet<string>; gaps?: ModuleGaps };
  /** removedByRemoveFiles of each layer of the chain, root first. */
  removed: readonly { layer: string; paths: number; bytes: number }[];
  /** How many of the largest files to list (default 25). */
  top?: number;
}

export const NOT_FROM_A_PACKAGE = 'not from a package';

export function kernelOwner(version: string): string {
  return `kernel modules ${version}`;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

const bySizeThenName = <T extends { bytes: number }>(key: (t: T) => string) => (a: T, b: T): number => b.bytes - a.bytes || byteOrder(key(a), key(b));

export function buildSizeReport(input: SizeReportInput): SizeReport {
  // The kernel unpacks archives in order, so a later entry of the same name wins.
  const last = new Map<string, Pick<ListedEntry, 'name' | 'type' | 'size'>>();
  for (const entry of input.entries) last.set(entry.name, entry);
  const entries = [...last.values()].sort((a, b) => byteOrder(a.name, b.name));

  const owners = new Map<string, OwnerSize>();
  for (const p of input.packages) owners.set(p.nevra, { owner: p.nevra, kind: 'package', layer: p.layer, files: 0, bytes: 0, installSize: p.installSize });
  const ownerOf = (path: string): OwnerSize => {
    if (input.kernel?.paths.has(path)) {
      const name = kernelOwner(input.kernel.version);
      if (!owners.has(name)) owners.set(name, { owner: name, kind: 'kernel', layer: null, files: 0, bytes: 0, installSize: null });
      return owners.get(name) as OwnerSize;
    }
    const nevra = input.ownership.get(path)?.[0];
    if (nevra !== undefined) {
      if (!owners.has(nevra)) owners.set(nevra, { owner: nevra, kind: 'package', layer: null, files: 0, bytes: 0, installSize: null });
      return owners.get(nevra) as OwnerSize;
    }
    if (!owners.has(NOT_FROM_A_PACKAGE)) owners.set(NOT_FROM_A_PACKAGE, { owner: NOT_FROM_A_PACKAGE, kind: 'strata', layer: null, files: 0, bytes: 0, installSize: null });
    return owners.get(NOT_FROM_A_PACKAGE) as OwnerSize;
  };

  const totals = { entries: entries.length, files: 0, directories: 0, symlinks: 0, other: 0, bytes: 0 };
  const files: FileSize[] = [];
  const directories = new Map<string, DirectorySize>();
  const unowned: SizeReport['unowned'] = [];
  for (const entry of entries) {
    if (entry.type === 'directory') {
      totals.directories += 1;
      continue;
    }
    const owner = ownerOf(entry.name);
    if (owner.kind === 'strata') unowned.push({ path: entry.name, type: entry.type, bytes: entry.type === 'file' ? entry.size : 0 });
    if (entry.type === 'symlink') totals.symlinks += 1;
    if (entry.type !== 'file') {
      if (entry.type !== 'symlink') totals.other += 1;
      continue;
    }
    totals.files += 1;
    totals.bytes += entry.size;
    owner.files += 1;
    owner.bytes += entry.size;
    files.push({ path: entry.name, bytes: entry.size, owner: owner.owner });
    const dir = parentOf(entry.name);
    const d = directories.get(dir) ?? { path: dir, files: 0, bytes: 0 };
    d.files += 1;
    d.bytes += entry.size;
    directories.set(dir, d);
  }

  const removedLayers = input.removed.map((r) => ({ layer: r.layer, paths: r.paths, bytes: r.bytes }));
  return {
    reportVersion: SIZE_REPORT_VERSION,
    recipe: input.recipe,
    image: input.image,
    sha256: input.sha256,
    compressedSize: input.compressedSize,
    totals,
    owners: [...owners.values()].sort(bySizeThenName((o) => o.owner)),
    directories: [...directories.values()].sort(bySizeThenName((d) => d.path)),
    largestFiles: [...files].sort(bySizeThenName((f) => f.path)).slice(0, input.top ?? 25),
    unowned,
    removeFiles: { layers: removedLayers, paths: removedLayers.reduce((n, r) => n + r.paths, 0), bytes: removedLayers.reduce((n, r) => n + r.bytes, 0) },
    files,
    ...(input.kernel?.gaps ? { modules: input.kernel.gaps } : {}),
  };
}

/** The report as terminal tables: packages, directories, largest files, unowned files, removeFiles. */
export function formatSizeReport(r: SizeReport, c: Colors, options: { rows?: number } = {}): string {
  const rows = options.rows ?? 15;
  const out: string[] = [];
  const right = (text: string, style?: (s: string) => string): Cell => ({ text, align: 'right', style });
  const more = (count: number, what: string): void => {
    if (count > rows) out.push(c.dim(`  … and ${count - rows} more ${what} (all in size-report.json)`));
  };
  out.push(
    `${c.bold.cyan(r.recipe)}: ${r.image} ${c.bold(formatBytes(r.compressedSize))} compressed; ${formatBytes(r.totals.bytes)} in ${r.totals.files} files, ` +
      `${r.totals.symlinks} symlinks, ${r.totals.directories} folders`,
  );

  out.push(BLANK_LINE, c.bold.underline('Packages'));
  out.push(
    ...formatTable(
      [
        [{ text: 'package', style: c.dim }, { text: 'layer', style: c.dim }, right('files', c.dim), right('bytes', c.dim), right('share', c.dim), right('rpm size', c.dim)],
        ...r.owners.slice(0, rows).map((o): Cell[] => [
          { text: o.owner, style: o.kind === 'package' ? undefined : o.kind === 'kernel' ? c.magenta : c.yellow },
          { text: o.layer ?? (o.kind === 'kernel' ? '(modules)' : '(strata)'), style: c.dim },
          right(String(o.files)),
          right(formatBytes(o.bytes), c.bold),
          right(percent(o.bytes, r.totals.bytes)),
          right(o.installSize === null ? '' : formatBytes(o.installSize), c.dim),
        ]),
      ],
      '  ',
    ),
  );
  more(r.owners.length, 'packages');

  out.push(BLANK_LINE, c.bold.underline('Directories'));
  out.push(...formatTable(r.directories.slice(0, rows).map((d): Cell[] => [d.path, right(plural(d.files, 'file')), right(formatBytes(d.bytes), c.bold), right(percent(d.bytes, r.totals.bytes))]), '  '));
  more(r.directories.length, 'directories');

  out.push(BLANK_LINE, c.bold.underline('Largest files'));
  out.push(...formatTable(r.largestFiles.slice(0, rows).map((f): Cell[] => [f.path, right(formatBytes(f.bytes), c.bold), { text: f.owner, style: c.dim }]), '  '));

  out.push(BLANK_LINE, c.bold.underline(`Not from any package (${r.unowned.length})`));
  out.push(...(r.unowned.length > 0 ? formatTable(r.unowned.slice(0, rows).map((u): Cell[] => [u.path, { text: u.type, style: c.dim }, right(formatBytes(u.bytes))]), '  ') : ['  (none)']));
  more(r.unowned.length, 'paths');

  if (r.modules && (r.modules.missingFirmware.length > 0 || r.modules.undoneExcludes.length > 0)) {
    out.push(BLANK_LINE, c.bold.underline('Kernel modules: asked for, not got'));
    for (const undone of r.modules.undoneExcludes) out.push(`  ${c.yellow(undone.rule)} undone by dependencies: ${undone.modules.join(', ')} ${c.dim(`(needed by ${undone.pulledBackBy.join(', ')})`)}`);
    const firmware = r.modules.missingFirmware;
    if (firmware.length > 0) {
      out.push(`  firmware not on the build host, for ${plural(firmware.length, 'module')}:`);
      out.push(...formatTable(firmware.slice(0, rows).map((m): Cell[] => [m.module, right(plural(m.files.length, 'file'), c.dim), { text: m.files.slice(0, 2).join(', ') + (m.files.length > 2 ? ', …' : ''), style: c.dim }]), '    '));
      more(firmware.length, 'modules');
    }
  }

  const saved = r.removeFiles.layers.filter((l) => l.paths > 0).map((l) => `${l.layer}: ${plural(l.paths, 'path')}, ${formatBytes(l.bytes)}`);
  out.push(BLANK_LINE, `${c.bold.underline('removeFiles')} saved ${c.bold(formatBytes(r.removeFiles.bytes))} in ${plural(r.removeFiles.paths, 'path')}${saved.length > 0 ? ` (${saved.join('; ')})` : ''}`);
  return `${out.join('\n')}\n`;
}
