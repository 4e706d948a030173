import type { ExecutorContext } from '@nx/devkit';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { initrdReleaseText } from '@strata/image-tree';
import { findKernelImage } from '@strata/kmod';
import type { InitrdManifest } from '@strata/layer';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { DIST, outputDirOf, releaseInfoOf } from '@strata/plan';
import { resolveRecipe } from '@strata/recipe';
import { assembleUki } from '@strata/uki';
import { loadWorkspaceRecipes, reportErrors, sourceDateEpoch } from '../../workspace';

/** Normalise: the recipe's uki section and the image `build` wrote; then delegate to @strata/uki. */
export default async function ukiExecutor(options: { kernelVersion?: string }, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const recipe = resolveRecipe(name, loadWorkspaceRecipes(context.root));
    if (recipe.kind !== 'initrd' || !recipe.uki) throw new Error(`${name} has no kernel section, so it has no kernel to make a UKI with`);
    const imageDir = join(context.root, DIST.images, name);
    await verifyOutput(imageDir, rebuildCommand(name, 'build'));
    const image: InitrdManifest = JSON.parse(await readFile(join(imageDir, 'manifest.json'), 'utf8'));
    if (!image.kernel) throw new Error(`${name}'s build has no kernel modules layer: rebuild it with \`npx nx run ${name}:build\``);
    if (options.kernelVersion && image.kernel.version !== options.kernelVersion) {
      throw new Error(`${name}'s build is for kernel ${image.kernel.version}, not ${options.kernelVersion}: build it with \`npx nx run ${name}:build --kernelVersion=${options.kernelVersion}\``);
    }
    // The kernel the initrd was built for: from kernel.package, else the build host's of that version.
    const kernel = image.kernel.vmlinuz ? join(imageDir, image.kernel.vmlinuz) : await findKernelImage('/', image.kernel.version);
    const manifest = await assembleUki({
      name,
      kernel,
      kernelVersion: image.kernel.version,
      initrd: join(imageDir, image.image),
      osRelease: initrdReleaseText(releaseInfoOf(recipe), name),
      cmdline: recipe.uki.cmdline,
      sign: recipe.uki.sign,
      recipeFile: recipe.displayFile,
      outputDir: join(context.root, outputDirOf('uki', name)),
      workDir: join(context.root, DIST.work),
      sourceDateEpoch: sourceDateEpoch(),
    });
    const file = relative(context.root, join(context.root, outputDirOf('uki', name), manifest.image));
    console.log(`${name}: ${file} ${(manifest.size / 1e6).toFixed(1)} MB${manifest.signed ? ', signed for Secure Boot' : ', unsigned'}, sha256 ${manifest.sha256}`);
    for (const section of manifest.sections.filter((s) => s.from === 'strata' || s.name === '.sbat')) {
      console.log(`  ${section.name.padEnd(9)} ${section.address.padStart(10)} ${section.size.toString().padStart(10)} bytes`);
    }
    return true;
  });
}
