import type { ExecutorContext } from '@nx/devkit';
import { readLock } from '@strata/lock';
import { resolveRecipe } from '@strata/recipe';
import { formatRecipeSummary, summarizeRecipe, terminalColors } from '@strata/report';
import { loadWorkspaceRecipes, reportErrors } from '../../workspace';

export interface SummaryOptions {
  json?: boolean;
}

export default async function summaryExecutor(options: SummaryOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const graph = loadWorkspaceRecipes(context.root);
    const recipe = resolveRecipe(context.projectName as string, graph);
    const lockedCounts = new Map<string, number>();
    for (const name of [...recipe.baseChain, recipe.name]) {
      // A corrupt lock is an error to report, not a missing one (readLock gives undefined only for a missing file).
      const lock = await readLock(resolveRecipe(name, graph));
      if (lock) lockedCounts.set(name, lock.packages.length);
    }
    const summary = summarizeRecipe({ recipe, graph, workspaceRoot: context.root, lockedCounts });
    process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatRecipeSummary(summary, terminalColors()));
    return true;
  });
}
