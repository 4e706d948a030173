import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

describe('recipes as Nx projects', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = await createScratchWorkspace();
  });
  afterAll(() => ws?.dispose());

  /** Run `check` with the file changed; it is put back however the check ends, so one failure stays one. */
  const withEdit = async (path: string, change: (text: string) => string, check: () => Promise<void>): Promise<void> => {
    const file = join(ws.root, path);
    const original = await readFile(file, 'utf8');
    await writeFile(file, change(original));
    try {
      await check();
    } finally {
      await writeFile(file, original);
    }
  };

  it('lists every recipe, and a copied recipe folder is a new project with no other edit', async () => {
    const before = await ws.nx(['show', 'projects']);
    expect(before.exitCode, before.all).toBe(0);
    const recipes = (await readdir(join(ws.root, 'recipes'))).sort();
    expect(before.all.split('\n').filter((name) => recipes.includes(name)).sort()).toEqual(recipes);
    expect(recipes).toEqual(expect.arrayContaining(['initrd-busybox', 'initrd-busybox-storage']));
    await cp(join(ws.root, 'recipes/initrd-busybox-debug'), join(ws.root, 'recipes/initrd-custom'), { recursive: true });
    const after = await ws.nx(['show', 'projects']);
    expect(after.all.split('\n')).toContain('initrd-custom');
  });

  it("reads its projects from the plugin's cache while nothing changed, and parses again after an edit", async () => {
    const description = async (): Promise<string> => {
      const shown = await ws.nx(['show', 'project', 'initrd-busybox', '--json']);
      expect(shown.exitCode, shown.all).toBe(0);
      return JSON.parse(shown.all.slice(shown.all.indexOf('{'))).metadata.description;
    };
    const original = await description();
    const cache = JSON.parse(await readFile(join(ws.root, '.nx/workspace-data/strata-projects.json'), 'utf8'));
    // One entry: the workspace as it is now, with the projects as createNodes returned them.
    expect(Object.keys(cache.entries)).toHaveLength(1);
    expect(JSON.stringify(cache.entries)).toContain(original);
    // The next command takes the projects from there: a value planted in the entry comes out.
    const planted = JSON.stringify(cache).replace(original, 'Planted in the cache');
    await writeFile(join(ws.root, '.nx/workspace-data/strata-projects.json'), planted);
    expect(await description()).toBe('Planted in the cache');
    await withEdit('recipes/initrd-busybox/recipe.yaml', (text) => text.replace(original, 'An edited description'), async () => {
      expect(await description()).toBe('An edited description');
    });
    expect(await description()).toBe(original);
  });

  it('infers targets, tags and the edges to the base and the repository project', async () => {
    const shown = await ws.nx(['show', 'project', 'initrd-busybox-storage', '--json']);
    expect(shown.exitCode, shown.all).toBe(0);
    const project = JSON.parse(shown.all.slice(shown.all.indexOf('{')));
    expect(Object.keys(project.targets).sort()).toEqual(['boot-test', 'build', 'fetch', 'image', 'inspect', 'lock', 'modules', 'size-report', 'summary', 'uki']);
    expect(project.tags).toContain('kind:initrd');
    const graph = await ws.nx(['graph', '--file=graph.json']);
    expect(graph.exitCode, graph.all).toBe(0);
    const deps = JSON.parse(await readFile(join(ws.root, 'graph.json'), 'utf8')).graph.dependencies;
    // Its base, its repository, and the plugin, which depends on the libraries its executors run
    // (so `nx affected` sees code changes through one edge per recipe).
    const targets: string[] = deps['initrd-busybox-storage'].map((d: { target: string }) => d.target);
    expect(targets.sort()).toEqual(['@strata/nx-plugin', 'fixture-repo', 'initrd-busybox']);
    const pluginTargets: string[] = deps['@strata/nx-plugin'].map((d: { target: string }) => d.target);
    expect(pluginTargets).toEqual(expect.arrayContaining(['@strata/layer', '@strata/boot', '@strata/cpio', '@strata/uki']));
    expect(pluginTargets).not.toContain('@strata/nx-plugin');
    expect(deps['initrd-busybox-rescue'].map((d: { target: string }) => d.target)).toContain('initrd-busybox-storage');
    expect(deps['initrd-busybox'].map((d: { target: string }) => d.target)).toContain('fixture-repo');
  });

  it('gives a boot-test to an initrd-scope sysext of a systemd initrd only', async () => {
    const targets = async (name: string): Promise<Record<string, { dependsOn?: unknown[] }>> => {
      const shown = await ws.nx(['show', 'project', name, '--json']);
      expect(shown.exitCode, shown.all).toBe(0);
      return JSON.parse(shown.all.slice(shown.all.indexOf('{'))).targets;
    };
    const onSystemd = await targets('sysext-server-debug');
    expect(Object.keys(onSystemd).sort()).toEqual(['boot-test', 'build', 'fetch', 'image', 'lock', 'summary']);
    expect(onSystemd['boot-test'].dependsOn).toEqual(expect.arrayContaining([expect.objectContaining({ target: 'build', projects: ['initrd-server'] })]));
    // initrd-busybox runs a shell script as init, which merges no extension.
    expect(Object.keys(await targets('sysext-storage')).sort()).toEqual(['build', 'fetch', 'image', 'lock', 'summary']);
  });

  it('stops the graph with file, line and a suggestion for a misspelt key', async () => {
    await withEdit('recipes/initrd-busybox-debug/recipe.yaml', (t) => t.replace('packages:', 'pakages:'), async () => {
      const run = await ws.nx(['show', 'projects']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/recipes\/initrd-busybox-debug\/recipe\.yaml:\d+:1: error: unknown key "pakages"/);
      expect(run.all).toMatch(/did you mean "packages"\?/);
    });
  });

  it('names the cycle of bases', async () => {
    await withEdit('recipes/initrd-busybox/recipe.yaml', (t) => t.replace('kind: initrd\n', 'kind: initrd\nbase: initrd-busybox-rescue\n'), async () => {
      const run = await ws.nx(['show', 'projects']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/initrd-busybox -> initrd-busybox-rescue -> initrd-busybox-storage -> initrd-busybox|initrd-busybox-rescue -> initrd-busybox-storage -> initrd-busybox -> initrd-busybox-rescue|initrd-busybox-storage -> initrd-busybox -> initrd-busybox-rescue -> initrd-busybox-storage/);
    });
  });

  it('says which repositories were searched for a package that does not exist, at its line', async () => {
    await withEdit('recipes/initrd-busybox-debug/recipe.yaml', (t) => t.replace('  - debug-tools\n', '  - debug-tools\n  - no-such-package\n'), async () => {
      const run = await ws.nx(['run', 'initrd-busybox-debug:lock', '--output-style=static']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/recipes\/initrd-busybox-debug\/recipe\.yaml:\d+:5: error: package "no-such-package" matches nothing in the repositories searched \(fixture\)/);
    });
  });

  it('points at kernel.package when the kernel package does not exist', async () => {
    await withEdit('recipes/initrd-busybox-debug/recipe.yaml', (t) => `${t}kernel:\n  package: no-such-kernel\n`, async () => {
      const run = await ws.nx(['run', 'initrd-busybox-debug:lock', '--output-style=static']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/recipes\/initrd-busybox-debug\/recipe\.yaml:\d+:12: error: kernel package "no-such-kernel" matches nothing in the repositories searched \(fixture\)/);
      expect(run.all).toMatch(/hint: name a package that ships \/usr\/lib\/modules\/<version>/);
    });
  });

  it('names the repository that cannot be reached', async () => {
    await withEdit('recipes/initrd-busybox/recipe.yaml', (t) => t.replace('    project: fixture-repo\n', '    baseurl: file:///nonexistent/strata-repo\n'), async () => {
      const run = await ws.nx(['run', 'initrd-busybox:lock', '--output-style=static']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/recipes\/initrd-busybox\/recipe\.yaml:\d+:\d+: error: repository "fixture" cannot be read/);
    });
  });
});
