import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipeGraph, resolveRecipe } from '@strata/recipe';
import { planLayer, planModules } from './layer-plan';

const ROOT = resolve(__dirname, '../../..');
const graph = loadRecipeGraph(ROOT, ['recipes/initrd-busybox/recipe.yaml', 'recipes/initrd-busybox-storage/recipe.yaml', 'recipes/sysext-storage/recipe.yaml']);
const pkg = (name: string) => ({ name, nevra: `${name}-0:1.0-1.noarch` }) as never;
const dnf = { repositories: [], releasever: '1', basearch: 'x86_64' };

describe('planLayer', () => {
  const facts = { workspaceRoot: '/ws', packages: [pkg('storage-tools')], basePackages: [{ pkg: pkg('busybox'), layer: 'initrd-busybox' }], dnf, filesDir: null, sourceDateEpoch: 0, verbose: false };

  it('puts the layer in the dist layout, on its base, with the defaults the resolver left', () => {
    const plan = planLayer({ ...facts, recipe: resolveRecipe('initrd-busybox-storage', graph) });
    expect(plan).toMatchObject({
      name: 'initrd-busybox-storage',
      kind: 'initrd',
      base: 'initrd-busybox',
      outputDir: '/ws/dist/layers/initrd-busybox-storage',
      baseOutputDir: '/ws/dist/layers/initrd-busybox',
      workDir: '/ws/dist/.work',
      compression: { kind: 'zstd', level: 19 },
      release: { id: 'strata-fixture', versionId: '1' },
      init: '/usr/lib/initrd/init',
    });
    expect(plan.removeFiles).toEqual(expect.arrayContaining(['usr/share/doc/**']));
    expect([...plan.layerOf]).toEqual([
      ['busybox-0:1.0-1.noarch', 'initrd-busybox'],
      ['storage-tools-0:1.0-1.noarch', 'initrd-busybox-storage'],
    ]);
    expect(plan.extension).toBeUndefined();
  });

  it('calls the OS "linux" when no recipe of the chain names it, and carries an extension release', () => {
    const recipe = resolveRecipe('sysext-storage', graph);
    const plan = planLayer({ ...facts, recipe: { ...recipe, release: { ...recipe.release, id: undefined } }, extensionRelease: { kind: 'sysext', id: '_any' } as never });
    expect(plan.release.id).toBe('linux');
    expect(plan.extension).toEqual({ name: 'sysext-storage', release: { kind: 'sysext', id: '_any' } });
  });
});

describe('planModules', () => {
  it("takes the recipe's kernel section, and the target's kernelVersion over it", () => {
    const recipe = resolveRecipe('initrd-busybox-storage', graph);
    const plan = planModules({ recipe, workspaceRoot: '/ws', sourceDateEpoch: 0 });
    expect(plan).toMatchObject({ kernelVersion: 'host', firmware: true, outputDir: '/ws/dist/modules/initrd-busybox-storage', workDir: '/ws/dist/.work' });
    expect(plan.rules).toEqual(recipe.kernel?.modules);
    expect(planModules({ recipe, workspaceRoot: '/ws', kernelVersion: '6.1.0-1-amd64', sourceDateEpoch: 0 }).kernelVersion).toBe('6.1.0-1-amd64');
  });

  it('refuses a recipe without a kernel section', () => {
    expect(() => planModules({ recipe: resolveRecipe('sysext-storage', graph), workspaceRoot: '/ws', sourceDateEpoch: 0 })).toThrow('sysext-storage: no "kernel" section');
  });
});
