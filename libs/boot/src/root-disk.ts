import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export const ROOT_MARKER = 'STRATA-ROOT-REACHED';

/**
 * A tiny ext4 root file system for boot tests: os-release (systemd's switch-root checks for it)
 * and an init that prints the marker and powers off. Made with mkfs.ext4 -d: no mount, no loop device.
 */
export async function makeRootDisk(image: string, options: { busybox?: string; label?: string; sizeMiB?: number } = {}): Promise<void> {
  await mkdir(dirname(image), { recursive: true });
  const tree = await mkdtemp(`${image}.tree-`);
  try {
    for (const dir of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'run', 'tmp']) await mkdir(join(tree, dir));
    await copyFile(options.busybox ?? '/bin/busybox', join(tree, 'bin/busybox'));
    await chmod(join(tree, 'bin/busybox'), 0o755);
    await symlink('busybox', join(tree, 'bin/sh'));
    await writeFile(join(tree, 'etc/os-release'), 'NAME="strata boot test root"\nID=strata-test-root\nVERSION_ID=1\n');
    await writeFile(
      join(tree, 'sbin/init'),
      ['#!/bin/sh', '/bin/busybox mount -t proc proc /proc 2>/dev/null', `echo "${ROOT_MARKER} $(/bin/busybox cat /proc/uptime)"`, '/bin/busybox sync', '/bin/busybox poweroff -f', ''].join('\n'),
    );
    await chmod(join(tree, 'sbin/init'), 0o755);
    await rm(image, { force: true });
    await execa('mkfs.ext4', ['-q', '-F', '-L', options.label ?? 'strata-root', '-d', tree, image, `${options.sizeMiB ?? 32}M`], { env: { E2FSPROGS_FAKE_TIME: '1700000000' } });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
