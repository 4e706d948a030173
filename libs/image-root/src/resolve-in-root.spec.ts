import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImagePathError, resolveInRoot } from './resolve-in-root';

describe('resolveInRoot', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-in-root-'));
    await mkdir(join(root, 'run'), { recursive: true });
    await mkdir(join(root, 'var'), { recursive: true });
    await mkdir(join(root, 'usr/lib'), { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('follows an absolute link inside the image, not on the host', async () => {
    await symlink('/run', join(root, 'var/run'));
    expect(await resolveInRoot(root, 'var/run/x')).toBe(join(root, 'run/x'));
    expect(await resolveInRoot(root, '/var/run/x')).toBe(join(root, 'run/x'));
  });

  it('follows a relative link, and ".." in a link or a path stops at the root', async () => {
    await symlink('../../../../../../etc', join(root, 'usr/lib/up'));
    expect(await resolveInRoot(root, 'usr/lib/up/passwd')).toBe(join(root, 'etc/passwd'));
    await symlink('../run', join(root, 'var/rel'));
    expect(await resolveInRoot(root, 'var/rel/x')).toBe(join(root, 'run/x'));
    expect(await resolveInRoot(root, '../../../etc/shadow')).toBe(join(root, 'etc/shadow'));
    expect(await resolveInRoot(root, 'usr/../../etc')).toBe(join(root, 'etc'));
  });

  it('resolves ".." after a link from where the link led', async () => {
    await mkdir(join(root, 'usr/lib/a/b'), { recursive: true });
    await symlink('usr/lib/a/b', join(root, 'deep'));
    expect(await resolveInRoot(root, 'deep/../c')).toBe(join(root, 'usr/lib/a/c'));
  });

  it('leaves a link in the last place alone unless asked to follow it', async () => {
    await symlink('/run', join(root, 'var/run'));
    expect(await resolveInRoot(root, 'var/run')).toBe(join(root, 'var/run'));
    expect(await resolveInRoot(root, 'var/run', { followLast: true })).toBe(join(root, 'run'));
  });

  it('follows chains of links, and links to places that do not exist yet', async () => {
    await symlink('/var/one', join(root, 'two'));
    await symlink('/nowhere/yet', join(root, 'var/one'));
    expect(await resolveInRoot(root, 'two/f')).toBe(join(root, 'nowhere/yet/f'));
  });

  it('refuses a link that points at itself, naming the path', async () => {
    await symlink('self', join(root, 'self'));
    await expect(resolveInRoot(root, 'self/x')).rejects.toThrow(ImagePathError);
    await expect(resolveInRoot(root, 'self/x')).rejects.toThrow(/self\/x: the image's symbolic links loop/);
    await symlink('b', join(root, 'a'));
    await symlink('a', join(root, 'b'));
    await expect(resolveInRoot(root, 'a', { followLast: true })).rejects.toThrow(/loop/);
  });
});
