import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCpioEntries, type CpioEntry, type ListedEntry } from '@strata/cpio';
import { formatListing, formatMtime, listingJson, modeString, summarizeSegments } from './inspect';
import { DECOMPRESSORS, listImage } from './read-image';
import { formatBytes, makeColors } from './text';

const EPOCH = 1_700_000_000;
const entry = (name: string, mode: number, data = '', extra: Partial<CpioEntry> = {}): CpioEntry => ({
  name, mode, uid: 0, gid: 0, nlink: 1, mtime: EPOCH, ino: 1, rdevMajor: 0, rdevMinor: 0, size: data.length, ...(data ? { data: Buffer.from(data) } : {}), ...extra,
});
async function packed(entries: CpioEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of writeCpioEntries(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
async function cli(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return Buffer.from((await execa(command, args, { input, encoding: 'buffer', stripFinalNewline: false })).stdout);
}

/** An early microcode archive (uncompressed), as dracut and initramfs-tools put first. */
const early = (): Promise<Buffer> =>
  packed([entry('kernel', 0o40755), entry('kernel/x86', 0o40755), entry('kernel/x86/microcode', 0o40755), entry('kernel/x86/microcode/GenuineIntel.bin', 0o100644, 'microcode')]);
/** The main archive: a small userspace. */
const main = (): Promise<Buffer> =>
  packed([
    entry('init', 0o100755, '#!/bin/sh\nexec /sbin/init\n'),
    entry('bin', 0o120777, 'usr/bin'),
    entry('usr', 0o40755),
    entry('usr/bin', 0o40755),
    entry('usr/bin/su', 0o104755, 'su binary', { uid: 0, gid: 0 }),
    entry('tmp', 0o41777),
    entry('dev/console', 0o20600, '', { rdevMajor: 5, rdevMinor: 1 }),
    entry('home/user', 0o40700, '', { uid: 1000, gid: 1000 }),
  ]);

describe('modeString and formatMtime', () => {
  it('spell modes as ls does, with setuid, setgid and sticky bits', () => {
    expect(modeString('file', 0o100644)).toBe('-rw-r--r--');
    expect(modeString('directory', 0o40755)).toBe('drwxr-xr-x');
    expect(modeString('symlink', 0o120777)).toBe('lrwxrwxrwx');
    expect(modeString('file', 0o104755)).toBe('-rwsr-xr-x');
    expect(modeString('file', 0o102644)).toBe('-rw-r-Sr--');
    expect(modeString('directory', 0o41777)).toBe('drwxrwxrwt');
    expect(modeString('char', 0o20600)).toBe('crw-------');
    expect(modeString('block', 0o60660)).toBe('brw-rw----');
    expect(formatMtime(0)).toBe('1970-01-01 00:00');
    expect(formatMtime(EPOCH)).toBe('2023-11-14 22:13');
  });
});

describe('listImage on concatenated initrds', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-inspect-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cases: [string, (data: Buffer) => Promise<Buffer>][] = [
    ['gzip', async (data) => gzipSync(data)],
    ['zstd', (data) => cli('zstd', ['-q', '-c', '-19'], data)],
    // What initramfs-tools writes with COMPRESS=xz or lz4 (the kernel wants crc32 and lz4's legacy format).
    ['xz', (data) => cli('xz', ['--check=crc32', '-c'], data)],
    ['lz4', (data) => cli('lz4', ['-l', '-c', '-q'], data)],
    ['bzip2', (data) => cli('bzip2', ['-c'], data)],
  ];
  for (const [compression, compress] of cases) {
    it(`reads an early microcode archive followed by a ${compression} one`, async () => {
      const first = await early();
      const file = join(dir, `initrd-${compression}.img`);
      // initramfs tools pad between the parts; the kernel (and the reader) skip zeros.
      await writeFile(file, Buffer.concat([first, Buffer.alloc(512), await compress(await main())]));
      const listing = await listImage(file);
      expect(listing.segments).toEqual([
        { offset: 0, compression: 'none', archives: [{ index: 0, entries: 4, bytes: 9, role: 'early microcode' }] },
        { offset: first.length + 512, compression, archives: [{ index: 1, entries: 8, bytes: 35, role: 'userspace' }] },
      ]);
      expect(listing.entries.map((e) => e.name)).toContain('usr/bin/su');
    });
  }

  it('says which command and package an unreadable compression needs', async () => {
    const file = join(dir, 'initrd-lzo.img');
    await writeFile(file, Buffer.concat([await early(), Buffer.from([0x89, 0x4c, 0x5a, 0x4f, 0, 0x0d, 0x0a, 0x1a, 0x0a])]));
    const saved = DECOMPRESSORS.lzo.command;
    DECOMPRESSORS.lzo.command = ['strata-no-such-lzop', '-dc'];
    try {
      await expect(listImage(file)).rejects.toThrow('this initrd has a lzo-compressed part; reading it needs the `strata-no-such-lzop` command (Debian package lzop)');
    } finally {
      DECOMPRESSORS.lzo.command = saved;
    }
  });

  it('prints lsinitrd-like lines under a heading per archive, and JSON', async () => {
    const file = join(dir, 'initrd-text.img');
    await writeFile(file, Buffer.concat([await early(), gzipSync(await main())]));
    const listing = await listImage(file);
    listing.file = 'initrd-text.img';
    const text = formatListing(listing, makeColors(false));
    const lines = text.split('\n');
    expect(lines[0]).toBe(`initrd-text.img: ${formatBytes(listing.fileSize)}, 12 entries in 2 archives, 2 segments`);
    expect(text).toContain('== archive 0 (uncompressed at byte 0): 4 entries, 9 B of files — early microcode');
    expect(text).toMatch(/== archive 1 \(gzip stream at byte \d+\): 8 entries, 35 B of files — userspace/);
    expect(lines).toContain('#0  -rw-r--r--  1  root  root     9  2023-11-14 22:13  kernel/x86/microcode/GenuineIntel.bin');
    expect(lines).toContain('#1  lrwxrwxrwx  1  root  root     7  2023-11-14 22:13  bin -> usr/bin');
    expect(lines).toContain('#1  -rwsr-xr-x  1  root  root     9  2023-11-14 22:13  usr/bin/su');
    expect(lines).toContain('#1  crw-------  1  root  root  5, 1  2023-11-14 22:13  dev/console');
    expect(lines).toContain('#1  drwx------  1  1000  1000     0  2023-11-14 22:13  home/user');
    const json = listingJson(listing) as { entries: { name: string; archive: number; compression: string; mode: string; target?: string; rdev?: number[] }[] };
    expect(json.entries.find((e) => e.name === 'bin')).toMatchObject({ archive: 1, compression: 'gzip', mode: 'lrwxrwxrwx', target: 'usr/bin' });
    expect(json.entries.find((e) => e.name === 'dev/console')?.rdev).toEqual([5, 1]);
  });
});

describe('summarizeSegments', () => {
  it('names kernel module archives', () => {
    const listed = (name: string, archive: number): ListedEntry => ({ archive, compression: 'zstd', segmentOffset: 0, name, type: 'file', mode: 0o100644, uid: 0, gid: 0, size: 10, mtime: 0, nlink: 1, ino: 1, rdevMajor: 0, rdevMinor: 0 });
    const segments = summarizeSegments([listed('init', 0), listed('usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko', 1), listed('usr/lib/modules/6.1.0/modules.dep', 1)]);
    expect(segments).toEqual([
      { offset: 0, compression: 'zstd', archives: [{ index: 0, entries: 1, bytes: 10, role: 'userspace' }, { index: 1, entries: 2, bytes: 20, role: 'kernel modules' }] },
    ]);
  });
});
