import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '@strata/cpio';
import { REPO_ROOT, createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const BUILDER = 'strata-test-builder';
/** A system account: useradd gives it no subordinate ids. */
const NO_SUBIDS = 'strata-test-nosubids';

/** Create (or recreate) a local account; the test removes it again. */
async function addUser(name: string, system: boolean): Promise<void> {
  await execa('userdel', ['-r', name], { reject: false });
  await execa('useradd', ['-m', '-s', '/bin/sh', ...(system ? ['-r'] : []), name]);
  if (system) return;
  // Debian's useradd adds a range on its own; make sure of it where the host's defaults differ.
  const subuid = await readFile('/etc/subuid', 'utf8').catch(() => '');
  if (!subuid.split('\n').some((line) => line.startsWith(`${name}:`))) {
    await execa('usermod', ['--add-subuids', '300000-365535', '--add-subgids', '300000-365535', name]);
  }
}

async function removeUser(name: string): Promise<void> {
  await execa('userdel', ['-r', name], { reject: false });
}

/** `npx nx ...` as `user` in `ws`, with a login environment and the workspace's own store. */
async function nxAs(user: string, ws: ScratchWorkspace, args: string[]): Promise<{ exitCode: number; all: string }> {
  const result = await execa(
    'runuser',
    ['-u', user, '--', 'env', '-i', `HOME=/home/${user}`, 'PATH=/usr/local/bin:/usr/bin:/bin', `USER=${user}`, 'NX_DAEMON=false', 'NX_NO_CLOUD=true', 'NX_TUI=false', 'CI=true', 'FORCE_COLOR=0', `STRATA_PACKAGE_STORE=${ws.packageStore}`, join(ws.root, 'node_modules/.bin/nx'), ...args],
    { cwd: ws.root, reject: false, all: true },
  );
  return { exitCode: result.exitCode ?? -1, all: String(result.all ?? '') };
}

/** A scratch workspace with its own node_modules: the user reads no file of root's checkout. */
async function workspaceFor(): Promise<ScratchWorkspace> {
  const ws = await createScratchWorkspace();
  await rm(join(ws.root, 'node_modules'));
  await cp(join(REPO_ROOT, 'node_modules'), join(ws.root, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  return ws;
}

async function addRecipe(ws: ScratchWorkspace, name: string, yaml: string): Promise<void> {
  await mkdir(join(ws.root, 'recipes', name), { recursive: true });
  await writeFile(join(ws.root, 'recipes', name, 'recipe.yaml'), yaml);
}

async function sums(ws: ScratchWorkspace, dir: string): Promise<string> {
  return readFile(join(ws.root, dir, 'SHA256SUMS'), 'utf8');
}

/**
 * An ordinary user builds in a user namespace that maps it to root and its subordinate ids to
 * the packages' owners: the outputs are byte-identical to root's, and nothing it leaves in the
 * workspace belongs to anyone else.
 */
describe('building as an ordinary user', () => {
  let ws: ScratchWorkspace;
  const rootSums: Record<string, string> = {};
  /** The character devices of root's layer images, one line each. */
  const rootNodes: Record<string, string[]> = {};
  const outputs = ['dist/layers/initrd-busybox', 'dist/modules/initrd-busybox', 'dist/images/initrd-busybox', 'dist/layers/devices-demo', 'dist/layers/devices-child'];

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test creates local users: run it as root (CI does)');
    ws = await workspaceFor();
    // Device nodes come from package metadata; a child's removeFiles drops one of them.
    await addRecipe(ws, 'devices-demo', 'kind: initrd\nbase: initrd-busybox\npackages:\n  - console-devices\n');
    await addRecipe(ws, 'devices-child', 'kind: initrd\nbase: devices-demo\nremoveFiles:\n  - dev/kmsg\n');
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=devices-*', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const asRoot = await ws.nx(['run-many', '-t', 'build', '--projects=initrd-busybox,devices-child', '--output-style=static']);
    expect(asRoot.exitCode, asRoot.all).toBe(0);
    for (const dir of outputs) rootSums[dir] = await sums(ws, dir);
    for (const layer of ['devices-demo', 'devices-child']) {
      rootNodes[layer] = (await listArchive(join(ws.root, 'dist/layers', layer, `${layer}.cpio.zst`)))
        .filter((e) => e.type === 'char')
        .map((e) => `${e.name} ${(e.mode & 0o7777).toString(8)} ${e.uid}:${e.gid} ${e.rdevMajor},${e.rdevMinor}`);
    }
    await rm(join(ws.root, 'dist'), { recursive: true, force: true });
    await rm(join(ws.root, '.nx'), { recursive: true, force: true });
    await addUser(BUILDER, false);
    await addUser(NO_SUBIDS, true);
    await execa('chown', ['-R', `${BUILDER}:${BUILDER}`, ws.root, ws.packageStore]);
  }, 600_000);

  afterAll(async () => {
    await ws?.dispose();
    await removeUser(BUILDER);
    await removeUser(NO_SUBIDS);
  });

  it('packed device nodes come from the packages, and a removeFiles of a child drops one', async () => {
    expect(rootNodes['devices-demo']).toEqual(['dev/console 600 0:0 5,1', 'dev/kmsg 644 0:0 1,11', 'dev/null 666 0:0 1,3']);
    expect(rootNodes['devices-child']).toEqual(['dev/console 600 0:0 5,1', 'dev/null 666 0:0 1,3']);
  });

  it('npx nx build gives the same bytes as a root build, device nodes included', async () => {
    const run = await nxAs(BUILDER, ws, ['build', 'initrd-busybox', '--skip-nx-cache', '--output-style=static']);
    expect(run.exitCode, run.all).toBe(0);
    const child = await nxAs(BUILDER, ws, ['build', 'devices-child', '--skip-nx-cache', '--output-style=static']);
    expect(child.exitCode, child.all).toBe(0);
    for (const dir of outputs) expect(await sums(ws, dir), dir).toBe(rootSums[dir]);
    // Outputs, cache and store belong to the user; no file of a subordinate id is left behind.
    const foreign = await execa('find', [ws.root, ws.packageStore, '-path', join(ws.root, 'node_modules'), '-prune', '-o', '!', '-user', BUILDER, '-print']);
    expect(foreign.stdout).toBe('');
  }, 600_000);

  it('a user without subordinate ids is told what to configure', async () => {
    const own = await workspaceFor();
    try {
      await execa('chown', ['-R', `${NO_SUBIDS}:`, own.root]);
      const run = await nxAs(NO_SUBIDS, own, ['run', 'initrd-busybox:image', '--skip-nx-cache', '--output-style=static']);
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toContain(`building as ${NO_SUBIDS}`);
      expect(run.all).toContain(`/etc/subuid gives ${NO_SUBIDS} no subordinate ids; as root, run: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${NO_SUBIDS}`);
      expect(run.all).toContain('(or build as root)');
    } finally {
      await own.dispose();
    }
  }, 180_000);
});
