import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureRepo } from '../../../tools/fixture-repo/src/build-repo';
import { hostPackageState } from './testing/host-package-state';
import { DnfError, installLockedPackages, resolvePackages, type RepositorySpec, type ResolvedPackage } from './dnf';

/**
 * The helper's refusals, with the real dnf on the fixture repository (both snapshots, built here):
 * whatever a lock does not say exactly, dnf does not install.
 */
describe('the dnf helper', () => {
  let dir: string;
  let snapshot1: RepositorySpec[];
  let snapshot2: RepositorySpec[];
  const target = { releasever: '1', basearch: 'x86_64' };
  let root: string;
  let rootCount = 0;

  async function freshRoot(): Promise<string> {
    root = join(dir, `root-${rootCount++}`);
    await mkdir(root);
    return root;
  }
  async function resolve(packages: string[], repositories = snapshot1, basePackages: ResolvedPackage[] = []): Promise<ResolvedPackage[]> {
    return (await resolvePackages({ ...target, repositories, packages, basePackages })).packages;
  }
  async function failure(promise: Promise<unknown>): Promise<DnfError> {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DnfError);
    return err as DnfError;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-dnf-spec-'));
    const one = await buildFixtureRepo({ outDir: join(dir, 'repo-1'), snapshot: 1, log: () => undefined });
    const two = await buildFixtureRepo({ outDir: join(dir, 'repo-2'), snapshot: 2, log: () => undefined });
    snapshot1 = [{ id: 'fixture', baseurl: [one.baseurl] }];
    snapshot2 = [{ id: 'fixture', baseurl: [two.baseurl] }];
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('resolves and installs, scriptlets included, without touching rpm or dnf state on the host', async () => {
    const before = await hostPackageState();
    const packages = await resolve(['demo-daemon', 'initrd-init']);
    const installroot = await freshRoot();
    await installLockedPackages({ ...target, repositories: snapshot1, installroot, packages });
    // demo-daemon's %pre added its user to the image's passwd, not the host's.
    expect(await readFile(join(installroot, 'etc/passwd'), 'utf8')).toMatch(/^demod:x:990:/m);
    expect(await readFile('/etc/passwd', 'utf8')).not.toMatch(/^demod:/m);
    expect(await hostPackageState()).toBe(before);
  });

  it('installs exactly a complete lock (the case every refusal departs from)', async () => {
    const packages = await resolve(['busybox']);
    const result = await installLockedPackages({ ...target, repositories: snapshot1, installroot: await freshRoot(), packages });
    expect(result.installed.map((n) => n.replace(/-\d+:.*/, '')).sort()).toEqual(['busybox', 'filesystem']);
  });

  it('a package outside the lock: a dependency the lock leaves out', async () => {
    const packages = (await resolve(['initrd-init'])).filter((p) => p.name !== 'busybox');
    const err = await failure(installLockedPackages({ ...target, repositories: snapshot1, installroot: await freshRoot(), packages }));
    // The fence hides every unlocked package, so the solver cannot even see busybox.
    expect(err.kind).toBe('depsolve');
    expect(err.message).toContain('package initrd-init-1.0-1.noarch requires busybox, but none of the providers can be installed');
  });

  it('a layer that would remove a package of its base', async () => {
    const base = await resolve(['libdemo-1.1']);
    const layerRoot = await freshRoot();
    await installLockedPackages({ ...target, repositories: snapshot1, installroot: layerRoot, packages: base });
    const older = (await resolve(['libdemo-1.0'])).filter((p) => p.name === 'libdemo');
    const err = await failure(installLockedPackages({ ...target, repositories: snapshot1, installroot: layerRoot, packages: older }));
    expect(err.kind).toBe('removes-base');
    expect(err.message).toBe('installing the lock would remove packages of the base layer: libdemo-1.1-1.noarch');
  });

  it('a locked package the repository no longer has', async () => {
    const packages = await resolve(['storage-tools']);
    const dropped = packages.find((p) => p.name === 'storage-tools');
    expect(dropped?.release).toBe('1');
    const err = await failure(installLockedPackages({ ...target, repositories: snapshot2, installroot: await freshRoot(), packages }));
    expect(err.kind).toBe('not-in-repository');
    expect(err.message).toBe('locked package storage-tools-0:1.0-1.noarch is not in the repositories any more');
  });

  it("a base package the repository no longer has, when resolving a child's lock", async () => {
    const base = await resolve(['storage-tools']);
    const err = await failure(resolve(['busybox'], snapshot2, base));
    expect(err.kind).toBe('base-missing');
    expect(err.message).toContain('storage-tools-0:1.0-1.noarch is no longer in the repositories');
  });

  it("a repository checksum that differs from the lock's", async () => {
    const packages = (await resolve(['busybox'])).map((p) => (p.name === 'busybox' ? { ...p, sha256: '0'.repeat(64) } : p));
    const err = await failure(installLockedPackages({ ...target, repositories: snapshot1, installroot: await freshRoot(), packages }));
    expect(err.kind).toBe('checksum');
    expect(err.message).toMatch(/^busybox-0:.*: repository checksum [0-9a-f]{64} differs from the lock's 0{64}$/);
  });
});
