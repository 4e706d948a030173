import { describe, expect, it } from 'vitest';
import { expandArchiveTemplate, mirrorUrl, packageUrl, sourcesFor } from './package-sources';
import type { StoredPackage } from './stored-package';

const pkg: StoredPackage = {
  name: 'libpam-modules',
  epoch: 0,
  version: '1.5.2',
  release: '6+deb12u2',
  arch: 'x86_64',
  nevra: 'libpam-modules-1.5.2-6+deb12u2.x86_64',
  sha256: 'a'.repeat(64),
  repository: 'debian',
  location: 'Packages/libpam-modules-1.5.2-6+deb12u2.x86_64.rpm',
};

describe('package sources', () => {
  it('joins the locked location to each baseurl as dnf does', () => {
    expect(packageUrl('file:///srv/repo', pkg.location)).toBe('file:///srv/repo/Packages/libpam-modules-1.5.2-6+deb12u2.x86_64.rpm');
    expect(packageUrl('https://mirror/fedora/40/', 'Packages/b/bash.rpm')).toBe('https://mirror/fedora/40/Packages/b/bash.rpm');
  });

  it('expands every field of an archive template', () => {
    const koji = 'https://kojipkgs.fedoraproject.org/packages/{name}/{version}/{release}/{arch}/{name}-{version}-{release}.{arch}.rpm';
    expect(expandArchiveTemplate(koji, pkg)).toBe('https://kojipkgs.fedoraproject.org/packages/libpam-modules/1.5.2/6%2Bdeb12u2/x86_64/libpam-modules-1.5.2-6%2Bdeb12u2.x86_64.rpm');
    expect(expandArchiveTemplate('http://a/{epoch}/{nevra}/{sha256}', pkg)).toBe(`http://a/0/libpam-modules-1.5.2-6%2Bdeb12u2.x86_64/${'a'.repeat(64)}`);
    expect(() => expandArchiveTemplate('http://a/{nvr}', pkg)).toThrow('unknown field {nvr}; the fields are {name} {epoch} {version} {release} {arch} {nevra} {sha256}');
  });

  it('tries the repository at the locked location, then its archive, then the mirrors, in that order', () => {
    const sources = sourcesFor(pkg, [{ id: 'other', baseurl: ['http://x'] }, { id: 'debian', baseurl: ['http://one', 'http://two'], archive: 'http://archive/{sha256}' }], ['http://m1', 'http://m2/']);
    expect(sources.map((s) => `${s.kind} ${'url' in s ? s.url : s.via}`)).toEqual([
      `repository http://one/${pkg.location}`,
      `repository http://two/${pkg.location}`,
      `archive http://archive/${pkg.sha256}`,
      `mirror ${mirrorUrl('http://m1', pkg.sha256)}`,
      `mirror http://m2/sha256/${pkg.sha256}`,
    ]);
  });

  it('leaves a metalink repository to dnf, and a package of an unknown repository to the mirrors', () => {
    expect(sourcesFor(pkg, [{ id: 'debian', metalink: 'https://meta/link' }], [])).toEqual([{ kind: 'repository-metadata', repository: 'debian', via: 'https://meta/link' }]);
    expect(sourcesFor(pkg, [], ['http://m'])).toEqual([{ kind: 'mirror', mirror: 'http://m', url: `http://m/sha256/${pkg.sha256}` }]);
  });
});
