import { access, copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepositorySpec } from '@strata/dnf';
import { installFromStore, type PackageSupply } from '@strata/package-store';
import { makeOwnedDir } from '@strata/owner';
import { assembleModulesLayer, findKernelImage, installedKernels, runDepmod, shippedKernels, type ModulesLayer } from '@strata/kmod';
import type { LockedPackage } from '@strata/lock';
import { withAtomicOutput } from '@strata/output';
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
  /** kernel.package: the locked kernel package set, installed into a scratch root to take the kernel from. */
  kernelPackage?: { packages: LockedPackage[]; repositories: RepositorySpec[]; releasever: string; basearch: string; supply: PackageSupply; verbose?: boolean };
}

export interface ModulesManifest extends ModulesLayer {
  /** "host", or the NEVRAs of the locked kernel package set the kernel was taken from. */
  kernelSource: 'host' | string[];
  /** The kernel image shipped beside the modules (kernel.package only): boot it with this initrd. */
  kernelImage?: string;
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
  const scratch = await makeOwnedDir(plan.workDir, `${plan.name}-modules-`);
  try {
    let modulesRoot = plan.modulesRoot;
    let firmwareRoot: string | undefined;
    let packageRoot: string | undefined;
    if (plan.kernelPackage) {
      // The package set goes into a root of its own: its files never reach the userspace image.
      packageRoot = join(scratch, 'kernel-package');
      await mkdir(packageRoot);
      const { packages, repositories, releasever, basearch, supply, verbose } = plan.kernelPackage;
      await installFromStore({ installroot: packageRoot, packages, repositories, releasever, basearch }, { ...supply, scratchDir: scratch, verbose });
      // Distributions write modules.dep in a post-install script (Debian) or ship it (Fedora): index what lacks it.
      const shipped = await shippedKernels(packageRoot);
      if (shipped.length === 0) throw new Error(`the kernel package set (${packages.map((p) => p.name).join(', ')}) ships no usr/lib/modules/<version>; name the package that holds the kernel in kernel.package`);
      for (const version of shipped) {
        const indexed = await access(join(packageRoot, 'usr/lib/modules', version, 'modules.dep')).then(() => true, () => false);
        if (!indexed) await runDepmod(packageRoot, version);
      }
      modulesRoot = join(packageRoot, 'usr/lib/modules');
      firmwareRoot = join(packageRoot, 'usr/lib/firmware');
    }
    const kernelVersion = await resolveKernelVersion(plan.kernelVersion, modulesRoot);
    const kernelImage = packageRoot ? await findKernelImage(packageRoot, kernelVersion) : undefined;
    const root = join(scratch, 'root');
    await mkdir(root);
    const layer = await assembleModulesLayer({ root, kernelVersion, rules: plan.rules, firmware: plan.firmware, modulesRoot, firmwareRoot });
    if (layer.unmatched.length > 0) throw new Error(`kernel.modules rules match no module of ${kernelVersion}: ${layer.unmatched.join(', ')}`);
    return await withAtomicOutput(plan.outputDir, async (staging) => {
      const image = modulesImageName(kernelVersion, plan.compression);
      const uncompressedSize = await writeArchive(root, join(staging, image), plan.compression, plan.sourceDateEpoch);
      if (kernelImage) await copyFile(kernelImage, join(staging, `vmlinuz-${kernelVersion}`));
      const manifest: ModulesManifest = {
        ...layer,
        kernelSource: plan.kernelPackage ? plan.kernelPackage.packages.map((p) => p.nevra) : 'host',
        ...(kernelImage ? { kernelImage: `vmlinuz-${kernelVersion}` } : {}),
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
