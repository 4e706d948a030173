/**
 * Listing an initrd like lsinitrd: one line per entry (mode string, owner, size, mtime, name,
 * symlink target), grouped by the archive of the concatenation it sits in. Pure formatting here;
 * reading the file is in read-image.ts.
 */
import type { ListedEntry, SegmentCompression } from '@strata/cpio';
import { BLANK_LINE, formatBytes, formatTable, type Cell, type Colors } from './text';

const TYPE_CHAR: Record<ListedEntry['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  char: 'c',
  block: 'b',
  fifo: 'p',
  socket: 's',
};

/** "drwxr-xr-x", with setuid/setgid/sticky as ls shows them. */
export function modeString(type: ListedEntry['type'], mode: number): string {
  const bits = 'rwxrwxrwx'.split('').map((ch, i) => (mode & (1 << (8 - i)) ? ch : '-'));
  const special = (index: number, flag: number, set: string): void => {
    if (mode & flag) bits[index] = bits[index] === 'x' ? set : set.toUpperCase();
  };
  special(2, 0o4000, 's');
  special(5, 0o2000, 's');
  special(8, 0o1000, 't');
  return TYPE_CHAR[type] + bits.join('');
}

/** Seconds since the epoch as "YYYY-MM-DD HH:MM" in UTC (images clamp times to SOURCE_DATE_EPOCH). */
export function formatMtime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

function ownerName(id: number): string {
  return id === 0 ? 'root' : String(id);
}

/** One archive of the concatenation: its entries and what it probably holds. */
export interface ArchiveSummary {
  index: number;
  entries: number;
  /** Bytes of regular file data. */
  bytes: number;
  /** Early microcode, kernel modules, userspace (it has /init), or files. */
  role: string;
}

/** One segment of the file: a run of archives stored the same way (one compressed stream), from one offset. */
export interface SegmentSummary {
  offset: number;
  compression: SegmentCompression;
  archives: ArchiveSummary[];
}

export interface ImageListing {
  file: string;
  fileSize: number;
  segments: SegmentSummary[];
  entries: ListedEntry[];
}

function roleOf(entries: readonly ListedEntry[]): string {
  const files = entries.filter((e) => e.type === 'file');
  const all = (test: RegExp): boolean => files.length > 0 && files.every((e) => test.test(e.name));
  if (all(/^kernel\/x86\/microcode\//)) return 'early microcode';
  if (all(/^kernel\//)) return 'early firmware';
  if (all(/^(usr\/)?lib\/(modules|firmware)\//)) return 'kernel modules';
  if (entries.some((e) => e.name === 'init' || e.name === 'etc/initrd-release')) return 'userspace';
  return 'files';
}

function group<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups: { key: string; items: T[] }[] = [];
  for (const item of items) {
    const k = key(item);
    const last = groups[groups.length - 1];
    if (last && last.key === k) last.items.push(item);
    else groups.push({ key: k, items: [item] });
  }
  return groups.map((g) => g.items);
}

/** Group the entries into segments (same compression and start), and those into archives. */
export function summarizeSegments(entries: readonly ListedEntry[]): SegmentSummary[] {
  return group(entries, (e) => `${e.segmentOffset}:${e.compression}`).map((segment) => ({
    offset: segment[0].segmentOffset,
    compression: segment[0].compression,
    archives: group(segment, (e) => String(e.archive)).map((archive) => ({
      index: archive[0].archive,
      entries: archive.length,
      bytes: archive.reduce((sum, e) => sum + (e.type === 'file' ? e.size : 0), 0),
      role: roleOf(archive),
    })),
  }));
}

function describeCompression(compression: SegmentCompression): string {
  return compression === 'none' ? 'uncompressed' : `${compression} stream`;
}

export function formatArchiveHeading(segment: SegmentSummary, archive: ArchiveSummary): string {
  const where = `${describeCompression(segment.compression)} at byte ${segment.offset}`;
  return `archive ${archive.index} (${where}): ${archive.entries} entries, ${formatBytes(archive.bytes)} of files — ${archive.role}`;
}

/** One row per entry, as lsinitrd / `cpio -tv` print them, plus the archive index. */
export function entryRow(e: ListedEntry, c: Colors): Cell[] {
  const size = e.type === 'char' || e.type === 'block' ? `${e.rdevMajor}, ${e.rdevMinor}` : String(e.size);
  const name = e.type === 'directory' ? c.blue.bold(e.name) : e.type === 'symlink' ? c.cyan(e.name) : e.mode & 0o111 && e.type === 'file' ? c.green(e.name) : e.name;
  return [
    { text: `#${e.archive}`, style: c.dim },
    modeString(e.type, e.mode),
    { text: String(e.nlink), align: 'right' },
    ownerName(e.uid),
    ownerName(e.gid),
    { text: size, align: 'right' },
    { text: formatMtime(e.mtime), style: c.dim },
    `${name}${e.symlinkTarget !== undefined ? ` -> ${e.symlinkTarget}` : ''}`,
  ];
}

/** The whole listing as text: a heading for the file, then each archive with its entries. */
export function formatListing(listing: ImageListing, c: Colors): string {
  const archives = listing.segments.reduce((n, s) => n + s.archives.length, 0);
  const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  const out = [c.bold(`${listing.file}: ${formatBytes(listing.fileSize)}, ${listing.entries.length} ${listing.entries.length === 1 ? 'entry' : 'entries'} in ${plural(archives, 'archive')}, ${plural(listing.segments.length, 'segment')}`)];
  const rows = formatTable(listing.entries.map((e) => entryRow(e, c)));
  let row = 0;
  for (const segment of listing.segments) {
    for (const archive of segment.archives) {
      out.push(BLANK_LINE, c.yellow(`== ${formatArchiveHeading(segment, archive)}`));
      out.push(...rows.slice(row, row + archive.entries));
      row += archive.entries;
    }
  }
  return `${out.join('\n')}\n`;
}

/** The listing as JSON-able data. */
export function listingJson(listing: ImageListing): object {
  return {
    file: listing.file,
    fileSize: listing.fileSize,
    segments: listing.segments,
    entries: listing.entries.map((e) => ({
      archive: e.archive,
      compression: e.compression,
      segmentOffset: e.segmentOffset,
      mode: modeString(e.type, e.mode),
      type: e.type,
      uid: e.uid,
      gid: e.gid,
      nlink: e.nlink,
      size: e.size,
      mtime: e.mtime,
      name: e.name,
      ...(e.type === 'char' || e.type === 'block' ? { rdev: [e.rdevMajor, e.rdevMinor] } : {}),
      ...(e.symlinkTarget !== undefined ? { target: e.symlinkTarget } : {}),
    })),
  };
}
