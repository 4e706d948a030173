import { readdir, readFile, readlink, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' };

/** Processes working in the workspace: started there, or naming it on their command line. */
async function processesOf(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim();
    if (cmdline && (cwd.startsWith(root) || cmdline.includes(root))) found.push(`${pid} ${cmdline}`);
  }
  return found;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a killed build', () => {
  let ws: ScratchWorkspace;
  beforeAll(async () => {
    ws = await createScratchWorkspace('strata-kill-');
  });
  afterAll(() => ws?.dispose());

  it('leaves no process running 5 s after kill -9 of its process group, and the next build removes its staging folder', async () => {
    // Its own process group, as a shell runs a job: nx starts the repository builder detached from it.
    const nx = execa(join(REPO_ROOT, 'node_modules/.bin/nx'), ['run', 'fixture-repo:build', '--skip-nx-cache', '--output-style=static'], {
      cwd: ws.root,
      env: NX_ENV,
      detached: true,
      reject: false,
      all: true,
    });
    // Killed while rpmbuild runs in the pool.
    await waitFor('rpmbuild to start', 90_000, async () => ((await processesOf(ws.root)).some((p) => / rpmbuild -bb /.test(` ${p.split(' ').slice(1).join(' ')}`)) ? true : undefined));
    process.kill(-nx.pid!, 'SIGKILL');
    await nx;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await processesOf(ws.root)).toEqual([]);

    const staged = (await readdir(join(ws.root, 'dist/repos'))).filter((n) => n.startsWith('.fixture-repo.tmp-'));
    expect(staged).toHaveLength(1);
    const next = await ws.nx(['run', 'fixture-repo:build', '--skip-nx-cache', '--output-style=static']);
    expect(next.exitCode, next.all).toBe(0);
    expect(next.all).toMatch(new RegExp(`fixture-repo: removed 1 folder left by interrupted runs, freeing [\\d.]+ MB: dist/repos/${staged[0]!.replace(/\./g, '\\.')}`));
    expect(await readdir(join(ws.root, 'dist/repos'))).toEqual(['fixture-repo']);
  }, 300_000);

  it('is never read half restored: every consumer refuses an output that does not match its SHA256SUMS, naming it and the command that rebuilds it', async () => {
    const built = await ws.nx(['build', 'initrd-busybox', '--output-style=static']);
    expect(built.exitCode, built.all).toBe(0);
    const only = ['--skip-nx-cache', '--excludeTaskDependencies', '--output-style=static'];

    // What an interrupted restore leaves: the image cut short.
    await truncate(join(ws.root, 'dist/images/initrd-busybox/initrd-busybox.cpio.zst'), 65_536);
    const refusal =
      'dist/images/initrd-busybox is incomplete: initrd-busybox.cpio.zst does not match SHA256SUMS (truncated or changed); refusing to read it. Rebuild it: npx nx run initrd-busybox:build --skip-nx-cache';
    for (const target of ['inspect', 'size-report']) {
      const run = await ws.nx(['run', `initrd-busybox:${target}`, ...only]);
      expect(run.exitCode, run.all).not.toBe(0);
      expect(run.all).toContain(refusal);
    }

    // The modules archive missing: the build of the initrd refuses it.
    const modules = join(ws.root, 'dist/modules/initrd-busybox');
    const archive = (await readdir(modules)).find((n) => n.startsWith('modules-'))!;
    await rm(join(modules, archive));
    const assemble = await ws.nx(['run', 'initrd-busybox:build', ...only]);
    expect(assemble.exitCode, assemble.all).not.toBe(0);
    expect(assemble.all).toContain(`dist/modules/initrd-busybox is incomplete: ${archive} is missing; refusing to read it. Rebuild it: npx nx run initrd-busybox:modules --skip-nx-cache`);

    // A base restored before its SHA256SUMS: a child layer does not build on it.
    await rm(join(ws.root, 'dist/layers/initrd-busybox/SHA256SUMS'));
    const child = await ws.nx(['run', 'initrd-busybox-storage:image', ...only]);
    expect(child.exitCode, child.all).not.toBe(0);
    expect(child.all).toContain('dist/layers/initrd-busybox is incomplete: it has no SHA256SUMS; refusing to read it. Rebuild it: npx nx run initrd-busybox:image --skip-nx-cache');
  }, 600_000);
});
