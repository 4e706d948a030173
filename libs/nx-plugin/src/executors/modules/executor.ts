import type { ExecutorContext } from 'nx/src/devkit-exports';
import { join, relative } from 'node:path';
import { buildModules } from '@strata/build';
import { resolveRecipe } from '@strata/recipe';
import { MODULES_DIR, loadWorkspaceRecipes, reportErrors, sourceDateEpoch } from '../../workspace';

export interface ModulesOptions {
  kernelVersion?: string;
}

export default async function modulesExecutor(options: ModulesOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const recipe = resolveRecipe(name, loadWorkspaceRecipes(context.root));
    if (!recipe.kernel) throw new Error(`${relative(context.root, recipe.file)}: no "kernel" section, so there are no modules to build`);
    const manifest = await buildModules({
      name,
      kernelVersion: options.kernelVersion ?? recipe.kernel.version ?? 'host',
      rules: recipe.kernel.modules ?? ['default'],
      firmware: recipe.kernel.firmware ?? true,
      outputDir: join(context.root, MODULES_DIR, name),
      workDir: join(context.root, 'dist/.work'),
      compression: { kind: recipe.output.compression ?? 'zstd', level: recipe.output.level ?? 19 },
      sourceDateEpoch: sourceDateEpoch(),
    });
    console.log(`${name}: ${manifest.modules.length} modules of ${manifest.kernelVersion}, ${manifest.firmware.length} firmware files, ${(manifest.compressedSize / 1e6).toFixed(1)} MB`);
    if (manifest.missingFirmware.length > 0) console.log(`  firmware not on this host (skipped): ${manifest.missingFirmware.length} files`);
    return true;
  });
}
