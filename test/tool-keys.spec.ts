import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';
import { taskRuns } from './support/nx-output';

const STATIC = ['--output-style=static'];

/**
 * The versions of the tools that shape an image's bytes are part of the keys of the targets that
 * use them. A stand-in mkfs.erofs earlier on PATH reports another version (and passes everything
 * else on to the real one): only the erofs extension's build runs again.
 */
describe('tool versions in the cache keys', () => {
  let ws: ScratchWorkspace;
  let bin: string;
  beforeAll(async () => {
    ws = await createScratchWorkspace();
    bin = join(ws.root, 'dist/stand-in-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'mkfs.erofs'), '#!/bin/sh\nif [ "$1" = -h ]; then echo "mkfs.erofs 99.0-stand-in"; exit 0; fi\nexec /usr/bin/mkfs.erofs "$@"\n');
    await chmod(join(bin, 'mkfs.erofs'), 0o755);
    const first = await ws.nx(['run-many', '-t', 'build', '--projects=sysext-storage,initrd-busybox', ...STATIC]);
    expect(first.exitCode, first.all).toBe(0);
  });
  afterAll(() => ws?.dispose());

  /**
   * One source file edited (a comment appended) and committed, as a CI run would see it: the
   * projects `nx affected` takes, and the test builds' run, cache deciding. Put back afterwards.
   */
  async function buildAfterEditing(file: string, comment: string) {
    const source = join(ws.root, file);
    const original = await readFile(source, 'utf8');
    await writeFile(source, `${original}\n// ${comment}\n`);
    await ws.commitAll(`edit ${file}`);
    try {
      const affected = await ws.nx(['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD']);
      const run = await ws.nx(['run-many', '-t', 'build', '--projects=sysext-storage,initrd-busybox', ...STATIC]);
      return { ...run, affected: affected.all.split('\n').map((line) => line.trim()).filter(Boolean) };
    } finally {
      await writeFile(source, original);
      await ws.commitAll(`put ${file} back`);
    }
  }

  it('unchanged tools: everything is a cache hit', async () => {
    const again = await ws.nx(['run-many', '-t', 'build', '--projects=sysext-storage,initrd-busybox', ...STATIC]);
    expect(again.exitCode, again.all).toBe(0);
    expect(taskRuns(again.all).executed).toEqual([]);
  });

  it("editing a repository builder's source rebuilds the repository, and no layer whose packages come out the same", async () => {
    const run = await buildAfterEditing('tools/fixture-repo/src/createrepo.ts', 'an edit that changes no package');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.affected).toEqual(expect.arrayContaining(['fixture-repo', 'initrd-busybox']));
    expect(taskRuns(run.all).executed).toEqual(['fixture-repo:build']);
  });

  it('editing the boot harness (libs/boot) re-keys no layer and no image', async () => {
    const run = await buildAfterEditing('libs/boot/src/qemu.ts', 'an edit to the boot harness');
    expect(run.exitCode, run.all).toBe(0);
    // Affected (their boot-tests run that code), and still every image a cache hit.
    expect(run.affected).toEqual(expect.arrayContaining(['initrd-busybox', 'sysext-storage']));
    expect(taskRuns(run.all).executed).toEqual([]);
    const inputs = await ws.nx(['show', 'target', 'inputs', 'initrd-busybox:boot-test', '--check', 'libs/boot/src/qemu.ts']);
    expect(inputs.all).toContain('libs/boot/src/qemu.ts is an input for initrd-busybox:boot-test');
  });

  it('editing the cpio writer re-keys every layer and image that packs archives, and what builds the repository', async () => {
    const run = await buildAfterEditing('libs/cpio/src/writer.ts', 'an edit to the archive writer');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.affected).toEqual(expect.arrayContaining(['initrd-busybox', 'sysext-storage', 'fixture-repo']));
    // The repository's builder reaches the writer too (through @strata/output), and comes out the same.
    expect(taskRuns(run.all).executed.sort()).toEqual(['fixture-repo:build', 'initrd-busybox:build', 'initrd-busybox:image', 'initrd-busybox:modules', 'sysext-storage:build', 'sysext-storage:image']);
  });

  it("a firmware update on the host re-keys the modules layer and the initrd, not the userspace layers", async () => {
    // The update happens only in this test's mount namespace: an overlay on /usr/lib (which works
    // whether or not the host has a firmware folder yet).
    const overlay = join(ws.root, 'dist/firmware-overlay');
    await mkdir(join(overlay, 'upper/firmware/strata-test'), { recursive: true });
    await mkdir(join(overlay, 'work'), { recursive: true });
    await writeFile(join(overlay, 'upper/firmware/strata-test/new-firmware.bin'), 'an update\n');
    const mount = `mount -t overlay overlay -o lowerdir=/usr/lib,upperdir=${overlay}/upper,workdir=${overlay}/work /usr/lib && exec "$@"`;
    const run = await ws.nx(['run-many', '-t', 'build', '--projects=sysext-storage,initrd-busybox', ...STATIC], {}, ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', mount, 'sh']);
    expect(run.exitCode, run.all).toBe(0);
    const runs = taskRuns(run.all);
    expect(runs.executed.sort()).toEqual(['initrd-busybox:build', 'initrd-busybox:modules']);
    expect(runs.cached).toEqual(expect.arrayContaining(['initrd-busybox:image', 'sysext-storage:image', 'sysext-storage:build']));
  });

  it('another mkfs.erofs re-keys the erofs extension only', async () => {
    const run = await ws.nx(['run-many', '-t', 'build', '--projects=sysext-storage,initrd-busybox', ...STATIC], { PATH: `${bin}:${process.env.PATH}` });
    expect(run.exitCode, run.all).toBe(0);
    const runs = taskRuns(run.all);
    expect(runs.executed).toEqual(['sysext-storage:build']);
    expect(runs.cached).toEqual(expect.arrayContaining(['initrd-busybox:build', 'initrd-busybox:image', 'sysext-storage:image']));
  });
});
