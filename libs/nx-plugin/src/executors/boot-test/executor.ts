import type { ExecutorContext } from '@nx/devkit';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { bootAndWatch, cachedLvmRootDisk, cachedVmlinux, LVM_ROOT_DEVICE, makeRootDisk, ROOT_MARKER } from '@strata/boot';
import { rebuildCommand, verifyOutput, type ExtensionManifest, type InitrdManifest } from '@strata/build';
import { writeCpioImage } from '@strata/extension';
import { findKernelImage } from '@strata/kmod';
import { nearestBaseOfKind, resolveRecipe } from '@strata/recipe';
import { loadWorkspaceRecipes, reportErrors } from '../../workspace';
import { DIST } from '@strata/plan';

export interface BootTestOptions {
  timeout?: number;
  append?: string;
  /** ext4: the root file system on the whole disk; lvm: on the LV strata/root of a PV on the disk. */
  root?: 'ext4' | 'lvm';
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
async function extensionArchive(name: string, root: string, work: string): Promise<ExtensionAddon> {
  const dir = join(root, DIST.images, name);
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

export default async function bootTestExecutor(options: BootTestOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const graph = loadWorkspaceRecipes(context.root);
    const recipe = resolveRecipe(name, graph);
    if (recipe.kind === 'initrd') return bootInitrd(name, name, undefined, options, context);
    // An extension boots with the nearest initrd it builds on.
    const initrd = nearestBaseOfKind(recipe.baseChain, graph, 'initrd');
    if (!initrd) throw new Error(`${name} builds on no initrd, so there is nothing to boot it with`);
    const addon = await extensionArchive(name, context.root, join(context.root, DIST.boot, name));
    return bootInitrd(name, initrd, addon, options, context);
  });
}

async function bootInitrd(label: string, initrdName: string, addon: ExtensionAddon | undefined, options: BootTestOptions, context: ExecutorContext): Promise<boolean> {
  const imageDir = join(context.root, DIST.images, initrdName);
  await verifyOutput(imageDir, rebuildCommand(initrdName, 'build'));
  const manifest: InitrdManifest = JSON.parse(await readFile(join(imageDir, 'manifest.json'), 'utf8'));
  if (!manifest.kernel) throw new Error(`${initrdName} has no kernel modules layer (no "kernel" section in its recipe), so it cannot boot a disk`);
  const work = join(context.root, DIST.boot, label);
  await mkdir(work, { recursive: true });
  // The kernel image built with the initrd (kernel.package), else the host's kernel of that version.
  const vmlinuz = manifest.kernel.vmlinuz ? join(imageDir, manifest.kernel.vmlinuz) : await findKernelImage('/', manifest.kernel.version);
  const kernelCacheName = manifest.kernel.vmlinuz ? `vmlinux-${manifest.kernel.version}-${initrdName}` : `vmlinux-${manifest.kernel.version}`;
  const kernel = await cachedVmlinux(vmlinuz, join(context.root, DIST.boot, 'kernels', kernelCacheName));
  let initrd = join(imageDir, manifest.image);
  if (addon) {
    // The kernel unpacks concatenated archives in turn: the extension lands in the same root.
    const combined = join(work, 'initrd.img');
    await pipeline(createReadStream(initrd), createWriteStream(combined));
    await pipeline(createReadStream(addon.archive), createWriteStream(combined, { flags: 'a' }));
    initrd = combined;
  }
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
      ? `${label}: LVM root disk unchanged (${relative(context.root, disk)})`
      : `${label}: provisioned the LVM root disk in ${provision.seconds?.toFixed(1)} s (${relative(context.root, disk)})`);
  } else {
    await makeRootDisk(disk);
  }
  const consoleLog = join(work, 'console.log');
  const result = await bootAndWatch({
    kernel,
    initrd,
    disks: [disk],
    // systemd-sysext logs to the journal once journald runs: have journald echo it to the console.
    append: [rootArg, 'rootfstype=ext4', 'ro', ...(addon ? ['systemd.journald.forward_to_console=1'] : []), ...(options.append ? options.append.split(/\s+/) : [])],
    marker: ROOT_MARKER,
    timeoutMs: (options.timeout ?? 180) * 1000,
    consoleLog,
  });
  const problem = !result.ok ? result.reason : addon ? extensionMergeProblem(result.console, addon.name, addon.verity) : undefined;
  if (problem) {
    const lines = result.console.split('\n');
    // For an extension, systemd-sysext's own lines say why; otherwise the end of the log does.
    const shown = addon && result.ok ? lines.filter((line) => /sysext|extension|verity/i.test(line)) : lines.slice(-25);
    console.error(`${label}: boot FAILED after ${result.seconds.toFixed(1)} s: ${problem}\n--- ${addon && result.ok ? 'systemd-sysext lines' : 'last console lines'} (full log: ${relative(context.root, consoleLog)}) ---\n${shown.join('\n')}`);
    return false;
  }
  const what = addon ? `${initrdName} with ${addon.name} merged by its systemd-sysext, ` : '';
  console.log(`${label}: booted ${what}to the root's marker in ${result.seconds.toFixed(1)} s${root === 'lvm' ? ` (root on LVM, ${LVM_ROOT_DEVICE})` : ''} (console: ${relative(context.root, consoleLog)})`);
  return true;
}
