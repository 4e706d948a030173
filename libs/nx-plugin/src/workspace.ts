import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dieWithLauncher } from '@strata/owner';
import type { ExecutorContext } from '@nx/devkit';
import { packageSupplyFor } from '@strata/lock';
import { PackageStore, packageMirrors, packageStoreDir, type PackageSupply } from '@strata/package-store';
import { loadRecipeGraph, type RecipeGraph, type ResolvedRecipe } from '@strata/recipe';

/** recipes/**\/recipe.yaml, relative to the workspace, in a stable order (what createNodes sees too). */
export function findRecipeFiles(workspaceRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    // Entries as they are (links not followed: a files tree may hold links that dangle here).
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'recipe.yaml' && entry.isFile()) found.push(relative(workspaceRoot, path));
    }
  };
  walk(join(workspaceRoot, 'recipes'));
  return found;
}

export function loadWorkspaceRecipes(workspaceRoot: string): RecipeGraph {
  return loadRecipeGraph(workspaceRoot, findRecipeFiles(workspaceRoot));
}

/**
 * Executors report errors as one readable block instead of a stack trace. Every executor runs
 * through here, so this is also where its processes are tied to nx: Nx starts an executor in a
 * session of its own, where a kill of nx's process group would not reach it.
 */
export async function reportErrors(run: () => Promise<boolean>): Promise<{ success: boolean }> {
  const stopWatching = dieWithLauncher();
  try {
    return { success: await run() };
  } catch (err) {
    // The message is written for users; the stack only with nx --verbose.
    const verbose = process.env.NX_VERBOSE_LOGGING === 'true';
    console.error(String((verbose ? (err as Error).stack : undefined) ?? (err as Error).message ?? err));
    return { success: false };
  } finally {
    stopWatching();
  }
}


/** Without SOURCE_DATE_EPOCH every timestamp is clamped to 0: the image depends only on its inputs. */
export function sourceDateEpoch(): number {
  const value = process.env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value)) throw new Error(`SOURCE_DATE_EPOCH must be a number of seconds, got "${value}"`);
  return Number(value);
}

/** --verbose on the target, or `nx ... --verbose` (which Nx passes on as NX_VERBOSE_LOGGING). */
export function isVerbose(option: boolean | undefined): boolean {
  return option === true || process.env.NX_VERBOSE_LOGGING === 'true';
}

/**
 * Prints each phase's duration when it ends, on a terminal or with --verbose. Elsewhere (CI logs,
 * pipes) it stays quiet and the executor's own one-line summary is all there is.
 */
export function phasePrinter(name: string, options: { verbose?: boolean; interactive?: boolean } = {}): (phase: string) => void {
  const show = options.verbose === true || (options.interactive ?? process.stdout.isTTY === true);
  let current: { phase: string; start: number } | undefined;
  return (phase) => {
    if (current && show) console.log(`  ${name}: ${current.phase} ${((performance.now() - current.start) / 1000).toFixed(1)} s`);
    current = phase === 'done' ? undefined : { phase, start: performance.now() };
  };
}

/** The `packageMirrors` option of strata's plugin entry in nx.json, if any. */
function configuredMirrors(context: Pick<ExecutorContext, 'nxJsonConfiguration'>): string[] {
  for (const entry of context.nxJsonConfiguration?.plugins ?? []) {
    if (typeof entry === 'string' || !/nx-plugin/.test(entry.plugin)) continue;
    const options = entry.options as { packageMirrors?: unknown } | undefined;
    if (Array.isArray(options?.packageMirrors)) return options.packageMirrors.filter((m): m is string => typeof m === 'string');
  }
  return [];
}

/**
 * Where a recipe's packages come from: the package store (STRATA_PACKAGE_STORE, else one per user),
 * and, for what it lacks, the recipe's repositories, their archives and the mirrors
 * (STRATA_PACKAGE_MIRRORS, then packageMirrors in nx.json).
 */
export function packageSupply(recipe: ResolvedRecipe, context: Pick<ExecutorContext, 'root' | 'nxJsonConfiguration'>): PackageSupply {
  return packageSupplyFor(recipe, context.root, new PackageStore(packageStoreDir()), packageMirrors(process.env, configuredMirrors(context)));
}
