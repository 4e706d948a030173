/**
 * The cpio "newc" header format (magic 070701) and its checksummed variant "crc" (070702), as the
 * Linux initramfs unpacker and GNU cpio read them: 110 ASCII bytes (magic + 13 eight-digit hex
 * fields), the NUL-terminated name, then the data; header+name and data are each padded to 4 bytes.
 * Pure functions only: no I/O here.
 */

export const NEWC_MAGIC = '070701';
export const CRC_MAGIC = '070702';
export const HEADER_LENGTH = 110;
export const TRAILER_NAME = 'TRAILER!!!';
/** GNU cpio writes whole 512-byte blocks, so its archives (and ours) end zero-padded to 512. */
export const BLOCK_SIZE = 512;
const MAX_FIELD = 0xffffffff;

export type CpioFormat = 'newc' | 'crc';

/** The numeric header fields, in on-disk order. */
export interface NewcHeader {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  /** 0 for newc; for crc, the sum of the data bytes of regular files (mod 2^32). */
  check: number;
}

const FIELD_ORDER = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'size', 'devMajor', 'devMinor', 'rdevMajor', 'rdevMinor', 'namesize', 'check'] as const;

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/**
 * A character or block device described by metadata alone (a package's file list, an archive
 * entry): archives carry such nodes without the tree ever holding them, so no build needs mknod.
 */
export interface DeviceNode {
  /** Relative to the image root, without a leading slash. */
  name: string;
  /** Type bits (S_IFCHR or S_IFBLK) and permissions. */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
}

export type EntryType = 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

const TYPE_BY_BITS = new Map<number, EntryType>([
  [S_IFREG, 'file'],
  [S_IFDIR, 'directory'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'char'],
  [S_IFBLK, 'block'],
  [S_IFIFO, 'fifo'],
  [S_IFSOCK, 'socket'],
]);

export function entryType(mode: number): EntryType {
  const type = TYPE_BY_BITS.get(mode & S_IFMT);
  if (!type) throw new Error(`unknown file type in mode 0${mode.toString(8)}`);
  return type;
}

/** Bytes of zero padding that bring `length` to a multiple of `alignment`. */
export function paddingAfter(length: number, alignment = 4): number {
  return (alignment - (length % alignment)) % alignment;
}

function hexField(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) throw new Error(`cpio newc field ${name} out of range (0..0xffffffff): ${value}`);
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** Header, name, NUL and padding: everything that precedes an entry's data. */
export function encodeHeader(header: NewcHeader, name: Buffer, format: CpioFormat = 'newc'): Buffer {
  if (name.includes(0)) throw new Error(`cpio entry name contains a NUL byte: ${JSON.stringify(name.toString())}`);
  const fields: Record<(typeof FIELD_ORDER)[number], number> = { ...header, namesize: name.length + 1 };
  const text = (format === 'crc' ? CRC_MAGIC : NEWC_MAGIC) + FIELD_ORDER.map((field) => hexField(field, fields[field])).join('');
  const out = Buffer.alloc(HEADER_LENGTH + name.length + 1 + paddingAfter(HEADER_LENGTH + name.length + 1));
  out.write(text, 0, 'latin1');
  name.copy(out, HEADER_LENGTH);
  return out;
}

export function trailerHeader(): Buffer {
  return encodeHeader({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0, check: 0 }, Buffer.from(TRAILER_NAME));
}

export interface ParsedHeader extends NewcHeader {
  format: CpioFormat;
  /** Length of the name including its terminating NUL, as stored. */
  namesize: number;
}

/** Parse the fixed 110-byte part of a header; the name follows it. */
export function parseHeader(bytes: Buffer): ParsedHeader {
  if (bytes.length < HEADER_LENGTH) throw new Error(`truncated cpio header (${bytes.length} of ${HEADER_LENGTH} bytes)`);
  const magic = bytes.toString('latin1', 0, 6);
  if (magic !== NEWC_MAGIC && magic !== CRC_MAGIC) throw new Error(`not a cpio newc/crc header (magic ${JSON.stringify(magic)})`);
  const values: number[] = [];
  for (let i = 0; i < FIELD_ORDER.length; i++) {
    const text = bytes.toString('latin1', 6 + i * 8, 14 + i * 8);
    if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new Error(`malformed cpio header field ${FIELD_ORDER[i]}: ${JSON.stringify(text)}`);
    values.push(parseInt(text, 16));
  }
  const [ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, namesize, check] = values;
  if (namesize < 1) throw new Error('cpio header with an empty name');
  return { format: magic === CRC_MAGIC ? 'crc' : 'newc', ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, namesize, check };
}

/** The crc format's checksum: the byte sum of the data, modulo 2^32. */
export function byteSum(data: Buffer, start = 0): number {
  let sum = start;
  for (let i = 0; i < data.length; i++) sum = (sum + data[i]) >>> 0;
  return sum;
}

/** Where an entry's data comes from: bytes in memory, or a function opening a stream (a Readable qualifies). */
export type DataSource = Buffer | (() => AsyncIterable<Buffer>);

/** One entry for the writer. The device numbers of the containing filesystem default to 0. */
export interface CpioEntry {
  /** Path inside the archive, without a leading "./" or "/". */
  name: string | Buffer;
  /** Full st_mode: file type bits and permissions. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Seconds since the epoch. */
  mtime: number;
  ino: number;
  devMajor?: number;
  devMinor?: number;
  rdevMajor: number;
  rdevMinor: number;
  /** Data length: file contents, or a symlink's target. */
  size: number;
  /** Required when size > 0. */
  data?: DataSource;
}
