import { describe, expect, it } from 'vitest';
import { BOOT_VARIANT_NAMES, bootVariantsOf, isBootVariant } from './boot-variants';

const asking = (...specs: string[]) => ({ packages: specs.map((spec) => ({ spec })) });

describe('bootVariantsOf', () => {
  it('offers a stack only to an initrd whose packages can assemble it', () => {
    expect(bootVariantsOf(asking('busybox'))).toEqual(['ext4']);
    expect(bootVariantsOf(asking('systemd', 'util-linux'))).toEqual(['ext4', 'xfs', 'usr', 'emergency', 'resume']);
    expect(bootVariantsOf(asking('systemd', 'util-linux', 'lvm2 >= 2.03', 'mdadm', 'cryptsetup-bin', 'btrfs-progs', 'libtss2-esys-3.0.2-0', 'libtss2-tcti-device0'))).toEqual([...BOOT_VARIANT_NAMES]);
  });
});

describe('isBootVariant', () => {
  it('knows the variants and nothing else', () => {
    expect(isBootVariant('lvm-luks-raid')).toBe(true);
    expect(isBootVariant('toString')).toBe(false);
  });
});
