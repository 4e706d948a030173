import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { type ExtensionManifest, type InitrdManifest } from '@strata/layer';
import { writeCpioImage } from '@strata/extension';
import { findKernelImage } from '@strata/kmod';
import { appendUncompressedArchive } from './append-archive';
import { cachedLvmRootDisk, LVM_ROOT_DEVICE } from './lvm-root-disk';
import { bootAndWatch } from './qemu';
import { makeRootDisk, ROOT_MARKER } from './root-disk';
import { cachedVmlinux } from './vmlinux';

/**
 * A boot test, from built outputs to a verdict: the initrd (with an extension appended when one
 * is tested), the kernel it was built for, a root disk, QEMU, and what the console must show.
 */
export interface BootTestPlan {
  /** What the messages call this boot (the recipe under test). */
  label: string;
  /** The initrd that boots, and its dist/images folder. */
  initrdName: string;
  imageDir: string;
  /** dist/images/<extension> when an extension is tested with that initrd. */
  extensionImageDir?: string;
  /** Scratch and logs of this boot (dist/boot/<label>); extracted kernels are kept in kernelCacheDir. */
  workDir: string;
  kernelCacheDir: string;
  /** ext4: the root file system on the whole disk; lvm: on the LV strata/root of a PV on the disk. */
  root: 'ext4' | 'lvm';
  append?: string;
  timeoutSeconds: number;
  /** For paths in messages. */
  workspaceRoot: string;
}

/** An initrd-scope system extension, delivered with the initrd and expected to be merged by it. */
interface ExtensionAddon {
  name: string;
  verity: boolean;
  /** An archive to append to the initrd: the image (and verity files) in /etc/extensions. */
  archive: string;
}

/** Where systemd-sysext looks, in an initrd too (/run is a fresh tmpfs there, so not /run/extensions). */
const EXTENSIONS_DIR = 'etc/extensions';

/** Pack the built extension image, with its verity and signature files, as etc/extensions/<file>. */
async function extensionArchive(name: string, dir: string, work: string): Promise<ExtensionAddon> {
  await verifyOutput(dir, rebuildCommand(name, 'build'));
  const manifest: ExtensionManifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  if (manifest.format !== 'erofs' && manifest.format !== 'squashfs') {
    throw new Error(`${name} is a "${manifest.format}" extension; systemd-sysext merges erofs or squashfs images, so only those are boot-tested`);
  }
  const files = [manifest.image, manifest.verity?.hashFile, manifest.verity?.rootHashFile, manifest.signature?.file].filter((f): f is string => f !== undefined);
  await mkdir(work, { recursive: true });
  const tree = await mkdtemp(join(work, 'extension-'));
  try {
    await mkdir(join(tree, EXTENSIONS_DIR), { recursive: true });
    for (const file of files) await copyFile(join(dir, file), join(tree, EXTENSIONS_DIR, file));
    const archive = join(work, `${name}.extension.cpio`);
    await writeCpioImage(tree, archive, { compression: { kind: 'none', level: 0 }, sourceDateEpoch: 0 });
    return { name, archive, verity: manifest.verity !== null };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/**
 * What the console must show when systemd-sysext in the initrd merged the extension; with verity,
 * also the kernel's dm-verity target at work (systemd-sysext reads the side files by itself).
 */
export function extensionMergeProblem(console: string, extension: string, verity: boolean): string | undefined {
  const quoted = `'${extension}'`;
  const using = console.split('\n').find((line) => /Using extensions /.test(line) && line.includes(quoted));
  if (!using) return `systemd-sysext in the initrd did not use ${quoted}`;
  if (!/Merged extensions into '\/usr'/.test(console)) return `systemd-sysext in the initrd did not merge into /usr`;
  if (verity && !/device-mapper: verity/.test(console)) return `${quoted} has a verity hash tree, but the initrd did not open it through dm-verity`;
  return undefined;
}

/** Boot the plan's initrd to the root's marker; false (having said why) when it does not get there. */
export async function runBootTest(plan: BootTestPlan): Promise<boolean> {
  const { label, initrdName, imageDir, workDir: work } = plan;
  const addon = plan.extensionImageDir ? await extensionArchive(label, plan.extensionImageDir, work) : undefined;
  await verifyOutput(imageDir, rebuildCommand(initrdName, 'build'));
  const manifest: InitrdManifest = JSON.parse(await readFile(join(imageDir, 'manifest.json'), 'utf8'));
  if (!manifest.kernel) throw new Error(`${initrdName} has no kernel modules layer (no "kernel" section in its recipe), so it cannot boot a disk`);
  await mkdir(work, { recursive: true });
  // The kernel image built with the initrd (kernel.package), else the host's kernel of that version.
  const vmlinuz = manifest.kernel.vmlinuz ? join(imageDir, manifest.kernel.vmlinuz) : await findKernelImage('/', manifest.kernel.version);
  const kernelCacheName = manifest.kernel.vmlinuz ? `vmlinux-${manifest.kernel.version}-${initrdName}` : `vmlinux-${manifest.kernel.version}`;
  const kernel = await cachedVmlinux(vmlinuz, join(plan.kernelCacheDir, kernelCacheName));
  let initrd = join(imageDir, manifest.image);
  if (addon) {
    // The kernel unpacks concatenated archives in turn: the extension lands in the same root.
    const combined = join(work, 'initrd.img');
    await pipeline(createReadStream(initrd), createWriteStream(combined));
    await appendUncompressedArchive(combined, addon.archive);
    initrd = combined;
  }
  const root = plan.root;
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
      ? `${label}: LVM root disk unchanged (${relative(plan.workspaceRoot, disk)})`
      : `${label}: provisioned the LVM root disk in ${provision.seconds?.toFixed(1)} s (${relative(plan.workspaceRoot, disk)})`);
  } else {
    await makeRootDisk(disk);
  }
  const consoleLog = join(work, 'console.log');
  const result = await bootAndWatch({
    kernel,
    initrd,
    disks: [disk],
    // systemd-sysext logs to the journal once journald runs: have journald echo it to the console.
    append: [rootArg, 'rootfstype=ext4', 'ro', ...(addon ? ['systemd.journald.forward_to_console=1'] : []), ...(plan.append ? plan.append.split(/\s+/) : [])],
    marker: ROOT_MARKER,
    timeoutMs: plan.timeoutSeconds * 1000,
    consoleLog,
  });
  const problem = !result.ok ? result.reason : addon ? extensionMergeProblem(result.console, addon.name, addon.verity) : undefined;
  if (problem) {
    const lines = result.console.split('\n');
    // For an extension, systemd-sysext's own lines say why; otherwise the end of the log does.
    const shown = addon && result.ok ? lines.filter((line) => /sysext|extension|verity/i.test(line)) : lines.slice(-25);
    console.error(`${label}: boot FAILED after ${result.seconds.toFixed(1)} s: ${problem}\n--- ${addon && result.ok ? 'systemd-sysext lines' : 'last console lines'} (full log: ${relative(plan.workspaceRoot, consoleLog)}) ---\n${shown.join('\n')}`);
    return false;
  }
  const what = addon ? `${initrdName} with ${addon.name} merged by its systemd-sysext, ` : '';
  console.log(`${label}: booted ${what}to the root's marker in ${result.seconds.toFixed(1)} s${root === 'lvm' ? ` (root on LVM, ${LVM_ROOT_DEVICE})` : ''} (console: ${relative(plan.workspaceRoot, consoleLog)})`);
  return true;
}
