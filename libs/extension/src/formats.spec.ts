import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveHex, deriveUuid, directoryArguments, erofsArguments, imageFileName, lz4hcLevel, squashfsArguments, writeImage } from './formats';

const zstd19 = { kind: 'zstd' as const, level: 19 };
const none = { kind: 'none' as const, level: 19 };

describe('imageFileName', () => {
  it('names file system images .raw (as systemd expects), directories after the image, cpio by compression', () => {
    expect(imageFileName('sysext-debug', 'erofs', zstd19)).toBe('sysext-debug.raw');
    expect(imageFileName('sysext-debug', 'squashfs', none)).toBe('sysext-debug.raw');
    expect(imageFileName('sysext-debug', 'directory', zstd19)).toBe('sysext-debug');
    expect(imageFileName('sysext-debug', 'cpio', zstd19)).toBe('sysext-debug.cpio.zst');
    expect(imageFileName('sysext-debug', 'cpio', none)).toBe('sysext-debug.cpio');
  });
});

describe('derived identifiers', () => {
  it('gives the same RFC 9562 version 8 UUID for the same parts, another for other parts', () => {
    const uuid = deriveUuid('fs', 'sysext-debug', 'abc');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveUuid('fs', 'sysext-debug', 'abc')).toBe(uuid);
    expect(deriveUuid('fs', 'sysext-debug', 'abd')).not.toBe(uuid);
    // The parts are separated: ("ab", "c") is not ("a", "bc").
    expect(deriveUuid('ab', 'c')).not.toBe(deriveUuid('a', 'bc'));
    expect(deriveHex('salt', 'x')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('tool options', () => {
  const options = { compression: zstd19, sourceDateEpoch: 1700000000, uuid: '3807505d-26dc-8510-93f8-5a353833404b' };

  it('mkfs.erofs: fixed time and UUID, no xattrs, lz4hc at most 12, owners kept', () => {
    expect(erofsArguments('/t', '/o.raw', options)).toEqual(['--quiet', '-T1700000000', '-U3807505d-26dc-8510-93f8-5a353833404b', '-x-1', '-zlz4hc,12', '/o.raw', '/t']);
    expect(erofsArguments('/t', '/o.raw', { ...options, compression: { kind: 'zstd', level: 3 } })).toContain('-zlz4hc,3');
    expect(erofsArguments('/t', '/o.raw', { ...options, compression: none }).some((a) => a.startsWith('-z'))).toBe(false);
    expect(erofsArguments('/t', '/o.raw', options)).not.toContain('--all-root');
    expect(lz4hcLevel(22)).toBe(12);
    expect(lz4hcLevel(1)).toBe(1);
  });

  it('mksquashfs: reproducible with fixed times, zstd at the level, or nothing compressed', () => {
    const args = squashfsArguments('/t', '/o.raw', options);
    expect(args.slice(0, 3)).toEqual(['/t', '/o.raw', '-noappend']);
    expect(args).toEqual(expect.arrayContaining(['-reproducible', '-no-xattrs', '-comp', 'zstd', '-Xcompression-level', '19']));
    expect(args[args.indexOf('-mkfs-time') + 1]).toBe('1700000000');
    expect(args[args.indexOf('-all-time') + 1]).toBe('1700000000');
    const plain = squashfsArguments('/t', '/o.raw', { ...options, compression: none });
    expect(plain).toEqual(expect.arrayContaining(['-noI', '-noD', '-noF', '-noX']));
    expect(plain).not.toContain('-comp');
  });

  it('directory: a copy that keeps modes, owners and times, not xattrs', () => {
    expect(directoryArguments('/t', '/o')).toEqual(['-a', '--no-preserve=xattr', '--', '/t/.', '/o']);
  });
});

describe('writeImage (real tools)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-formats-'));
    await mkdir(join(dir, 'tree/usr/bin'), { recursive: true });
    await writeFile(join(dir, 'tree/usr/bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
    await symlink('hello', join(dir, 'tree/usr/bin/hi'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the same erofs and squashfs bytes twice', async () => {
    const options = { compression: zstd19, sourceDateEpoch: 0, uuid: deriveUuid('test') };
    for (const format of ['erofs', 'squashfs'] as const) {
      await writeImage(format, join(dir, 'tree'), join(dir, `${format}-1.raw`), options);
      await writeImage(format, join(dir, 'tree'), join(dir, `${format}-2.raw`), options);
      const [a, b] = await Promise.all([readFile(join(dir, `${format}-1.raw`)), readFile(join(dir, `${format}-2.raw`))]);
      expect(a.equals(b), format).toBe(true);
      expect(a.length % 4096, format).toBe(0);
    }
  });
});
