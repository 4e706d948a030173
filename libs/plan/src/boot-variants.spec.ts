import { describe, expect, it } from 'vitest';
import { BOOT_VARIANT_NAMES, bootVariantsOf, EXIT_INITRD, isBootVariant, NETROOT_GENERATOR } from './boot-variants';

const asking = (...specs: string[]) => ({ packages: specs.map((spec) => ({ spec })) });

describe('bootVariantsOf', () => {
  it('offers a stack only to an initrd whose packages can assemble it', () => {
    expect(bootVariantsOf(asking('busybox'))).toEqual(['ext4']);
    expect(bootVariantsOf(asking('systemd', 'util-linux'))).toEqual(['ext4', 'xfs', 'usr', 'emergency', 'resume']);
    const server = asking('systemd', 'util-linux', 'lvm2 >= 2.03', 'mdadm', 'cryptsetup-bin', 'btrfs-progs', 'libtss2-esys-3.0.2-0', 'libtss2-tcti-device0');
    expect(bootVariantsOf(server)).toEqual(BOOT_VARIANT_NAMES.filter((name) => !['nfs', 'nbd', 'iscsi', 'shutdown'].includes(name)));
    expect(bootVariantsOf(server, (path) => path === EXIT_INITRD)).toContain('shutdown');
  });

  it('offers the network roots only to a chain that ships the netroot generator, and nbd only with nbd-client', () => {
    const ships = (path: string) => path === NETROOT_GENERATOR;
    expect(bootVariantsOf(asking('systemd', 'util-linux'), ships)).toEqual(['ext4', 'xfs', 'nfs', 'usr', 'emergency', 'resume']);
    expect(bootVariantsOf(asking('systemd', 'util-linux', 'nbd-client'), ships)).toContain('nbd');
    expect(bootVariantsOf(asking('systemd', 'util-linux', 'nbd-client'))).not.toContain('nbd');
    expect(bootVariantsOf(asking('systemd', 'util-linux', 'nbd-client', 'open-iscsi'), ships)).toEqual(['ext4', 'xfs', 'nfs', 'nbd', 'iscsi', 'usr', 'emergency', 'resume']);
  });
});

describe('isBootVariant', () => {
  it('knows the variants and nothing else', () => {
    expect(isBootVariant('lvm-luks-raid')).toBe(true);
    expect(isBootVariant('toString')).toBe(false);
  });
});
