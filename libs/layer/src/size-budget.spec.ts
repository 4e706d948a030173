import { describe, expect, it } from 'vitest';
import { growth, parseSize, sizeBudgetProblem } from './size-budget';

const image = (compressedSize: number, ...packages: [string, number][]) => ({ compressedSize, packages: packages.map(([nevra, installSize]) => ({ nevra, installSize })) });

describe('parseSize', () => {
  it('reads decimal and binary units, and plain bytes', () => {
    expect(parseSize('28 MiB')).toBe(28 * 1024 * 1024);
    expect(parseSize('30MB')).toBe(30_000_000);
    expect(parseSize('1.5 GB')).toBe(1_500_000_000);
    expect(parseSize('512 kib')).toBe(512 * 1024);
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('4096')).toBe(4096);
  });

  it('refuses what is not a size, saying how to write one', () => {
    expect(() => parseSize('big')).toThrow(/"big" is not a size: write a number and a unit, such as "28 MiB"/);
    expect(() => parseSize('12 MiBs')).toThrow(/not a size/);
  });
});

describe('sizeBudgetProblem', () => {
  const before = image(20_000_000, ['systemd-252.39-1.x86_64', 9_000_000], ['lvm2-2.03.16-2.x86_64', 5_000_000]);
  const after = image(24_500_000, ['systemd-252.40-1.x86_64', 9_500_000], ['lvm2-2.03.16-2.x86_64', 5_000_000], ['btrfs-progs-6.2-1.x86_64', 4_500_000]);

  it('passes an image within its budget', () => {
    expect(sizeBudgetProblem(after, '25 MB', { manifest: before, file: 'm.json' })).toBeUndefined();
    expect(sizeBudgetProblem(after, 24_500_000)).toBeUndefined();
  });

  it('names the size, the budget, and the packages that grew most since the last build', () => {
    expect(sizeBudgetProblem(after, '22 MB', { manifest: before, file: 'dist/images/x/manifest.json' })).toBe(
      'the image is 24500000 bytes (24.5 MB), over output.maxSize 22 MB by 2.5 MB; grew most since the last build (dist/images/x/manifest.json, 20.0 MB), installed: btrfs-progs +4.5 MB (new), systemd +500.0 kB',
    );
  });

  it('without a previous build, names the largest packages', () => {
    expect(sizeBudgetProblem(after, '20 MB')).toMatch(/over output.maxSize 20 MB by 4\.5 MB; the largest packages, installed: systemd 9\.5 MB, lvm2 5\.0 MB, btrfs-progs 4\.5 MB$/);
  });

  it('says small excesses in kB or bytes', () => {
    expect(sizeBudgetProblem(image(1_535_929, ['debug-tools-2.0-1.noarch', 12_345]), 1_535_530, { manifest: image(1_535_530), file: 'm.json' })).toBe(
      'the image is 1535929 bytes (1.5 MB), over output.maxSize 1535530 by 399 bytes; grew most since the last build (m.json, 1.5 MB), installed: debug-tools +12.3 kB (new)',
    );
  });

  it('says so when no package grew (the modules, or files, did)', () => {
    expect(sizeBudgetProblem(image(30_000_000, ['a-1-1.x86_64', 10]), '20 MB', { manifest: image(19_000_000, ['a-1-1.x86_64', 10]), file: 'm.json' })).toMatch(/no package grew since the last build \(m\.json, 19\.0 MB\)$/);
  });
});

describe('growth', () => {
  it('ignores packages that shrank or went away', () => {
    expect(growth(image(1, ['a-1-1.x86_64', 5]), image(1, ['a-1-1.x86_64', 9], ['b-1-1.x86_64', 3]))).toEqual([]);
  });
});
