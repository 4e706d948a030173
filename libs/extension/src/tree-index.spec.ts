import { createHash } from 'node:crypto';
import { chmod, chown, link, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPaths } from './copy-paths';
import { indexDigest, indexTree } from './tree-index';

describe('indexTree and copyPaths (real files)', () => {
  let dir: string;
  const root = (): string => join(dir, 'root');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-index-'));
    await mkdir(join(root(), 'usr/bin'), { recursive: true });
    await mkdir(join(root(), 'usr/lib/sysimage/rpm'), { recursive: true });
    await writeFile(join(root(), 'usr/bin/tool'), 'tool\n');
    await chmod(join(root(), 'usr/bin/tool'), 0o4755);
    await link(join(root(), 'usr/bin/tool'), join(root(), 'usr/bin/tool2'));
    await symlink('tool', join(root(), 'usr/bin/t'));
    await writeFile(join(root(), 'usr/lib/sysimage/rpm/rpmdb.sqlite'), 'db');
    await mkdir(join(root(), 'usr/share'), { mode: 0o700 });
    await chmod(join(root(), 'usr/share'), 0o700);
    if (process.getuid?.() === 0) await chown(join(root(), 'usr/share'), 12, 34);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('indexes type, mode, owner, target and content in bytewise order, leaving out excluded subtrees', async () => {
    const index = await indexTree(root(), { exclude: ['usr/lib/sysimage/rpm'] });
    expect([...index.keys()]).toEqual(['usr', 'usr/bin', 'usr/bin/t', 'usr/bin/tool', 'usr/bin/tool2', 'usr/lib', 'usr/lib/sysimage', 'usr/share']);
    expect(index.get('usr/bin/tool')).toMatchObject({ type: 'file', mode: 0o4755, size: 5, sha256: createHash('sha256').update('tool\n').digest('hex') });
    expect(index.get('usr/bin/t')).toMatchObject({ type: 'symlink', target: 'tool' });
    expect(index.get('usr/share')).toMatchObject({ type: 'directory', mode: 0o700 });
  });

  it('copies the chosen paths with their metadata and hard links, giving the same index', async () => {
    const paths = ['usr', 'usr/bin', 'usr/bin/t', 'usr/bin/tool', 'usr/bin/tool2', 'usr/share'];
    await copyPaths(root(), join(dir, 'copy'), paths);
    const original = await indexTree(root(), { exclude: ['usr/lib'] });
    const copy = await indexTree(join(dir, 'copy'));
    expect(copy).toEqual(original);
    expect(indexDigest(copy)).toBe(indexDigest(original));
    const [a, b] = await Promise.all([lstat(join(dir, 'copy/usr/bin/tool')), lstat(join(dir, 'copy/usr/bin/tool2'))]);
    expect(a.ino).toBe(b.ino);
  });
});
