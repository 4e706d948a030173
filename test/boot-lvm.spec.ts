import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

// A real boot with the root file system on LVM: the disk is provisioned in a QEMU guest by the
// initrd's own lvm2 (the host needs no device-mapper), and initrd-server must activate the VG itself.
describe('nx run initrd-server:boot-test --root=lvm', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = await createScratchWorkspace();
  });
  afterAll(() => ws?.dispose());

  it('activates the volume group through lvm2\'s udev rules and reaches the root on the LV', async () => {
    // The Debian-derived distribution follows the mirror: relock its recipes to what it serves today.
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=initrd-base,initrd-server', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const run = await ws.nx(['run', 'initrd-server:boot-test', '--root=lvm', '--output-style=static']);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/initrd-server: provisioned the LVM root disk in [\d.]+ s \(dist\/boot\/initrd-server\/root-lvm\.img\)/);
    expect(run.all).toMatch(/initrd-server: booted to the root's marker in [\d.]+ s \(root on LVM, \/dev\/mapper\/strata-root\)/);
    const console = await readFile(join(ws.root, 'dist/boot/initrd-server/console.log'), 'utf8');
    expect(console).toMatch(/root=\/dev\/mapper\/strata-root/);
    // 69-lvm.rules: pvscan saw the PV complete the VG and had systemd run the activation.
    expect(console).toMatch(/Started .*lvm-activate-strat/);
    expect(console).toMatch(/Found device .*strata-root|Found device .*dev-mapper-st/);
    expect(console).toMatch(/EXT4-fs \(dm-0\): mounted filesystem/);
    expect(console).toMatch(/STRATA-ROOT-REACHED/);
  }, 600_000);
});
