import { describe, expect, it } from 'vitest';
import type { LockedPackage } from '@strata/lock';
import { spdxProblems } from '../../../test/support/spdx';
import { buildSbom, rpmPurl, type SbomInput } from './sbom';

const locked = (name: string, epoch: number, version: string, release: string, arch: string, repository = 'fedora'): LockedPackage => {
  const nevra = `${name}-${epoch ? `${epoch}:` : ''}${version}-${release}.${arch}`;
  return { name, epoch, version, release, arch, nevra, sha256: `${name.length.toString(16).padStart(2, '0')}`.repeat(32), size: 1000, installSize: 2000, repository, location: `Packages/${name[0]}/${name}-${version}-${release}.${arch}.rpm` };
};

const base = [locked('bash', 0, '5.2.26', '3.fc40', 'x86_64'), locked('tzdata', 2, '2024a', '1.fc40', 'noarch'), locked('libstdc++', 0, '14.1.1', '5.fc40', 'x86_64', 'local')];
const own = [locked('lvm2', 0, '2.03.23', '1.fc40', 'x86_64'), locked('editor', 0, '3.0~rc1', '1', 'noarch', 'workspace')];

const input = (): SbomInput => ({
  recipe: 'server',
  kind: 'initrd',
  image: 'server.cpio.zst',
  imageSha256: 'c0ffee'.padEnd(64, '0'),
  sourceDateEpoch: 1_700_000_000,
  packages: [...base, ...own].filter((p) => p.name !== 'editor').map((p) => ({ nevra: p.nevra, layer: base.includes(p) ? 'base' : 'server' })),
  layers: [
    { layer: 'base', packages: base, repositories: new Map([['fedora', 'https://dl.example/fedora/40/x86_64/os/'], ['local', null]]) },
    { layer: 'server', packages: own, repositories: new Map([['fedora', 'https://dl.example/fedora/40/x86_64/os'], ['workspace', null]]) },
  ],
  purlNamespace: 'Fedora',
  kernel: { version: '6.1.0-26-amd64', sha256: 'ab'.repeat(32), image: 'modules-6.1.0-26-amd64.cpio.zst' },
  tool: 'strata-0.1.0',
});

describe('rpmPurl', () => {
  it('writes pkg:rpm/<namespace>/<name>@<version>-<release>?arch=..&epoch=.., percent-encoding what purl reserves', () => {
    expect(rpmPurl('fedora', base[0])).toBe('pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64');
    expect(rpmPurl('Fedora', base[1])).toBe('pkg:rpm/fedora/tzdata@2024a-1.fc40?arch=noarch&epoch=2');
    expect(rpmPurl('fedora', base[2])).toBe('pkg:rpm/fedora/libstdc%2B%2B@14.1.1-5.fc40?arch=x86_64');
    expect(rpmPurl('fedora', { name: 'editor', epoch: 0, version: '1.2^git5d1e2f0', release: '1', arch: 'noarch' })).toBe('pkg:rpm/fedora/editor@1.2%5Egit5d1e2f0-1?arch=noarch');
  });
});

describe('buildSbom', () => {
  const doc = buildSbom(input());

  it('is a valid SPDX 2.3 document', () => {
    expect(spdxProblems(doc)).toEqual([]);
  });

  it('describes the image, which contains one package per NEVRA of the manifest and the kernel modules', () => {
    expect(doc.relationships[0]).toEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' });
    expect(doc.packages[0]).toMatchObject({ SPDXID: 'SPDXRef-Image', name: 'server', packageFileName: 'server.cpio.zst', checksums: [{ algorithm: 'SHA256', checksumValue: input().imageSha256 }] });
    const contained = doc.relationships.filter((r) => r.relationshipType === 'CONTAINS').map((r) => doc.packages.find((p) => p.SPDXID === r.relatedSpdxElement)?.name);
    expect(contained).toEqual(['bash', 'libstdc++', 'lvm2', 'tzdata', 'kernel-modules']);
    const bash = doc.packages.find((p) => p.name === 'bash');
    expect(bash).toEqual({
      SPDXID: 'SPDXRef-RPM-bash-5.2.26-3.fc40.x86-64',
      name: 'bash',
      versionInfo: '5.2.26-3.fc40',
      packageFileName: 'bash-5.2.26-3.fc40.x86_64.rpm',
      supplier: 'NOASSERTION',
      downloadLocation: 'https://dl.example/fedora/40/x86_64/os/Packages/b/bash-5.2.26-3.fc40.x86_64.rpm',
      filesAnalyzed: false,
      checksums: [{ algorithm: 'SHA256', checksumValue: base[0].sha256 }],
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      sourceInfo: 'repository "fedora", Packages/b/bash-5.2.26-3.fc40.x86_64.rpm',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64' }],
      comment: 'locked by base (packages.lock.json)',
    });
    expect(doc.packages.find((p) => p.name === 'tzdata')?.versionInfo).toBe('2:2024a-1.fc40');
    // A repository without a base URL to name (built in the workspace, a metalink): no assertion.
    expect(doc.packages.find((p) => p.name === 'libstdc++')).toMatchObject({ downloadLocation: 'NOASSERTION', SPDXID: 'SPDXRef-RPM-libstdc---14.1.1-5.fc40.x86-64' });
    expect(doc.packages.find((p) => p.name === 'kernel-modules')).toMatchObject({ versionInfo: '6.1.0-26-amd64', checksums: [{ algorithm: 'SHA256', checksumValue: 'ab'.repeat(32) }] });
    expect(doc.packages.find((p) => p.name === 'kernel-modules')?.comment).toMatch(/taken from the build host's \/usr\/lib\/modules$/);
    // removePackages took "editor" out of the image: locked, but not in the SBOM.
    expect(doc.packages.some((p) => p.name === 'editor')).toBe(false);
  });

  it('names the locked kernel package set a kernel.package kernel came from', () => {
    const fromPackage = buildSbom({ ...input(), kernel: { ...input().kernel!, source: ['linux-image-6.1.0-26-amd64-6.1.112-1.x86_64', 'kmod-30-1.x86_64'] } });
    expect(fromPackage.packages.find((p) => p.name === 'kernel-modules')?.comment).toBe(
      'kernel modules and firmware of 6.1.0-26-amd64, taken from the locked kernel package set: linux-image-6.1.0-26-amd64-6.1.112-1.x86_64, kmod-30-1.x86_64',
    );
  });

  it('is deterministic: created from SOURCE_DATE_EPOCH, namespace from the image sha256', () => {
    expect(doc.creationInfo.created).toBe('2023-11-14T22:13:20Z');
    expect(doc.documentNamespace).toBe(`https://strata.invalid/spdx/server-${input().imageSha256}`);
    expect(JSON.stringify(buildSbom(input()))).toBe(JSON.stringify(doc));
    expect(buildSbom({ ...input(), imageSha256: 'f'.repeat(64) }).documentNamespace).not.toBe(doc.documentNamespace);
  });

  it('fails the schema when a field is wrong (the check is not vacuous)', () => {
    const broken = JSON.parse(JSON.stringify(doc));
    broken.packages[1].checksums[0].checksumValue = 'xyz';
    broken.relationships.push({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-Nothing' });
    delete broken.creationInfo.created;
    const problems = spdxProblems(broken);
    expect(problems.join('\n')).toMatch(/checksumValue/);
    expect(problems.join('\n')).toMatch(/created/);
    expect(problems).toContain('relationship names SPDXRef-Nothing, which the document does not have');
  });
});
