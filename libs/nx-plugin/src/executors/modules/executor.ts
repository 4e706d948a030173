import type { ExecutorContext } from '@nx/devkit';
import { relative } from 'node:path';
import { buildModules, type ModulesPlan } from '@strata/layer';
import { collectWorkspaceLeftovers } from '@strata/output';
import { checkLock, dnfTarget, lockCommand } from '@strata/lock';
import { resolveRecipe, type RecipeGraph, type ResolvedRecipe } from '@strata/recipe';
import { isVerbose, loadWorkspaceRecipes, packageSupply, reportErrors, sourceDateEpoch } from '../../workspace';
import { asImageRoot } from '../../image-root';
import { planModules } from '@strata/plan';

export interface ModulesOptions {
  kernelVersion?: string;
  verbose?: boolean;
}

/** kernel.package: the locked kernel package set, refused when the lock is stale or predates it. */
async function lockedKernelPackage(recipe: ResolvedRecipe, graph: RecipeGraph, context: ExecutorContext, verbose: boolean): Promise<ModulesPlan['kernelPackage']> {
  const root = context.root;
  const state = await checkLock(recipe.name, { workspaceRoot: root, graph });
  if (!state.fresh) throw new Error(`refusing to build the modules of ${recipe.name}: ${state.reason}`);
  if (!state.lock.kernel) throw new Error(`${relative(root, recipe.dir)}/packages.lock.json has no "kernel" section for kernel.package "${recipe.kernel?.package}"; refresh it with: ${lockCommand(recipe.name)}`);
  return { ...dnfTarget(recipe, root), packages: state.lock.kernel.packages, supply: packageSupply(recipe, context), verbose };
}

async function modulesExecutor(options: ModulesOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    await collectWorkspaceLeftovers(context.root, (line) => console.log(`${name}: ${line}`));
    const graph = loadWorkspaceRecipes(context.root);
    const recipe = resolveRecipe(name, graph);
    if (!recipe.kernel) throw new Error(`${relative(context.root, recipe.file)}: no "kernel" section, so there are no modules to build`);
    const kernelPackage = recipe.kernel.package ? await lockedKernelPackage(recipe, graph, context, isVerbose(options.verbose)) : undefined;
    const manifest = await buildModules(planModules({ recipe, workspaceRoot: context.root, kernelVersion: options.kernelVersion, kernelPackage, sourceDateEpoch: sourceDateEpoch() }));
    const source = manifest.kernelSource === 'host' ? 'the build host' : `package ${recipe.kernel.package} (${manifest.kernelSource.length} locked packages installed aside)`;
    console.log(`${name}: ${manifest.modules.length} modules of ${manifest.kernelVersion} from ${source}, ${manifest.firmware.length} firmware files, ${(manifest.compressedSize / 1e6).toFixed(1)} MB`);
    if (manifest.missingFirmware.length > 0) {
      const modules = manifest.missingFirmwareByModule ?? [];
      const named = modules.slice(0, 8).map((entry) => `${entry.module} (${entry.files.length})`).join(', ');
      console.log(`  firmware not on this host (skipped): ${manifest.missingFirmware.length} files, declared by ${modules.length} modules: ${named}${modules.length > 8 ? ', …' : ''} (all in modules.json and the size report)`);
    }
    // An exclude that changed nothing is a rule the user believes in: say what undid it.
    for (const undone of manifest.undoneExcludes ?? []) {
      console.log(`  kernel.modules rule "${undone.rule}" was undone by dependencies: ${undone.modules.join(', ')} are in the image all the same, needed by ${undone.pulledBackBy.join(', ')}; exclude those too, or keep the rule out`);
    }
    return true;
  });
}

export default asImageRoot(__filename, modulesExecutor);
