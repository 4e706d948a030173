import { describe, expect, it } from 'vitest';
import { diffBuilds, diffFiles, diffPackages, formatDiff } from './diff';
import { makeColors } from './text';

const pkg = (nevra: string, installSize: number) => ({ nevra, installSize });

describe('diffPackages', () => {
  it('tells upgrades from downgrades with rpm version order, and sorts by size change', () => {
    const { changes, unchanged } = diffPackages(
      [pkg('bash-5.2.26-3.fc40.x86_64', 8_000_000), pkg('editor-3.0~rc1-1.noarch', 500), pkg('libdemo-1.10-1.noarch', 100), pkg('kmod-30-1.x86_64', 300), pkg('gone-1-1.noarch', 50), pkg('tz-2:2024a-1.noarch', 10)],
      [pkg('bash-5.2.26-3.fc40.x86_64', 8_000_000), pkg('editor-3.0-1.noarch', 700), pkg('libdemo-1.9-1.noarch', 90), pkg('kmod-31-1.x86_64', 320), pkg('new-1-1.noarch', 5000), pkg('tz-1:2025a-1.noarch', 10)],
    );
    expect(unchanged).toBe(1);
    expect(changes).toEqual([
      { name: 'new', arch: 'noarch', change: 'added', from: null, to: 'new-1-1.noarch', sizeChange: 5000 },
      // 3.0~rc1 is older than 3.0: an upgrade.
      { name: 'editor', arch: 'noarch', change: 'upgraded', from: 'editor-3.0~rc1-1.noarch', to: 'editor-3.0-1.noarch', sizeChange: 200 },
      { name: 'gone', arch: 'noarch', change: 'removed', from: 'gone-1-1.noarch', to: null, sizeChange: -50 },
      { name: 'kmod', arch: 'x86_64', change: 'upgraded', from: 'kmod-30-1.x86_64', to: 'kmod-31-1.x86_64', sizeChange: 20 },
      // 1.10 > 1.9 numerically: going to 1.9 is a downgrade.
      { name: 'libdemo', arch: 'noarch', change: 'downgraded', from: 'libdemo-1.10-1.noarch', to: 'libdemo-1.9-1.noarch', sizeChange: -10 },
      // A lower epoch wins over a newer version.
      { name: 'tz', arch: 'noarch', change: 'downgraded', from: 'tz-2:2024a-1.noarch', to: 'tz-1:2025a-1.noarch', sizeChange: 0 },
    ]);
  });

  it('pairs what is left of a package installed in several versions only when one goes and one comes', () => {
    const before = [pkg('kernel-6.1-1.x86_64', 10), pkg('kernel-6.2-1.x86_64', 10)];
    expect(diffPackages(before, [pkg('kernel-6.2-1.x86_64', 10), pkg('kernel-6.3-1.x86_64', 12)]).changes.map((c) => [c.change, c.from, c.to])).toEqual([
      ['upgraded', 'kernel-6.1-1.x86_64', 'kernel-6.3-1.x86_64'],
    ]);
    expect(diffPackages(before, [pkg('kernel-6.2-1.x86_64', 10), pkg('kernel-6.3-1.x86_64', 12), pkg('kernel-6.4-1.x86_64', 12)]).changes.map((c) => [c.change, c.from ?? c.to])).toEqual([
      ['added', 'kernel-6.3-1.x86_64'],
      ['added', 'kernel-6.4-1.x86_64'],
      ['removed', 'kernel-6.1-1.x86_64'],
    ]);
  });
});

describe('diffFiles', () => {
  it('counts added, removed and changed paths, later entries of a name winning', () => {
    const e = (name: string, size = 1, mode = 0o100644) => ({ name, type: 'file', size, mode });
    const files = diffFiles([e('a'), e('b'), e('c'), e('d', 1)], [e('b'), e('c', 2), e('d', 5), e('d', 1), e('e')]);
    expect(files).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 2, examples: { added: ['e'], removed: ['a'], changed: ['c'] } });
  });
});

describe('formatDiff', () => {
  it('prints one line per change, biggest first, with counts and sizes', () => {
    const diff = diffBuilds(
      { label: 'before/manifest.json', packages: [pkg('storage-tools-1.0-1.noarch', 786)], compressedSize: 6_000_000, entries: [{ name: 'usr/bin/x', type: 'file', size: 1, mode: 0o100755 }] },
      { label: 'after/image.cpio.zst', packages: [pkg('storage-tools-1.0-2.noarch', 800), pkg('tzdata-lite-2:2023c-1.noarch', 126)], compressedSize: 6_100_000, entries: [] },
    );
    const text = formatDiff(diff, makeColors(false));
    expect(text.split('\n')).toEqual([
      'before/manifest.json → after/image.cpio.zst',
      'packages: 1 added, 0 removed, 1 upgraded, 0 downgraded, 0 unchanged; installed size +140 B',
      '  +  added     tzdata-lite-2:2023c-1.noarch          +126 B',
      '  ↑  upgraded  storage-tools 1.0-1 → 1.0-2 (noarch)   +14 B',
      'files: 0 added, 1 removed, 0 changed, 0 unchanged',
      '  removed: usr/bin/x',
      'image: 6.0 MB → 6.1 MB (+100 kB)',
      '',
    ]);
  });

  it('says when packages could not be compared', () => {
    const text = formatDiff(diffBuilds({ label: 'a', entries: [] }, { label: 'b', entries: [] }), makeColors(false));
    expect(text).toContain('packages: not compared (no manifest beside both sides)');
  });
});
