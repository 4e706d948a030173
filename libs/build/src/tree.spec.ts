import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overlayFiles } from './tree';

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
