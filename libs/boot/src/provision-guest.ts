import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { sha256File } from '@strata/output';
import { appendUncompressedArchive, filesArchive } from './append-archive';
import { bootAndWatch } from './qemu';
import { startSoftwareTpm } from './swtpm';
import { provisionScript, type RootVariant } from './root-variants';

export const PROVISIONED_MARKER = 'STRATA-PROVISIONED';
const PROVISION_FAILED_MARKER = 'STRATA-PROVISION-FAILED';

export interface ProvisionOptions {
  /** ELF kernel (cachedVmlinux) whose modules the initrd carries (virtio, dm_mod, dm_crypt, raid1). */
  kernel: string;
  /** An initrd with bash, kmod, util-linux and the stack's tools (initrd-server); its /init is replaced. */
  initrd: string;
  /** The ext4 image (makeRootDisk) to copy onto the stack's top device. */
  rootImage: string;
  /** Where the disks (<name>.img) and the provisioning log go. */
  dir: string;
  timeoutMs?: number;
}

/**
 * A small cpio with one file (and its parent folders: the kernel's unpacker makes none), appended
 * after the initrd: a later archive's file overrides an earlier one.
 */
export async function singleFileArchive(path: string, content: string | Buffer, mode = 0o100755): Promise<Buffer> {
  return filesArchive([{ path, content, mode }]);
}

export function provisionedDiskPath(dir: string, disk: string): string {
  return join(dir, `${disk}.img`);
}

/** The TPM state a variant with a TPM was provisioned with (its LUKS key is sealed to it). */
export function provisionedTpmState(dir: string): string {
  return join(dir, 'tpm');
}

/** Run a disk's host mkfs on its image file; a missing tool says what to install. */
async function formatOnHost(command: string[], image: string, variant: string): Promise<void> {
  const [tool, ...args] = command;
  const run = await execa(tool, [...args, image], { reject: false, all: true });
  if ((run as { code?: string }).code === 'ENOENT') {
    throw new Error(`the ${variant} variant formats its disk with the host's ${tool}, which is not installed: run tools/host/setup.sh (it installs ${tool === 'mkfs.xfs' ? 'xfsprogs' : tool})`);
  }
  if (run.exitCode !== 0) throw new Error(`${[tool, ...args, image].join(' ')} failed (exit ${run.exitCode}): ${run.all}`);
}

/**
 * Build the variant's storage stack on blank raw disk images, without the host's device-mapper or
 * loop devices: a QEMU guest booted with the initrd's own tools (lvm2, mdadm, cryptsetup) runs the
 * variant's steps. Only plain files change on the host; the disks appear under their names only
 * once the guest has finished. Returns the guest's run time in seconds.
 */
export async function provisionDisks(variant: RootVariant, options: ProvisionOptions): Promise<{ seconds: number }> {
  const disks = variant.provision?.disks ?? [];
  await mkdir(options.dir, { recursive: true });
  const initrd = join(options.dir, `provision-initrd.${process.pid}`);
  const temps = disks.map((disk) => `${provisionedDiskPath(options.dir, disk.name)}.tmp-${process.pid}`);
  const consoleLog = join(options.dir, 'provision.log');
  try {
    await writeFile(initrd, await readFile(options.initrd));
    await appendUncompressedArchive(initrd, await singleFileArchive('init', provisionScript(variant, PROVISIONED_MARKER, PROVISION_FAILED_MARKER)));
    for (const [i, disk] of disks.entries()) {
      await rm(temps[i], { force: true });
      await (await open(temps[i], 'w')).close();
      await truncate(temps[i], disk.sizeMiB * 1024 * 1024);
      if (disk.hostFormat) await formatOnHost(disk.hostFormat, temps[i], variant.name);
    }
    const tpmState = `${provisionedTpmState(options.dir)}.tmp-${process.pid}`;
    await rm(tpmState, { recursive: true, force: true });
    const tpm = variant.tpm ? await startSoftwareTpm(tpmState) : undefined;
    const result = await bootAndWatch({
      kernel: options.kernel,
      initrd,
      qemuArgs: tpm?.qemuArgs ?? [],
      disks: [...temps, options.rootImage],
      append: ['rdinit=/init', 'quiet', 'loglevel=3'],
      marker: PROVISIONED_MARKER,
      failurePatterns: [/Kernel panic - not syncing.*/, new RegExp(`${PROVISION_FAILED_MARKER}.*`)],
      timeoutMs: options.timeoutMs ?? 180_000,
      quietTimeoutMs: 60_000,
      consoleLog,
      memoryMiB: 512,
    });
    await tpm?.stop();
    if (!result.ok) {
      await rm(tpmState, { recursive: true, force: true });
      const tail = result.console.split('\n').slice(-25).join('\n');
      throw new Error(`provisioning the ${variant.name} disks failed after ${result.seconds.toFixed(1)} s: ${result.reason}\n--- last console lines (full log: ${consoleLog}) ---\n${tail}`);
    }
    for (const [i, disk] of disks.entries()) await rename(temps[i], provisionedDiskPath(options.dir, disk.name));
    if (tpm) {
      await rm(provisionedTpmState(options.dir), { recursive: true, force: true });
      await rename(tpmState, provisionedTpmState(options.dir));
    }
    return { seconds: result.seconds };
  } finally {
    await rm(initrd, { force: true });
    for (const temp of temps) await rm(temp, { force: true });
  }
}

/**
 * provisionDisks, kept while its inputs are unchanged: the initrd, the kernel, the script, the
 * disk sizes and rootKey, which stands for the root image's content (mkfs gives every image a new
 * UUID, so its bytes cannot be the key). The key is stored beside the disks. makeRoot writes
 * options.rootImage, and only runs when the disks are provisioned again.
 */
export async function cachedProvisionedDisks(
  variant: RootVariant,
  options: ProvisionOptions & { rootKey: string; makeRoot: () => Promise<void> },
): Promise<{ seconds?: number; cached: boolean }> {
  const key = createHash('sha256')
    .update(JSON.stringify({
      script: provisionScript(variant, PROVISIONED_MARKER, PROVISION_FAILED_MARKER),
      disks: variant.provision?.disks,
      initrd: await sha256File(options.initrd),
      kernel: await sha256File(options.kernel),
      root: options.rootKey,
    }))
    .digest('hex');
  const keyFile = join(options.dir, 'provision.key');
  const stored = await readFile(keyFile, 'utf8').catch(() => '');
  const disks = variant.provision?.disks ?? [];
  const files = [...disks.map((disk) => provisionedDiskPath(options.dir, disk.name)), ...(variant.tpm ? [provisionedTpmState(options.dir)] : [])];
  const present = (await Promise.all(files.map((file) => stat(file).then(() => true, () => false)))).every(Boolean);
  if (present && stored.trim() === key) return { cached: true };
  await rm(keyFile, { force: true });
  await options.makeRoot();
  const { seconds } = await provisionDisks(variant, options);
  await writeFile(keyFile, `${key}\n`);
  return { seconds, cached: false };
}
