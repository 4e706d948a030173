import { access, chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overlayFiles, removeMatchingFiles, removePackageManagerState, writeInitrdIdentity } from './tree';

describe('overlayFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-overlay-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('copies files with their mode and links verbatim, even links that dangle outside the image', async () => {
    const files = join(dir, 'files');
    const root = join(dir, 'root');
    await mkdir(join(files, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
    await mkdir(join(files, 'usr/bin'), { recursive: true });
    await symlink('../../../../usr/lib/systemd/system/systemd-sysext.service', join(files, 'etc/systemd/system/sysinit.target.wants/systemd-sysext.service'));
    await writeFile(join(files, 'usr/bin/hello'), '#!/bin/sh\n');
    await chmod(join(files, 'usr/bin/hello'), 0o750);
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await writeFile(join(root, 'usr/bin/hello'), 'from a package');

    await overlayFiles(files, root);

    expect(await readlink(join(root, 'etc/systemd/system/sysinit.target.wants/systemd-sysext.service'))).toBe('../../../../usr/lib/systemd/system/systemd-sysext.service');
    expect(await readFile(join(root, 'usr/bin/hello'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await lstat(join(root, 'usr/bin/hello'))).mode & 0o7777).toBe(0o750);
  });
});

/**
 * Links already in the image tree never lead a write to the host. A scratch folder outside the
 * image stands in for a host folder; each case is one that used to write there.
 */
describe('nothing escapes the image root', () => {
  let dir: string;
  let root: string;
  let host: string;
  const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-escape-'));
    root = join(dir, 'root');
    host = join(dir, 'host');
    await mkdir(join(root, 'var'), { recursive: true });
    await mkdir(join(root, 'run'));
    await mkdir(host);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function filesTree(name: string, entries: Record<string, string | { link: string }>): Promise<string> {
    const files = join(dir, name);
    await mkdir(files, { recursive: true });
    for (const [path, content] of Object.entries(entries)) {
      await mkdir(join(files, path, '..'), { recursive: true });
      if (typeof content === 'string') await writeFile(join(files, path), content);
      else await symlink(content.link, join(files, path));
    }
    return files;
  }

  it("files/var/run/x lands in the image's /run when the filesystem package ships var/run -> /run", async () => {
    const canary = `strata-canary-${process.pid}-${Date.now()}`;
    await symlink('/run', join(root, 'var/run'));
    await overlayFiles(await filesTree('files', { [`var/run/${canary}`]: 'x' }), root);
    expect(await readFile(join(root, 'run', canary), 'utf8')).toBe('x');
    expect(await exists(join('/run', canary))).toBe(false);
  });

  it('a link shipped by a base recipe leads the child\'s files into the image', async () => {
    await overlayFiles(await filesTree('base-files', { hostlink: { link: host } }), root);
    await overlayFiles(await filesTree('child-files', { 'hostlink/f': 'child' }), root);
    expect(await readdir(host)).toEqual([]);
    expect(await readFile(join(root, host, 'f'), 'utf8')).toBe('child');
    expect(await readlink(join(root, 'hostlink'))).toBe(host);
  });

  it('relative links with ".." and paths through them stay below the root', async () => {
    const escape = `${'../'.repeat(20)}${host.slice(1)}`;
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await symlink(escape, join(root, 'usr/lib/up'));
    await overlayFiles(await filesTree('files', { 'usr/lib/up/g': 'g' }), root);
    expect(await readdir(host)).toEqual([]);
    expect(await readFile(join(root, host, 'g'), 'utf8')).toBe('g');
  });

  it('writes /etc/initrd-release into the image when files/etc is a link to a host folder', async () => {
    await mkdir(join(root, 'etc'));
    await removeMatchingFiles(root, ['etc']);
    await overlayFiles(await filesTree('files', { etc: { link: host } }), root);
    await writeInitrdIdentity(root, { id: 'test' }, 'escape', '/usr/lib/systemd/systemd');
    expect(await readdir(host)).toEqual([]);
    expect(await readFile(join(root, host, 'initrd-release'), 'utf8')).toMatch(/^ID=test$/m);
  });

  it('replaces a link at /etc/initrd-release or /init instead of writing through it', async () => {
    await mkdir(join(root, 'etc'));
    await writeFile(join(host, 'initrd-release'), 'host');
    await symlink(join(host, 'initrd-release'), join(root, 'etc/initrd-release'));
    await symlink(host, join(root, 'init'));
    await writeInitrdIdentity(root, { id: 'test' }, 'escape', '/usr/lib/systemd/systemd');
    expect(await readFile(join(host, 'initrd-release'), 'utf8')).toBe('host');
    expect((await lstat(join(root, 'etc/initrd-release'))).isFile()).toBe(true);
    expect(await readlink(join(root, 'init'))).toBe('usr/lib/systemd/systemd');
  });

  it('removes package-manager state inside the image when var/cache is a link out of it', async () => {
    await mkdir(join(host, 'dnf'));
    await writeFile(join(host, 'dnf/keep'), 'host');
    await symlink(host, join(root, 'var/cache'));
    await removePackageManagerState(root, { keepRpmDatabase: false });
    expect(await readFile(join(host, 'dnf/keep'), 'utf8')).toBe('host');
  });

  it('refuses a files folder that is itself a link, naming it', async () => {
    await writeFile(join(host, 'secret'), 'host');
    await symlink(host, join(dir, 'files'));
    await expect(overlayFiles(join(dir, 'files'), root)).rejects.toThrow(`${join(dir, 'files')} is a symbolic link (to ${host}); a recipe's files folder must be a real folder`);
    expect(await readdir(root)).toEqual(['run', 'var']);
  });

  it('refuses a path through a link that points at itself', async () => {
    await symlink('self', join(root, 'self'));
    await expect(overlayFiles(await filesTree('files', { 'self/x': 'x' }), root)).rejects.toThrow(/files\/self cannot be copied into the image: self: the image's symbolic links loop/);
  });

  it('names the recipe file when a file would replace a folder of the image', async () => {
    await mkdir(join(root, 'etc'));
    const files = await filesTree('files', { etc: { link: '/etc' } });
    await expect(overlayFiles(files, root)).rejects.toThrow(`${join(files, 'etc')} would replace the image's folder /etc: list etc in removeFiles`);
  });
});
