import { access, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

// Real boots: QEMU (TCG) with the host's kernel, each initrd, and a root disk made by the test.
describe('nx run-many -t boot-test', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = await createScratchWorkspace();
  });
  afterAll(() => ws?.dispose());

  it('boots every initrd recipe to the root\'s marker', async () => {
    // The Debian-derived distribution follows the mirror: relock its recipes to what it serves today.
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=initrd-base,initrd-server', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const run = await ws.nx(['run-many', '-t', 'boot-test', '--output-style=static']);
    expect(run.exitCode, run.all).toBe(0);
    const booted = [...run.all.matchAll(/^(\S+): booted to the root's marker in ([\d.]+) s/gm)].map((m) => m[1]).sort();
    expect(booted).toEqual(['initrd-base', 'initrd-busybox', 'initrd-busybox-debug', 'initrd-busybox-rescue', 'initrd-busybox-storage', 'initrd-server']);
    // The systemd initrd really ran systemd and switched root with it.
    const console = await readFile(join(ws.root, 'dist/boot/initrd-server/console.log'), 'utf8');
    expect(console).toMatch(/systemd\[1\]: .*initrd/i);
    expect(console).toMatch(/Switching root|switch-root/i);
  }, 900_000);

  it('fails a broken initrd (no virtio modules) with the reason and the console log, instead of hanging', async () => {
    await cp(join(ws.root, 'recipes/initrd-busybox-debug'), join(ws.root, 'recipes/initrd-broken'), { recursive: true });
    const recipe = join(ws.root, 'recipes/initrd-broken/recipe.yaml');
    const text = await readFile(recipe, 'utf8');
    await writeFile(recipe, `${text}kernel:\n  modules:\n    - kernel/fs/ext4/**\n`);
    const lock = join(ws.root, 'recipes/initrd-broken/packages.lock.json');
    await writeFile(lock, (await readFile(lock, 'utf8')).replace('"recipe": "initrd-busybox-debug"', '"recipe": "initrd-broken"'));
    const run = await ws.nx(['run', 'initrd-broken:boot-test', '--output-style=static', '--timeout=120', '--append=strata.rootwait=5']);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/initrd-broken: boot FAILED after [\d.]+ s: console says: strata-initrd: FAILED: root device LABEL=strata-root did not appear within 5s/);
    expect(run.all).toMatch(/last console lines \(full log: dist\/boot\/initrd-broken\/console\.log\)/);
    await access(join(ws.root, 'dist/boot/initrd-broken/console.log'));
  }, 300_000);
});
