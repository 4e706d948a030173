import { describe, expect, it } from 'vitest';
import { renderSizeReportHtml } from './size-report-html';
import { escapeHtml } from './text';
import type { SizeReport } from './size-report';

function report(): SizeReport {
  const files = [
    { path: 'usr/bin/busybox', bytes: 2_000_000, owner: 'busybox-1.36.1-1.x86_64' },
    { path: 'usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko', bytes: 1_500_000, owner: 'kernel modules 6.1.0' },
    { path: 'usr/lib/modules/6.1.0/kernel/fs/xfs/xfs.ko', bytes: 1_400_000, owner: 'kernel modules 6.1.0' },
    { path: 'etc/<odd>&"name"', bytes: 50, owner: 'not from a package' },
  ];
  return {
    reportVersion: 1,
    recipe: 'server',
    image: 'server.cpio.zst',
    sha256: 'ab'.repeat(32),
    compressedSize: 2_000_000,
    totals: { entries: 6, files: 4, directories: 2, symlinks: 0, other: 0, bytes: 4_900_050 },
    owners: [
      { owner: 'kernel modules 6.1.0', kind: 'kernel', layer: null, files: 2, bytes: 2_900_000, installSize: null },
      { owner: 'busybox-1.36.1-1.x86_64', kind: 'package', layer: 'base', files: 1, bytes: 2_000_000, installSize: 2_100_000 },
      { owner: 'not from a package', kind: 'strata', layer: null, files: 1, bytes: 50, installSize: null },
      { owner: 'filesystem-1.0-1.noarch', kind: 'package', layer: 'base', files: 0, bytes: 0, installSize: 0 },
    ],
    directories: [{ path: 'usr/bin', files: 1, bytes: 2_000_000 }],
    largestFiles: files.slice(0, 2),
    unowned: [{ path: 'etc/<odd>&"name"', type: 'file', bytes: 50 }],
    removeFiles: { layers: [{ layer: 'base', paths: 3, bytes: 9000 }], paths: 3, bytes: 9000 },
    files,
  };
}

describe('renderSizeReportHtml', () => {
  const html = renderSizeReportHtml(report());

  it('is one page with no network access: inline style, script and SVG only', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<(link|img|iframe)\b/);
    expect(html).not.toMatch(/\bsrc=/);
    expect(html).not.toMatch(/url\(/);
    expect(html.match(/https?:\/\/[^"'\s<]+/g)).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('draws the treemap: owners, their folders and files, and says how many rectangles to expect', () => {
    const overview = html.slice(html.indexOf('id="view-all"'), html.indexOf('</g><g class="view"'));
    const rects = (overview.match(/<rect /g) ?? []).length;
    // 3 owners with bytes; the folders and files of two (the third, 50 bytes, is a few pixels: no room inside).
    expect(rects).toBe(9);
    expect(html).toContain(`data-treemap-expected="${rects}"`);
    expect(html).toContain('data-rects="9"');
    // A zoomed view per owner with bytes.
    expect(html.match(/<g class="view" id="view-\d+"/g)).toHaveLength(3);
    expect(html).toContain('<title>usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko — 1.5 MB (kernel modules 6.1.0)</title>');
  });

  it('escapes names, and tabulates packages, folders, files and removeFiles', () => {
    expect(html).toContain('etc/&lt;odd&gt;&amp;&quot;name&quot;');
    expect(html).not.toContain('<odd>');
    expect(html).toContain('<a data-zoom-link="view-1" href="#top">busybox-1.36.1-1.x86_64</a>');
    expect(html).toContain('<td>filesystem-1.0-1.noarch</td>'.replace('<td>', '<td><span class="swatch" style="background:hsl(').slice(0, 20));
    expect(html).toContain('<td>base</td><td class="num">3</td><td class="num">9.0 kB</td>');
    expect(escapeHtml(`<a href='x'>`)).toBe('&lt;a href=&#39;x&#39;&gt;');
  });

  it('is the same bytes for the same report', () => {
    expect(renderSizeReportHtml(report())).toBe(html);
  });
});

describe('renderSizeReportHtml: kernel modules asked for, not got', () => {
  it('lists undone excludes and modules whose firmware the host lacks, escaped; nothing without a record', () => {
    const html = renderSizeReportHtml({
      ...report(),
      modules: {
        missingFirmware: [{ module: 'r8169', files: ['rtl_nic/rtl8168g-2.fw'] }],
        undoneExcludes: [{ rule: '-kernel/drivers/<ib>/**', modules: ['ib_core'], pulledBackBy: ['nvme_rdma'] }],
      },
    });
    expect(html).toContain('<h2>Kernel modules: asked for, not got</h2>');
    expect(html).toContain('<code>-kernel/drivers/&lt;ib&gt;/**</code>');
    expect(html).toMatch(/<td>r8169<\/td>/);
    expect(renderSizeReportHtml(report())).not.toContain('Kernel modules: asked for');
  });
});
