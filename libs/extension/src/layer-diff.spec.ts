import { describe, expect, it } from 'vitest';
import { basePackageError, diffTrees, parentsOf, removalError, selectExtensionContent, summarizePaths } from './layer-diff';
import type { TreeEntry } from './tree-index';

const dir = (mode = 0o755): TreeEntry => ({ type: 'directory', mode, uid: 0, gid: 0, size: 0 });
const file = (sha256: string, mode = 0o644, uid = 0): TreeEntry => ({ type: 'file', mode, uid, gid: 0, size: 1, sha256 });
const link = (target: string): TreeEntry => ({ type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, target });
const index = (entries: Record<string, TreeEntry>): Map<string, TreeEntry> => new Map(Object.entries(entries));

const base = index({
  etc: dir(),
  'etc/initrd-release': file('r'),
  usr: dir(),
  'usr/bin': dir(),
  'usr/bin/busybox': file('b', 0o755),
  'usr/bin/sh': link('busybox'),
  'usr/bin/vi': link('busybox'),
  'usr/lib': dir(),
  'usr/lib/sysimage/rpm/rpmdb.sqlite': file('db1'),
});

describe('diffTrees', () => {
  it('finds added, changed and removed paths, comparing type, mode, owner, target and content', () => {
    const result = index({
      ...Object.fromEntries(base),
      'usr/bin/busybox': file('b', 0o4755),
      'usr/bin/sh': link('bash'),
      'usr/bin/editor': file('e', 0o755),
      'usr/lib': dir(0o700),
      'etc/initrd-release': file('r', 0o644, 1000),
      'usr/lib/sysimage/rpm/rpmdb.sqlite': file('db2'),
    });
    result.delete('usr/bin/vi');
    expect(diffTrees(base, result)).toEqual({
      added: ['usr/bin/editor'],
      changed: ['etc/initrd-release', 'usr/bin/busybox', 'usr/bin/sh', 'usr/lib', 'usr/lib/sysimage/rpm/rpmdb.sqlite'],
      removed: ['usr/bin/vi'],
    });
  });

  it('sees nothing when only the content of unchanged paths is the same', () => {
    expect(diffTrees(base, new Map(base))).toEqual({ added: [], changed: [], removed: [] });
  });
});

describe('selectExtensionContent', () => {
  const result = index({
    ...Object.fromEntries(base),
    'usr/bin/editor': file('e', 0o755),
    'usr/share': dir(),
    'usr/share/editor': dir(),
    'usr/share/editor/help': file('h'),
    opt: dir(),
    'opt/tool': file('t'),
    'etc/editor.conf': file('c'),
    'etc/initrd-release': file('r2'),
    var: dir(),
    'var/lib': dir(),
    'var/lib/editor': dir(),
    'usr/lib/sysimage/rpm/rpmdb.sqlite': file('db2'),
    'var/lib/dnf': dir(),
  });
  const diff = diffTrees(base, result);

  it('keeps usr/ and opt/ for a sysext (never the rpm database), with the directories leading there', () => {
    const selected = selectExtensionContent(diff, result, 'sysext');
    expect(selected.content).toEqual(['opt', 'opt/tool', 'usr/bin/editor', 'usr/share', 'usr/share/editor', 'usr/share/editor/help']);
    expect(selected.paths).toEqual(['opt', 'opt/tool', 'usr', 'usr/bin', 'usr/bin/editor', 'usr/share', 'usr/share/editor', 'usr/share/editor/help']);
    expect(selected.dropped).toEqual(['etc/editor.conf', 'etc/initrd-release', 'var', 'var/lib', 'var/lib/editor']);
  });

  it('keeps etc/ for a confext and drops the rest', () => {
    const selected = selectExtensionContent(diff, result, 'confext');
    expect(selected.content).toEqual(['etc/editor.conf', 'etc/initrd-release']);
    expect(selected.paths).toEqual(['etc', 'etc/editor.conf', 'etc/initrd-release']);
    expect(selected.dropped).toContain('usr/bin/editor');
    expect(selected.dropped).not.toContain('usr/lib/sysimage/rpm/rpmdb.sqlite');
    expect(selected.dropped).not.toContain('var/lib/dnf');
  });
});

describe('refusals', () => {
  it('names the base paths a layer deletes, outermost first', () => {
    const result = new Map(base);
    result.delete('usr/bin/vi');
    const error = removalError('x', diffTrees(base, result), base);
    expect(error?.message).toMatch(/^x: the layer deletes 1 path\(s\) of its base: usr\/bin\/vi\. An extension/);
    const noUsrBin = new Map([...base].filter(([p]) => !p.startsWith('usr/bin')));
    expect(removalError('x', diffTrees(base, noUsrBin), base)?.message).toMatch(/deletes 4 path\(s\) of its base: usr\/bin\/ \(and 3 below\)\./);
    expect(removalError('x', diffTrees(base, base), base)).toBeNull();
  });

  it('ignores the rpm database when looking for deletions', () => {
    const result = new Map(base);
    result.delete('usr/lib/sysimage/rpm/rpmdb.sqlite');
    expect(removalError('x', diffTrees(base, result), base)).toBeNull();
  });

  it('names base packages that were removed or replaced', () => {
    const before = [
      { name: 'busybox', nevra: 'busybox-1.35-1.x86_64' },
      { name: 'libdemo', nevra: 'libdemo-1.1-1.noarch' },
      { name: 'filesystem', nevra: 'filesystem-1.0-1.noarch' },
    ];
    const after = [
      { name: 'libdemo', nevra: 'libdemo-1.0-1.noarch' },
      { name: 'filesystem', nevra: 'filesystem-1.0-1.noarch' },
      { name: 'editor', nevra: 'editor-1-1.noarch' },
    ];
    expect(basePackageError('x', before, after)?.message).toBe(
      'x: the layer changes packages of its base: busybox-1.35-1.x86_64 removed; libdemo-1.1-1.noarch replaced by libdemo-1.0-1.noarch. An extension can only add packages to its base',
    );
    expect(basePackageError('x', before, [...before, after[2]])).toBeNull();
  });
});

describe('helpers', () => {
  it('lists the parents of a path', () => {
    expect(parentsOf('a/b/c')).toEqual(['a', 'a/b']);
    expect(parentsOf('a')).toEqual([]);
  });

  it('summarizes long lists', () => {
    const paths = Array.from({ length: 25 }, (_, i) => `etc/f${String(i).padStart(2, '0')}`);
    expect(summarizePaths(paths)).toMatch(/^etc\/f00, .*etc\/f19 and 5 more$/);
  });
});
