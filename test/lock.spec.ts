import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';
import { FIXTURE_RECIPES } from './support/fixture-recipes';

// The lock target end to end: real dnf against the fixture repository, through Nx.
describe('nx run-many -t lock', () => {
  let ws: ScratchWorkspace;
  // The fixture distribution's initrds: the Debian-derived recipes follow a live mirror, and the
  // boot tests relock them.
  const names = FIXTURE_RECIPES.filter((name) => name.startsWith('initrd-'));
  const projects = `--projects=${names.join(',')}`;
  const locks = async (): Promise<Record<string, string>> => {
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(ws.root, 'recipes', n, 'packages.lock.json'), 'utf8')])));
  };

  beforeAll(async () => {
    ws = await createScratchWorkspace();
  });
  afterAll(() => ws?.dispose());

  it('writes locks that are byte-stable when run again', async () => {
    const first = await ws.nx(['run-many', '-t', 'lock', projects, '--output-style=static']);
    expect(first.exitCode, first.all).toBe(0);
    const before = await locks();
    const again = await ws.nx(['run-many', '-t', 'lock', projects, '--output-style=static']);
    expect(again.exitCode, again.all).toBe(0);
    expect(await locks()).toEqual(before);
    expect(again.all).toMatch(/initrd-busybox: unchanged/);
  });

  it('a child locks only what it adds on top of its base', async () => {
    const base = JSON.parse((await locks())['initrd-busybox']);
    const server = JSON.parse((await locks())['initrd-busybox-storage']);
    const baseNames = new Set(base.packages.map((p: { name: string }) => p.name));
    expect(baseNames.has('busybox')).toBe(true);
    expect(server.packages.length).toBeGreaterThan(0);
    for (const p of server.packages) expect(baseNames.has(p.name)).toBe(false);
    expect(server.base).toBe('initrd-busybox');
  });

  it('lock --check passes on fresh locks and names the refresh command on a stale one', async () => {
    const ok = await ws.nx(['run', 'initrd-busybox-storage:lock', '--check']);
    expect(ok.exitCode, ok.all).toBe(0);
    const recipe = join(ws.root, 'recipes/initrd-busybox-storage/recipe.yaml');
    const text = await readFile(recipe, 'utf8');
    await writeFile(recipe, text.replace(/packages:\n/, 'packages:\n  - libdemo\n'));
    try {
      const stale = await ws.nx(['run', 'initrd-busybox-storage:lock', '--check']);
      expect(stale.exitCode).not.toBe(0);
      expect(stale.all).toMatch(/recipes\/initrd-busybox-storage\/packages\.lock\.json is stale for recipes\/initrd-busybox-storage\/recipe\.yaml.*npx nx run initrd-busybox-storage:lock/);
    } finally {
      await writeFile(recipe, text);
    }
  });

  it('after a repository update, exactly the locks holding updated packages change', async () => {
    const before = await locks();
    const updated = await ws.nx(['run-many', '-t', 'lock', projects, '--output-style=static'], { STRATA_FIXTURE_SNAPSHOT: '2' });
    expect(updated.exitCode, updated.all).toBe(0);
    const after = await locks();
    const changed = Object.keys(after).filter((name) => after[name] !== before[name]).sort();
    expect(changed).toEqual(['initrd-busybox-debug', 'initrd-busybox-rescue', 'initrd-busybox-storage']);
  });
});
