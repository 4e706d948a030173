import { decompress } from '@mongodb-js/zstd';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader';
import { collect, pseudoRandomBytes } from './testing/scratch-tree';
import { readZstdFrame } from './zstd-frames';
import { compressStream } from './zstd-stream';

async function* chunked(buffer: Buffer, sizes: number[]): AsyncIterable<Buffer> {
  let offset = 0;
  for (let i = 0; offset < buffer.length; i++) {
    const size = sizes[i % sizes.length];
    yield buffer.subarray(offset, offset + size);
    offset += size;
  }
}

async function countFrames(stream: Buffer): Promise<number> {
  const reader = ByteReader.fromBuffer(stream);
  let frames = 0;
  while (!(await reader.atEnd())) if (await readZstdFrame(reader)) frames++;
  return frames;
}

// Half random, half repetitive: compresses, but not to nothing.
const input = Buffer.concat([pseudoRandomBytes(150_000, 3), Buffer.alloc(150_001, 'strata ')]);

describe('compressStream', () => {
  it('writes one independent frame per frameSize bytes that zstd -d decodes as one stream', async () => {
    const compressed = await collect(compressStream(chunked(input, [65_536]), 3, { frameSize: 64 * 1024 }));
    expect(await countFrames(compressed)).toBe(Math.ceil(input.length / (64 * 1024)));
    expect(compressed.length).toBeLessThan(input.length * 0.6);
    const { stdout } = await execa('zstd', ['-d', '-q', '-c'], { input: compressed, encoding: 'buffer', stripFinalNewline: false });
    expect(Buffer.from(stdout).equals(input)).toBe(true);
    expect((await decompress(compressed)).equals(input)).toBe(true);
  });

  it('depends only on the bytes and the level, not on how the input is chunked', async () => {
    const oneChunk = await collect(compressStream(chunked(input, [input.length]), 5, { frameSize: 50_000 }));
    const oddChunks = await collect(compressStream(chunked(input, [1, 7, 49_999, 1000, 3]), 5, { frameSize: 50_000 }));
    expect(oddChunks.equals(oneChunk)).toBe(true);
    const otherLevel = await collect(compressStream(chunked(input, [input.length]), 1, { frameSize: 50_000 }));
    expect(otherLevel.equals(oneChunk)).toBe(false);
  });

  it('turns empty input into a valid empty zstd stream', async () => {
    const compressed = await collect(compressStream(chunked(Buffer.alloc(0), [1]), 3));
    expect(await countFrames(compressed)).toBe(1);
    const { stdout } = await execa('zstd', ['-d', '-q', '-c'], { input: compressed, encoding: 'buffer', stripFinalNewline: false });
    expect(stdout.length).toBe(0);
  });
});
