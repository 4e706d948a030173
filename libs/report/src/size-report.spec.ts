import { describe, expect, it } from 'vitest';
import { parseOwnership } from './ownership';
import { buildSizeReport, formatSizeReport, kernelOwner, NOT_FROM_A_PACKAGE, type SizeReportInput } from './size-report';
import { makeColors } from './text';

const file = (name: string, size: number) => ({ name, type: 'file' as const, size });
const dir = (name: string) => ({ name, type: 'directory' as const, size: 0 });
const link = (name: string) => ({ name, type: 'symlink' as const, size: 7 });

// rpm -qa --qf '[%{=NEVRA}\t%{FILENAMES}\n]' over the tree's database.
const RPM_OUTPUT = [
  'filesystem-1.0-1.noarch\t/usr',
  'filesystem-1.0-1.noarch\t/usr/bin',
  'busybox-1.36.1-1.x86_64\t/usr/bin',
  'busybox-1.36.1-1.x86_64\t/usr/bin/busybox',
  'busybox-1.36.1-1.x86_64\t/usr/bin/sh',
  'busybox-1.36.1-1.x86_64\t/usr/share/doc/busybox/README',
  'kmod-30-1.x86_64\t/usr/bin/kmod',
  'kmod-30-1.x86_64\t/usr/lib/modprobe.d/kmod.conf',
  'zlib-1.3-1.x86_64\t/usr/lib/libz.so.1',
  'shared-a-1-1.noarch\t/usr/share/common',
  'shared-b-1-1.noarch\t/usr/share/common',
].join('\n');

const input = (): SizeReportInput => ({
  recipe: 'server',
  image: 'server.cpio.zst',
  sha256: 'ab'.repeat(32),
  compressedSize: 5000,
  entries: [
    dir('usr'),
    dir('usr/bin'),
    file('usr/bin/busybox', 2000),
    link('usr/bin/sh'),
    file('usr/bin/kmod', 300),
    file('usr/lib/modprobe.d/kmod.conf', 20),
    file('usr/lib/libz.so.1', 100),
    file('usr/share/common', 10),
    file('etc/initrd-release', 50),
    link('init'),
    // The modules archive follows; a later entry of the same name wins.
    dir('usr'),
    file('usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko', 1500),
    file('usr/lib/modules/6.1.0/modules.dep', 40),
  ],
  ownership: parseOwnership(RPM_OUTPUT),
  packages: [
    { nevra: 'busybox-1.36.1-1.x86_64', installSize: 2100, layer: 'base' },
    { nevra: 'filesystem-1.0-1.noarch', installSize: 0, layer: 'base' },
    { nevra: 'kmod-30-1.x86_64', installSize: 320, layer: 'server' },
    { nevra: 'shared-a-1-1.noarch', installSize: 10, layer: 'server' },
    { nevra: 'shared-b-1-1.noarch', installSize: 10, layer: 'server' },
    { nevra: 'zlib-1.3-1.x86_64', installSize: 100, layer: 'base' },
  ],
  kernel: { version: '6.1.0', paths: new Set(['usr', 'usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko', 'usr/lib/modules/6.1.0/modules.dep']) },
  removed: [
    { layer: 'base', paths: 12, bytes: 4096 },
    { layer: 'server', paths: 1, bytes: 10 },
  ],
  top: 3,
});

describe('parseOwnership', () => {
  it('maps image paths to their owners, sorted, shared paths to each', () => {
    const owners = parseOwnership(RPM_OUTPUT);
    expect(owners.get('usr/bin')).toEqual(['busybox-1.36.1-1.x86_64', 'filesystem-1.0-1.noarch']);
    expect(owners.get('usr/bin/busybox')).toEqual(['busybox-1.36.1-1.x86_64']);
    expect(owners.get('usr/share/common')).toEqual(['shared-a-1-1.noarch', 'shared-b-1-1.noarch']);
    expect(parseOwnership('x-1-1.noarch\t(none)\n\n').size).toBe(0);
  });
});

describe('buildSizeReport', () => {
  const report = buildSizeReport(input());

  it('charges every file to its package, the kernel archive or strata, biggest first', () => {
    expect(report.owners.map((o) => [o.owner, o.kind, o.layer, o.files, o.bytes, o.installSize])).toEqual([
      ['busybox-1.36.1-1.x86_64', 'package', 'base', 1, 2000, 2100],
      [kernelOwner('6.1.0'), 'kernel', null, 2, 1540, null],
      ['kmod-30-1.x86_64', 'package', 'server', 2, 320, 320],
      ['zlib-1.3-1.x86_64', 'package', 'base', 1, 100, 100],
      [NOT_FROM_A_PACKAGE, 'strata', null, 1, 50, null],
      // A file two packages own counts once, for the first.
      ['shared-a-1-1.noarch', 'package', 'server', 1, 10, 10],
      ['filesystem-1.0-1.noarch', 'package', 'base', 0, 0, 0],
      ['shared-b-1-1.noarch', 'package', 'server', 0, 0, 10],
    ]);
    expect(report.totals).toEqual({ entries: 12, files: 8, directories: 2, symlinks: 2, other: 0, bytes: 4020 });
  });

  it('lists folders, the largest files, what no package owns and what removeFiles saved', () => {
    expect(report.directories.slice(0, 3)).toEqual([
      { path: 'usr/bin', files: 2, bytes: 2300 },
      { path: 'usr/lib/modules/6.1.0/kernel/fs/ext4', files: 1, bytes: 1500 },
      { path: 'usr/lib', files: 1, bytes: 100 },
    ]);
    expect(report.largestFiles).toEqual([
      { path: 'usr/bin/busybox', bytes: 2000, owner: 'busybox-1.36.1-1.x86_64' },
      { path: 'usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko', bytes: 1500, owner: kernelOwner('6.1.0') },
      { path: 'usr/bin/kmod', bytes: 300, owner: 'kmod-30-1.x86_64' },
    ]);
    expect(report.unowned).toEqual([
      { path: 'etc/initrd-release', type: 'file', bytes: 50 },
      { path: 'init', type: 'symlink', bytes: 0 },
    ]);
    expect(report.removeFiles).toEqual({ layers: [{ layer: 'base', paths: 12, bytes: 4096 }, { layer: 'server', paths: 1, bytes: 10 }], paths: 13, bytes: 4106 });
    expect(report.files.map((f) => f.path)).toEqual([...report.files.map((f) => f.path)].sort());
  });

  it('is the same for the same input', () => {
    expect(JSON.stringify(buildSizeReport(input()))).toBe(JSON.stringify(report));
  });
});

describe('the kernel modules the rules did not get', () => {
  const gaps = {
    missingFirmware: [{ module: 'r8169', files: ['rtl_nic/rtl8168g-2.fw', 'rtl_nic/rtl8168h-2.fw', 'rtl_nic/rtl8125a-3.fw'] }],
    undoneExcludes: [{ rule: '-kernel/drivers/infiniband/**', modules: ['ib_core', 'rdma_cm'], pulledBackBy: ['nvme_rdma'] }],
  };
  const withGaps = (): SizeReportInput => ({ ...input(), kernel: { ...(input().kernel as NonNullable<SizeReportInput['kernel']>), gaps } });

  it('carries them into the report, and prints them', () => {
    const report = buildSizeReport(withGaps());
    expect(report.modules).toEqual(gaps);
    const text = formatSizeReport(report, makeColors(false));
    expect(text).toContain('Kernel modules: asked for, not got');
    expect(text).toContain('-kernel/drivers/infiniband/** undone by dependencies: ib_core, rdma_cm (needed by nvme_rdma)');
    expect(text).toMatch(/firmware not on the build host, for 1 module:\n\s+r8169\s+3 files\s+rtl_nic\/rtl8168g-2\.fw, rtl_nic\/rtl8168h-2\.fw, …/);
  });

  it('leaves them out when the image has no modules archive record of them', () => {
    expect(buildSizeReport(input()).modules).toBeUndefined();
    expect(formatSizeReport(buildSizeReport(input()), makeColors(false))).not.toContain('Kernel modules');
  });
});

describe('formatSizeReport', () => {
  it('prints the tables for a terminal', () => {
    const text = formatSizeReport(buildSizeReport(input()), makeColors(false), { rows: 3 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('server: server.cpio.zst 5.0 kB compressed; 4.0 kB in 8 files, 2 symlinks, 2 folders');
    expect(lines).toContain('  package                  layer      files   bytes  share  rpm size');
    expect(lines).toContain('  busybox-1.36.1-1.x86_64  base           1  2.0 kB  49.8%    2.1 kB');
    expect(lines).toContain('  kernel modules 6.1.0     (modules)      2  1.5 kB  38.3%');
    expect(lines).toContain('  … and 5 more packages (all in size-report.json)');
    expect(lines).toContain('  usr/bin                               2 files  2.3 kB  57.2%');
    expect(lines).toContain('  usr/lib/modules/6.1.0/kernel/fs/ext4   1 file  1.5 kB  37.3%');
    expect(lines).toContain('  usr/bin/busybox                               2.0 kB  busybox-1.36.1-1.x86_64');
    expect(lines).toContain('  init                symlink   0 B');
    expect(lines).toContain('removeFiles saved 4.1 kB in 13 paths (base: 12 paths, 4.1 kB; server: 1 path, 10 B)');
  });
});
