import { createHash } from 'node:crypto';
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** Fixtures shared by the cpio specs: a tree with every kind of entry the writer must handle. */

export const EPOCH = 1_700_000_000;
export const isRoot = process.getuid?.() === 0;

/** Deterministic bytes that do not compress to nothing. */
export function pseudoRandomBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

export async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function file(root: string, path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

export const LONG_PATH = `long/${'d'.repeat(100)}/${'e'.repeat(100)}/${'f'.repeat(95)}`;
export const UNICODE_PATH = 'über/naïve-文件';

/**
 * Build the scratch tree under `root` (which must exist). With `outside`, one hard link group
 * also has a link outside the tree, which the archive cannot contain.
 */
export async function buildScratchTree(root: string, options: { outside?: string } = {}): Promise<void> {
  await file(root, 'etc/hostname', 'strata\n');
  await file(root, 'etc/shadow', 'root:!:1::::::\n', 0o000);
  await file(root, 'etc/group-only', 'odd mode\n', 0o2711);
  await file(root, 'etc/owned', 'owned by 1234:5678\n', 0o640);
  if (isRoot) await chown(join(root, 'etc/owned'), 1234, 5678);
  await file(root, 'empty', '');
  await file(root, 'usr/bin/tool', '#!/bin/sh\necho tool\n', 0o4755);
  await file(root, 'usr/lib/big.bin', pseudoRandomBytes(700_001));
  await symlink('lib', join(root, 'usr/lib64'));
  await symlink('/etc/hostname', join(root, 'absolute-link'));
  await symlink('does/not/exist', join(root, 'dangling'));
  if (isRoot) await lchown(join(root, 'dangling'), 42, 43);
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
  await file(root, 'readonly/inside', 'in a read-only directory\n');
  await chmod(join(root, 'readonly'), 0o555);
  // A group of three; "hard-two" < "hard/one" bytewise ('-' < '/'), and other entries sort in between.
  await file(root, 'hard/one', 'shared by three names\n', 0o755);
  await link(join(root, 'hard/one'), join(root, 'hard-two'));
  await mkdir(join(root, 'zz'));
  await link(join(root, 'hard/one'), join(root, 'zz/three'));
  await file(root, 'a/b', 'slash sorts after dash\n');
  await file(root, 'a-b', 'dash\n');
  await file(root, 'B-upper', 'uppercase sorts first\n');
  await file(root, LONG_PATH, 'a 300-character path\n');
  await file(root, UNICODE_PATH, 'unicode\n');
  await mkdir(join(root, 'run'));
  await execa('mkfifo', ['-m', '0620', join(root, 'run/initctl')]);
  if (isRoot) {
    await mkdir(join(root, 'dev'));
    await execa('mknod', ['-m', '0666', join(root, 'dev/null'), 'c', '1', '3']);
    await execa('mknod', ['-m', '0600', join(root, 'dev/console'), 'c', '5', '1']);
    await execa('mknod', ['-m', '0660', join(root, 'dev/nvme0n1p1'), 'b', '259', '65537']);
    await chown(join(root, 'dev/nvme0n1p1'), 0, 6);
  }
  if (options.outside) {
    await file(root, 'linked-outside', 'one link in the tree, one outside\n');
    await link(join(root, 'linked-outside'), options.outside);
  }
  await spreadMtimes(root);
}

/** Give every entry its own mtime, all at or before EPOCH, so clamping changes nothing GNU cpio would not see. */
async function spreadMtimes(root: string): Promise<void> {
  const { stdout } = await execa('find', ['.', '-mindepth', '1', '-printf', '%P\\0'], { cwd: root });
  const paths = stdout.split('\0').filter(Boolean).sort();
  for (const [i, path] of paths.entries()) {
    const when = EPOCH - ((i * 7919) % 100_000);
    await lutimes(join(root, path), when, when);
  }
}

/** GNU cpio as the reference: the exact pipeline the writer reproduces. */
export async function gnuCpio(root: string, extraArgs: string[] = []): Promise<Buffer> {
  const command = `find . -mindepth 1 -printf '%P\\n' | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet ${extraArgs.join(' ')}`;
  const { stdout } = await execa('sh', ['-c', command], { cwd: root, encoding: 'buffer', stripFinalNewline: false });
  return Buffer.from(stdout);
}

export interface TreeFacts {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  rdev: number;
  target?: string;
  sha256?: string;
  /** Other names of the same inode, for hard-linked files. */
  links?: string[];
}

/** What a tree looks like through lstat, keyed by relative path. */
export async function describeTree(root: string): Promise<Map<string, TreeFacts>> {
  const { stdout } = await execa('find', ['.', '-mindepth', '1', '-printf', '%P\\0'], { cwd: root });
  const paths = stdout.split('\0').filter(Boolean).sort();
  const stats = new Map(await Promise.all(paths.map(async (p) => [p, await lstat(join(root, p))] as const)));
  const facts = new Map<string, TreeFacts>();
  for (const [path, s] of stats) {
    const type = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : s.isCharacterDevice() ? 'char' : s.isBlockDevice() ? 'block' : s.isFIFO() ? 'fifo' : 'other';
    const entry: TreeFacts = { type, mode: s.mode, uid: s.uid, gid: s.gid, size: type === 'directory' ? 0 : s.size, mtime: Math.floor(s.mtimeMs / 1000), rdev: s.rdev };
    if (type === 'symlink') entry.target = await readlink(join(root, path));
    if (type === 'file') entry.sha256 = createHash('sha256').update(await readFile(join(root, path))).digest('hex');
    if (type === 'file' && s.nlink > 1) entry.links = [...stats].filter(([, o]) => o.ino === s.ino && o.dev === s.dev).map(([p]) => p);
    facts.set(path, entry);
  }
  return facts;
}
