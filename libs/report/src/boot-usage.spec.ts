import { describe, expect, it } from 'vitest';
import { bootUsage, formatBootUsage } from './boot-usage';
import { renderSizeReportHtml } from './size-report-html';
import type { SizeReport } from './size-report';
import { makeColors } from './text';

const files = [
  { path: 'usr/bin/bash', bytes: 1_000_000, owner: 'bash-5.2.15-2.x86_64' },
  { path: 'usr/share/bash/doc.txt', bytes: 200_000, owner: 'bash-5.2.15-2.x86_64' },
  { path: 'usr/sbin/mkfs.btrfs', bytes: 3_000_000, owner: 'btrfs-progs-6.2-1.x86_64' },
  { path: 'usr/lib/systemd/systemd', bytes: 100_000, owner: 'systemd-252.x86_64' },
];

const report: SizeReport = {
  reportVersion: 1,
  recipe: 'initrd-test',
  image: 'initrd-test.cpio.zst',
  sha256: 'ab'.repeat(32),
  compressedSize: 1_075_000,
  totals: { entries: 4, files: 4, directories: 0, symlinks: 0, other: 0, bytes: 4_300_000 },
  owners: [],
  directories: [],
  largestFiles: [],
  unowned: [],
  removeFiles: { layers: [], paths: 0, bytes: 0 },
  files,
};

describe('bootUsage', () => {
  const usage = bootUsage(report, [
    { variant: 'ext4', used: ['usr/bin/bash', 'usr/lib/systemd/systemd', 'etc/machine-id'], profilerOwn: ['usr/bin/bash', 'usr/bin/stat'] },
    { variant: 'lvm', used: ['usr/lib/systemd/systemd'] },
  ]);

  it('counts what any profiled boot read, per package, and what the untouched files would save', () => {
    expect(usage).toMatchObject({ variants: ['ext4', 'lvm'], files: 4, usedFiles: 2, usedBytes: 1_100_000, untouchedBytes: 3_200_000 });
    // At the image's own ratio (1,075,000 / 4,300,000 = 0.25).
    expect(usage.untouchedCompressedEstimate).toBe(800_000);
    expect(usage.packages.map((p) => [p.owner, p.usedFiles, p.untouchedBytes])).toEqual([
      ['btrfs-progs-6.2-1.x86_64', 0, 3_000_000],
      ['bash-5.2.15-2.x86_64', 1, 200_000],
      ['systemd-252.x86_64', 1, 0],
    ]);
    expect(usage.packages[1].untouched.map((f) => f.path)).toEqual(['usr/share/bash/doc.txt']);
    expect(usage.packages[1].read.map((f) => f.path)).toEqual(['usr/bin/bash']);
  });

  it('names the paths the boot read that the image does not hold (written at boot)', () => {
    expect(usage.unknown).toEqual(['etc/machine-id']);
  });

  it('prints the totals and the packages with untouched bytes, with the caveat', () => {
    const text = formatBootUsage(usage, makeColors(false));
    expect(text).toContain('Boot profile (ext4, lvm)');
    expect(text).toContain('the boot read 2 of 4 files (1.1 MB of 4.3 MB); the untouched 3.2 MB are about 800 kB of the compressed image');
    expect(text).toMatch(/^ {2}btrfs-progs-6\.2-1\.x86_64 +0\/1 +0 B +3\.0 MB +usr\/sbin\/mkfs\.btrfs$/m);
    expect(text).not.toMatch(/^ {2}systemd-252/m);
    expect(text).toContain('A guide, not a rule');
    expect(text).toContain('usr/bin/bash and usr/bin/stat count as read: the profile runs them to list the files.');
  });

  it('shows every file as read or never read in the HTML report', () => {
    const html = renderSizeReportHtml(report, { bootUsage: usage });
    expect(html).toContain('data-boot-profile-files="2"');
    expect(html).toContain('<code>usr/sbin/mkfs.btrfs</code> 3.0 MB never read');
    expect(html).toContain('<code>usr/bin/bash</code> 1.0 MB read');
    expect(renderSizeReportHtml(report)).not.toContain('id="boot-profile"');
  });
});
