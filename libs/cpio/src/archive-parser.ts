import { createReadStream } from 'node:fs';
import { ByteReader } from './byte-reader';
import { gunzipMember, isGzip } from './gzip-member';
import { HEADER_LENGTH, S_IFMT, S_IFREG, TRAILER_NAME, byteSum, entryType, paddingAfter, parseHeader, type EntryType, type ParsedHeader } from './newc';
import { decompressZstdFrames, isSkippableFrame, isZstdFrame } from './zstd-frames';

/** The kernel refuses longer names; a larger name size means a corrupt header, not a name to buffer. */
const PATH_MAX = 4096;

/** A Buffer, or any stream of chunks (a Node Readable qualifies). */
export type ArchiveSource = Buffer | AsyncIterable<Buffer | Uint8Array | string>;

/** How the segment holding an archive is stored: the reader decodes zstd and gzip itself, the rest through ReadOptions.decompress. */
export type SegmentCompression = 'none' | 'zstd' | 'gzip' | ExternalCompression;
export type ExternalCompression = 'xz' | 'lzma' | 'bzip2' | 'lz4' | 'lzo';

/** Decodes data the reader has no decoder for: gets the rest of the input, yields its decompressed bytes. */
export type ExternalDecompressor = (compression: ExternalCompression, rest: AsyncIterable<Buffer>) => AsyncIterable<Buffer>;

export interface ArchiveEntry extends ParsedHeader {
  /** Which archive of a concatenation the entry is in, from 0; inode numbers are only unique within one. */
  archive: number;
  /** The compression of the segment holding the archive, and the input offset where that segment starts. */
  compression: SegmentCompression;
  segmentOffset: number;
  /** The name decoded as UTF-8; nameBytes holds it exactly as stored. */
  name: string;
  nameBytes: Buffer;
  type: EntryType;
  /** The entry's data (file contents or symlink target), unless ReadOptions.withData declined it. */
  data?: Buffer;
}

export interface ReadOptions {
  /** Which entries' data to load; the rest is skipped without being buffered. Default: all. */
  withData?: (entry: Omit<ArchiveEntry, 'data'>) => boolean;
  /**
   * A decoder for the compressions the kernel accepts but this reader does not decode itself
   * (xz, lzma, bzip2, lz4, lzo). Such a segment has to be the last: its decoder gets the rest of
   * the input. Without one, such data is reported as unsupported.
   */
  decompress?: ExternalDecompressor;
}

interface ReadState {
  archives: number;
  withData: (entry: Omit<ArchiveEntry, 'data'>) => boolean;
  segment: { compression: SegmentCompression; offset: number };
}

const SIGNATURES: [string, (head: Buffer) => boolean][] = [
  ['xz', (h) => h.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))],
  ['bzip2', (h) => h.toString('latin1', 0, 3) === 'BZh'],
  ['lz4', (h) => h.subarray(0, 4).equals(Buffer.from([0x02, 0x21, 0x4c, 0x18]))],
  ['lzo', (h) => h.subarray(0, 4).equals(Buffer.from([0x89, 0x4c, 0x5a, 0x4f]))],
  ['lzma', (h) => h.subarray(0, 3).equals(Buffer.from([0x5d, 0x00, 0x00]))],
  ['cpio odc (070707)', (h) => h.toString('latin1', 0, 6) === '070707'],
];
const EXTERNAL: readonly string[] = ['xz', 'lzma', 'bzip2', 'lz4', 'lzo'] satisfies ExternalCompression[];

function externalCompression(head: Buffer): ExternalCompression | undefined {
  const known = SIGNATURES.find(([, matches]) => matches(head))?.[0];
  return known !== undefined && EXTERNAL.includes(known) ? (known as ExternalCompression) : undefined;
}

function isNewcMagic(head: Buffer): boolean {
  const magic = head.toString('latin1', 0, 6);
  return magic === '070701' || magic === '070702';
}

function unrecognized(head: Buffer, offset: number): Error {
  const known = SIGNATURES.find(([, matches]) => matches(head));
  if (known) return new Error(`unsupported data at offset ${offset}: ${known[0]} (supported: cpio newc/crc, zstd, gzip)`);
  return new Error(`unrecognized data at offset ${offset}: ${head.toString('hex')}`);
}

/** One cpio archive, from its first header through TRAILER!!!. */
async function* readOneArchive(reader: ByteReader, state: ReadState): AsyncIterable<ArchiveEntry> {
  const archive = state.archives++;
  for (;;) {
    const at = reader.offset;
    const header = parseHeaderAt(await reader.read(HEADER_LENGTH, 'cpio header'), at);
    if (header.namesize > PATH_MAX) throw new Error(`cpio entry at offset ${at}: name of ${header.namesize} bytes is longer than PATH_MAX (corrupt header?)`);
    const nameField = await reader.read(header.namesize + paddingAfter(HEADER_LENGTH + header.namesize), 'cpio entry name');
    if (nameField[header.namesize - 1] !== 0) throw new Error(`cpio entry name at offset ${at} is not NUL-terminated`);
    const nameBytes = Buffer.from(nameField.subarray(0, header.namesize - 1));
    const name = nameBytes.toString('utf8');
    const dataLength = header.size + paddingAfter(header.size);
    if (name === TRAILER_NAME) {
      await reader.skip(dataLength, 'trailer');
      return;
    }
    const entry = { ...header, archive, compression: state.segment.compression, segmentOffset: state.segment.offset, name, nameBytes, type: entryType(header.mode) };
    if (!state.withData(entry)) {
      await reader.skip(dataLength, `data of ${name}`);
      yield entry;
      continue;
    }
    const data = await reader.read(header.size, `data of ${name}`);
    await reader.skip(paddingAfter(header.size), `padding of ${name}`);
    if (header.format === 'crc' && (header.mode & S_IFMT) === S_IFREG && byteSum(data) !== header.check) {
      throw new Error(`cpio entry ${name}: checksum mismatch (header ${header.check}, data ${byteSum(data)})`);
    }
    yield { ...entry, data };
  }
}

function parseHeaderAt(bytes: Buffer, offset: number): ParsedHeader {
  try {
    return parseHeader(bytes);
  } catch (error) {
    throw new Error(`at offset ${offset}: ${(error as Error).message}`);
  }
}

/** Archives inside decompressed data: like the kernel, allow several, separated by zero padding. */
async function* readDecompressed(reader: ByteReader, state: ReadState, what: string): AsyncIterable<ArchiveEntry> {
  for (;;) {
    await reader.skipZeros();
    const head = await reader.peek(6);
    if (head.length === 0) return;
    if (!isNewcMagic(head)) throw new Error(`junk within ${what} data at offset ${reader.offset}: ${head.toString('hex')}`);
    yield* readOneArchive(reader, state);
  }
}

/**
 * Entries of every archive in `source`, read the way the Linux kernel unpacks an initrd: any
 * sequence of uncompressed cpio archives and zstd- or gzip-compressed ones, with zero padding in
 * between. Uncompressed archives are streamed; zstd is decoded frame by frame; a gzip member is
 * decoded in memory (its end is only known after inflating, so the rest of the input is buffered).
 */
export async function* readArchive(source: ArchiveSource, options: ReadOptions = {}): AsyncIterable<ArchiveEntry> {
  const reader = Buffer.isBuffer(source) ? ByteReader.fromBuffer(source) : new ByteReader(source);
  const state: ReadState = { archives: 0, withData: options.withData ?? (() => true), segment: { compression: 'none', offset: 0 } };
  for (;;) {
    await reader.skipZeros();
    const head = await reader.peek(6);
    if (head.length === 0) return;
    const offset = reader.offset;
    const external = externalCompression(head);
    if (isNewcMagic(head)) {
      state.segment = { compression: 'none', offset };
      yield* readOneArchive(reader, state);
    } else if (isZstdFrame(head) || isSkippableFrame(head)) {
      state.segment = { compression: 'zstd', offset };
      yield* readDecompressed(new ByteReader(decompressZstdFrames(reader)), state, 'zstd');
    } else if (isGzip(head)) {
      state.segment = { compression: 'gzip', offset };
      const rest = await reader.readRest();
      const { content, consumed } = gunzipMember(rest);
      reader.unread(rest.subarray(consumed));
      yield* readDecompressed(ByteReader.fromBuffer(content), state, 'gzip');
    } else if (external && options.decompress) {
      state.segment = { compression: external, offset };
      yield* readDecompressed(new ByteReader(options.decompress(external, reader.remaining())), state, external);
      return;
    } else {
      throw unrecognized(head, offset);
    }
  }
}

export function readArchiveFile(path: string, options: ReadOptions = {}): AsyncIterable<ArchiveEntry> {
  return readArchive(createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
}
