import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpioEntry } from './newc';
import { extractArchive, readArchive } from './reader';
import { EPOCH, LONG_PATH, UNICODE_PATH, buildScratchTree, collect, gnuCpio, isRoot, pseudoRandomBytes } from './testing/scratch-tree';
import { packDirectory, splitDeviceNumber, writeCpioEntries } from './writer';

let scratch: string;
let root: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'strata-cpio-writer-'));
  root = join(scratch, 'root');
  await mkdir(root);
  await buildScratchTree(root, { outside: join(scratch, 'outside-link') });
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('packDirectory', () => {
  it('writes the same bytes as GNU cpio -o -H newc --reproducible', async () => {
    const ours = await collect(packDirectory(root, { sourceDateEpoch: EPOCH }));
    const gnu = await gnuCpio(root);
    expect(gnu.length).toBeGreaterThan(700_000);
    expect(ours.length % 512).toBe(0);
    expect(ours.equals(gnu)).toBe(true);
  });

  it('writes the same bytes as GNU cpio --owner 0:0 when forcing root ownership', async () => {
    const ours = await collect(packDirectory(root, { sourceDateEpoch: EPOCH, forceRootOwner: true }));
    expect(ours.equals(await gnuCpio(root, ['--owner', '0:0']))).toBe(true);
  });

  it('produces an archive GNU cpio -t lists completely', async () => {
    const archive = join(scratch, 'listed.cpio');
    await writeFile(archive, await collect(packDirectory(root)));
    const { stdout } = await execa('sh', ['-c', `cpio -t --quiet < ${archive}`]);
    const { stdout: found } = await execa('sh', ['-c', "find . -mindepth 1 -printf '%P\\n' | LC_ALL=C sort"], { cwd: root });
    const names = stdout.split('\n');
    expect([...names].sort()).toEqual(found.split('\n').sort());
    expect(names).toContain(LONG_PATH);
    expect(names).toContain(UNICODE_PATH);
  });

  it('orders hard links and device numbers as expected', async () => {
    const entries = [];
    for await (const entry of readArchive(await collect(packDirectory(root)))) entries.push(entry);
    const names = entries.map((e) => e.name);
    // The group's data rides on its last link (zz/three); the earlier links come right before it with size 0.
    const group = entries.filter((e) => ['hard-two', 'hard/one', 'zz/three'].includes(e.name));
    expect(group.map((e) => [e.name, e.size])).toEqual([
      ['hard/one', 0],
      ['hard-two', 0],
      ['zz/three', 22],
    ]);
    expect(names.indexOf('hard/one')).toBe(names.indexOf('zz/three') - 2);
    expect(new Set(group.map((e) => e.ino)).size).toBe(1);
    // A group with a link outside the tree is written last, with its data.
    expect(names[names.length - 1]).toBe('linked-outside');
    expect(entries[entries.length - 1].size).toBeGreaterThan(0);
    expect(names.indexOf('a-b')).toBeLessThan(names.indexOf('a/b'));
    if (isRoot) expect(entries.find((e) => e.name === 'dev/nvme0n1p1')).toMatchObject({ rdevMajor: 259, rdevMinor: 65537, type: 'block' });
  });

  it('clamps modification times to sourceDateEpoch and keeps older ones', async () => {
    const tree = join(scratch, 'future');
    await mkdir(join(tree, 'dir'), { recursive: true });
    await writeFile(join(tree, 'dir/new'), 'new');
    await writeFile(join(tree, 'old'), 'old');
    await utimes(join(tree, 'dir/new'), EPOCH + 1000, EPOCH + 1000);
    await utimes(join(tree, 'dir'), EPOCH + 5, EPOCH + 5);
    await utimes(join(tree, 'old'), 1000, 1000);
    const mtimes = new Map<string, number>();
    for await (const entry of readArchive(await collect(packDirectory(tree, { sourceDateEpoch: EPOCH })))) mtimes.set(entry.name, entry.mtime);
    expect(Object.fromEntries(mtimes)).toEqual({ dir: EPOCH, 'dir/new': EPOCH, old: 1000 });
  });

  it('streams file contents in bounded pieces', async () => {
    const tree = join(scratch, 'large');
    await mkdir(tree);
    const content = pseudoRandomBytes(5 * 1024 * 1024 + 3, 7);
    await writeFile(join(tree, 'blob'), content);
    let largest = 0;
    const parts: Buffer[] = [];
    for await (const chunk of packDirectory(tree)) {
      largest = Math.max(largest, chunk.length);
      parts.push(chunk);
    }
    expect(largest).toBeLessThanOrEqual(256 * 1024);
    const [entry] = await collectEntries(Buffer.concat(parts));
    expect(entry.data?.equals(content)).toBe(true);
  });
});

async function collectEntries(archive: Buffer) {
  const entries = [];
  for await (const entry of readArchive(archive)) entries.push(entry);
  return entries;
}

describe('writeCpioEntries', () => {
  const base = { uid: 0, gid: 0, nlink: 1, mtime: EPOCH, rdevMajor: 0, rdevMinor: 0 };

  it('packs generated entries that GNU cpio extracts', async () => {
    const generated: CpioEntry[] = [
      { ...base, name: 'etc', mode: 0o040755, nlink: 2, ino: 1, size: 0 },
      { ...base, name: 'etc/generated', mode: 0o100644, ino: 2, size: 6, data: Buffer.from('hello\n') },
      { ...base, name: 'etc/streamed', mode: 0o100600, ino: 3, size: 9, data: () => Readable.from([Buffer.from('from '), Buffer.from('fn\n\n')]) },
      { ...base, name: 'etc/link', mode: 0o120777, ino: 4, size: 9, data: Buffer.from('generated') },
    ];
    const archive = await collect(writeCpioEntries(generated));
    expect(archive.length % 512).toBe(0);
    const out = join(scratch, 'gnu-extract');
    await mkdir(out);
    await execa('cpio', ['-i', '-d', '--quiet'], { cwd: out, input: archive });
    expect(await readFile(join(out, 'etc/generated'), 'utf8')).toBe('hello\n');
    expect(await readFile(join(out, 'etc/streamed'), 'utf8')).toBe('from fn\n\n');
    expect(((await stat(join(out, 'etc/streamed'))).mode & 0o777).toString(8)).toBe('600');
    expect(await readlink(join(out, 'etc/link'))).toBe('generated');
  });

  it('rejects data that disagrees with the declared size', async () => {
    const tooShort = [{ ...base, name: 'f', mode: 0o100644, ino: 1, size: 4, data: Buffer.from('abc') }];
    await expect(collect(writeCpioEntries(tooShort))).rejects.toThrow(/header says 4 bytes, data source gave 3/);
    const tooLong = [{ ...base, name: 'f', mode: 0o100644, ino: 1, size: 2, data: Buffer.from('abc') }];
    await expect(collect(writeCpioEntries(tooLong))).rejects.toThrow(/more than the 2 bytes/);
    const missing = [{ ...base, name: 'f', mode: 0o100644, ino: 1, size: 2 }];
    await expect(collect(writeCpioEntries(missing))).rejects.toThrow(/no data/);
  });
});

describe('splitDeviceNumber', () => {
  it('decodes glibc dev_t encoding, including minors above 255', () => {
    expect(splitDeviceNumber(0x103n)).toEqual({ major: 1, minor: 3 });
    // makedev(259, 65537) = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
    expect(splitDeviceNumber(BigInt(0x01 | (259 << 8)) | (BigInt(65537 & ~0xff) << 12n))).toEqual({ major: 259, minor: 65537 });
  });
});

describe('device nodes from metadata', () => {
  it('packs recorded device nodes exactly as GNU cpio packs the real nodes', async () => {
    if (!isRoot) throw new Error('this test makes real device nodes with mknod to compare against: run it as root');
    const withNodes = join(scratch, 'with-nodes');
    await mkdir(join(withNodes, 'dev'), { recursive: true });
    await writeFile(join(withNodes, 'dev/zz-after'), 'sorts after the nodes\n');
    await execa('mknod', ['-m', '0600', join(withNodes, 'dev/console'), 'c', '5', '1']);
    await execa('mknod', ['-m', '0660', join(withNodes, 'dev/loop0'), 'b', '7', '0']);
    await execa('chown', ['0:6', join(withNodes, 'dev/loop0')]);
    await execa('sh', ['-c', `touch -h -d @${EPOCH - 5} dev/console dev/loop0 dev/zz-after dev`], { cwd: withNodes });
    const archive = join(scratch, 'with-nodes.cpio');
    await writeFile(archive, await gnuCpio(withNodes));

    // Extracted with the nodes only recorded, then packed with them: the tree never held them.
    const extracted = join(scratch, 'nodes-recorded');
    const summary = await extractArchive(archive, extracted, { deviceNodes: 'record' });
    expect(summary.devices.map((d) => [d.name, d.rdevMajor, d.rdevMinor, d.gid])).toEqual([
      ['dev/console', 5, 1, 0],
      ['dev/loop0', 7, 0, 6],
    ]);
    expect((await readdir(join(extracted, 'dev'))).sort()).toEqual(['zz-after']);
    const ours = await collect(packDirectory(extracted, { sourceDateEpoch: EPOCH, devices: summary.devices }));
    expect(ours.equals(await readFile(archive))).toBe(true);
  });

  it('lets a name the tree holds win over a device node of the same name', async () => {
    const tree = join(scratch, 'node-shadowed');
    await mkdir(join(tree, 'dev'), { recursive: true });
    await writeFile(join(tree, 'dev/console'), 'a file\n');
    const node = { name: 'dev/console', mode: 0o020600, uid: 0, gid: 0, mtime: EPOCH, rdevMajor: 5, rdevMinor: 1 };
    const names = [];
    for await (const entry of readArchive(await collect(packDirectory(tree, { devices: [node, { ...node, name: 'dev/kmsg', rdevMinor: 11 }] })))) names.push([entry.name, entry.type]);
    expect(names).toEqual([
      ['dev', 'directory'],
      ['dev/console', 'file'],
      ['dev/kmsg', 'char'],
    ]);
  });
});
