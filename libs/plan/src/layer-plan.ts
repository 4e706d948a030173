import { join } from 'node:path';
import type { BuildPlan, ModulesPlan } from '@strata/layer';
import type { ExtensionReleaseFields } from '@strata/extension';
import type { LockedPackage } from '@strata/lock';
import type { ResolvedRecipe } from '@strata/recipe';
import { DIST, outputDirOf } from './dist-layout';

/**
 * The plans the build libraries apply, from facts the executors gathered: pure, so that what a
 * target will be built from is read here, defaults included, and tested without building.
 */

/** Without release.id in the chain, an initrd calls its OS "linux", as os-release(5) does. */
export const DEFAULT_RELEASE_ID = 'linux';

/** What the image's initrd-release (and its UKI's .osrel) says about the distribution. */
export function releaseInfoOf(recipe: Pick<ResolvedRecipe, 'release'>): { id: string; versionId?: string; name?: string } {
  return { id: recipe.release.id ?? DEFAULT_RELEASE_ID, versionId: recipe.release.versionId, name: recipe.release.name };
}

export interface LayerFacts {
  recipe: ResolvedRecipe;
  workspaceRoot: string;
  /** This layer's locked packages, and every package of its bases with the recipe that locks it. */
  packages: LockedPackage[];
  basePackages: { pkg: LockedPackage; layer: string }[];
  /** The recipe's repositories as dnf sees them. */
  dnf: Pick<BuildPlan, 'repositories' | 'releasever' | 'basearch'>;
  /** The recipe's files folder, when it exists. */
  filesDir: string | null;
  /** Extensions: their extension-release fields. */
  extensionRelease?: ExtensionReleaseFields;
  sourceDateEpoch: number;
  verbose: boolean;
}

/** What `image` builds, except the package supply and the progress printer (effects). */
export type LayerPlan = Omit<BuildPlan, 'supply' | 'onPhase'>;

export function planLayer(facts: LayerFacts): LayerPlan {
  const { recipe, workspaceRoot } = facts;
  return {
    name: recipe.name,
    kind: recipe.kind,
    base: recipe.base,
    outputDir: join(workspaceRoot, outputDirOf('image', recipe.name)),
    baseOutputDir: recipe.base ? join(workspaceRoot, outputDirOf('image', recipe.base)) : null,
    workDir: join(workspaceRoot, DIST.work),
    packages: facts.packages,
    layerOf: new Map([...facts.basePackages.map((c) => [c.pkg.nevra, c.layer] as const), ...facts.packages.map((p) => [p.nevra, recipe.name] as const)]),
    ...facts.dnf,
    removePackages: recipe.removePackages,
    allowScriptletFailures: recipe.allowScriptletFailures,
    removeFiles: recipe.removeFiles,
    filesDir: facts.filesDir,
    init: recipe.init,
    release: releaseInfoOf(recipe),
    ...(facts.extensionRelease ? { extension: { name: recipe.name, release: facts.extensionRelease } } : {}),
    compression: { kind: recipe.output.compression, level: recipe.output.level },
    sourceDateEpoch: facts.sourceDateEpoch,
    verbose: facts.verbose,
  };
}

export interface ModulesFacts {
  recipe: ResolvedRecipe;
  workspaceRoot: string;
  /** The target's kernelVersion option, which overrides the recipe's kernel.version. */
  kernelVersion?: string;
  kernelPackage?: ModulesPlan['kernelPackage'];
  sourceDateEpoch: number;
}

export function planModules(facts: ModulesFacts): ModulesPlan {
  const { recipe, workspaceRoot } = facts;
  if (!recipe.kernel) throw new Error(`${recipe.name}: no "kernel" section, so there are no modules to build`);
  return {
    name: recipe.name,
    kernelVersion: facts.kernelVersion ?? recipe.kernel.version,
    rules: recipe.kernel.modules,
    firmware: recipe.kernel.firmware,
    outputDir: join(workspaceRoot, outputDirOf('modules', recipe.name)),
    workDir: join(workspaceRoot, DIST.work),
    compression: { kind: recipe.output.compression, level: recipe.output.level },
    sourceDateEpoch: facts.sourceDateEpoch,
    ...(facts.kernelPackage ? { kernelPackage: facts.kernelPackage } : {}),
  };
}
