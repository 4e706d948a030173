/// <reference path="./zstd-bindings.d.ts" />
// @mongodb-js/zstd 1.2.2 exports compress(data, level) but its wrapper drops the level (every call
// compresses at level 3); the native binding it wraps honours the level, so that is called here.
import { compress as nativeCompress } from '@mongodb-js/zstd/bindings';

/** Input bytes per zstd frame: bounds memory, and is large enough that splitting costs little ratio. */
export const DEFAULT_FRAME_SIZE = 16 * 1024 * 1024;

async function compress(data: Buffer, level: number): Promise<Buffer> {
  try {
    return await nativeCompress(data, level);
  } catch (error) {
    throw new Error(`zstd level ${level}: ${(error as Error).message}`);
  }
}

/** Cut a stream of chunks into pieces of exactly `size` bytes (the last may be shorter). */
async function* fixedSizePieces(input: AsyncIterable<Buffer>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of input) {
    let rest = chunk;
    while (pendingBytes + rest.length >= size) {
      const take = size - pendingBytes;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending, size);
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/**
 * zstd-compress a stream as a series of independent frames, one per `frameSize` bytes of input.
 * Concatenated frames are one valid zstd stream for zstd -d. (The kernel's initramfs unpacker
 * decodes one frame per archive, so initrd images use compressEachPiece with whole archives.)
 * Frames are cut at fixed input offsets, so the output depends only on the bytes and the level,
 * never on how the input happened to be chunked.
 */
export async function* compressStream(input: AsyncIterable<Buffer>, level: number, options: { frameSize?: number } = {}): AsyncIterable<Buffer> {
  const frameSize = options.frameSize ?? DEFAULT_FRAME_SIZE;
  if (!Number.isInteger(frameSize) || frameSize <= 0) throw new Error(`zstd frame size must be a positive integer, got ${frameSize}`);
  if (!Number.isInteger(level)) throw new Error(`zstd level must be an integer, got ${level}`);
  yield* compressEachPiece(fixedSizePieces(input, frameSize), level);
}

/**
 * One zstd frame per input piece, in order; one piece compresses in the background while the
 * next is gathered. Empty input still yields one (empty) frame, so the result is a valid zstd file.
 */
export async function* compressEachPiece(pieces: AsyncIterable<Buffer>, level: number): AsyncIterable<Buffer> {
  if (!Number.isInteger(level)) throw new Error(`zstd level must be an integer, got ${level}`);
  let inFlight: Promise<Buffer> | null = null;
  for await (const piece of pieces) {
    const next = compress(piece, level);
    next.catch(() => undefined); // awaited below; keeps a failure from surfacing as unhandled meanwhile
    if (inFlight) yield await inFlight;
    inFlight = next;
  }
  yield await (inFlight ?? compress(Buffer.alloc(0), level));
}
