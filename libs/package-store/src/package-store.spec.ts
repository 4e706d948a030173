import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChecksumMismatch, PackageStore } from './package-store';
import { packageMirrors, packageStoreDir } from './store-location';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('PackageStore', () => {
  let dir: string;
  let store: PackageStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-store-'));
    store = new PackageStore(join(dir, 'store'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function put(text: string): Promise<string> {
    const entry = await store.incoming();
    await writeFile(entry.file, text);
    return entry.commit(sha(text));
  }

  it('keeps an entry by its sha256 and gives it back verified', async () => {
    const path = await put('package bytes');
    expect(path).toBe(join(dir, 'store/sha256', sha('package bytes')));
    expect(await store.verifiedPath(sha('package bytes'))).toBe(path);
    expect(await store.list()).toEqual([sha('package bytes')]);
    expect(await store.verifiedPath(sha('other'))).toBeNull();
  });

  it('refuses content that does not match the expected sha256, leaving no entry', async () => {
    const entry = await store.incoming();
    await writeFile(entry.file, 'truncated');
    await expect(entry.commit(sha('the real package'))).rejects.toThrow(ChecksumMismatch);
    expect(await store.list()).toEqual([]);
    expect(await readdir(join(dir, 'store/incoming'))).toEqual([]);
  });

  it('drops a corrupted entry on read instead of handing it out', async () => {
    const path = await put('good');
    await writeFile(path, 'bitrot');
    expect(await store.verifiedPath(sha('good'))).toBeNull();
    expect(store.corrupt).toEqual([{ sha256: sha('good'), actual: sha('bitrot') }]);
    expect(await store.list()).toEqual([]);
  });

  it('lets two writers commit the same package at once', async () => {
    const [a, b] = await Promise.all([store.incoming(), store.incoming()]);
    expect(a.file).not.toBe(b.file);
    await Promise.all([writeFile(a.file, 'same'), writeFile(b.file, 'same')]);
    await Promise.all([a.commit(sha('same')), b.commit(sha('same'))]);
    expect(await readFile(store.pathOf(sha('same')), 'utf8')).toBe('same');
    expect(await readdir(join(dir, 'store/incoming'))).toEqual([]);
  });

  it('collects what killed writers left in incoming/, not what live ones are writing', async () => {
    const live = await store.incoming();
    await writeFile(live.file, 'being written');
    // Owners that are gone: a pid that does not run, and a process of an earlier boot.
    await writeFile(join(dir, 'store/incoming/p999999999-s1-b00000000-deadbeef0000'), 'partial');
    await mkdir(join(dir, 'store/incoming/dnf-p999999998-s1-b00000000-abcdef'));
    await writeFile(join(dir, 'store/incoming/dnf-p999999998-s1-b00000000-abcdef/x.rpm'), 'partial');
    expect(await store.collectIncoming()).toBe(2);
    expect(await readdir(join(dir, 'store/incoming'))).toEqual([live.file.split('/').pop()]);
  });

  it('refuses a name that is not a sha256', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not a sha256/);
  });
});

describe('where the store and the mirrors are', () => {
  it('is STRATA_PACKAGE_STORE, else one per user under XDG_CACHE_HOME or ~/.cache', () => {
    expect(packageStoreDir({ STRATA_PACKAGE_STORE: '/srv/store' }, '/home/u')).toBe('/srv/store');
    expect(packageStoreDir({ XDG_CACHE_HOME: '/var/cache/u' }, '/home/u')).toBe('/var/cache/u/strata/packages');
    expect(packageStoreDir({}, '/home/u')).toBe('/home/u/.cache/strata/packages');
    // A relative XDG_CACHE_HOME is invalid by the specification and ignored.
    expect(packageStoreDir({ XDG_CACHE_HOME: 'rel' }, '/home/u')).toBe('/home/u/.cache/strata/packages');
  });

  it('takes mirrors from STRATA_PACKAGE_MIRRORS first, then nx.json, each once', () => {
    expect(packageMirrors({ STRATA_PACKAGE_MIRRORS: 'http://a/, http://b' }, ['http://b', 'https://c/'])).toEqual(['http://a', 'http://b', 'https://c']);
    expect(packageMirrors({}, [])).toEqual([]);
  });
});
