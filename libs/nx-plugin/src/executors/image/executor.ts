import type { ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildLayer } from '@strata/layer';
import { collectWorkspaceLeftovers } from '@strata/output';
import { extensionReleaseFor, summarizePaths } from '@strata/extension';
import { chainPackages, checkLock, dnfTarget } from '@strata/lock';
import { isExtensionKind, resolveRecipe } from '@strata/recipe';
import { isVerbose, loadWorkspaceRecipes, packageSupply, phasePrinter, reportErrors, sourceDateEpoch } from '../../workspace';
import { asImageRoot } from '../../image-root';
import { planLayer } from '@strata/plan';

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
    const verbose = isVerbose(options.verbose);
    const onPhase = phasePrinter(name, { verbose });
    const plan = planLayer({
      recipe,
      workspaceRoot: context.root,
      packages: state.lock.packages,
      basePackages: await chainPackages(recipe, ctx),
      dnf: dnfTarget(recipe, context.root),
      filesDir: recipe.filesDir && existsSync(recipe.filesDir) ? recipe.filesDir : null,
      ...(isExtensionKind(recipe.kind) ? { extensionRelease: extensionReleaseFor(recipe) } : {}),
      sourceDateEpoch: sourceDateEpoch(),
      verbose,
    });
    const manifest = await buildLayer({ ...plan, supply: packageSupply(recipe, context), onPhase });
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
