import type { ExecutorContext } from '@nx/devkit';
import { relative } from 'node:path';
import { checkLock, lockRecipe } from '@strata/lock';
import { resolveRecipe } from '@strata/recipe';
import { loadWorkspaceRecipes, packageSupply, reportErrors } from '../../workspace';

export interface LockOptions {
  check?: boolean;
}

export default async function lockExecutor(options: LockOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const ctx = { workspaceRoot: context.root, graph: loadWorkspaceRecipes(context.root) };
    if (options.check) {
      const state = await checkLock(name, ctx);
      if (!state.fresh) {
        console.error(state.reason);
        return false;
      }
      console.log(`${name}: lock is up to date (${state.lock.packages.length} packages)`);
      return true;
    }
    const result = await lockRecipe(name, ctx, packageSupply(resolveRecipe(name, ctx.graph), context));
    const file = relative(context.root, result.file);
    console.log(`${name}: ${result.changed ? 'wrote' : 'unchanged'} ${file} (${result.lock.packages.length} packages)`);
    return true;
  });
}
