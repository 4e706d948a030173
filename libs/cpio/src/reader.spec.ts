import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpioEntry } from './newc';
import { extractArchive, extractArchiveCompletely, listArchive, readArchive } from './reader';
import { EPOCH, buildScratchTree, collect, describeTree, isRoot } from './testing/scratch-tree';
import { packDirectory, writeCpioEntries } from './writer';
import { compressStream } from './zstd-stream';

let scratch: string;
let root: string;
let archive: Buffer;
let archivePath: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'strata-cpio-reader-'));
  root = join(scratch, 'root');
  await mkdir(root);
  await buildScratchTree(root);
  archive = await collect(packDirectory(root, { sourceDateEpoch: EPOCH }));
  archivePath = join(scratch, 'tree.cpio');
  await writeFile(archivePath, archive);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const base = { uid: 0, gid: 0, nlink: 1, mtime: EPOCH, rdevMajor: 0, rdevMinor: 0 };
const fileEntry = (name: string, content: string, ino = 1): CpioEntry => ({ ...base, name, mode: 0o100644, ino, size: Buffer.byteLength(content), data: Buffer.from(content) });
const packed = (entries: CpioEntry[]): Promise<Buffer> => collect(writeCpioEntries(entries));
async function* chunksOf(buffer: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

describe('listArchive', () => {
  it('lists every entry with the metadata lstat reports', async () => {
    const tree = await describeTree(root);
    const listed = await listArchive(archivePath);
    expect(listed.map((e) => e.name).sort()).toEqual([...tree.keys()].sort());
    for (const entry of listed) {
      const facts = tree.get(entry.name);
      expect({ name: entry.name, type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime, target: entry.symlinkTarget }).toEqual({
        name: entry.name,
        type: facts?.type,
        mode: facts?.mode,
        uid: facts?.uid,
        gid: facts?.gid,
        mtime: facts?.mtime,
        target: facts?.target,
      });
      if (!facts?.links) expect(entry.size).toBe(facts?.size);
    }
    if (isRoot) expect(listed.find((e) => e.name === 'dev/console')).toMatchObject({ type: 'char', rdevMajor: 5, rdevMinor: 1 });
  });

  it('reads from a stream cut into odd-sized chunks just like from one buffer', async () => {
    const names = async (source: Buffer | AsyncIterable<Buffer>) => {
      const out: string[] = [];
      for await (const entry of readArchive(source)) out.push(`${entry.name}:${entry.data?.toString('base64').slice(0, 12)}`);
      return out;
    };
    expect(await names(chunksOf(archive, 37))).toEqual(await names(archive));
  });
});

describe('extractArchive', () => {
  it('recreates the tree: types, modes, owners, mtimes, contents, hard links, devices', async () => {
    const out = join(scratch, 'extracted');
    const summary = await extractArchive(archivePath, out);
    expect(summary.skipped).toEqual([]);
    const original = await describeTree(root);
    const extracted = await describeTree(out);
    expect(Object.fromEntries(extracted)).toEqual(Object.fromEntries(original));
    expect(extracted.get('zz/three')?.links).toEqual(['hard-two', 'hard/one', 'zz/three']);
    // Packing the extracted tree again gives the identical archive.
    expect((await collect(packDirectory(out, { sourceDateEpoch: EPOCH }))).equals(archive)).toBe(true);
  });

  it('refuses names that escape the destination', async () => {
    const cases: [string, CpioEntry[], RegExp][] = [
      ['dotdot', [fileEntry('../escaped', 'x')], /\.\./],
      ['nested-dotdot', [fileEntry('ok/../../escaped', 'x')], /\.\./],
      ['absolute', [fileEntry(join(scratch, 'escaped'), 'x')], /absolute/],
      ['through-symlink', [{ ...base, name: 'link', mode: 0o120777, ino: 1, size: scratch.length, data: Buffer.from(scratch) }, fileEntry('link/escaped', 'x', 2)], /symlink/],
    ];
    for (const [label, entries, message] of cases) {
      const file = join(scratch, `${label}.cpio`);
      await writeFile(file, await packed(entries));
      await expect(extractArchive(file, join(scratch, `dest-${label}`)), label).rejects.toThrow(message);
    }
    await expect(lstat(join(scratch, 'escaped'))).rejects.toThrow(/ENOENT/);
  });
});

describe('concatenated archives', () => {
  it('reads plain, zstd (multi-frame and CLI), and gzip segments back to back; later entries win', async () => {
    const first = await packed([fileEntry('etc/version', 'one\n'), fileEntry('only-first', 'first\n', 2)]);
    const second = await collect(compressStream(chunksOf(await packed([fileEntry('etc/version', 'two\n'), fileEntry('second', 'x'.repeat(3000), 2)]), 100), 3, { frameSize: 1024 }));
    const third = gzipSync(await packed([fileEntry('third', 'gzip\n')]));
    const { stdout: fourth } = await execa('zstd', ['-q', '-c'], { input: await packed([fileEntry('fourth', 'zstd cli\n')]), encoding: 'buffer', stripFinalNewline: false });
    const file = join(scratch, 'concatenated.cpio');
    await writeFile(file, Buffer.concat([first, second, Buffer.alloc(4), third, Buffer.from(fourth)]));

    const listed = await listArchive(file);
    expect(listed.map((e) => [e.archive, e.name])).toEqual([
      [0, 'etc/version'],
      [0, 'only-first'],
      [1, 'etc/version'],
      [1, 'second'],
      [2, 'third'],
      [3, 'fourth'],
    ]);
    const out = join(scratch, 'concatenated');
    await extractArchive(file, out);
    expect(await readFile(join(out, 'etc/version'), 'utf8')).toBe('two\n');
    expect(await readFile(join(out, 'only-first'), 'utf8')).toBe('first\n');
    expect(await readFile(join(out, 'second'), 'utf8')).toBe('x'.repeat(3000));
    expect(await readFile(join(out, 'third'), 'utf8')).toBe('gzip\n');
    expect(await readFile(join(out, 'fourth'), 'utf8')).toBe('zstd cli\n');
  });

  it('reads GNU crc (070702) archives and checks their checksums', async () => {
    const { stdout } = await execa('sh', ['-c', "find . -mindepth 1 -printf '%P\\n' | LC_ALL=C sort | cpio -o -H crc --reproducible --quiet"], { cwd: root, encoding: 'buffer', stripFinalNewline: false });
    const crc = Buffer.from(stdout);
    const read = async (source: Buffer) => {
      const out: [string, string, number][] = [];
      for await (const entry of readArchive(source)) out.push([entry.name, entry.data?.toString('hex') ?? '', entry.mode]);
      return out;
    };
    const entries = await read(crc);
    expect(entries).toEqual(await read(archive));
    const big = crc.indexOf('usr/lib/big.bin');
    crc[big + 100] ^= 0xff;
    await expect(read(crc)).rejects.toThrow(/checksum mismatch/);
  });

  it('reports truncation and unrecognized data', async () => {
    const one = await packed([fileEntry('f', 'content')]);
    await expect(collect2(readArchive(one.subarray(0, 120)))).rejects.toThrow(/truncated archive/);
    await expect(collect2(readArchive(Buffer.concat([one, Buffer.from('garbage!')])))).rejects.toThrow(/unrecognized data at offset 512/);
    await expect(collect2(readArchive(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2])))).rejects.toThrow(/xz/);
  });
});

async function collect2<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('extractArchiveCompletely', () => {
  it('refuses an archive whose entries cannot all be recreated, naming them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-complete-'));
    try {
      const tree = join(dir, 'tree');
      await mkdir(join(tree, 'run'), { recursive: true });
      await writeFile(join(tree, 'file'), 'x');
      // A socket has no mknod: no extractor can recreate it.
      await execa('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', join(tree, 'run/control')]);
      await execa('sh', ['-c', 'cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet > "$2"', 'sh', tree, join(dir, 'a.cpio')]);
      await expect(extractArchiveCompletely(join(dir, 'a.cpio'), join(dir, 'out'))).rejects.toThrow(`${join(dir, 'a.cpio')}: 1 entries could not be recreated (run/control): device nodes need root`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
