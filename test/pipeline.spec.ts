import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';
import { startCacheServer, type CacheServer } from './support/cache-server';
import { taskRuns } from './support/nx-output';
import { FIXTURE_RECIPES } from './support/fixture-recipes';

const SHARD = ['-r', '@swc-node/register', 'tools/ci/src/ci-shard.ts'];

/**
 * The pipeline's scripts (tools/ci), run as the GitHub workflow runs them, in scratch git
 * repositories: the weekly lock refresh after a repository update, and the affected build spread
 * over two runners that share only the cache server.
 */
describe('the CI pipeline scripts', () => {
  let server: CacheServer;
  let a: ScratchWorkspace;
  let b: ScratchWorkspace;
  let origin: string;

  beforeAll(async () => {
    server = await startCacheServer('strata-pipeline-token');
    a = await createScratchWorkspace('strata-runner-a-');
    b = await createScratchWorkspace('strata-runner-b-');
    origin = await mkdtemp(join(tmpdir(), 'strata-origin-'));
    await execa('git', ['init', '-q', '--bare', '-b', 'main', origin]);
    await a.git(['remote', 'add', 'origin', origin]);
    await a.git(['push', '-q', 'origin', 'main']);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await a?.dispose();
    await b?.dispose();
    if (origin) await rm(origin, { recursive: true, force: true });
  });

  const dependentsOf = async (ws: ScratchWorkspace, roots: string[]): Promise<string[]> => {
    const file = join(ws.root, 'graph.json');
    const run = await ws.nx(['graph', `--file=${file}`]);
    expect(run.exitCode, run.all).toBe(0);
    const deps: Record<string, { target: string }[]> = JSON.parse(await readFile(file, 'utf8')).graph.dependencies;
    await rm(file);
    const found = new Set(roots);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [project, edges] of Object.entries(deps)) {
        if (!found.has(project) && edges.some((edge) => found.has(edge.target))) {
          found.add(project);
          grew = true;
        }
      }
    }
    return [...found].sort();
  };

  it('lock-check passes on the committed locks', async () => {
    // Every job of the pipeline has the cache server's settings, as the workflow's env gives them.
    const run = await a.run('bash', ['tools/ci/lock-check.sh', `--projects=${FIXTURE_RECIPES.join(',')}`], server.client);
    expect(run.exitCode, run.all).toBe(0);
  }, 600_000);

  it('after a repository update, the refresh job proposes the changed locks on a branch, and affected selects exactly those recipes and what builds on them', async () => {
    const run = await a.run('bash', ['tools/ci/refresh-locks.sh', `--projects=${FIXTURE_RECIPES.join(',')}`], { ...server.client, STRATA_FIXTURE_SNAPSHOT: '2', STRATA_REFRESH_BRANCH: 'strata/lock-refresh-test' });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/strata: committed the new locks of .*initrd-busybox-storage.* on strata\/lock-refresh-test/);
    expect(run.all).toContain('strata: pushed strata/lock-refresh-test to origin');
    const log = await execa('git', ['--git-dir', origin, 'log', '-1', '--format=%B', 'strata/lock-refresh-test']);
    expect(log.stdout).toMatch(/^Refresh locks: /);
    // The commit message says what moved, package by package (strata diff of the two locks).
    expect(log.stdout).toMatch(/upgraded/);
    const diff = await a.git(['diff', '--name-only', 'main', 'strata/lock-refresh-test']);
    const changed = String(diff.stdout).split('\n').filter(Boolean).map((file: string) => file.match(/^recipes\/([^/]+)\/packages\.lock\.json$/)?.[1]);
    expect(changed.every((name) => name !== undefined), String(diff.stdout)).toBe(true);
    expect(changed).toContain('initrd-busybox-storage');
    expect(changed).not.toContain('initrd-busybox');
    const affected = await a.nx(['show', 'projects', '--affected', '--base=main', '--head=strata/lock-refresh-test', '--withTarget=build', '--json']);
    expect(affected.exitCode, affected.all).toBe(0);
    const selected = JSON.parse(affected.all.slice(affected.all.indexOf('['))).sort();
    expect(selected).toEqual(await dependentsOf(a, changed as string[]));
    expect(selected).not.toContain('initrd-busybox');
    await a.git(['switch', '-q', 'main']);
  }, 900_000);

  it('two shards, in two clones that share only the cache server, build every affected task exactly once', async () => {
    // What CI built on main is in the shared cache.
    const main = await a.nx(['run-many', '-t', 'build', `--projects=${FIXTURE_RECIPES.join(',')}`, '--output-style=static'], server.client);
    expect(main.exitCode, main.all).toBe(0);
    // The same change on both runners: a base every other recipe of the family builds on.
    for (const ws of [a, b]) {
      const file = join(ws.root, 'recipes/initrd-busybox/recipe.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('  - usr/share/man/**\n', '  - usr/share/man/**\n  - usr/share/info/**\n'));
      await ws.commitAll('initrd-busybox: drop usr/share/info');
    }
    const range = ['--base=HEAD~1', '--head=HEAD', '--shards=2'];
    const plan = await a.run('node', [...SHARD, 'plan', ...range]);
    expect(plan.exitCode, plan.all).toBe(0);
    const waves = [...plan.all.matchAll(/^wave (\d+): (.*)$/gm)];
    expect(waves.length).toBeGreaterThanOrEqual(2);
    const executed: string[] = [];
    const perRunner: Record<string, string[]> = { a: [], b: [] };
    // The two runners work at the same time, as a CI matrix does; a wave starts when both finished the last.
    for (const [, wave] of waves) {
      await Promise.all((([['a', a, '0'], ['b', b, '1']] as const).map(async ([name, ws, shard]) => {
        const run = await ws.run('node', [...SHARD, 'run', ...range, `--wave=${wave}`, `--shard=${shard}`], server.client);
        expect(run.exitCode, run.all).toBe(0);
        const ran = taskRuns(run.all).executed;
        executed.push(...ran);
        perRunner[name].push(...ran);
      })));
    }
    // No task ran twice, on one runner or across both; both runners had work.
    expect(executed.length).toBe(new Set(executed).size);
    expect(perRunner.a.length).toBeGreaterThan(0);
    expect(perRunner.b.length).toBeGreaterThan(0);
    // Every recipe of the family was rebuilt (its base changed), and only those.
    expect([...new Set(executed.filter((task) => task.endsWith(':build')).map((task) => task.replace(/:build$/, '')))].sort()).toEqual(FIXTURE_RECIPES);
    expect(executed.some((task) => task.startsWith('fixture-repo:'))).toBe(false);
  }, 1_500_000);
});
