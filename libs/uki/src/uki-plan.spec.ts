import { describe, expect, it } from 'vitest';
import { normalizeCmdline, objcopyArguments, placeSections, SECTION_ALIGNMENT, type UkiPart } from './uki-plan';

const parts: UkiPart[] = [
  { section: '.linux', file: 'vmlinuz', size: 8_247_232 },
  { section: '.osrel', file: 'osrel', size: 120 },
  { section: '.initrd', file: 'initrd', size: 29_100_000 },
  { section: '.cmdline', file: 'cmdline', size: 40 },
  { section: '.uname', file: 'uname', size: 14 },
];

describe('placeSections', () => {
  it('puts the parts after the stub on page boundaries, small ones first and the kernel last, none overlapping', () => {
    const placed = placeSections(0x19300, parts);
    expect(placed.map((p) => p.section)).toEqual(['.osrel', '.cmdline', '.uname', '.initrd', '.linux']);
    expect(placed[0].address).toBe(0x1a000);
    for (const [i, part] of placed.entries()) {
      expect(part.address % SECTION_ALIGNMENT).toBe(0);
      if (i > 0) expect(part.address).toBeGreaterThanOrEqual(placed[i - 1].address + placed[i - 1].size);
    }
  });

  it('needs a kernel and an initrd, each once', () => {
    expect(() => placeSections(0x19300, parts.filter((p) => p.section !== '.linux'))).toThrow(/needs a \.linux section/);
    expect(() => placeSections(0x19300, [...parts, parts[0]])).toThrow(/given twice/);
  });
});

describe('objcopyArguments', () => {
  it('adds each section at its address', () => {
    const placed = placeSections(0x19300, parts);
    const args = objcopyArguments('stub.efi', placed, 'out.efi');
    expect(args.slice(0, 4)).toEqual(['--add-section', '.osrel=osrel', '--change-section-vma', '.osrel=0x1a000']);
    expect(args.slice(-2)).toEqual(['stub.efi', 'out.efi']);
  });
});

describe('normalizeCmdline', () => {
  it('makes one line of single-spaced options', () => {
    expect(normalizeCmdline('  root=LABEL=r\n  ro   console=ttyS0\n')).toBe('root=LABEL=r ro console=ttyS0');
  });
});
