import type { FileSize, SizeReport } from './size-report';
import { formatBytes, formatTable, type Cell, type Colors } from './text';

/**
 * What a profiled boot used of the image: per package and per file, read before switch-root or
 * never touched, and what removing the untouched files would save. A guide, not a rule: the
 * emergency shell, other storage stacks, other hardware and failure paths read other files.
 */
export const BOOT_USAGE_CAVEAT =
  'A guide, not a rule: one boot read these files. The emergency shell, other storage stacks, other hardware and the failure paths read others, so remove only what none of them needs, and boot-test every variant after.';

export interface PackageUsage {
  owner: string;
  files: number;
  bytes: number;
  usedFiles: number;
  usedBytes: number;
  /** The package's files the boot read, largest first. */
  read: FileSize[];
  /** The package's files the boot never read, largest first. */
  untouched: FileSize[];
  untouchedBytes: number;
}

export interface BootUsage {
  recipe: string;
  sha256: string;
  /** The boot variants whose profiles were merged (a file used by any of them counts as used). */
  variants: string[];
  files: number;
  bytes: number;
  usedFiles: number;
  usedBytes: number;
  untouchedBytes: number;
  /** untouchedBytes at the image's own compression ratio: what removing them would save, roughly. */
  untouchedCompressedEstimate: number;
  /** Most untouched bytes first. */
  packages: PackageUsage[];
  /** Files the profile names that the image does not hold (written at boot, or from another build). */
  unknown: string[];
  /** Files counted as read because the profiler itself ran them (bash, stat). */
  profilerOwn: string[];
  caveat: string;
}

/** Merge the profiles' used paths against the report's files. Profiles of another image are refused by the caller. */
export function bootUsage(report: SizeReport, profiles: readonly { variant: string; used: readonly string[]; profilerOwn?: readonly string[] }[]): BootUsage {
  const used = new Set(profiles.flatMap((p) => p.used));
  const known = new Set(report.files.map((f) => f.path));
  const byOwner = new Map<string, PackageUsage>();
  for (const file of report.files) {
    let usage = byOwner.get(file.owner);
    if (!usage) byOwner.set(file.owner, (usage = { owner: file.owner, files: 0, bytes: 0, usedFiles: 0, usedBytes: 0, read: [], untouched: [], untouchedBytes: 0 }));
    usage.files += 1;
    usage.bytes += file.bytes;
    if (used.has(file.path)) {
      usage.usedFiles += 1;
      usage.usedBytes += file.bytes;
      usage.read.push(file);
    } else {
      usage.untouched.push(file);
      usage.untouchedBytes += file.bytes;
    }
  }
  const largestFirst = (files: FileSize[]): FileSize[] => [...files].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1));
  const packages = [...byOwner.values()].map((p) => ({ ...p, read: largestFirst(p.read), untouched: largestFirst(p.untouched) }));
  packages.sort((a, b) => b.untouchedBytes - a.untouchedBytes || (a.owner < b.owner ? -1 : 1));
  const sum = (pick: (p: PackageUsage) => number): number => packages.reduce((total, p) => total + pick(p), 0);
  const bytes = sum((p) => p.bytes);
  const untouchedBytes = sum((p) => p.untouchedBytes);
  return {
    recipe: report.recipe,
    sha256: report.sha256,
    variants: [...new Set(profiles.map((p) => p.variant))].sort(),
    files: sum((p) => p.files),
    bytes,
    usedFiles: sum((p) => p.usedFiles),
    usedBytes: sum((p) => p.usedBytes),
    untouchedBytes,
    untouchedCompressedEstimate: bytes > 0 ? Math.round((untouchedBytes * report.compressedSize) / report.totals.bytes) : 0,
    packages,
    unknown: [...used].filter((path) => !known.has(path)).sort(),
    profilerOwn: [...new Set(profiles.flatMap((p) => p.profilerOwn ?? []))].sort(),
    caveat: BOOT_USAGE_CAVEAT,
  };
}

/** Why the profiler's own programs are in the list. */
export function profilerNote(u: BootUsage): string {
  return `${u.profilerOwn.join(' and ')} count as read: the profile runs them to list the files.`;
}

/** The boot profile as terminal lines: the totals, then the packages with the most untouched bytes. */
export function formatBootUsage(u: BootUsage, c: Colors, options: { rows?: number } = {}): string {
  const rows = options.rows ?? 15;
  const right = (text: string, style?: (s: string) => string): Cell => ({ text, align: 'right', style });
  const out = [
    c.bold.underline(`Boot profile (${u.variants.join(', ')})`),
    `  the boot read ${c.bold(String(u.usedFiles))} of ${u.files} files (${formatBytes(u.usedBytes)} of ${formatBytes(u.bytes)}); ` +
      `the untouched ${c.bold(formatBytes(u.untouchedBytes))} are about ${formatBytes(u.untouchedCompressedEstimate)} of the compressed image`,
    ...formatTable(
      [
        [{ text: 'package', style: c.dim }, right('files read', c.dim), right('bytes read', c.dim), right('untouched', c.dim), { text: 'largest untouched files', style: c.dim }],
        ...u.packages.filter((p) => p.untouchedBytes > 0).slice(0, rows).map((p): Cell[] => [
          p.owner,
          right(`${p.usedFiles}/${p.files}`),
          right(formatBytes(p.usedBytes)),
          right(formatBytes(p.untouchedBytes), c.bold),
          { text: p.untouched.slice(0, 2).map((f) => f.path).join(', ') + (p.untouched.length > 2 ? ', …' : ''), style: c.dim },
        ]),
      ],
      '  ',
    ),
    c.dim(`  ${u.caveat}`),
    ...(u.profilerOwn.length > 0 ? [c.dim(`  ${profilerNote(u)}`)] : []),
  ];
  return `${out.join('\n')}\n`;
}
