import { decompress } from '@mongodb-js/zstd';
import type { ByteReader } from './byte-reader';

/**
 * Zstandard frame boundaries (RFC 8878), found by walking frame and block headers without
 * decoding. The binding only decompresses whole buffers and rejects trailing bytes, so a zstd
 * segment followed by another archive has to be cut at its last frame first.
 */

const FRAME_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const MAX_FRAME_HEADER = 18; // magic 4 + descriptor 1 + window 1 + dictionary id 4 + content size 8

export function isZstdFrame(head: Buffer): boolean {
  return head.length >= 4 && FRAME_MAGIC.every((byte, i) => head[i] === byte);
}

/** Skippable frames (magic 0x184D2A50..5F) carry metadata a decoder ignores. */
export function isSkippableFrame(head: Buffer): boolean {
  return head.length >= 4 && (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18;
}

export interface FrameHeaderInfo {
  /** Bytes from the magic to the first block header. */
  length: number;
  /** A 4-byte content checksum follows the last block. */
  checksum: boolean;
}

export function parseFrameHeader(head: Buffer): FrameHeaderInfo {
  if (!isZstdFrame(head) || head.length < 5) throw new Error('not a zstd frame');
  const descriptor = head[4];
  if (descriptor & 0x08) throw new Error('zstd frame header has its reserved bit set');
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryIdLength = [0, 1, 2, 4][descriptor & 3];
  const contentSizeLength = contentSizeFlag === 0 ? singleSegment : [0, 2, 4, 8][contentSizeFlag];
  return { length: 5 + (singleSegment ? 0 : 1) + dictionaryIdLength + contentSizeLength, checksum: ((descriptor >> 2) & 1) === 1 };
}

export interface BlockHeader {
  last: boolean;
  /** Bytes stored after the 3-byte block header (an RLE block stores its one byte). */
  storedLength: number;
}

export function parseBlockHeader(bytes: Buffer): BlockHeader {
  const value = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16);
  const type = (value >> 1) & 3;
  if (type === 3) throw new Error('zstd block of reserved type');
  const size = value >>> 3;
  return { last: (value & 1) === 1, storedLength: type === 1 ? 1 : size };
}

/** The next frame's bytes, or null after skipping a skippable frame. */
export async function readZstdFrame(reader: ByteReader): Promise<Buffer | null> {
  const head = await reader.peek(MAX_FRAME_HEADER);
  if (isSkippableFrame(head)) {
    const sizeField = await reader.read(8, 'zstd skippable frame header');
    await reader.skip(sizeField.readUInt32LE(4), 'zstd skippable frame');
    return null;
  }
  const header = parseFrameHeader(head);
  const parts = [await reader.read(header.length, 'zstd frame header')];
  for (;;) {
    const blockHeader = await reader.read(3, 'zstd block header');
    const block = parseBlockHeader(blockHeader);
    parts.push(blockHeader, await reader.read(block.storedLength, 'zstd block'));
    if (block.last) break;
  }
  if (header.checksum) parts.push(await reader.read(4, 'zstd checksum'));
  return Buffer.concat(parts);
}

/**
 * Decompress consecutive zstd frames from the reader's position, stopping before the first byte
 * that starts no frame. Each frame is decompressed whole in memory: frames from compressStream
 * are bounded (16 MiB of content); a single-frame file from the zstd CLI is held entirely. The
 * next frame decompresses (in the thread pool) while the current one is being parsed.
 */
export async function* decompressZstdFrames(reader: ByteReader): AsyncIterable<Buffer> {
  let previous: Promise<Buffer> | null = null;
  for (;;) {
    const head = await reader.peek(4);
    if (!isZstdFrame(head) && !isSkippableFrame(head)) break;
    const frame = await readZstdFrame(reader);
    if (!frame) continue;
    const next = decompressFrame(frame);
    next.catch(() => undefined); // awaited in turn; keeps a failure from surfacing as unhandled meanwhile
    if (previous) yield await previous;
    previous = next;
  }
  if (previous) yield await previous;
}

async function decompressFrame(frame: Buffer): Promise<Buffer> {
  try {
    return await decompress(frame);
  } catch (error) {
    throw new Error(`corrupt zstd data: ${(error as Error).message}`);
  }
}
