import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleModulesLayer, installedKernels, type ModulesLayer } from '@strata/kmod';
import { withAtomicOutput } from './atomic-output';
import { sha256File, writeArchive, writeChecksums } from './build-image';

export interface ModulesPlan {
  name: string;
  /** "host" (the newest kernel in /usr/lib/modules) or an explicit version. */
  kernelVersion: string;
  rules: string[];
  firmware: boolean;
  outputDir: string;
  workDir: string;
  compression: { kind: 'zstd' | 'none'; level: number };
  sourceDateEpoch: number;
  modulesRoot?: string;
}

export interface ModulesManifest extends ModulesLayer {
  image: string;
  sha256: string;
  uncompressedSize: number;
  compressedSize: number;
}

export async function resolveKernelVersion(requested: string, modulesRoot = '/usr/lib/modules'): Promise<string> {
  const kernels = await installedKernels(modulesRoot);
  if (requested === 'host') {
    if (kernels.length === 0) throw new Error(`kernel version "host": no kernel modules in ${modulesRoot}; install a kernel (Debian: linux-image-amd64) or set kernel.version`);
    return kernels[kernels.length - 1];
  }
  if (!kernels.includes(requested)) throw new Error(`kernel version "${requested}" has no modules in ${modulesRoot}; available: ${kernels.join(', ') || 'none'}`);
  return requested;
}

export function modulesImageName(kernelVersion: string, compression: ModulesPlan['compression']): string {
  return `modules-${kernelVersion}.cpio${compression.kind === 'zstd' ? '.zst' : ''}`;
}

/** The per-kernel layer of an initrd: selected modules, their closure and firmware, indexed by depmod. */
export async function buildModules(plan: ModulesPlan): Promise<ModulesManifest> {
  const kernelVersion = await resolveKernelVersion(plan.kernelVersion, plan.modulesRoot);
  await mkdir(plan.workDir, { recursive: true });
  const scratch = await mkdtemp(join(plan.workDir, `${plan.name}-modules-`));
  try {
    const root = join(scratch, 'root');
    await mkdir(root);
    const layer = await assembleModulesLayer({ root, kernelVersion, rules: plan.rules, firmware: plan.firmware, modulesRoot: plan.modulesRoot });
    if (layer.unmatched.length > 0) throw new Error(`kernel.modules rules match no module of ${kernelVersion}: ${layer.unmatched.join(', ')}`);
    return await withAtomicOutput(plan.outputDir, async (staging) => {
      const image = modulesImageName(kernelVersion, plan.compression);
      const uncompressedSize = await writeArchive(root, join(staging, image), plan.compression, plan.sourceDateEpoch);
      const manifest: ModulesManifest = {
        ...layer,
        image,
        sha256: await sha256File(join(staging, image)),
        uncompressedSize,
        compressedSize: (await stat(join(staging, image))).size,
      };
      await writeFile(join(staging, 'modules.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeChecksums(staging);
      return manifest;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
