import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { withAtomicOutput } from '@strata/output';
import { sha256File, writeChecksums, type Manifest } from './build-image';
import type { ModulesManifest } from './build-modules';
import { rebuildCommand, verifyOutput } from '@strata/output';

export interface AssemblePlan {
  name: string;
  layerDir: string;
  modulesDir: string | null;
  outputDir: string;
  /** Writes more files (reports) beside the image before the checksums; they are part of the output. */
  addOutputs?: (stagingDir: string, manifest: InitrdManifest) => Promise<void>;
}

export interface InitrdManifest extends Manifest {
  layerImage: { file: string; sha256: string };
  kernel: {
    version: string;
    modules: number;
    firmware: string[];
    image: string;
    sha256: string;
    /** "host", or the locked kernel package set (kernel.package). */
    source: 'host' | string[];
    /** kernel.package: the kernel image, beside the initrd in the output folder. */
    vmlinuz?: string;
  } | null;
}

/**
 * The bootable initrd: the kernel-independent userspace archive followed by the per-kernel modules
 * archive. The kernel unpacks concatenated archives one after another, so a kernel update only
 * swaps the second part.
 */
export async function assembleInitrd(plan: AssemblePlan): Promise<InitrdManifest> {
  await verifyOutput(plan.layerDir, rebuildCommand(plan.name, 'image'));
  if (plan.modulesDir) await verifyOutput(plan.modulesDir, rebuildCommand(plan.name, 'modules'));
  const layer: Manifest = JSON.parse(await readFile(join(plan.layerDir, 'manifest.json'), 'utf8'));
  const modules: ModulesManifest | null = plan.modulesDir ? JSON.parse(await readFile(join(plan.modulesDir, 'modules.json'), 'utf8')) : null;
  return withAtomicOutput(plan.outputDir, async (staging) => {
    const out = join(staging, layer.image);
    if (modules && plan.modulesDir) {
      await pipeline(createReadStream(join(plan.layerDir, layer.image)), createWriteStream(out));
      await pipeline(createReadStream(join(plan.modulesDir, modules.image)), createWriteStream(out, { flags: 'a' }));
    } else {
      await copyFile(join(plan.layerDir, layer.image), out);
    }
    // A kernel from a package travels with its initrd: the pair boots together.
    if (modules?.kernelImage && plan.modulesDir) await copyFile(join(plan.modulesDir, modules.kernelImage), join(staging, modules.kernelImage));
    const manifest: InitrdManifest = {
      ...layer,
      sha256: await sha256File(out),
      compressedSize: (await stat(out)).size,
      uncompressedSize: layer.uncompressedSize + (modules?.uncompressedSize ?? 0),
      fileCount: layer.fileCount,
      layerImage: { file: layer.image, sha256: layer.sha256 },
      kernel: modules
        ? {
            version: modules.kernelVersion,
            modules: modules.modules.length,
            firmware: modules.firmware,
            image: modules.image,
            sha256: modules.sha256,
            source: modules.kernelSource ?? 'host',
            ...(modules.kernelImage ? { vmlinuz: modules.kernelImage } : {}),
          }
        : null,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await plan.addOutputs?.(staging, manifest);
    await writeChecksums(staging);
    return manifest;
  });
}
