import { access, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '@strata/cpio';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const STATIC = ['--output-style=static'];

/**
 * Hostile recipes, built for real with nx: links in a files tree (their own, or one a base shipped)
 * must never lead a write out of the image. A scratch folder stands in for a host folder.
 */
describe('a recipe cannot write to the host through links', () => {
  let ws: ScratchWorkspace;
  let host: string;
  const canary = `strata-canary-${process.pid}-${Date.now()}`;
  const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

  async function addRecipe(name: string, yaml: string, files: Record<string, string | { link: string }> | { linkTo: string }): Promise<void> {
    const dir = join(ws.root, 'recipes', name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'recipe.yaml'), yaml);
    if ('linkTo' in files && typeof files.linkTo === 'string') {
      await symlink(files.linkTo, join(dir, 'files'));
      return;
    }
    for (const [path, content] of Object.entries(files as Record<string, string | { link: string }>)) {
      await mkdir(join(dir, 'files', path, '..'), { recursive: true });
      if (typeof content === 'string') await writeFile(join(dir, 'files', path), content);
      else await symlink(content.link, join(dir, 'files', path));
    }
  }

  beforeAll(async () => {
    ws = await createScratchWorkspace();
    host = await mkdtemp(join(tmpdir(), 'strata-host-standin-'));
    await addRecipe('escape-base', 'kind: initrd\nbase: initrd-busybox\n', { hostlink: { link: host }, 'var/run': { link: '/run' } });
    await addRecipe('escape-child', 'kind: initrd\nbase: escape-base\n', { 'hostlink/f': 'child', [`var/run/${canary}`]: 'canary' });
    await addRecipe('escape-etc', 'kind: initrd\nbase: initrd-busybox\nremoveFiles:\n  - etc\n', { etc: { link: host } });
    await addRecipe('escape-files', 'kind: initrd\nbase: initrd-busybox\n', { linkTo: host });
    await writeFile(join(host, 'from-the-host'), 'host file');
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=escape-*', ...STATIC]);
    expect(lock.exitCode, lock.all).toBe(0);
  });
  afterAll(async () => {
    await ws?.dispose();
    if (host) await rm(host, { recursive: true, force: true });
  });

  it("a base's link and the filesystem's var/run -> /run lead the child's files into the image", async () => {
    const run = await ws.nx(['run', 'escape-child:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(await readdir(host)).toEqual(['from-the-host']);
    expect(await exists(join('/run', canary))).toBe(false);
    const names = (await listArchive(join(ws.root, 'dist/layers/escape-child/escape-child.cpio.zst'))).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining([`${host.slice(1)}/f`, `run/${canary}`, 'hostlink', 'var/run']));
  });

  it('/etc/initrd-release goes into the image when etc is a link to a host folder', async () => {
    const run = await ws.nx(['run', 'escape-etc:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(await readdir(host)).toEqual(['from-the-host']);
    const names = (await listArchive(join(ws.root, 'dist/layers/escape-etc/escape-etc.cpio.zst'))).map((e) => e.name);
    expect(names).toContain(`${host.slice(1)}/initrd-release`);
  });

  it('a files folder that is a link is refused, naming it, and nothing of the host is packed', async () => {
    const run = await ws.nx(['run', 'escape-files:image', ...STATIC]);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain(`recipes/escape-files/files is a symbolic link (to ${host}); a recipe's files folder must be a real folder inside the recipe`);
    expect(await exists(join(ws.root, 'dist/layers/escape-files'))).toBe(false);
  });
});
