import type { BigIntStats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { InodeRenumbering, orderHardlinks } from './hardlinks';
import { BLOCK_SIZE, S_IFBLK, S_IFCHR, S_IFLNK, S_IFMT, S_IFREG, encodeHeader, paddingAfter, trailerHeader, type CpioEntry, type DeviceNode } from './newc';
import { joinPath, listTreePaths, mapOrdered } from './tree-walk';

/** File contents are read in pieces of this size, so memory does not grow with file size. */
const READ_CHUNK = 256 * 1024;
/** Small pieces (headers, small files) are gathered into output buffers of about this size. */
const BATCH_BYTES = 64 * 1024;
/** Entries inspected ahead of the one being written (lstat, readlink, small file contents). */
const LOOKAHEAD = 32;
/** Files up to this size are read during lookahead, in parallel; larger ones stream when written. */
const PREFETCH_MAX = 64 * 1024;
const MAX_SIZE = 0xffffffff;

/** Gathers small buffers into larger ones; large buffers pass through without a copy. */
class OutputBatcher {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Buffers ready to emit after adding `chunk`. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length >= BATCH_BYTES) return [...this.flush(), chunk];
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    return this.pendingBytes >= BATCH_BYTES ? this.flush() : [];
  }

  flush(): Buffer[] {
    if (this.pending.length === 0) return [];
    const out = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return [out];
  }
}

function displayName(name: string | Buffer): string {
  return typeof name === 'string' ? name : name.toString();
}

async function* entryData(entry: CpioEntry): AsyncIterable<Buffer> {
  const { data } = entry;
  if (entry.size > 0 && data === undefined) throw new Error(`cpio entry ${displayName(entry.name)}: size ${entry.size} but no data`);
  if (data === undefined) return;
  if (Buffer.isBuffer(data)) yield data;
  else yield* data();
}

/**
 * Serialize entries as a newc archive, exactly in the order given, followed by the trailer and
 * zero padding to a 512-byte block. Data streams through in the chunks its source yields, so this
 * also packs generated content (a Buffer, or a function returning a Readable) without temp files.
 */
export async function* writeCpioEntries(entries: AsyncIterable<CpioEntry> | Iterable<CpioEntry>): AsyncIterable<Buffer> {
  const batcher = new OutputBatcher();
  let offset = 0;
  const emit = (chunk: Buffer): Buffer[] => {
    offset += chunk.length;
    return batcher.push(chunk);
  };
  for await (const entry of entries) {
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name) : entry.name;
    if (entry.size > MAX_SIZE) throw new Error(`cpio entry ${displayName(entry.name)}: ${entry.size} bytes do not fit a newc archive (at most 4 GiB - 1 per entry)`);
    const header = { ...entry, devMajor: entry.devMajor ?? 0, devMinor: entry.devMinor ?? 0, check: 0 };
    yield* emit(encodeHeader(header, name));
    let written = 0;
    for await (const chunk of entryData(entry)) {
      written += chunk.length;
      if (written > entry.size) throw new Error(`cpio entry ${displayName(entry.name)}: data source gave more than the ${entry.size} bytes of its header`);
      yield* emit(chunk);
    }
    if (written !== entry.size) throw new Error(`cpio entry ${displayName(entry.name)}: header says ${entry.size} bytes, data source gave ${written}`);
    const padding = paddingAfter(entry.size);
    if (padding > 0) yield* emit(Buffer.alloc(padding));
  }
  yield* emit(trailerHeader());
  const blockPadding = paddingAfter(offset, BLOCK_SIZE);
  if (blockPadding > 0) yield* emit(Buffer.alloc(blockPadding));
  yield* batcher.flush();
}

export interface PackOptions {
  /** Clamp modification times: mtime = min(mtime, sourceDateEpoch). */
  sourceDateEpoch?: number;
  /** Record every entry as owned by uid 0, gid 0 (like GNU cpio --owner 0:0). */
  forceRootOwner?: boolean;
  /** Device nodes the tree does not hold, added in name order as if they were in it. */
  devices?: readonly DeviceNode[];
}

/** glibc's dev_t layout: 12 bits of major and 20 of minor, split across the 64-bit value. */
export function splitDeviceNumber(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** The header GNU `cpio -o -H newc --reproducible` writes for a file with these stats. */
export function entryFromStat(name: Buffer, stats: BigIntStats, ino: number, options: PackOptions): Omit<CpioEntry, 'size' | 'data'> {
  const mode = Number(stats.mode);
  const type = mode & S_IFMT;
  const seconds = Math.max(0, Number(stats.mtimeNs / 1_000_000_000n));
  const mtime = options.sourceDateEpoch === undefined ? seconds : Math.min(seconds, options.sourceDateEpoch);
  const rdev = type === S_IFCHR || type === S_IFBLK ? splitDeviceNumber(stats.rdev) : { major: 0, minor: 0 };
  return {
    name,
    mode,
    uid: options.forceRootOwner ? 0 : Number(stats.uid),
    gid: options.forceRootOwner ? 0 : Number(stats.gid),
    nlink: Number(stats.nlink),
    mtime,
    ino,
    rdevMajor: rdev.major,
    rdevMinor: rdev.minor,
  };
}

/**
 * Stream a file's contents, failing if it no longer has the size lstat reported. The read that
 * reaches the expected end asks for one byte more, which notices a file that grew without an
 * extra fstat per file.
 */
async function* readFileChunks(path: Buffer, size: number): AsyncIterable<Buffer> {
  const handle = await open(path, 'r');
  try {
    let remaining = size;
    let endChecked = false;
    while (remaining > 0 || !endChecked) {
      const length = Math.min(remaining + 1, READ_CHUNK);
      endChecked = length === remaining + 1;
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(chunk, 0, length, null);
      if (bytesRead > remaining) throw new Error(`${path.toString()} grew while being packed (expected ${size} bytes)`);
      if (bytesRead === 0 && remaining > 0) throw new Error(`${path.toString()} shrank while being packed (expected ${size} bytes)`);
      remaining -= bytesRead;
      if (bytesRead > 0) yield chunk.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function readWholeFile(path: Buffer, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of readFileChunks(path, size)) parts.push(chunk);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}

/**
 * The entries of a directory tree in the order and with the numbering GNU cpio uses for
 * `find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | cpio -o -H newc --reproducible`:
 * bytewise-sorted names, inodes renumbered from 0, filesystem device zeroed, hard links held
 * back until their group is complete. Exposed so callers can add generated entries.
 */
export async function* directoryEntries(root: string, options: PackOptions = {}): AsyncIterable<CpioEntry> {
  const rootBytes = Buffer.from(root);
  let paths = await listTreePaths(root);
  // A name the tree holds itself (a recipe's file put there later) wins over a device node.
  const onDisk = options.devices?.length ? new Set(paths.map((path) => path.toString())) : new Set<string>();
  const devices = new Map((options.devices ?? []).filter((device) => !onDisk.has(device.name)).map((device) => [device.name, device]));
  if (devices.size > 0) paths = [...paths, ...[...devices.keys()].map((name) => Buffer.from(name))].sort(Buffer.compare);
  const inodes = new InodeRenumbering();
  const inspected = mapOrdered(paths, LOOKAHEAD, async (name) => {
    const device = devices.get(name.toString());
    if (device) return { name, device } as const;
    const path = joinPath(rootBytes, name);
    const stats = await lstat(path, { bigint: true });
    const size = Number(stats.size);
    let data: Buffer | undefined;
    if (stats.isSymbolicLink()) data = await readlink(path, { encoding: 'buffer' });
    // Hard-linked files may be held back until their group completes, so their data is read only when written.
    else if (stats.isFile() && stats.nlink === 1n && size <= PREFETCH_MAX) data = size === 0 ? Buffer.alloc(0) : await readWholeFile(path, size);
    return { name, path, stats, size, data };
  });
  async function* inOrder(): AsyncIterable<CpioEntry> {
    for await (const item of inspected) {
      if ('device' in item && item.device) {
        const { name, device } = item;
        const mtime = options.sourceDateEpoch === undefined ? device.mtime : Math.min(device.mtime, options.sourceDateEpoch);
        const ino = inodes.assign({ dev: 0n, ino: 0n, nlink: 1, isDirectory: false });
        yield { name, mode: device.mode, uid: options.forceRootOwner ? 0 : device.uid, gid: options.forceRootOwner ? 0 : device.gid, nlink: 1, mtime, ino, rdevMajor: device.rdevMajor, rdevMinor: device.rdevMinor, size: 0 };
        continue;
      }
      const { name, path, stats, size, data } = item as Exclude<typeof item, { device: DeviceNode }>;
      const ino = inodes.assign({ dev: stats.dev, ino: stats.ino, nlink: Number(stats.nlink), isDirectory: stats.isDirectory() });
      const header = entryFromStat(name, stats, ino, options);
      const type = header.mode & S_IFMT;
      if (type === S_IFLNK && data) yield { ...header, size: data.length, data };
      else if (type === S_IFREG) yield { ...header, size, data: data ?? (() => readFileChunks(path, size)) };
      else yield { ...header, size: 0 };
    }
  }
  yield* orderHardlinks(inOrder());
}

/** A directory tree as a newc archive, streamed: memory holds the sorted name list and a few buffers. */
export function packDirectory(root: string, options: PackOptions = {}): AsyncIterable<Buffer> {
  return writeCpioEntries(directoryEntries(root, options));
}
