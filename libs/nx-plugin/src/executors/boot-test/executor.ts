import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { runBootTest } from '@strata/boot';
import { DIST } from '@strata/plan';
import { nearestBaseOfKind, resolveRecipe } from '@strata/recipe';
import { loadWorkspaceRecipes, reportErrors } from '../../workspace';

export interface BootTestOptions {
  timeout?: number;
  append?: string;
  /** ext4: the root file system on the whole disk; lvm: on the LV strata/root of a PV on the disk. */
  root?: 'ext4' | 'lvm';
}

/** Normalise the options, find the initrd that boots (an extension's nearest initrd), delegate to @strata/boot. */
export default async function bootTestExecutor(options: BootTestOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const graph = loadWorkspaceRecipes(context.root);
    const recipe = resolveRecipe(name, graph);
    const initrd = recipe.kind === 'initrd' ? name : nearestBaseOfKind(recipe.baseChain, graph, 'initrd');
    if (!initrd) throw new Error(`${name} builds on no initrd, so there is nothing to boot it with`);
    const root = options.root ?? 'ext4';
    if (root !== 'ext4' && root !== 'lvm') throw new Error(`root must be "ext4" or "lvm", not "${root}"`);
    return runBootTest({
      label: name,
      initrdName: initrd,
      imageDir: join(context.root, DIST.images, initrd),
      ...(recipe.kind === 'initrd' ? {} : { extensionImageDir: join(context.root, DIST.images, name) }),
      workDir: join(context.root, DIST.boot, name),
      kernelCacheDir: join(context.root, DIST.boot, 'kernels'),
      root,
      append: options.append,
      timeoutSeconds: options.timeout ?? 180,
      workspaceRoot: context.root,
    });
  });
}
