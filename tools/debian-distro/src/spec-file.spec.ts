import { describe, expect, it } from 'vitest';
import { type PackagePlan } from './package-plan';
import { directory, regularFile, symlink } from './payload';
import { checkFilesPath, renderSpec, rpmFileName } from './spec-file';

const plan: PackagePlan = {
  name: 'demo',
  evr: { epoch: 2, version: '1.0~rc1', release: '1+b1' },
  arch: 'x86_64',
  summary: 'Uses 100% of it',
  description: 'Line one.\n\n%not a section',
  license: 'see /usr/share/doc/demo/copyright',
  sourceDateEpoch: 1,
  provides: ['deb(demo) = 2:1.0~rc1-1+b1'],
  requires: ['(a or b)'],
  requiresPre: ['filesystem'],
  conflicts: ['deb(old) < 0:1-0'],
  recommends: ['r'],
  suggests: [],
  enhances: [],
  payload: [
    directory('/usr/lib/demo', 0o750, 1, 'root', 'shadow'),
    regularFile('/etc/demo.conf', '', 1, { config: true }),
    regularFile('/usr/bin/[', '', 1, { mode: 0o755 }),
    regularFile('/usr/lib/systemd/system/system-systemd\\x2dcryptsetup.slice', '', 1),
    regularFile('/usr/share/doc/demo/100%done', '', 1),
    symlink('/usr/bin/demo-link', 'demo', 1),
  ],
  notes: [],
};

describe('spec file', () => {
  const spec = renderSpec(plan);

  it('has the header, relations and an escaped description', () => {
    expect(spec).toContain('Name: demo\nEpoch: 2\nVersion: 1.0~rc1\nRelease: 1+b1\nSummary: Uses 100%% of it\n');
    expect(spec).toContain('AutoReqProv: no\n');
    expect(spec).toContain('Requires(pre): filesystem\nRequires: (a or b)\nConflicts: deb(old) < 0:1-0\nRecommends: r\n');
    expect(spec).toContain('%description\nLine one.\n\n%%not a section\n');
    expect(spec).not.toContain('BuildArch');
  });

  it('lists every entry with explicit attributes, escaping % and keeping \\x2d and [ literal', () => {
    expect(spec.split('%files\n')[1]).toBe(
      [
        '%dir %attr(0750,root,shadow) "/usr/lib/demo"',
        '%config(noreplace) %attr(0644,root,root) "/etc/demo.conf"',
        '%attr(0755,root,root) "/usr/bin/["',
        '%attr(0644,root,root) "/usr/lib/systemd/system/system-systemd\\x2dcryptsetup.slice"',
        '%attr(0644,root,root) "/usr/share/doc/demo/100%%done"',
        '%attr(-,root,root) "/usr/bin/demo-link"',
        '',
      ].join('\n'),
    );
  });

  it('refuses names rpmbuild would glob onto other files, or cannot quote', () => {
    expect(() => checkFilesPath('/usr/bin/a*', ['/usr/bin/a*', '/usr/bin/ab'])).toThrow(/would also match \/usr\/bin\/ab/);
    expect(() => checkFilesPath('/usr/bin/[ab]', ['/usr/bin/[ab]', '/usr/bin/a'])).toThrow(/would also match/);
    expect(() => checkFilesPath('/usr/bin/a*', ['/usr/bin/a*', '/usr/lib/ab'])).not.toThrow();
    expect(() => checkFilesPath('/usr/bin/"q', [])).toThrow(/cannot list/);
    expect(() => checkFilesPath('/usr/bin/\\*', [])).toThrow(/backslash/);
  });

  it('names the file as rpmbuild does', () => {
    expect(rpmFileName(plan)).toBe('demo-1.0~rc1-1+b1.x86_64.rpm');
  });
});
