import type { ExecutorContext } from '@nx/devkit';
import { checkLock, readLock } from '@strata/lock';
import { ensureLockedPackages } from '@strata/package-store';
import { resolveRecipe } from '@strata/recipe';
import { loadWorkspaceRecipes, packageSupply, reportErrors } from '../../workspace';

/**
 * Fill the package store with everything the recipe's chain is built from: each layer's locked
 * packages (fetched through that layer's own repositories) and the recipe's kernel package set.
 * After it, `nx build` of the recipe asks no repository.
 */
export default async function fetchExecutor(_options: Record<string, never>, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const ctx = { workspaceRoot: context.root, graph: loadWorkspaceRecipes(context.root) };
    const recipe = resolveRecipe(name, ctx.graph);
    let fetched = 0;
    let total = 0;
    let bytes = 0;
    for (const layerName of [...recipe.baseChain, name]) {
      const state = await checkLock(layerName, ctx);
      if (!state.fresh) throw new Error(`cannot fetch the packages of ${layerName}: ${state.reason}`);
      const layer = resolveRecipe(layerName, ctx.graph);
      // The kernel set of the recipe itself: a base's kernel is not part of this recipe's image.
      const kernel = layerName === name ? ((await readLock(layer))?.kernel?.packages ?? []) : [];
      const packages = [...state.lock.packages, ...kernel];
      const result = await ensureLockedPackages(packages, packageSupply(layer, context));
      total += packages.length;
      fetched += result.fetched.length;
      bytes += packages.filter((p) => result.fetched.some((f) => f.nevra === p.nevra)).reduce((sum, p) => sum + p.size, 0);
    }
    const store = packageSupply(recipe, context).store;
    console.log(`${name}: ${total} packages in the package store ${store.dir} (${fetched} fetched now, ${(bytes / 1e6).toFixed(1)} MB)`);
    return true;
  });
}
