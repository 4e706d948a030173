/**
 * Reading archives: the streaming parser (archive-parser.ts) and the file-level helpers built on
 * it, listing and extracting.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readArchiveFile } from './archive-parser';
import type { EntryType } from './newc';
import type { ReadOptions, SegmentCompression } from './archive-parser';
import { TreeWriter, type ExtractOptions, type ExtractSummary } from './tree-writer';

export { readArchive, readArchiveFile, type ArchiveEntry, type ArchiveSource, type ReadOptions, type SegmentCompression, type ExternalCompression, type ExternalDecompressor } from './archive-parser';
export type { ExtractOptions, ExtractSummary } from './tree-writer';

export interface ListedEntry {
  archive: number;
  compression: SegmentCompression;
  segmentOffset: number;
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  nlink: number;
  ino: number;
  rdevMajor: number;
  rdevMinor: number;
  symlinkTarget?: string;
}

/** The entries of an archive file (any concatenation readArchive accepts), without file contents. */
export async function listArchive(path: string, options: Pick<ReadOptions, 'decompress'> = {}): Promise<ListedEntry[]> {
  const listed: ListedEntry[] = [];
  for await (const entry of readArchiveFile(path, { ...options, withData: (e) => e.type === 'symlink' })) {
    const { archive, compression, segmentOffset, name, type, mode, uid, gid, size, mtime, nlink, ino, rdevMajor, rdevMinor } = entry;
    listed.push({ archive, compression, segmentOffset, name, type, mode, uid, gid, size, mtime, nlink, ino, rdevMajor, rdevMinor, ...(entry.data ? { symlinkTarget: entry.data.toString() } : {}) });
  }
  return listed;
}

/** Extract an archive file (any concatenation readArchive accepts) into destDir, which is created if missing. */
export async function extractArchive(path: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractSummary> {
  const destination = resolve(destDir);
  await mkdir(destination, { recursive: true });
  const writer = new TreeWriter(destination, options.preserveOwner ?? process.getuid?.() === 0, options.deviceNodes);
  try {
    for await (const entry of readArchiveFile(path)) await writer.add(entry);
  } finally {
    // Let started creations end before reporting, so no work continues after a failure is thrown.
    await writer.drain();
  }
  return writer.finish();
}

/**
 * Extract a whole archive or fail: entries that cannot be recreated here (device nodes without
 * root, sockets) would silently be missing from every layer built on the tree.
 */
export async function extractArchiveCompletely(path: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractSummary> {
  const summary = await extractArchive(path, destDir, options);
  if (summary.skipped.length > 0) {
    const shown = summary.skipped.slice(0, 5).join(', ');
    throw new Error(`${path}: ${summary.skipped.length} entries could not be recreated (${shown}${summary.skipped.length > 5 ? ', …' : ''}): device nodes need root, and sockets cannot be made from an archive; build as root, or list them in removeFiles`);
  }
  return summary;
}
