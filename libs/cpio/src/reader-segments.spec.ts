import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { CpioEntry } from './newc';
import { readArchive, type ArchiveEntry, type ExternalDecompressor } from './reader';
import { EPOCH, collect } from './testing/scratch-tree';
import { writeCpioEntries } from './writer';
import { compressStream } from './zstd-stream';

const file = (name: string, content: string): CpioEntry => ({ name, mode: 0o100644, uid: 0, gid: 0, nlink: 1, mtime: EPOCH, ino: 1, rdevMajor: 0, rdevMinor: 0, size: content.length, data: Buffer.from(content) });
const packed = (entries: CpioEntry[]): Promise<Buffer> => collect(writeCpioEntries(entries));
const list = async (source: Buffer, decompress?: ExternalDecompressor): Promise<Pick<ArchiveEntry, 'archive' | 'name' | 'compression' | 'segmentOffset'>[]> => {
  const out = [];
  for await (const { archive, name, compression, segmentOffset } of readArchive(source, { decompress })) out.push({ archive, name, compression, segmentOffset });
  return out;
};
async function* once(buffer: Buffer): AsyncIterable<Buffer> {
  yield buffer;
}
const xz = async (data: Buffer): Promise<Buffer> => Buffer.from((await execa('xz', ['--check=crc32', '-c'], { input: data, encoding: 'buffer', stripFinalNewline: false })).stdout);

describe('segments of a concatenated initrd', () => {
  it('tells each entry the compression and start of the segment holding its archive', async () => {
    const early = await packed([file('kernel/x86/microcode/GenuineIntel.bin', 'ucode')]);
    const zstd = await collect(compressStream(once(await packed([file('init', '#!/bin/sh\n')])), 3));
    const gzip = gzipSync(await packed([file('etc/os-release', 'ID=x\n')]));
    const image = Buffer.concat([early, zstd, gzip]);
    expect(await list(image)).toEqual([
      { archive: 0, name: 'kernel/x86/microcode/GenuineIntel.bin', compression: 'none', segmentOffset: 0 },
      { archive: 1, name: 'init', compression: 'zstd', segmentOffset: early.length },
      { archive: 2, name: 'etc/os-release', compression: 'gzip', segmentOffset: early.length + zstd.length },
    ]);
  });

  it('hands the rest of an xz segment to the decompressor it is given, and names the format without one', async () => {
    const early = await packed([file('kernel/x86/microcode/AuthenticAMD.bin', 'amd')]);
    const tail = await xz(await packed([file('usr/bin/sh', 'sh')]));
    const image = Buffer.concat([early, tail]);
    await expect(list(image)).rejects.toThrow(/unsupported data at offset \d+: xz/);
    const seen: string[] = [];
    const decompress: ExternalDecompressor = (compression, rest) =>
      (async function* () {
        seen.push(compression);
        const input = await collect(rest);
        yield Buffer.from((await execa('xz', ['-dc'], { input, encoding: 'buffer', stripFinalNewline: false })).stdout);
      })();
    expect(await list(image, decompress)).toEqual([
      { archive: 0, name: 'kernel/x86/microcode/AuthenticAMD.bin', compression: 'none', segmentOffset: 0 },
      { archive: 1, name: 'usr/bin/sh', compression: 'xz', segmentOffset: early.length },
    ]);
    expect(seen).toEqual(['xz']);
  });
});
