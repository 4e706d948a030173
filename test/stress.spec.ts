import { readdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const STATIC = ['--output-style=static'];
const RECIPE = 'initrd-busybox-storage';
const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' };
// Kill points, in ms after nx starts: while it loads the graph, installs, and packs. Bounded: 3 trials.
const KILL_AFTER_MS = [800, 1600, 2600];

/**
 * An operator's bad day, bounded in count and time: kill -9 in the middle of a layer build, two
 * builds of the same layer at once, a full file system under dist/, a tampered repository. Each
 * ends cleanly: the reference bytes or a clear refusal, never a partial output.
 */
describe('stress: interrupted, concurrent, full, tampered', () => {
  let ws: ScratchWorkspace;
  let reference: string;
  const layer = (): string => join(ws.root, 'dist/layers', RECIPE);
  const layerSha = async (): Promise<string> => JSON.parse(await readFile(join(layer(), 'manifest.json'), 'utf8')).sha256;
  const image = (env: Record<string, string> = {}) => ws.nx(['run', `${RECIPE}:image`, '--skip-nx-cache', '--excludeTaskDependencies', ...STATIC], env);
  const checksumsHold = async (dir: string): Promise<void> => {
    const sums = await execa('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir, reject: false });
    expect(sums.exitCode, sums.stdout + sums.stderr).toBe(0);
  };

  beforeAll(async () => {
    ws = await createScratchWorkspace('strata-stress-');
    const first = await ws.nx(['build', RECIPE, ...STATIC]);
    expect(first.exitCode, first.all).toBe(0);
    reference = await layerSha();
  });
  afterAll(() => ws?.dispose());

  it('kill -9 at several points of a layer build leaves the previous output whole, and the next build the same bytes', async () => {
    for (const after of KILL_AFTER_MS) {
      const child = execa(join(REPO_ROOT, 'node_modules/.bin/nx'), ['run', `${RECIPE}:image`, '--skip-nx-cache', '--excludeTaskDependencies', ...STATIC], {
        cwd: ws.root,
        env: { ...NX_ENV, STRATA_PACKAGE_STORE: ws.packageStore },
        detached: true,
        reject: false,
      });
      await new Promise((resolve) => setTimeout(resolve, after));
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      await child;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Whatever the kill interrupted, the output is the previous one, whole.
      await checksumsHold(layer());
      expect(await layerSha()).toBe(reference);
    }
    const next = await image();
    expect(next.exitCode, next.all).toBe(0);
    expect(await layerSha()).toBe(reference);
    // Staging and scratch folders of the killed runs are gone.
    expect((await readdir(join(ws.root, 'dist/layers'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(await readdir(join(ws.root, 'dist/.work')).catch(() => [])).toEqual([]);
  });

  it('two builds of the same layer at once both succeed with the reference bytes', async () => {
    const [one, two] = await Promise.all([image(), image()]);
    expect(one.exitCode, one.all).toBe(0);
    expect(two.exitCode, two.all).toBe(0);
    expect(await layerSha()).toBe(reference);
    await checksumsHold(layer());
  });

  it('a full file system under dist/ fails fast, naming the path, and leaves the previous output', async () => {
    const layers = join(ws.root, 'dist/layers');
    const saved = join(ws.root, 'dist/layers-saved');
    await execa('cp', ['-a', layers, saved]);
    // dist/layers on a small file system that the previous outputs and a filler nearly fill.
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', layers]);
    try {
      await execa('cp', ['-a', `${saved}/.`, layers]);
      await execa('sh', ['-c', `dd if=/dev/zero of="${layers}/filler" bs=64k 2>/dev/null; rm -f "${layers}/filler"; dd if=/dev/zero of="${layers}/filler" bs=64k count=$(( $(df --output=avail -k "${layers}" | tail -1) / 64 - 4 )) 2>/dev/null; true`]);
      const start = Date.now();
      const run = await image();
      expect(run.exitCode).not.toBe(0);
      expect(Date.now() - start).toBeLessThan(120_000);
      expect(run.all).toMatch(new RegExp(`no space left on the file system mounted at ${layers.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(run.all).toContain(`while writing dist/layers/.${RECIPE}.tmp-`);
      await checksumsHold(layer());
      expect(await layerSha()).toBe(reference);
      expect((await readdir(layers)).filter((n) => n.startsWith('.'))).toEqual([]);
    } finally {
      await execa('umount', [layers], { reject: false });
      await execa('rm', ['-rf', saved]);
    }
  });

  it('a truncated package in the repository is refused before dnf sees it, naming the package and the file', async () => {
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes', RECIPE, 'packages.lock.json'), 'utf8'));
    const pkg = lock.packages[0];
    const file = join(ws.root, 'dist/repos/fixture-repo', pkg.location);
    await truncate(file, 1000);
    const run = await image({ STRATA_PACKAGE_STORE: join(ws.root, 'dist/empty-store') });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain(pkg.nevra);
    expect(run.all).toContain(`${file}: refused: sha256 `);
    expect(run.all).toContain(`the lock says ${pkg.sha256}`);
    expect(await layerSha()).toBe(reference);
  });
});
