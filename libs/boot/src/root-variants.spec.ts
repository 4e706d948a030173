import { describe, expect, it } from 'vitest';
import { BOOT_VARIANT_NAMES } from '@strata/plan';
import { provisionScript, ROOT_VARIANTS } from './root-variants';

describe('ROOT_VARIANTS', () => {
  it('has a stack for every boot variant of the plan, under its own name', () => {
    expect(Object.keys(ROOT_VARIANTS).sort()).toEqual([...BOOT_VARIANT_NAMES].sort());
    for (const name of BOOT_VARIANT_NAMES) expect(ROOT_VARIANTS[name].name).toBe(name);
  });

  it('boots only disks it provisioned, and every provisioned stack ends with the root image copied onto it', () => {
    for (const variant of Object.values(ROOT_VARIANTS)) {
      if (!variant.provision) continue;
      const names = variant.provision.disks.map((disk) => disk.name);
      for (const name of variant.bootDisks ?? []) expect(names).toContain(name);
      // A block copy onto the stack's top device, or a file copy into the file system made on it.
      expect(variant.provision.steps.join('\n')).toMatch(/dd if="\$ROOT_IMAGE" of="\$TOP"|mount -t ext4 -o ro "\$ROOT_IMAGE" \/mnt\/source[\s\S]*cp -a \/mnt\/source\/\. /);
    }
  });

  it('formats on the host only with a named tool, and copies files into the btrfs subvolume the boot names', () => {
    const hostTools = Object.values(ROOT_VARIANTS).flatMap((variant) => variant.provision?.disks ?? []).flatMap((disk) => (disk.hostFormat ? [disk.hostFormat[0]] : []));
    expect(hostTools).toEqual(['mkfs.xfs']);
    const btrfs = ROOT_VARIANTS.btrfs;
    const subvolume = btrfs.append.find((arg) => arg.startsWith('rootflags=subvol='))?.slice('rootflags=subvol='.length);
    expect(btrfs.provision?.steps).toContain(`btrfs subvolume create /mnt/top/${subvolume} || fail "btrfs subvolume create"`);
    expect(btrfs.provision?.steps.join('\n')).toContain(`cp -a /mnt/source/. /mnt/top/${subvolume}/`);
  });

  it('a degraded mirror boots with fewer disks than it was built on', () => {
    const degraded = ROOT_VARIANTS['raid1-degraded'];
    expect(degraded.bootDisks?.length).toBeLessThan(degraded.provision?.disks.length ?? 0);
  });
});

describe('provisionScript', () => {
  it('waits for every blank disk and the root image after them, runs the steps in order, then reports and powers off', () => {
    const script = provisionScript(ROOT_VARIANTS['lvm-luks-raid'], 'DONE', 'FAILED');
    expect(script.startsWith('#!/usr/bin/bash\n')).toBe(true);
    expect(script).toContain('[ -b /dev/vda ] && [ -b /dev/vdb ] && [ -b /dev/vdc ]');
    expect(script).toContain('ROOT_IMAGE=/dev/vdc');
    const order = ['mdadm --create', 'cryptsetup luksFormat', 'lvm pvcreate', 'dd if="$ROOT_IMAGE"', 'vgchange', 'cryptsetup close', 'mdadm --stop', 'echo "DONE'];
    const positions = order.map((step) => script.indexOf(step));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(script).toMatch(/fail\(\) \{ echo "FAILED: \$\*"/);
  });

  it('refuses a variant with nothing to provision', () => {
    expect(() => provisionScript(ROOT_VARIANTS.ext4, 'DONE', 'FAILED')).toThrow(/ext4 needs no provisioning/);
  });
});
