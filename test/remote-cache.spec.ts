import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';
import { freePort } from './support/nginx';
import { startCacheServer, type CacheServer } from './support/cache-server';
import { taskRuns } from './support/nx-output';

const TOKEN = 'strata-test-token';
const STATIC = ['--output-style=static'];
const BUILT = ['dist/layers/initrd-base', 'dist/layers/initrd-server', 'dist/modules/initrd-server', 'dist/images/initrd-server'];

/**
 * The shared cache as a team runs it: tools/cache-server/start.sh (Debian's nginx) on 127.0.0.1.
 * Two clones in two folders, with their own local caches and package stores: what the first
 * builds, the second restores from the server, byte for byte.
 */
describe('the shared cache server', () => {
  let server: CacheServer;
  let url: string;
  let a: ScratchWorkspace;
  let b: ScratchWorkspace;
  let asClient: Record<string, string>;

  beforeAll(async () => {
    server = await startCacheServer(TOKEN);
    url = server.url;
    asClient = server.client;
    a = await createScratchWorkspace('strata-clone-a-');
    b = await createScratchWorkspace('strata-clone-b-');
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await a?.dispose();
    await b?.dispose();
  });

  it('follows the API: 404 for a missing key, 401 for a bad token, 409 for a second write, never overwriting', async () => {
    const key = `${url}/v1/cache/0123abcd`;
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await fetch(key, { headers: auth })).status).toBe(404);
    expect((await fetch(key, { method: 'PUT', body: 'first', headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(key, { method: 'PUT', body: 'first' })).status).toBe(401);
    expect((await fetch(key, { method: 'PUT', body: 'first', headers: auth })).status).toBe(201);
    expect((await fetch(key, { method: 'PUT', body: 'poisoned', headers: auth })).status).toBe(409);
    const read = await fetch(key, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('first');
    expect((await fetch(key, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(key, { method: 'DELETE', headers: auth })).status).toBe(403);
    expect((await fetch(`${url}/../etc/passwd`)).status).toBe(404);
  });

  it("a second clone in another folder restores every layer from the server, with the first clone's bytes", async () => {
    // The default profile on its base, from the Debian distribution the clone builds itself; and
    // the busybox profile, whose entries the corruption test below damages.
    const first = await a.nx(['build', 'initrd-server', ...STATIC], asClient);
    expect(first.exitCode, first.all).toBe(0);
    const busybox = await a.nx(['build', 'initrd-busybox', ...STATIC], asClient);
    expect(busybox.exitCode, busybox.all).toBe(0);
    const second = await b.nx(['build', 'initrd-server', ...STATIC], asClient);
    expect(second.exitCode, second.all).toBe(0);
    // Every task, the distribution's build included, is a hit; none runs in B.
    const runs = taskRuns(second.all);
    expect(runs.executed, second.all).toEqual([]);
    for (const task of ['debian-distro:build', 'initrd-base:image', 'initrd-server:image', 'initrd-server:modules', 'initrd-server:build']) {
      expect(second.all, task).toMatch(new RegExp(`nx run ${task}.*\\[remote cache\\]`));
    }
    for (const output of BUILT) {
      expect(await readFile(join(b.root, output, 'SHA256SUMS'), 'utf8'), output).toBe(await readFile(join(a.root, output, 'SHA256SUMS'), 'utf8'));
    }
    // The restored layer is one its children build on: B builds a child from it.
    const child = await b.nx(['run', 'sysext-server-debug:image', ...STATIC], asClient);
    expect(child.exitCode, child.all).toBe(0);
    expect(taskRuns(child.all).executed).toEqual(['sysext-server-debug:image']);
  }, 1_200_000);

  it("serves the package mirror from the same place: a push needs the token, then every locked package is there", async () => {
    const push = (token: string) =>
      execa('node', [join(REPO_ROOT, 'tools/cli/bin.js'), 'store', 'push', `${url}/mirror`], { cwd: a.root, env: { STRATA_PACKAGE_STORE: a.packageStore, STRATA_PACKAGE_MIRROR_TOKEN: token }, reject: false, all: true });
    const refused = await push('wrong');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toContain('401');
    const pushed = await push(TOKEN);
    expect(pushed.exitCode, pushed.all).toBe(0);
    const lock = JSON.parse(await readFile(join(a.root, 'recipes/initrd-busybox/packages.lock.json'), 'utf8')) as { packages: { sha256: string }[] };
    for (const { sha256 } of lock.packages) expect((await fetch(`${url}/mirror/sha256/${sha256}`, { method: 'HEAD' })).status).toBe(200);
    // Pushed twice: what is there already is left as it is.
    const again = await push(TOKEN);
    expect(again.exitCode, again.all).toBe(0);
  });

  it('a corrupted entry on the server is replayed by Nx, but nothing of strata installs it: each user of the output checks its SHA256SUMS', async () => {
    // Every cached artifact on the server gets one byte flipped in its middle (a disk fault, or tampering).
    const entries = join(server.dataDir, 'v1/cache');
    const names = await readdir(entries);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const bytes = await readFile(join(entries, name));
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      await writeFile(join(entries, name), bytes);
    }
    const c = await createScratchWorkspace('strata-clone-c-');
    try {
      // Nx's artifacts carry no checksum: it restores the damaged outputs as hits.
      const run = await c.nx(['build', 'initrd-busybox', ...STATIC], asClient);
      expect(run.exitCode, run.all).toBe(0);
      expect(run.all).toMatch(/nx run initrd-busybox:build.*\[remote cache\]/);
      const images = join(c.root, 'dist/images/initrd-busybox');
      const check = await execa('sha256sum', ['--check', '--strict', '--quiet', 'SHA256SUMS'], { cwd: images, reject: false, all: true });
      expect(check.exitCode, 'the restored image should not match its SHA256SUMS').not.toBe(0);
      // The boot test refuses it and names the way out...
      const boot = await c.nx(['run', 'initrd-busybox:boot-test', '--excludeTaskDependencies', ...STATIC], asClient);
      expect(boot.exitCode).not.toBe(0);
      expect(boot.all).toMatch(/dist\/images\/initrd-busybox is incomplete.*npx nx run initrd-busybox:build --skip-nx-cache/s);
      // ...so does the pipeline's artifact step...
      const collect = await c.run('bash', ['tools/ci/collect-images.sh', join(c.root, 'artifacts'), 'initrd-busybox']);
      expect(collect.exitCode).not.toBe(0);
      expect(collect.all).toContain('dist/images/initrd-busybox does not match its SHA256SUMS');
      // ...and the rebuild it names gives the first clone's bytes.
      const rebuild = await c.nx(['run', 'initrd-busybox:build', '--skip-nx-cache', ...STATIC]);
      expect(rebuild.exitCode, rebuild.all).toBe(0);
      expect(await readFile(join(images, 'SHA256SUMS'), 'utf8')).toBe(await readFile(join(a.root, 'dist/images/initrd-busybox/SHA256SUMS'), 'utf8'));
      expect((await execa('sha256sum', ['--check', '--strict', '--quiet', 'SHA256SUMS'], { cwd: images, reject: false })).exitCode).toBe(0);
    } finally {
      await c.dispose();
    }
  }, 600_000);

  it('a wrong token, or a server that is down, stops the run with one clear message', async () => {
    // Nothing local: the run must ask the server.
    const clean = async () => {
      await rm(join(b.root, '.nx/cache'), { recursive: true, force: true });
      await rm(join(b.root, 'dist'), { recursive: true, force: true });
    };
    await clean();
    const wrong = await b.nx(['build', 'initrd-busybox', ...STATIC], { ...asClient, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'wrong' });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.all).toContain('Unauthorized: wrong or missing bearer token (NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN)');
    await clean();
    const down = await b.nx(['build', 'initrd-busybox', ...STATIC], { ...asClient, NX_SELF_HOSTED_REMOTE_CACHE_SERVER: `http://127.0.0.1:${await freePort()}` });
    expect(down.exitCode).not.toBe(0);
    expect(down.all).toMatch(/Failed to send request: error sending request for url \(http:\/\/127\.0\.0\.1:\d+\/v1\/cache\/\d+\)/);
  });
});
