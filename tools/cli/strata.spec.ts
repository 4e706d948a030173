import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCpioEntries, type CpioEntry } from '@strata/cpio';
import { main } from './strata';

const REPO_ROOT = join(__dirname, '../..');
/** The build host's own initrd, made by initramfs-tools (or dracut), when there is one. */
const HOST_INITRD = readdirSync('/boot').filter((f) => f.startsWith('initrd.img-')).map((f) => join('/boot', f))[0];

function io(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t), isTTY }, stderr: { write: (t: string) => err.push(t) } } };
}

async function cpio(entries: CpioEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of writeCpioEntries(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
const file = (name: string, data: string): CpioEntry => ({ name, mode: 0o100644, uid: 0, gid: 0, nlink: 1, mtime: 0, ino: 1, rdevMajor: 0, rdevMinor: 0, size: data.length, data: Buffer.from(data) });

describe('strata CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-cli-'));
    const before = gzipSync(await cpio([file('init', 'old'), file('usr/bin/tool', 'v1')]));
    const after = gzipSync(await cpio([file('init', 'new!'), file('usr/bin/tool', 'v1'), file('usr/bin/extra', 'x')]));
    for (const [name, image, packages] of [
      ['a', before, [{ nevra: 'tool-1.0-1.noarch', installSize: 2 }]],
      ['b', after, [{ nevra: 'tool-1.1-1.noarch', installSize: 2 }, { nevra: 'extra-1-1.noarch', installSize: 1 }]],
    ] as const) {
      await execa('mkdir', ['-p', join(dir, name)]);
      await writeFile(join(dir, name, 'image.cpio.gz'), image);
      await writeFile(join(dir, name, 'manifest.json'), JSON.stringify({ image: 'image.cpio.gz', compressedSize: image.length, packages }));
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('inspect lists an archive, as text or JSON, in colour only on a terminal', async () => {
    const text = io();
    expect(await main(['inspect', join(dir, 'a/image.cpio.gz')], text.io)).toBe(0);
    expect(text.out.join('')).toMatch(/^#0 {2}-rw-r--r-- {2}1 {2}root {2}root {2}2 {2}1970-01-01 00:00 {2}usr\/bin\/tool$/m);
    expect(text.out.join('')).not.toMatch(/\u001b\[/);
    const tty = io(true);
    await main(['inspect', join(dir, 'a/image.cpio.gz')], tty.io);
    expect(tty.out.join('')).toMatch(/\u001b\[/);
    const plain = io(true);
    await main(['inspect', '--no-color', join(dir, 'a/image.cpio.gz')], plain.io);
    expect(plain.out.join('')).not.toMatch(/\u001b\[/);
    const json = io();
    await main(['inspect', '--json', join(dir, 'a/image.cpio.gz')], json.io);
    expect(JSON.parse(json.out.join('')).entries.map((e: { name: string; compression: string }) => [e.name, e.compression])).toEqual([
      ['init', 'gzip'],
      ['usr/bin/tool', 'gzip'],
    ]);
  });

  it('diff compares two images with the manifests beside them', async () => {
    const out = io();
    expect(await main(['diff', join(dir, 'a/image.cpio.gz'), join(dir, 'b/image.cpio.gz')], out.io)).toBe(0);
    const text = out.out.join('');
    expect(text).toContain('packages: 1 added, 0 removed, 1 upgraded, 0 downgraded, 0 unchanged; installed size +1 B');
    expect(text).toMatch(/↑ {2}upgraded {2}tool 1\.0-1 → 1\.1-1 \(noarch\)/);
    expect(text).toContain('files: 1 added, 0 removed, 1 changed, 1 unchanged');
    const json = io();
    await main(['diff', '--json', join(dir, 'a/manifest.json'), join(dir, 'b/manifest.json')], json.io);
    expect(JSON.parse(json.out.join(''))).toMatchObject({ files: null, packages: [{ name: 'extra', change: 'added' }, { name: 'tool', change: 'upgraded' }] });
  });

  it('reports usage mistakes and missing files with an exit status', async () => {
    const usage = io();
    expect(await main(['frobnicate'], usage.io)).toBe(2);
    expect(usage.err.join('')).toMatch(/unknown command "frobnicate"/);
    const missing = io();
    expect(await main(['inspect', join(dir, 'nope.img')], missing.io)).toBe(1);
    expect(missing.err.join('')).toBe(`strata inspect: no such file: ${join(dir, 'nope.img')}\n`);
    const notManifest = io();
    await writeFile(join(dir, 'x.json'), '{}');
    expect(await main(['diff', join(dir, 'x.json'), join(dir, 'a/manifest.json')], notManifest.io)).toBe(1);
    expect(notManifest.err.join('')).toMatch(/not a strata manifest/);
  });

  it.skipIf(!HOST_INITRD)('inspect reads the host\'s own initrd (early microcode, if any, then the compressed main archive)', async () => {
    const out = io();
    expect(await main(['inspect', '--json', HOST_INITRD], out.io), out.err.join('')).toBe(0);
    const listing = JSON.parse(out.out.join('')) as { segments: { compression: string; archives: { role: string }[] }[]; entries: { name: string }[] };
    const last = listing.segments[listing.segments.length - 1];
    expect(['zstd', 'gzip', 'xz', 'lz4', 'lzma', 'bzip2', 'lzo']).toContain(last.compression);
    expect(last.archives[last.archives.length - 1].role).toBe('userspace');
    expect(listing.entries.map((e) => e.name)).toContain('init');
    if (listing.segments.length > 1) expect(listing.segments[0]).toMatchObject({ compression: 'none', archives: [{ role: expect.stringMatching(/^early /) }] });
  });

  it('runs as `npx strata` through the package.json bin shim, from any folder', async () => {
    const run = await execa('npx', ['--no-install', 'strata', 'inspect', join(dir, 'a/image.cpio.gz')], { cwd: REPO_ROOT, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('usr/bin/tool');
    const elsewhere = await execa(process.execPath, [join(REPO_ROOT, 'tools/cli/bin.js'), 'diff', join(dir, 'a/manifest.json'), join(dir, 'b/manifest.json')], { cwd: dir, reject: false });
    expect(elsewhere.exitCode, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toContain('upgraded');
  });
});
