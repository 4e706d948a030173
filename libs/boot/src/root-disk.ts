import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { extractArchive } from '@strata/cpio';

export const ROOT_MARKER = 'STRATA-ROOT-REACHED';

/** The root's /sbin/init lines: print the marker and power off. */
function markerInit(): string[] {
  return [`echo "${ROOT_MARKER} $(/bin/busybox cat /proc/uptime)"`, '/bin/busybox sync', '/bin/busybox poweroff -f'];
}

/**
 * An init that proves hibernation and resume: it draws a random token, which lives only in the
 * shell's memory, enables the swap disk and hibernates. The next boot resumes from the swap and the
 * same shell goes on, printing the same token; a fresh boot would print a new one.
 */
function hibernateInit(swapLabel: string, hibernated: string, resumed: string): string[] {
  return [
    // The initrd's systemd moved /sys and /dev here; mount them only if it did not.
    '/bin/busybox mount -t sysfs sysfs /sys 2>/dev/null',
    '/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null',
    'token=$(/bin/busybox cat /proc/sys/kernel/random/uuid)',
    `/bin/busybox swapon "$(/bin/busybox findfs LABEL=${swapLabel})" || echo "${hibernated}-FAILED: swapon"`,
    // shutdown: power off once the image is written (QEMU then exits), instead of ACPI S4.
    'echo shutdown > /sys/power/disk',
    `echo "${hibernated} $token"`,
    `echo disk > /sys/power/state || echo "${hibernated}-FAILED: echo disk > /sys/power/state"`,
    `echo "${resumed} $token"`,
    ...markerInit(),
  ];
}

/** An init that shows what /usr holds: the file of the /usr partition, if the initrd mounted it. */
function showUsrInit(markerFile: string): string[] {
  return [`echo "STRATA-USR-SEEN $(/bin/busybox cat /usr/${markerFile} 2>/dev/null || echo nothing)"`, ...markerInit()];
}

/**
 * An init that shows what the initrd left the root on the network: the mount of /, the networkd
 * configuration systemd-network-generator wrote from the command line (/run comes along at the
 * switch), and the routes.
 */
function showNetworkInit(): string[] {
  return [
    `echo "STRATA-ROOT-MOUNT $(/bin/busybox grep ' / ' /proc/mounts | /bin/busybox tail -n 1)"`,
    'for file in /run/systemd/network/*; do /bin/busybox sed "s/^/STRATA-NETWORK-CONFIG /" "$file"; done',
    '/bin/busybox ip -4 route | /bin/busybox sed "s/^/STRATA-NETWORK-ROUTE /"',
    ...markerInit(),
  ];
}

export type RootInit =
  | { kind: 'marker' }
  | { kind: 'hibernate'; swapLabel: string; hibernated: string; resumed: string }
  | { kind: 'show-usr'; markerFile: string }
  | { kind: 'show-network' };

function initLines(init: RootInit): string[] {
  switch (init.kind) {
    case 'hibernate':
      return hibernateInit(init.swapLabel, init.hibernated, init.resumed);
    case 'show-usr':
      return showUsrInit(init.markerFile);
    case 'show-network':
      return showNetworkInit();
    default:
      return markerInit();
  }
}

/** A /usr file system for the usr variant: one file, labelled, made with mkfs.ext4 -d. */
export async function makeUsrDisk(image: string, label: string, markerFile: string, marker: string): Promise<void> {
  await mkdir(dirname(image), { recursive: true });
  const tree = await mkdtemp(`${image}.tree-`);
  try {
    await mkdir(join(tree, dirname(markerFile)), { recursive: true });
    await writeFile(join(tree, markerFile), `${marker}\n`);
    await rm(image, { force: true });
    await execa('mkfs.ext4', ['-q', '-F', '-L', label, '-d', tree, image, '16M'], { env: { E2FSPROGS_FAKE_TIME: '1700000000' } });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/**
 * The test root's files, in an empty folder: os-release (systemd's switch-root checks for it), a
 * static busybox, and the init.
 */
export async function writeRootTree(tree: string, options: { busybox?: string; init?: RootInit } = {}): Promise<void> {
  for (const dir of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'run', 'tmp', 'usr']) await mkdir(join(tree, dir));
  await copyFile(options.busybox ?? '/bin/busybox', join(tree, 'bin/busybox'));
  await chmod(join(tree, 'bin/busybox'), 0o755);
  await symlink('busybox', join(tree, 'bin/sh'));
  await writeFile(join(tree, 'etc/os-release'), 'NAME="strata boot test root"\nID=strata-test-root\nVERSION_ID=1\n');
  await writeFile(join(tree, 'sbin/init'), ['#!/bin/sh', '/bin/busybox mount -t proc proc /proc 2>/dev/null', ...initLines(options.init ?? { kind: 'marker' }), ''].join('\n'));
  await chmod(join(tree, 'sbin/init'), 0o755);
}

/** What the systemd root runs: print the marker, say whether the exit initrd is there, power off. */
const SYSTEMD_ROOT_UNIT = [
  '[Unit]',
  'Description=strata boot test: report from the root, then power off through the exit initrd',
  'After=sysinit.target',
  '',
  '[Service]',
  'Type=oneshot',
  'StandardOutput=tty',
  'TTYPath=/dev/console',
  'ExecStart=/usr/local/sbin/strata-root-test',
  '',
].join('\n');
const SYSTEMD_ROOT_SCRIPT = [
  '#!/usr/bin/bash',
  `echo "${ROOT_MARKER} $(cat /proc/uptime)"`,
  '[ -x /run/initramfs/shutdown ] && echo "STRATA-EXIT-INITRD-KEPT"',
  'systemctl --no-block poweroff',
  '',
].join('\n');

/**
 * A root that runs systemd, for a test of the shutdown: the initrd's own userspace (it has
 * systemd, and the tools the exit initrd needs), no longer an initrd (no /etc/initrd-release),
 * with one unit in multi-user.target that prints the marker and powers off. No kernel modules:
 * the initrd loaded what the root needs.
 */
export async function makeSystemdRootDisk(image: string, options: { initrd: string; label: string }): Promise<void> {
  await mkdir(dirname(image), { recursive: true });
  const tree = await mkdtemp(`${image}.tree-`);
  try {
    await extractArchive(options.initrd, tree);
    await rm(join(tree, 'etc/initrd-release'), { force: true });
    await rm(join(tree, 'init'), { force: true });
    await rm(join(tree, 'usr/lib/modules'), { recursive: true, force: true });
    await rm(join(tree, 'usr/sbin/init'), { force: true });
    await symlink('../lib/systemd/systemd', join(tree, 'usr/sbin/init'));
    await writeFile(join(tree, 'etc/systemd/system/strata-root-test.service'), SYSTEMD_ROOT_UNIT);
    await mkdir(join(tree, 'usr/local/sbin'), { recursive: true });
    await writeFile(join(tree, 'usr/local/sbin/strata-root-test'), SYSTEMD_ROOT_SCRIPT, { mode: 0o755 });
    await mkdir(join(tree, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
    await symlink('../strata-root-test.service', join(tree, 'etc/systemd/system/multi-user.target.wants/strata-root-test.service'));
    const { stdout } = await execa('du', ['-sm', tree]);
    const sizeMiB = Math.ceil(Number.parseInt(stdout, 10) * 1.3) + 32;
    await rm(image, { force: true });
    await execa('mkfs.ext4', ['-q', '-F', '-L', options.label, '-d', tree, image, `${sizeMiB}M`], { env: { E2FSPROGS_FAKE_TIME: '1700000000' } });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/**
 * A tiny ext4 root file system for boot tests (writeRootTree's files): an init that prints the
 * marker and powers off, or another RootInit. Made with mkfs.ext4 -d: no mount, no loop device.
 */
export async function makeRootDisk(image: string, options: { busybox?: string; label?: string; sizeMiB?: number; init?: RootInit } = {}): Promise<void> {
  await mkdir(dirname(image), { recursive: true });
  const tree = await mkdtemp(`${image}.tree-`);
  try {
    await writeRootTree(tree, options);
    await rm(image, { force: true });
    await execa('mkfs.ext4', ['-q', '-F', '-L', options.label ?? 'strata-root', '-d', tree, image, `${options.sizeMiB ?? 32}M`], { env: { E2FSPROGS_FAKE_TIME: '1700000000' } });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
