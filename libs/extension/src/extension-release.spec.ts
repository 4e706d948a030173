import { describe, expect, it } from 'vitest';
import { extensionReleaseEntries, extensionReleasePath, extensionReleaseText, systemdArchitecture } from './extension-release';

describe('extensionReleaseText', () => {
  it('writes ID, VERSION_ID, ARCHITECTURE and SYSEXT_SCOPE for a sysext without a level', () => {
    expect(extensionReleaseText({ kind: 'sysext', id: 'fedora', versionId: '40', basearch: 'x86_64', scope: ['initrd'] })).toBe(
      'ID=fedora\nVERSION_ID=40\nARCHITECTURE=x86-64\nSYSEXT_SCOPE=initrd\n',
    );
  });

  it('writes SYSEXT_LEVEL instead of VERSION_ID when the release has a level', () => {
    expect(extensionReleaseText({ kind: 'sysext', id: 'fedora', versionId: '40', level: '1.0', basearch: 'aarch64', scope: ['system', 'portable'] })).toBe(
      'ID=fedora\nSYSEXT_LEVEL=1.0\nARCHITECTURE=arm64\nSYSEXT_SCOPE="system portable"\n',
    );
  });

  it('uses the CONFEXT_ names for a confext', () => {
    expect(extensionReleaseEntries({ kind: 'confext', id: '_any', level: '2', basearch: 'x86_64', scope: ['initrd', 'system'] })).toEqual([
      ['ID', '_any'],
      ['CONFEXT_LEVEL', '2'],
      ['ARCHITECTURE', 'x86-64'],
      ['CONFEXT_SCOPE', 'initrd system'],
    ]);
    expect(extensionReleaseText({ kind: 'confext', id: 'debian', versionId: '12', scope: ['system'] })).toBe('ID=debian\nVERSION_ID=12\nCONFEXT_SCOPE=system\n');
  });

  it('leaves ARCHITECTURE out for noarch, and neither level nor version when the release has none', () => {
    expect(extensionReleaseText({ kind: 'sysext', id: '_any', basearch: 'noarch', scope: ['system'] })).toBe('ID=_any\nSYSEXT_SCOPE=system\n');
  });

  it('refuses an empty ID or scope', () => {
    expect(() => extensionReleaseText({ kind: 'sysext', id: '', scope: ['system'] })).toThrow(/needs an ID/);
    expect(() => extensionReleaseText({ kind: 'sysext', id: 'x', scope: [] })).toThrow(/SYSEXT_SCOPE would be empty/);
  });
});

describe('systemdArchitecture', () => {
  it('maps rpm basearches to systemd names', () => {
    expect(['x86_64', 'i386', 'aarch64', 'ppc64le', 's390x', 'riscv64'].map(systemdArchitecture)).toEqual(['x86-64', 'x86', 'arm64', 'ppc64-le', 's390x', 'riscv64']);
    expect(systemdArchitecture('noarch')).toBeUndefined();
    expect(() => systemdArchitecture('vax')).toThrow(/no systemd architecture is known for basearch "vax"/);
  });
});

describe('extensionReleasePath', () => {
  it('is under usr/lib for a sysext and under etc for a confext, named after the image', () => {
    expect(extensionReleasePath('sysext', 'sysext-debug')).toBe('usr/lib/extension-release.d/extension-release.sysext-debug');
    expect(extensionReleasePath('confext', 'editor')).toBe('etc/extension-release.d/extension-release.editor');
    expect(() => extensionReleasePath('sysext', '../x')).toThrow(/cannot name an extension/);
  });
});
