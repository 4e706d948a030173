import { createHash } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { listArchive } from '@strata/cpio';
import { copyRecipe, createScratchWorkspaceOnSharedCache, type ScratchWorkspace } from './support/scratch-workspace';
import { taskRuns } from './support/nx-output';

// Real boots: QEMU (TCG) with the host's kernel, each initrd, and a root disk made by the test.
describe('nx run-many -t boot-test', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = await createScratchWorkspaceOnSharedCache();
  });
  afterAll(() => ws?.dispose());

  it('boots every initrd recipe to the root\'s marker', async () => {
    // The Debian-derived distribution follows the mirror: relock its recipes to what it serves today.
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=initrd-base,initrd-server,initrd-network,initrd-distro-kernel,sysext-server-debug', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const run = await ws.nx(['run-many', '-t', 'boot-test', '--output-style=static']);
    expect(run.exitCode, run.all).toBe(0);
    const booted = [...run.all.matchAll(/^(\S+): booted to the root's marker in ([\d.]+) s/gm)].map((m) => m[1]).sort();
    expect(booted).toEqual(['initrd-base', 'initrd-busybox', 'initrd-busybox-debug', 'initrd-busybox-rescue', 'initrd-busybox-storage', 'initrd-distro-kernel', 'initrd-network', 'initrd-server']);
    // The systemd initrd really ran systemd and switched root with it.
    const console = await readFile(join(ws.root, 'dist/boot/initrd-server/console.log'), 'utf8');
    expect(console).toMatch(/systemd\[1\]: .*initrd/i);
    expect(console).toMatch(/Switching root|switch-root/i);
    // The initrd-scope extension: initrd-server's systemd-sysext merged it before the switch.
    expect(run.all).toMatch(/^sysext-server-debug: booted initrd-server with sysext-server-debug merged by its systemd-sysext, to the root's marker in [\d.]+ s/m);
    const withExtension = await readFile(join(ws.root, 'dist/boot/sysext-server-debug/console.log'), 'utf8');
    expect(withExtension).toMatch(/\(sd-sysext\)\[\d+\]: Using extensions 'sysext-server-debug'\./);
    expect(withExtension).toMatch(/Merged extensions into '\/usr'/);
    expect(withExtension.indexOf("Merged extensions into '/usr'")).toBeLessThan(withExtension.indexOf('STRATA-ROOT-REACHED'));
    // Through dm-verity: systemd-sysext found the .verity and .roothash side files.
    expect(withExtension).toMatch(/device-mapper: verity: sha256/);
  }, 900_000);

  it('a tampered verity extension is refused by the initrd: dm-verity reports the block, systemd-sysext merges nothing', async () => {
    const raw = join(ws.root, 'dist/images/sysext-server-debug/sysext-server-debug.raw');
    const original = await readFile(raw);
    const tampered = Buffer.from(original);
    tampered[1024 + 8] ^= 0xff; // inside erofs's superblock, in data block 0
    // The attacker rewrites SHA256SUMS too, so strata's own check passes: dm-verity must catch it.
    const sumsFile = join(ws.root, 'dist/images/sysext-server-debug/SHA256SUMS');
    const sums = await readFile(sumsFile, 'utf8');
    await writeFile(raw, tampered);
    await writeFile(sumsFile, sums.replace(createHash('sha256').update(original).digest('hex'), createHash('sha256').update(tampered).digest('hex')));
    try {
      const run = await ws.nx(['run', 'sysext-server-debug:boot-test', '--exclude-task-dependencies', '--output-style=static']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/sysext-server-debug: boot FAILED after [\d.]+ s: systemd-sysext in the initrd did not use 'sysext-server-debug'/);
      expect(run.all).toMatch(/device-mapper: verity: \d+:\d+: data block 0 is corrupted/);
      expect(run.all).toMatch(/\(sd-sysext\)\[\d+\]: Verity device detected corruption after activation/);
    } finally {
      await writeFile(raw, original);
      await writeFile(sumsFile, sums);
    }
  }, 300_000);

  it('fails the boot-test of an extension whose release does not match the initrd, with systemd-sysext\'s reason', async () => {
    await copyRecipe(ws, 'sysext-server-debug', 'sysext-wrong-id', 'extension:\n  id: fedora\n');
    const run = await ws.nx(['run', 'sysext-wrong-id:boot-test', '--output-style=static']);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/sysext-wrong-id: boot FAILED after [\d.]+ s: systemd-sysext in the initrd did not use 'sysext-wrong-id'/);
    expect(run.all).toMatch(/--- systemd-sysext lines \(full log: dist\/boot\/sysext-wrong-id\/console\.log\) ---/);
    expect(run.all).toMatch(/\(sd-sysext\)\[\d+\]: No suitable extensions found \(1 ignored due to incompatible version\)/);
  }, 300_000);

  it('boots initrd-distro-kernel with the kernel of its locked package, which stays out of the image', async () => {
    const dir = join(ws.root, 'dist/images/initrd-distro-kernel');
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes/initrd-distro-kernel/packages.lock.json'), 'utf8'));
    expect(manifest.kernel.source).toEqual(lock.kernel.packages.map((p: { nevra: string }) => p.nevra));
    expect(manifest.kernel.source.some((nevra: string) => nevra.startsWith(`linux-image-${manifest.kernel.version}-`))).toBe(true);
    expect(manifest.kernel.vmlinuz).toBe(`vmlinuz-${manifest.kernel.version}`);
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });
    expect(sums.stdout).toContain(`vmlinuz-${manifest.kernel.version}: OK`);
    // The userspace layer holds the recipe's packages only, nothing of the kernel package set.
    const layer = (await listArchive(join(ws.root, 'dist/layers/initrd-distro-kernel/initrd-distro-kernel.cpio.zst'))).map((e) => e.name);
    expect(layer.filter((p) => p.startsWith('boot/') || p.startsWith('usr/lib/modules/') || p === 'usr/sbin/mkinitramfs')).toEqual([]);
    const installed = manifest.packages.map((p: { nevra: string }) => p.nevra);
    expect(installed.filter((nevra: string) => /^(linux-image-|linux-base-|initramfs-tools-|klibc-utils-)/.test(nevra))).toEqual([]);
    const console = await readFile(join(ws.root, 'dist/boot/initrd-distro-kernel/console.log'), 'utf8');
    expect(console).toContain(`Linux version ${manifest.kernel.version}`);
  });

  it('a change in the lock\'s kernel section rebuilds the modules layer and the final image only', async () => {
    const lockFile = join(ws.root, 'recipes/initrd-distro-kernel/packages.lock.json');
    const original = await readFile(lockFile, 'utf8');
    const lock = JSON.parse(original);
    // Stands in for a kernel update: the kernel section changes, the packages section does not.
    const kernelPackage = lock.kernel.packages.find((p: { name: string }) => p.name.startsWith('linux-image-') && p.name !== 'linux-image-amd64');
    kernelPackage.installSize += 1;
    await writeFile(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
    try {
      const run = await ws.nx(['build', 'initrd-distro-kernel', '--output-style=static']);
      expect(run.exitCode, run.all).toBe(0);
      const runs = taskRuns(run.all);
      expect(runs.executed.filter((t) => t.startsWith('initrd-'))).toEqual(['initrd-distro-kernel:build', 'initrd-distro-kernel:modules']);
      expect(runs.cached).toEqual(expect.arrayContaining(['initrd-base:image', 'initrd-server:image', 'initrd-distro-kernel:image']));
    } finally {
      await writeFile(lockFile, original);
    }
  }, 300_000);

  it('fails a broken initrd (no virtio modules) with the reason and the console log, instead of hanging', async () => {
    await copyRecipe(ws, 'initrd-busybox-debug', 'initrd-broken', 'kernel:\n  modules:\n    - kernel/fs/ext4/**\n');
    const run = await ws.nx(['run', 'initrd-broken:boot-test', '--output-style=static', '--timeout=120', '--append=strata.rootwait=5']);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/initrd-broken: boot FAILED after [\d.]+ s: console says: strata-initrd: FAILED: root device LABEL=strata-root did not appear within 5s/);
    expect(run.all).toMatch(/last console lines \(full log: dist\/boot\/initrd-broken\/console\.log\)/);
    await access(join(ws.root, 'dist/boot/initrd-broken/console.log'));
  }, 300_000);
});
