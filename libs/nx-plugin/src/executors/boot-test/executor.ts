import type { ExecutorContext } from 'nx/src/devkit-exports';
import { access, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { bootAndWatch, cachedVmlinux, makeRootDisk, ROOT_MARKER } from '@strata/boot';
import type { InitrdManifest } from '@strata/build';
import { IMAGES_DIR, reportErrors } from '../../workspace';

export interface BootTestOptions {
  timeout?: number;
  append?: string;
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
    const kernel = await cachedVmlinux(await kernelImage(manifest.kernel.version), join(context.root, 'dist/boot/kernels', `vmlinux-${manifest.kernel.version}`));
    const disk = join(work, 'root.img');
    await makeRootDisk(disk);
    const consoleLog = join(work, 'console.log');
    const result = await bootAndWatch({
      kernel,
      initrd: join(imageDir, manifest.image),
      disks: [disk],
      append: ['root=LABEL=strata-root', 'rootfstype=ext4', 'ro', ...(options.append ? options.append.split(/\s+/) : [])],
      marker: ROOT_MARKER,
      timeoutMs: (options.timeout ?? 180) * 1000,
      consoleLog,
    });
    if (!result.ok) {
      const tail = result.console.split('\n').slice(-25).join('\n');
      console.error(`${name}: boot FAILED after ${result.seconds.toFixed(1)} s: ${result.reason}\n--- last console lines (full log: ${relative(context.root, consoleLog)}) ---\n${tail}`);
      return false;
    }
    console.log(`${name}: booted to the root's marker in ${result.seconds.toFixed(1)} s (console: ${relative(context.root, consoleLog)})`);
    return true;
  });
}
