import type { ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildLayer, collectWorkspaceLeftovers, type BuildPlan } from '@strata/build';
import { extensionReleaseFor, summarizePaths } from '@strata/extension';
import { chainPackages, checkLock, dnfTarget } from '@strata/lock';
import { isExtensionKind, resolveRecipe } from '@strata/recipe';
import { isVerbose, loadWorkspaceRecipes, packageSupply, phasePrinter, reportErrors, sourceDateEpoch } from '../../workspace';
import { asImageRoot } from '../../image-root';
import { DIST } from '@strata/plan';

export interface ImageOptions {
  verbose?: boolean;
}

async function imageExecutor(options: ImageOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    await collectWorkspaceLeftovers(context.root, (line) => console.log(`${name}: ${line}`));
    const ctx = { workspaceRoot: context.root, graph: loadWorkspaceRecipes(context.root) };
    const state = await checkLock(name, ctx);
    if (!state.fresh) throw new Error(`refusing to build ${name}: ${state.reason}`);
    const recipe = resolveRecipe(name, ctx.graph);
    
    const chain = await chainPackages(recipe, ctx);
    const layers = join(context.root, DIST.layers);
    const verbose = isVerbose(options.verbose);
    const onPhase = phasePrinter(name, { verbose });
    const plan: BuildPlan = {
      name,
      kind: recipe.kind,
      base: recipe.base,
      outputDir: join(layers, name),
      baseOutputDir: recipe.base ? join(layers, recipe.base) : null,
      workDir: join(context.root, DIST.work),
      packages: state.lock.packages,
      layerOf: new Map([...chain.map((c) => [c.pkg.nevra, c.layer] as const), ...state.lock.packages.map((p) => [p.nevra, name] as const)]),
      ...dnfTarget(recipe, context.root),
      supply: packageSupply(recipe, context),
      removePackages: recipe.removePackages,
      allowScriptletFailures: recipe.allowScriptletFailures,
      removeFiles: recipe.removeFiles,
      filesDir: recipe.filesDir && existsSync(recipe.filesDir) ? recipe.filesDir : null,
      init: recipe.init,
      release: { id: recipe.release.id ?? 'linux', versionId: recipe.release.versionId, name: recipe.release.name },
      ...(isExtensionKind(recipe.kind) ? { extension: { name, release: extensionReleaseFor(recipe) } } : {}),
      compression: { kind: recipe.output.compression ?? 'zstd', level: recipe.output.level ?? 19 },
      sourceDateEpoch: sourceDateEpoch(),
      verbose,
      onPhase,
    };
    const manifest = await buildLayer(plan);
    onPhase('done');
    if (manifest.extension && manifest.extension.dropped.length > 0) {
      const where = manifest.extension.kind === 'sysext' ? 'usr/ and opt/' : 'etc/';
      console.warn(
        `${name}: warning: left out of the ${manifest.extension.kind}, which holds only ${where}: ${summarizePaths(manifest.extension.dropped)}` +
          ` (list them in removeFiles to silence this${manifest.extension.kind === 'sysext' ? ', or ship configuration in a confext' : ''})`,
      );
    }
    const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
    console.log(
      `${name}: ${relative(context.root, join(plan.outputDir, manifest.image))} ${mb(manifest.compressedSize)} (${mb(manifest.uncompressedSize)} cpio, ${manifest.fileCount} files, ${manifest.packages.length} packages) sha256 ${manifest.sha256}`,
    );
    return true;
  });
}

export default asImageRoot(__filename, imageExecutor);
