import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNginx, type Nginx } from '../../../test/support/nginx';
import { ensurePackages, PackagesUnavailableError } from './ensure-packages';
import { PackageStore } from './package-store';
import type { StoredPackage } from './stored-package';
import { pruneStore, pushToMirror, verifyStore } from './store-maintenance';
import { unavailableMessage } from './unavailable-message';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function fakePackage(name: string, content: string): StoredPackage & { content: string } {
  return { name, epoch: 0, version: '1.0', release: '1', arch: 'noarch', nevra: `${name}-1.0-1.noarch`, sha256: sha(content), repository: 'repo', location: `Packages/${name}-1.0-1.noarch.rpm`, content };
}

/**
 * Where missing packages come from, with real servers: a file:// repository, and nginx (bound to
 * 127.0.0.1) serving an archive laid out by name and a mirror laid out by sha256.
 */
describe('ensurePackages', () => {
  let dir: string;
  let web: Nginx;
  let store: PackageStore;
  const a = fakePackage('alpha', 'alpha package');
  const b = fakePackage('beta', 'beta package');
  const c = fakePackage('gamma', 'gamma package');
  const repoUrl = (): string => pathToFileURL(join(dir, 'repo')).href;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-ensure-'));
    await mkdir(join(dir, 'repo/Packages'), { recursive: true });
    await writeFile(join(dir, 'repo', a.location), a.content);
    await mkdir(join(dir, 'web/archive/beta'), { recursive: true });
    await writeFile(join(dir, 'web/archive/beta/beta-1.0-1.noarch.rpm'), b.content);
    await mkdir(join(dir, 'web/mirror/sha256'), { recursive: true });
    await writeFile(join(dir, 'web/mirror/sha256', c.sha256), c.content);
    // A mirror that serves the wrong bytes for alpha: refused, never stored.
    await mkdir(join(dir, 'web/bad/sha256'), { recursive: true });
    await writeFile(join(dir, 'web/bad/sha256', a.sha256), 'tampered');
    web = await startNginx(join(dir, 'web'));
  });
  afterAll(async () => {
    await web?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await rm(join(dir, 'store'), { recursive: true, force: true });
    store = new PackageStore(join(dir, 'store'));
  });

  const config = () => ({
    repositories: [{ id: 'repo', baseurl: [repoUrl()], archive: `${web.url}/archive/{name}/{name}-{version}-{release}.{arch}.rpm` }],
    mirrors: [`${web.url}/mirror`],
  });

  it('fetches each package from the first place that has it: repository, archive, mirror', async () => {
    const result = await ensurePackages(store, [a, b, c], config());
    expect(result.fetched).toEqual(
      expect.arrayContaining([
        { nevra: a.nevra, from: `${repoUrl()}/${a.location}` },
        { nevra: b.nevra, from: `${web.url}/archive/beta/beta-1.0-1.noarch.rpm` },
        { nevra: c.nevra, from: `${web.url}/mirror/sha256/${c.sha256}` },
      ]),
    );
    expect((await store.list()).sort()).toEqual([a.sha256, b.sha256, c.sha256].sort());
    expect(await readdir(join(dir, 'store/incoming'))).toEqual([]);
  });

  it('asks nothing of anyone when the store holds every package', async () => {
    await ensurePackages(store, [a, b, c], config());
    const before = (await web.requests()).length;
    const again = await ensurePackages(store, [a, b, c], { repositories: [{ id: 'repo', baseurl: ['http://127.0.0.1:9/nothing-listens-here'] }], mirrors: [] });
    expect(again.fetched).toEqual([]);
    expect(again.paths.size).toBe(3);
    expect((await web.requests()).length).toBe(before);
  });

  it('refuses bytes that do not match the lock and goes on to the next place', async () => {
    await mkdir(join(dir, 'web/good/sha256'), { recursive: true });
    await writeFile(join(dir, 'web/good/sha256', a.sha256), a.content);
    const result = await ensurePackages(store, [a], { repositories: [{ id: 'repo', baseurl: [`${web.url}/nothing`] }], mirrors: [`${web.url}/bad`, `${web.url}/good`] });
    expect(result.fetched).toEqual([{ nevra: a.nevra, from: `${web.url}/good/sha256/${a.sha256}` }]);
    expect(await readFile(store.pathOf(a.sha256), 'utf8')).toBe(a.content);
  });

  it('says, for a package that is nowhere, every place it looked and what each said', async () => {
    const missing = fakePackage('delta', 'delta package');
    const err = await ensurePackages(store, [a, missing], { ...config(), mirrors: [`${web.url}/bad`] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackagesUnavailableError);
    const message = unavailableMessage(err as PackagesUnavailableError, { recipe: 'initrd-x', lockFile: 'recipes/initrd-x/packages.lock.json' });
    expect(message).toContain('initrd-x: 1 package of recipes/initrd-x/packages.lock.json can be found nowhere:');
    expect(message).toContain(`delta-1.0-1.noarch (sha256 ${missing.sha256})`);
    expect(message).toContain(`package store: ${join(dir, 'store')}/sha256/${missing.sha256}: not there`);
    expect(message).toContain(`repository repo: ${repoUrl()}/Packages/delta-1.0-1.noarch.rpm: not there (no such file)`);
    expect(message).toContain(`archive of repo: ${web.url}/archive/delta/delta-1.0-1.noarch.rpm: not there (HTTP 404)`);
    expect(message).toContain(`mirror: ${web.url}/bad/sha256/${missing.sha256}: not there (HTTP 404)`);
    expect(message).toContain('npx nx run initrd-x:lock');
    expect(message).toContain('npx strata store push <url>');
    // What could be fetched is kept all the same.
    expect(await store.list()).toEqual([a.sha256]);
  });

  it('pushes to a mirror with PUT, verifies and prunes the store', async () => {
    await ensurePackages(store, [a, b, c], config());
    const mirror = `${web.url}/pushed`;
    const pushed = await pushToMirror(store, [a.sha256, b.sha256, sha('not in the store')], mirror);
    expect(pushed).toEqual({ uploaded: [a.sha256, b.sha256].sort(), present: [], notInStore: [sha('not in the store')] });
    expect((await pushToMirror(store, [a.sha256], mirror)).present).toEqual([a.sha256]);
    // An empty store fills from the pushed mirror alone.
    const fresh = new PackageStore(join(dir, 'fresh'));
    const fetched = await ensurePackages(fresh, [a, b], { repositories: [], mirrors: [mirror] });
    expect(fetched.fetched.map((f) => f.from)).toEqual(expect.arrayContaining([`${mirror}/sha256/${a.sha256}`, `${mirror}/sha256/${b.sha256}`]));
    await rm(join(dir, 'fresh'), { recursive: true, force: true });

    await writeFile(store.pathOf(c.sha256), 'bitrot');
    const verified = await verifyStore(store);
    expect(verified.checked).toBe(3);
    expect(verified.corrupt).toEqual([{ sha256: c.sha256, actual: sha('bitrot') }]);
    expect((await store.list()).sort()).toEqual([a.sha256, b.sha256].sort());

    const pruned = await pruneStore(store, new Set([a.sha256]), { dryRun: true });
    expect(pruned.removed).toEqual([b.sha256]);
    expect((await store.list()).length).toBe(2);
    await pruneStore(store, new Set([a.sha256]));
    expect(await store.list()).toEqual([a.sha256]);
  });
});
