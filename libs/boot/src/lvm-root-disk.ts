import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeCpioEntries, type CpioEntry } from '@strata/cpio';
import { appendUncompressedArchive } from './append-archive';
import { bootAndWatch } from './qemu';

export const LVM_VG = 'strata';
export const LVM_LV = 'root';
export const LVM_ROOT_DEVICE = `/dev/mapper/${LVM_VG}-${LVM_LV}`;
export const LVM_PROVISIONED_MARKER = 'STRATA-LVM-PROVISIONED';
const LVM_FAILED_MARKER = 'STRATA-LVM-PROVISION-FAILED';

/** No udev in the provisioning guest: LVM makes its own device nodes and scans /dev itself. */
const LVM_CONFIG = 'activation { udev_sync = 0 udev_rules = 0 } devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 }';

/**
 * The provisioning guest's /init: the initrd's own lvm2 turns the blank /dev/vda into a PV with the
 * VG "strata" and one LV "root" filling it, and the ext4 image on /dev/vdb is copied onto the LV.
 */
export const LVM_PROVISION_SCRIPT = `#!/usr/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
fail() { echo "${LVM_FAILED_MARKER}: $*"; echo o > /proc/sysrq-trigger; sleep 10; exit 1; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp && mount -t tmpfs tmpfs /run
for module in virtio_pci virtio_blk dm_mod; do modprobe "$module" || fail "modprobe $module"; done
for i in $(seq 100); do [ -b /dev/vda ] && [ -b /dev/vdb ] && break; sleep 0.1; done
[ -b /dev/vda ] && [ -b /dev/vdb ] || fail "no /dev/vda and /dev/vdb"
cfg='${LVM_CONFIG}'
lvm pvcreate --config "$cfg" --yes -ff /dev/vda || fail pvcreate
lvm vgcreate --config "$cfg" --yes ${LVM_VG} /dev/vda || fail vgcreate
lvm lvcreate --config "$cfg" --yes -Zn -n ${LVM_LV} -l 100%FREE ${LVM_VG} || fail lvcreate
[ -b ${LVM_ROOT_DEVICE} ] || fail "no ${LVM_ROOT_DEVICE}"
dd if=/dev/vdb of=${LVM_ROOT_DEVICE} bs=1M conv=fsync status=none || fail dd
lvm vgchange --config "$cfg" -an ${LVM_VG} || fail vgchange
sync
blockdev --flushbufs /dev/vda
echo "${LVM_PROVISIONED_MARKER} $(cat /proc/uptime)"
echo o > /proc/sysrq-trigger
sleep 10
`;

export interface LvmRootDiskOptions {
  /** ELF kernel (cachedVmlinux) whose modules the initrd carries (virtio_pci, virtio_blk, dm_mod). */
  kernel: string;
  /** An initrd with bash, lvm2, kmod and util-linux (initrd-server); its /init is replaced. */
  initrd: string;
  /** The ext4 image (makeRootDisk) to copy onto the LV. */
  rootImage: string;
  sizeMiB?: number;
  consoleLog: string;
  timeoutMs?: number;
}

/** The small cpio appended after the initrd: a later archive's /init overrides the earlier one. */
export async function provisioningArchive(): Promise<Buffer> {
  const script = Buffer.from(LVM_PROVISION_SCRIPT);
  const entry: CpioEntry = { name: 'init', mode: 0o100755, uid: 0, gid: 0, nlink: 1, mtime: 0, ino: 1, rdevMajor: 0, rdevMinor: 0, size: script.length, data: script };
  const chunks: Buffer[] = [];
  for await (const chunk of writeCpioEntries([entry])) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A raw disk image holding LVM (VG "strata", LV "root" = the ext4 root image), made without the host's
 * device-mapper: a QEMU guest booted with the initrd's own lvm2 provisions it. Only plain files on the host.
 * Returns the guest's run time in seconds.
 */
export async function makeLvmRootDisk(image: string, options: LvmRootDiskOptions): Promise<{ seconds: number }> {
  await mkdir(dirname(image), { recursive: true });
  const initrd = `${image}.initrd-${process.pid}`;
  const temp = `${image}.tmp-${process.pid}`;
  try {
    // The initrd (zstd cpio archives) followed by the uncompressed provisioning archive.
    const extra = await provisioningArchive();
    await writeFile(initrd, await readFile(options.initrd));
    await appendUncompressedArchive(initrd, extra);
    await rm(temp, { force: true });
    await (await open(temp, 'w')).close();
    await truncate(temp, (options.sizeMiB ?? 64) * 1024 * 1024);
    const result = await bootAndWatch({
      kernel: options.kernel,
      initrd,
      disks: [temp, options.rootImage],
      append: ['rdinit=/init', 'quiet', 'loglevel=3'],
      marker: LVM_PROVISIONED_MARKER,
      failurePatterns: [/Kernel panic - not syncing.*/, new RegExp(`${LVM_FAILED_MARKER}.*`)],
      timeoutMs: options.timeoutMs ?? 180_000,
      consoleLog: options.consoleLog,
      memoryMiB: 512,
    });
    if (!result.ok) {
      const tail = result.console.split('\n').slice(-25).join('\n');
      throw new Error(`provisioning the LVM root disk failed after ${result.seconds.toFixed(1)} s: ${result.reason}\n--- last console lines (full log: ${options.consoleLog}) ---\n${tail}`);
    }
    await rename(temp, image);
    return { seconds: result.seconds };
  } finally {
    await rm(initrd, { force: true });
    await rm(temp, { force: true });
  }
}

/**
 * makeLvmRootDisk, kept while its inputs (initrd, kernel, script, size and rootKey, which stands for
 * the root image's content: mkfs gives every image a new UUID) are unchanged; the key is stored
 * beside the image. makeRoot writes options.rootImage, and only runs when the disk is provisioned.
 */
export async function cachedLvmRootDisk(
  image: string,
  options: LvmRootDiskOptions & { rootKey: string; makeRoot: () => Promise<void> },
): Promise<{ seconds?: number; cached: boolean }> {
  const key = createHash('sha256')
    .update(JSON.stringify({
      script: LVM_PROVISION_SCRIPT,
      sizeMiB: options.sizeMiB ?? 64,
      initrd: await sha256File(options.initrd),
      kernel: await sha256File(options.kernel),
      root: options.rootKey,
    }))
    .digest('hex');
  const keyFile = `${image}.key`;
  const stored = await readFile(keyFile, 'utf8').catch(() => '');
  const present = await stat(image).then(() => true, () => false);
  if (present && stored.trim() === key) return { cached: true };
  await rm(keyFile, { force: true });
  await options.makeRoot();
  const { seconds } = await makeLvmRootDisk(image, options);
  await writeFile(keyFile, `${key}\n`);
  return { seconds, cached: false };
}
