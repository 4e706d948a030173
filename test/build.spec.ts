import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '@strata/cpio';
import { installedKernels } from '@strata/kmod';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';
import { taskRuns } from './support/nx-output';
import { FIXTURE_RECIPES } from './support/fixture-recipes';

const STATIC = ['--output-style=static'];

/** The entries GNU cpio lists in the first archive of a zstd-compressed image. */
async function gnuCpioList(image: string): Promise<string[]> {
  const { stdout } = await execa('sh', ['-c', `zstd -dc "$1" | cpio -t --quiet`, 'sh', image]);
  return stdout.split('\n').filter(Boolean);
}

describe('nx build on the fixture graph', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = await createScratchWorkspace();
  });
  afterAll(() => ws?.dispose());

  const image = (name: string, file = `${name}.cpio.zst`): string => join(ws.root, 'dist/layers', name, file);

  it('builds the base first, then the profile, from the committed locks', async () => {
    const run = await ws.nx(['build', 'initrd-busybox-storage', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    const order = [...run.all.matchAll(/^> nx run (\S+)/gm)].map((m) => m[1]);
    expect(order.indexOf('initrd-busybox:image')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('initrd-busybox:image')).toBeLessThan(order.indexOf('initrd-busybox-storage:image'));
  });

  it('holds the locked packages\' files and nothing of the package manager (own reader and GNU cpio agree)', async () => {
    const ours = (await listArchive(image('initrd-busybox-storage'))).map((e) => e.name);
    const gnu = await gnuCpioList(image('initrd-busybox-storage'));
    expect(ours).toEqual(gnu);
    expect(ours).toEqual(expect.arrayContaining(['usr/bin/busybox', 'usr/lib/initrd/init', 'etc/initrd-release', 'init', 'usr/bin/storage-list']));
    expect(ours.filter((p) => /^(var\/lib\/dnf|var\/cache\/dnf|usr\/lib\/sysimage\/rpm|var\/lib\/rpm)/.test(p) || /dnf.*\.log$|hawkey\.log$/.test(p))).toEqual([]);
    expect(ours.filter((p) => p.startsWith('usr/share/doc/'))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(ws.root, 'dist/layers/initrd-busybox-storage/manifest.json'), 'utf8'));
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes/initrd-busybox-storage/packages.lock.json'), 'utf8'));
    const baseLock = JSON.parse(await readFile(join(ws.root, 'recipes/initrd-busybox/packages.lock.json'), 'utf8'));
    expect(manifest.packages.map((p: { nevra: string }) => p.nevra).sort()).toEqual([...lock.packages, ...baseLock.packages].map((p: { nevra: string }) => p.nevra).sort());
    // The tree children build on keeps the rpm database, the image does not.
    const tree = (await listArchive(image('initrd-busybox-storage', 'tree.cpio.zst'))).map((e) => e.name);
    expect(tree).toContain('usr/lib/sysimage/rpm/rpmdb.sqlite');
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(ws.root, 'dist/images/initrd-busybox-storage') });
    expect(sums.stdout).toMatch(/initrd-busybox-storage.cpio.zst: OK/);
  });

  it('gives byte-identical images on two clean builds', async () => {
    const first = JSON.parse(await readFile(join(ws.root, 'dist/images/initrd-busybox-storage/manifest.json'), 'utf8')).sha256;
    await rm(join(ws.root, 'dist/layers'), { recursive: true });
    await rm(join(ws.root, 'dist/images'), { recursive: true });
    await rm(join(ws.root, 'dist/modules'), { recursive: true });
    const run = await ws.nx(['build', 'initrd-busybox-storage', '--skip-nx-cache', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(taskRuns(run.all).executed).toEqual(expect.arrayContaining(['initrd-busybox:image', 'initrd-busybox-storage:image', 'initrd-busybox-storage:modules']));
    const second = JSON.parse(await readFile(join(ws.root, 'dist/images/initrd-busybox-storage/manifest.json'), 'utf8')).sha256;
    expect(second).toBe(first);
  });

  it('a new kernel on the host rebuilds only the modules layer, with that kernel; the userspace image is a cache hit', async () => {
    // The new kernel exists only in a mount namespace of this test: /usr/lib/modules gets an
    // overlay whose upper folder holds a copy of the host's newest kernel under a higher version.
    const host = (await installedKernels()).at(-1) as string;
    const added = `${host.replace(/^(\d+\.\d+)\.\d+/, '$1.999')}-strata-test`;
    const overlay = join(ws.root, 'dist/kernel-overlay');
    await mkdir(join(overlay, 'upper'), { recursive: true });
    await mkdir(join(overlay, 'work'), { recursive: true });
    // Hard links where /usr and the workspace share a file system, else a copy.
    await execa('cp', ['-al', `/usr/lib/modules/${host}`, join(overlay, 'upper', added)]).catch(() => execa('cp', ['-a', `/usr/lib/modules/${host}`, join(overlay, 'upper', added)]));
    const mount = `mount -t overlay overlay -o lowerdir=/usr/lib/modules,upperdir=${overlay}/upper,workdir=${overlay}/work /usr/lib/modules && exec "$@"`;
    const run = await ws.nx(['build', 'initrd-busybox-storage', ...STATIC], {}, ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', mount, 'sh']);
    expect(run.exitCode, run.all).toBe(0);
    const runs = taskRuns(run.all);
    expect(runs.cached).toEqual(expect.arrayContaining(['initrd-busybox:image', 'initrd-busybox-storage:image']));
    expect(runs.executed.sort()).toEqual(['initrd-busybox-storage:build', 'initrd-busybox-storage:modules']);
    const modules = JSON.parse(await readFile(join(ws.root, 'dist/modules/initrd-busybox-storage/modules.json'), 'utf8'));
    expect(modules.kernelVersion).toBe(added);
    const names = (await listArchive(join(ws.root, `dist/modules/initrd-busybox-storage/modules-${added}.cpio.zst`))).map((e) => e.name);
    expect(names).toContain(`usr/lib/modules/${added}/modules.dep`);
    expect(names.some((name) => name.includes(host))).toBe(false);
  });

  describe('nx affected', () => {
    beforeAll(async () => {
      // The fixture distribution's recipes built once; the changes below touch only them, so no
      // other project is affected. The local cache alone: what the runs execute is counted exactly.
      const all = await ws.nx(['run-many', '-t', 'build', `--projects=${FIXTURE_RECIPES.join(',')}`, ...STATIC]);
      expect(all.exitCode, all.all).toBe(0);
      await ws.commitAll('built once');
    });

    const affected = async (env: Record<string, string> = {}): Promise<{ executed: string[]; cached: string[] }> => {
      const run = await ws.nx(['affected', '-t', 'build', '--base=HEAD~1', '--head=HEAD', ...STATIC], env);
      expect(run.exitCode, run.all).toBe(0);
      const runs = taskRuns(run.all);
      return { executed: runs.executed.filter((t) => !t.startsWith('fixture-repo')), cached: runs.cached };
    };

    it('reformatting a lock or editing a README rebuilds nothing', async () => {
      const lockFile = join(ws.root, 'recipes/initrd-busybox-debug/packages.lock.json');
      await writeFile(lockFile, JSON.stringify(JSON.parse(await readFile(lockFile, 'utf8')), null, 4));
      await writeFile(join(ws.root, 'recipes/initrd-busybox-storage/README.md'), '# notes\n');
      await ws.commitAll('cosmetic');
      expect((await affected()).executed).toEqual([]);
    });

    it('a symbolic link added to a files tree (which Nx\'s file hasher skips) rebuilds the recipe and those built on it', async () => {
      await mkdir(join(ws.root, 'recipes/initrd-busybox-storage/files/etc'), { recursive: true });
      await symlink('../usr/bin/busybox', join(ws.root, 'recipes/initrd-busybox-storage/files/etc/strata-shell'));
      await ws.commitAll('link in the files tree');
      const images = (await affected()).executed.filter((t) => t.endsWith(':image'));
      expect(images).toEqual(['initrd-busybox-rescue:image', 'initrd-busybox-storage:image']);
      const entries = await listArchive(image('initrd-busybox-storage'));
      expect(entries.find((e) => e.name === 'etc/strata-shell')).toMatchObject({ type: 'symlink', symlinkTarget: '../usr/bin/busybox' });
    });

    it('a changed NEVRA in a leaf\'s lock rebuilds that leaf only', async () => {
      const lock = await ws.nx(['run', 'initrd-busybox-debug:lock', ...STATIC], { STRATA_FIXTURE_SNAPSHOT: '2' });
      expect(lock.exitCode, lock.all).toBe(0);
      expect(await readFile(join(ws.root, 'recipes/initrd-busybox-debug/packages.lock.json'), 'utf8')).toMatch(/debug-tools-2\.1-1\.noarch/);
      await ws.commitAll('update debug-tools in initrd-busybox-debug');
      const runs = await affected({ STRATA_FIXTURE_SNAPSHOT: '2' });
      expect(runs.executed).toEqual(['initrd-busybox-debug:build', 'initrd-busybox-debug:image']);
      expect(runs.cached).toContain('initrd-busybox:image');
    });

    it('a changed base lock rebuilds the base and every recipe built on it', async () => {
      const recipe = join(ws.root, 'recipes/initrd-busybox/recipe.yaml');
      await writeFile(recipe, (await readFile(recipe, 'utf8')).replace('  - initrd-init\n', '  - initrd-init\n  - tzdata-lite\n'));
      const lock = await ws.nx(['run-many', '-t', 'lock', `--projects=${FIXTURE_RECIPES.join(',')}`, ...STATIC], { STRATA_FIXTURE_SNAPSHOT: '2' });
      expect(lock.exitCode, lock.all).toBe(0);
      await ws.commitAll('add tzdata-lite to the base');
      const runs = await affected({ STRATA_FIXTURE_SNAPSHOT: '2' });
      const images = runs.executed.filter((t) => t.endsWith(':image')).sort();
      expect(images).toEqual(FIXTURE_RECIPES.map((name) => `${name}:image`).sort());
    });
  });
});
