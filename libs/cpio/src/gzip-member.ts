import { crc32, inflateRawSync } from 'node:zlib';

/** gzip members (RFC 1952): header, raw deflate data, CRC-32 and length of the content. */

const FLAG_HEADER_CRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export function gzipHeaderLength(bytes: Buffer): number {
  if (!isGzip(bytes) || bytes.length < 10) throw new Error('truncated gzip header');
  if (bytes[2] !== 8) throw new Error(`gzip compression method ${bytes[2]} is not deflate`);
  const flags = bytes[3];
  let position = 10;
  if (flags & FLAG_EXTRA) position += 2 + bytes.readUInt16LE(position);
  for (const flag of [FLAG_NAME, FLAG_COMMENT]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, position);
    if (end < 0) throw new Error('truncated gzip header');
    position = end + 1;
  }
  if (flags & FLAG_HEADER_CRC) position += 2;
  if (position > bytes.length) throw new Error('truncated gzip header');
  return position;
}

/**
 * Decode the gzip member at the front of `bytes`. Returns its content and how many bytes it
 * took, so whatever follows (another archive) can be read next. Node's gunzip cannot report
 * that when unrelated bytes follow, raw inflate can.
 */
export function gunzipMember(bytes: Buffer): { content: Buffer; consumed: number } {
  const headerLength = gzipHeaderLength(bytes);
  const result = inflateRawSync(bytes.subarray(headerLength), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  const content = result.buffer;
  const trailerStart = headerLength + result.engine.bytesWritten;
  if (bytes.length < trailerStart + 8) throw new Error('truncated gzip member (no CRC-32 and length trailer)');
  if (bytes.readUInt32LE(trailerStart) !== crc32(content)) throw new Error('gzip member fails its CRC-32 check');
  if (bytes.readUInt32LE(trailerStart + 4) !== content.length % 2 ** 32) throw new Error('gzip member length does not match its trailer');
  return { content, consumed: trailerStart + 8 };
}
