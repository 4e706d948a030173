import type { ExecutorContext } from 'nx/src/devkit-exports';
import { join, relative } from 'node:path';
import { assembleInitrd } from '@strata/build';
import { resolveRecipe } from '@strata/recipe';
import { IMAGES_DIR, LAYERS_DIR, MODULES_DIR, loadWorkspaceRecipes, reportErrors } from '../../workspace';

export interface BuildOptions {
  kernelVersion?: string;
}

export default async function buildExecutor(_options: BuildOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const recipe = resolveRecipe(name, loadWorkspaceRecipes(context.root));
    const withModules = recipe.kind === 'initrd' && recipe.kernel !== undefined;
    const manifest = await assembleInitrd({
      name,
      layerDir: join(context.root, LAYERS_DIR, name),
      modulesDir: withModules ? join(context.root, MODULES_DIR, name) : null,
      outputDir: join(context.root, IMAGES_DIR, name),
    });
    const file = relative(context.root, join(context.root, IMAGES_DIR, name, manifest.image));
    const kernel = manifest.kernel ? ` + ${manifest.kernel.modules} modules of ${manifest.kernel.version}` : '';
    console.log(`${name}: ${file} ${(manifest.compressedSize / 1e6).toFixed(1)} MB${kernel}, sha256 ${manifest.sha256}`);
    return true;
  });
}
