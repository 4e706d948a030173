import { cp, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type Nginx } from './support/nginx';
import { createScratchWorkspace, REPO_ROOT, type ScratchWorkspace } from './support/scratch-workspace';

const STATIC = ['--output-style=static'];
const RECIPE = 'initrd-busybox-storage';
// The one package of RECIPE's own lock that fixture snapshot 2 no longer has (storage-tools 1.0-2 replaced it).
const DROPPED = 'storage-tools-1.0-1.noarch';
const SNAPSHOT_2 = { STRATA_FIXTURE_SNAPSHOT: '2' };

/**
 * Locks outlive their repositories: a recipe locked on fixture snapshot 1 keeps building the same
 * bytes once its repository has moved on to snapshot 2 (which dropped a locked package), from the
 * package store, from a mirror (nginx on 127.0.0.1) or from the repository's archive; and with the
 * network cut off after `fetch`.
 */
describe('the package store', () => {
  let ws: ScratchWorkspace;
  let web: Nginx;
  let reference: string;
  const layerSha = async (): Promise<string> => JSON.parse(await readFile(join(ws.root, 'dist/layers', RECIPE, 'manifest.json'), 'utf8')).sha256;
  const buildLayer = (env: Record<string, string> = {}, wrap: string[] = []) => ws.nx(['run', `${RECIPE}:image`, '--skip-nx-cache', '--excludeTaskDependencies', ...STATIC], env, wrap);
  const useSnapshot = async (snapshot: 1 | 2): Promise<void> => {
    const run = await ws.nx(['run', 'fixture-repo:build', ...STATIC], snapshot === 2 ? SNAPSHOT_2 : {});
    expect(run.exitCode, run.all).toBe(0);
  };

  beforeAll(async () => {
    ws = await createScratchWorkspace();
    await mkdir(join(ws.root, 'dist/web'), { recursive: true });
    web = await startNginx(join(ws.root, 'dist/web'));
    const first = await ws.nx(['build', RECIPE, ...STATIC]);
    expect(first.exitCode, first.all).toBe(0);
    reference = await layerSha();
  });
  afterAll(async () => {
    await web?.stop();
    await ws?.dispose();
  });

  it('keeps every package a build installed, by sha256', async () => {
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes', RECIPE, 'packages.lock.json'), 'utf8'));
    const entries = await readdir(join(ws.packageStore, 'sha256'));
    expect(entries).toEqual(expect.arrayContaining(lock.packages.map((p: { sha256: string }) => p.sha256)));
  });

  it('builds the same bytes from the store after the repository dropped a locked package', async () => {
    await useSnapshot(2);
    expect(await readdir(join(ws.root, 'dist/repos/fixture-repo/Packages'))).not.toContain(`${DROPPED}.rpm`);
    const run = await buildLayer(SNAPSHOT_2);
    expect(run.exitCode, run.all).toBe(0);
    expect(await layerSha()).toBe(reference);
  });

  it('fails with an empty store, naming the recipe, its lock, the package, every place searched and the ways out', async () => {
    const run = await buildLayer({ ...SNAPSHOT_2, STRATA_PACKAGE_STORE: join(ws.root, 'dist/empty-store') });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain(`${RECIPE}: 1 package of recipes/${RECIPE}/packages.lock.json can be found nowhere:`);
    expect(run.all).toContain(DROPPED);
    expect(run.all).toContain(`package store: ${join(ws.root, 'dist/empty-store')}/sha256/`);
    expect(run.all).toContain(`repository fixture: file://${join(ws.root, 'dist/repos/fixture-repo')}/Packages/${DROPPED}.rpm: not there`);
    expect(run.all).toContain('no archive (none declared: repositories[].archive)');
    expect(run.all).toContain(`npx nx run ${RECIPE}:lock`);
    expect(run.all).toContain('npx strata store push <url>');
    // The previous image is still there, whole.
    expect(await layerSha()).toBe(reference);
  });

  it('catches a corrupted store entry, drops it and fetches the package again', async () => {
    await useSnapshot(1);
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes', RECIPE, 'packages.lock.json'), 'utf8'));
    const entry = join(ws.packageStore, 'sha256', lock.packages[0].sha256);
    await writeFile(entry, 'not an rpm');
    const verify = await execa(join(REPO_ROOT, 'tools/cli/bin.js'), ['store', 'verify'], { env: { STRATA_PACKAGE_STORE: ws.packageStore }, reject: false });
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout).toContain(`removed ${lock.packages[0].sha256}`);
    await writeFile(entry, 'not an rpm either');
    const run = await buildLayer();
    expect(run.exitCode, run.all).toBe(0);
    expect(await layerSha()).toBe(reference);
    const check = await execa('sha256sum', [entry]);
    expect(check.stdout.split(' ')[0]).toBe(lock.packages[0].sha256);
  });

  it('feeds a build with an empty store from a mirror that strata store push seeded (nginx, 127.0.0.1)', async () => {
    const push = await execa(join(REPO_ROOT, 'tools/cli/bin.js'), ['store', 'push', `${web.url}/mirror`, '--workspace', ws.root], { env: { STRATA_PACKAGE_STORE: ws.packageStore }, reject: false });
    expect(push.exitCode, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/uploaded [1-9]\d*/);
    await useSnapshot(2);
    const store = join(ws.root, 'dist/mirror-fed-store');
    const run = await buildLayer({ ...SNAPSHOT_2, STRATA_PACKAGE_STORE: store, STRATA_PACKAGE_MIRRORS: `${web.url}/mirror` });
    expect(run.exitCode, run.all).toBe(0);
    expect(await layerSha()).toBe(reference);
    expect(await web.requests()).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/mirror\/sha256\/[0-9a-f]{64} 200$/)]));
  });

  it('feeds it from the repository archive template, served by the same nginx', async () => {
    // An archive laid out by name and version, as Fedora's build system keeps every build.
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes', RECIPE, 'packages.lock.json'), 'utf8'));
    for (const p of lock.packages) {
      await mkdir(join(ws.root, 'dist/web/archive', p.name, p.version), { recursive: true });
      await cp(join(ws.packageStore, 'sha256', p.sha256), join(ws.root, 'dist/web/archive', p.name, p.version, `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`));
    }
    const base = join(ws.root, 'recipes/initrd-busybox/recipe.yaml');
    const original = await readFile(base, 'utf8');
    try {
      await writeFile(base, original.replace('    project: fixture-repo\n', `    project: fixture-repo\n    archive: ${web.url}/archive/{name}/{version}/{name}-{version}-{release}.{arch}.rpm\n`));
      const run = await buildLayer({ ...SNAPSHOT_2, STRATA_PACKAGE_STORE: join(ws.root, 'dist/archive-fed-store') });
      expect(run.exitCode, run.all).toBe(0);
      expect(await layerSha()).toBe(reference);
      expect(await web.requests()).toContain(`GET /archive/storage-tools/1.0/${DROPPED}.rpm 200`);
    } finally {
      await writeFile(base, original);
    }
  });

  it('builds with the network cut off and the repository moved away after fetch', async () => {
    await useSnapshot(1);
    const store = join(ws.root, 'dist/hermetic-store');
    const fetch = await ws.nx(['run', `${RECIPE}:fetch`, ...STATIC], { STRATA_PACKAGE_STORE: store });
    expect(fetch.exitCode, fetch.all).toBe(0);
    expect(fetch.all).toMatch(new RegExp(`${RECIPE}: \\d+ packages in the package store`));
    const repo = join(ws.root, 'dist/repos/fixture-repo');
    await rename(repo, `${repo}.away`);
    try {
      // A new network namespace has only a loopback interface, and it is down.
      const offline = await buildLayer({ STRATA_PACKAGE_STORE: store }, ['unshare', '--net', '--']);
      expect(offline.exitCode, offline.all).toBe(0);
      expect(await layerSha()).toBe(reference);
    } finally {
      await rename(`${repo}.away`, repo);
    }
  });

  it('is filled by two builds at once, in two checkouts sharing one store', async () => {
    const other = await createScratchWorkspace();
    try {
      const shared = join(ws.root, 'dist/shared-store');
      const [one, two] = await Promise.all([
        ws.nx(['build', RECIPE, '--skip-nx-cache', ...STATIC], { STRATA_PACKAGE_STORE: shared }),
        other.nx(['build', RECIPE, '--skip-nx-cache', ...STATIC], { STRATA_PACKAGE_STORE: shared }),
      ]);
      expect(one.exitCode, one.all).toBe(0);
      expect(two.exitCode, two.all).toBe(0);
      expect(await layerSha()).toBe(reference);
      expect(JSON.parse(await readFile(join(other.root, 'dist/layers', RECIPE, 'manifest.json'), 'utf8')).sha256).toBe(reference);
      expect(await readdir(join(shared, 'incoming'))).toEqual([]);
      const verify = await execa(join(REPO_ROOT, 'tools/cli/bin.js'), ['store', 'verify'], { env: { STRATA_PACKAGE_STORE: shared } });
      expect(verify.stdout).toContain('0 corrupted');
    } finally {
      await other.dispose();
    }
  });

  it('prunes what no lock of the workspace names, and says it cannot know other checkouts', async () => {
    const store = ws.packageStore;
    await writeFile(join(store, 'sha256', 'f'.repeat(64)), 'orphan');
    const prune = await execa(join(REPO_ROOT, 'tools/cli/bin.js'), ['store', 'prune', '--workspace', ws.root], { env: { STRATA_PACKAGE_STORE: store } });
    expect(prune.stdout).toMatch(/removed 1 packages/);
    expect(prune.stdout).toContain('cannot know which other checkouts share this store');
    expect(await readdir(join(store, 'sha256'))).not.toContain('f'.repeat(64));
  });
});
