import type { ExecutorContext } from 'nx/src/devkit-exports';
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { bootAndWatch, cachedLvmRootDisk, cachedVmlinux, LVM_ROOT_DEVICE, makeRootDisk, ROOT_MARKER } from '@strata/boot';
import type { InitrdManifest } from '@strata/build';
import { IMAGES_DIR, reportErrors } from '../../workspace';

export interface BootTestOptions {
  timeout?: number;
  append?: string;
  /** ext4: the root file system on the whole disk; lvm: on the LV strata/root of a PV on the disk. */
  root?: 'ext4' | 'lvm';
}

async function kernelImage(version: string): Promise<string> {
  const candidates = [`/usr/lib/modules/${version}/vmlinuz`, `/boot/vmlinuz-${version}`];
  for (const path of candidates) {
    if (await access(path).then(() => true, () => false)) return path;
  }
  throw new Error(`no kernel image for ${version} (looked at ${candidates.join(', ')})`);
}

export default async function bootTestExecutor(options: BootTestOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const imageDir = join(context.root, IMAGES_DIR, name);
    const manifest: InitrdManifest = JSON.parse(await readFile(join(imageDir, 'manifest.json'), 'utf8'));
    if (!manifest.kernel) throw new Error(`${name} has no kernel modules layer (no "kernel" section in its recipe), so it cannot boot a disk`);
    const work = join(context.root, 'dist/boot', name);
    // The kernel image built with the initrd (kernel.package), else the host's kernel of that version.
    const vmlinuz = manifest.kernel.vmlinuz ? join(imageDir, manifest.kernel.vmlinuz) : await kernelImage(manifest.kernel.version);
    const kernelCacheName = manifest.kernel.vmlinuz ? `vmlinux-${manifest.kernel.version}-${name}` : `vmlinux-${manifest.kernel.version}`;
    const kernel = await cachedVmlinux(vmlinuz, join(context.root, 'dist/boot/kernels', kernelCacheName));
    const initrd = join(imageDir, manifest.image);
    const root = options.root ?? 'ext4';
    if (root !== 'ext4' && root !== 'lvm') throw new Error(`root must be "ext4" or "lvm", not "${root}"`);
    const ext4Disk = join(work, 'root.img');
    let disk = ext4Disk;
    let rootArg = 'root=LABEL=strata-root';
    if (root === 'lvm') {
      // Provisioned in a QEMU guest by the initrd's own lvm2 (no device-mapper needed on the host).
      disk = join(work, 'root-lvm.img');
      rootArg = `root=${LVM_ROOT_DEVICE}`;
      const busybox = createHash('sha256').update(await readFile('/bin/busybox')).digest('hex');
      const provision = await cachedLvmRootDisk(disk, {
        kernel,
        initrd,
        rootImage: ext4Disk,
        rootKey: `${ROOT_MARKER} busybox ${busybox}`,
        makeRoot: () => makeRootDisk(ext4Disk),
        consoleLog: join(work, 'provision-lvm.log'),
      });
      console.log(provision.cached
        ? `${name}: LVM root disk unchanged (${relative(context.root, disk)})`
        : `${name}: provisioned the LVM root disk in ${provision.seconds?.toFixed(1)} s (${relative(context.root, disk)})`);
    } else {
      await makeRootDisk(disk);
    }
    const consoleLog = join(work, 'console.log');
    const result = await bootAndWatch({
      kernel,
      initrd,
      disks: [disk],
      append: [rootArg, 'rootfstype=ext4', 'ro', ...(options.append ? options.append.split(/\s+/) : [])],
      marker: ROOT_MARKER,
      timeoutMs: (options.timeout ?? 180) * 1000,
      consoleLog,
    });
    if (!result.ok) {
      const tail = result.console.split('\n').slice(-25).join('\n');
      console.error(`${name}: boot FAILED after ${result.seconds.toFixed(1)} s: ${result.reason}\n--- last console lines (full log: ${relative(context.root, consoleLog)}) ---\n${tail}`);
      return false;
    }
    console.log(`${name}: booted to the root's marker in ${result.seconds.toFixed(1)} s${root === 'lvm' ? ` (root on LVM, ${LVM_ROOT_DEVICE})` : ''} (console: ${relative(context.root, consoleLog)})`);
    return true;
  });
}
