import type { CpioEntry } from './newc';
import { directoryEntries, writeCpioEntries, type PackOptions } from './writer';

/** Uncompressed bytes per archive segment: bounds memory while packing a large tree. */
export const DEFAULT_SEGMENT_SIZE = 32 * 1024 * 1024;

export interface SegmentOptions extends PackOptions {
  segmentSize?: number;
}

/** Entries that must stay in one archive: a hard-link group (consecutive, same inode) or one entry. */
async function* linkGroups(entries: AsyncIterable<CpioEntry>): AsyncIterable<CpioEntry[]> {
  let group: CpioEntry[] = [];
  for await (const entry of entries) {
    const sameGroup = group.length > 0 && entry.nlink > 1 && group[0].nlink > 1 && group[0].ino === entry.ino;
    if (group.length > 0 && !sameGroup) {
      yield group;
      group = [];
    }
    group.push(entry);
  }
  if (group.length > 0) yield group;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * A directory tree as a sequence of complete newc archives (each with its trailer), cut between
 * entries once a segment holds `segmentSize` bytes of file data. The kernel unpacks concatenated
 * archives, and each can be compressed as its own zstd frame, which is the unit the kernel's
 * decompressor handles. Hard-link groups never straddle two archives (the kernel forgets links at
 * each trailer). A tree smaller than one segment gives exactly packDirectory's single archive.
 * Each yielded Buffer is one whole archive, so memory is bounded by the segment size (or by the
 * largest single file, when that is bigger).
 */
export async function* packDirectorySegments(root: string, options: SegmentOptions = {}): AsyncIterable<Buffer> {
  const limit = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  let pending: CpioEntry[] = [];
  let pendingBytes = 0;
  let emitted = false;
  for await (const group of linkGroups(directoryEntries(root, options))) {
    const bytes = group.reduce((sum, e) => sum + e.size + 110 + e.name.length, 0);
    if (pending.length > 0 && pendingBytes + bytes > limit) {
      yield await collect(writeCpioEntries(pending));
      emitted = true;
      pending = [];
      pendingBytes = 0;
    }
    // Data of a large file is read only when its archive is written: keep sources lazy.
    pending.push(...group);
    pendingBytes += bytes;
  }
  if (pending.length > 0 || !emitted) yield await collect(writeCpioEntries(pending));
}
