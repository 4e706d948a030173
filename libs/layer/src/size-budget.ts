import { parseNevra } from '@strata/rpm';

/**
 * output.maxSize: a recipe's budget for its image, checked when the image is built. Pure: the
 * build passes the new manifest and, when there is one, the last build's.
 */
const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** "28 MiB", "30MB", "512 KiB", "1.5 GB" or a plain number of bytes -> bytes. */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?$/i);
  if (!match) throw new Error(`"${text}" is not a size: write a number and a unit, such as "28 MiB" or "30 MB"`);
  return Math.round(Number(match[1]) * UNITS[(match[2] ?? 'B').toUpperCase()]);
}

export interface SizedImage {
  compressedSize: number;
  packages: readonly { nevra: string; installSize: number }[];
}

/** 1.5 MB, 12.3 kB, 399 bytes: a budget is often broken by little. */
function mb(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/** Installed size per package name (a version change is the same package growing). */
function byName(image: SizedImage): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const pkg of image.packages) sizes.set(parseNevra(pkg.nevra).name, pkg.installSize);
  return sizes;
}

/**
 * What grew most against the previous build, by installed size: new packages count whole.
 * Without a previous build, the largest packages.
 */
export function growth(image: SizedImage, previous: SizedImage | undefined, limit = 5): string[] {
  const now = byName(image);
  if (!previous) {
    return [...now].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([name, size]) => `${name} ${mb(size)}`);
  }
  const before = byName(previous);
  return [...now]
    .map(([name, size]) => ({ name, delta: size - (before.get(name) ?? 0), added: !before.has(name) }))
    .filter((change) => change.delta > 0)
    .sort((a, b) => b.delta - a.delta)
    .slice(0, limit)
    .map((change) => `${change.name} +${mb(change.delta)}${change.added ? ' (new)' : ''}`);
}

/** Why the image breaks its budget (undefined: it fits). */
export function sizeBudgetProblem(image: SizedImage, maxSize: string | number, previous?: { manifest: SizedImage; file: string }): string | undefined {
  const budget = parseSize(maxSize);
  if (image.compressedSize <= budget) return undefined;
  const over = `the image is ${image.compressedSize} bytes (${mb(image.compressedSize)}), over output.maxSize ${maxSize} by ${mb(image.compressedSize - budget)}`;
  const grown = growth(image, previous?.manifest);
  if (previous) {
    const since = `since the last build (${previous.file}, ${mb(previous.manifest.compressedSize)})`;
    return grown.length > 0 ? `${over}; grew most ${since}, installed: ${grown.join(', ')}` : `${over}; no package grew ${since}`;
  }
  return `${over}; the largest packages, installed: ${grown.join(', ')}`;
}
