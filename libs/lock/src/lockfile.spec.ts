import { describe, expect, it } from 'vitest';
import { packagesDigest, parseLock, requestDigest, serializeLock, toLockedPackage, type LockFile } from './lockfile';

const pkg = (name: string, epoch: number, version: string, release: string, arch = 'x86_64') =>
  toLockedPackage({ name, epoch, version, release, arch, sha256: `${name}`.padEnd(64, '0'), size: 100, installSize: 200, repository: 'fixture', location: `Packages/${name}.rpm` });

const lock = (packages = [pkg('zlib', 0, '1.3', '1'), pkg('busybox', 1, '1.36.1', '2'), pkg('acl', 0, '2.3.1', '3', 'noarch')]): LockFile => ({
  lockVersion: 1,
  recipe: 'initrd-base',
  base: null,
  resolvedFrom: { digest: 'sha256:x', request: ['busybox', 'acl'], weakDependencies: false, baseLock: null, repositories: [{ id: 'fixture', url: 'project:fixture-repo', revision: 'r1' }] },
  packages,
});

describe('lock files', () => {
  it('derive the NEVRA from the fields, with the epoch only when set', () => {
    expect(pkg('busybox', 1, '1.36.1', '2').nevra).toBe('busybox-1:1.36.1-2.x86_64');
    expect(pkg('acl', 0, '2.3.1', '3', 'noarch').nevra).toBe('acl-2.3.1-3.noarch');
  });

  it('serialize canonically: package order and key order in the input do not matter', () => {
    const a = lock();
    const b = lock([...a.packages].reverse().map((p) => Object.fromEntries(Object.entries(p).reverse()) as typeof p));
    expect(serializeLock(a)).toBe(serializeLock(b));
    const names = JSON.parse(serializeLock(a)).packages.map((p: { name: string }) => p.name);
    expect(names).toEqual(['acl', 'busybox', 'zlib']);
    expect(serializeLock(a).endsWith('}\n')).toBe(true);
  });

  it('round-trip through parseLock', () => {
    const text = serializeLock(lock());
    expect(serializeLock(parseLock(text, 'x.json'))).toBe(text);
  });

  it('reject a lock whose nevra disagrees with its fields, naming the file', () => {
    const bad = JSON.parse(serializeLock(lock()));
    bad.packages[0].version = '9';
    expect(() => parseLock(JSON.stringify(bad), 'recipes/a/packages.lock.json')).toThrow(/recipes\/a\/packages.lock.json: packages\[0\] says nevra "acl-2.3.1-3.noarch" but its fields give "acl-9-3.noarch"/);
    expect(() => parseLock('{', 'f.json')).toThrow(/f.json: not valid JSON/);
  });

  it('digest package sets independently of order, and sensitively to any NEVRA change', () => {
    const base = lock().packages;
    expect(packagesDigest(base)).toBe(packagesDigest([...base].reverse()));
    const bumped = base.map((p) => (p.name === 'zlib' ? pkg('zlib', 0, '1.3', '2') : p));
    expect(packagesDigest(bumped)).not.toBe(packagesDigest(base));
  });

  it('digest resolution requests independently of request order', () => {
    const repositories = [{ id: 'b', url: 'u2' }, { id: 'a', url: 'u1' }];
    const one = requestDigest({ request: ['x', 'y'], weakDependencies: false, baseLock: null, repositories });
    expect(requestDigest({ request: ['y', 'x'], weakDependencies: false, baseLock: null, repositories: [...repositories].reverse() })).toBe(one);
    expect(requestDigest({ request: ['x', 'y'], weakDependencies: true, baseLock: null, repositories })).not.toBe(one);
    expect(requestDigest({ request: ['x', 'y'], weakDependencies: false, baseLock: 'sha256:1', repositories })).not.toBe(one);
  });

  it('keep the kernel section canonical and apart from the image packages', () => {
    const withKernel: LockFile = { ...lock(), kernel: { request: 'linux-image-amd64', packages: [pkg('linux-image-amd64', 0, '6.1', '1'), pkg('kmod', 0, '30', '1')] } };
    const text = serializeLock(withKernel);
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual(['lockVersion', 'recipe', 'base', 'resolvedFrom', 'packages', 'kernel']);
    expect(parsed.kernel.packages.map((p: { name: string }) => p.name)).toEqual(['kmod', 'linux-image-amd64']);
    expect(serializeLock(parseLock(text, 'x.json'))).toBe(text);
    expect(serializeLock(lock())).not.toMatch(/"kernel"/);
    parsed.kernel.packages[1].release = '2';
    expect(() => parseLock(JSON.stringify(parsed), 'k.json')).toThrow(/k.json: kernel.packages\[1\] says nevra "linux-image-amd64-6.1-1.x86_64"/);
    expect(() => parseLock(JSON.stringify({ ...parsed, kernel: { request: 'x' } }), 'k.json')).toThrow(/k.json: "kernel" must hold "request" and "packages"/);
  });

  it('digest kernel.package into the request, leaving requests without one as they were', () => {
    const request = { request: ['x'], weakDependencies: false, baseLock: null, repositories: [{ id: 'a', url: 'u' }] };
    expect(requestDigest({ ...request, kernel: null })).toBe(requestDigest(request));
    expect(requestDigest({ ...request, kernel: 'linux-image-amd64' })).not.toBe(requestDigest(request));
    expect(requestDigest({ ...request, kernel: 'linux-image-amd64' })).not.toBe(requestDigest({ ...request, kernel: 'linux-image-cloud-amd64' }));
  });
});
