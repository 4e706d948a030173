import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArchive } from '@strata/cpio';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const STATIC = ['--output-style=static'];
// The port demo-hostile's %post tries (tools/fixture-repo/specs/scriptlet-demo).
const HOSTILE_PORT = 47913;

/**
 * Scriptlets and triggers run as in a real install, inside the sandbox: a %pre that adds a user,
 * a %post that needs /proc and /dev, a %posttrans, a file trigger fired from a child layer; one
 * that tries to reach the host gets nowhere, one that fails fails the build.
 */
describe('scriptlets in the sandbox', () => {
  let ws: ScratchWorkspace;
  let listener: Server;
  let connections = 0;
  let scratch: string;
  const canaryBefore = stat('/tmp/strata-canary').then((s) => s.mtimeMs, () => null);

  async function addRecipe(name: string, yaml: string): Promise<void> {
    await mkdir(join(ws.root, 'recipes', name), { recursive: true });
    await writeFile(join(ws.root, 'recipes', name, 'recipe.yaml'), yaml);
  }
  async function layerTree(name: string): Promise<string> {
    const dir = join(scratch, name);
    await extractArchive(join(ws.root, 'dist/layers', name, 'tree.cpio.zst'), dir);
    return dir;
  }

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'strata-scriptlets-'));
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(HOSTILE_PORT, '127.0.0.1', resolve));
    ws = await createScratchWorkspace();
    await addRecipe('scriptlets-base', 'kind: initrd\nbase: initrd-busybox\npackages: [demo-daemon, demo-modules-index, demo-module-a, demo-hostile]\n');
    await addRecipe('scriptlets-child', 'kind: initrd\nbase: scriptlets-base\npackages: [demo-module-b]\n');
    await addRecipe('scriptlets-broken', 'kind: initrd\nbase: initrd-busybox\npackages: [demo-broken]\n');
    await addRecipe('scriptlets-allowed', 'kind: initrd\nbase: initrd-busybox\npackages: [demo-broken]\nallowScriptletFailures: ["demo-broken:%post"]\n');
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=scriptlets-*', ...STATIC]);
    expect(lock.exitCode, lock.all).toBe(0);
  });
  afterAll(async () => {
    await ws?.dispose();
    await new Promise((resolve) => listener?.close(resolve));
    await rm(scratch, { recursive: true, force: true });
  });

  it('runs %pre, %post, %posttrans and a file trigger, with /proc and /dev in the image root', async () => {
    const run = await ws.nx(['run', 'scriptlets-base:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    const tree = await layerTree('scriptlets-base');
    expect(await readFile(join(tree, 'etc/passwd'), 'utf8')).toMatch(/^demod:x:990:990:/m);
    expect(await readFile(join(tree, 'etc/group'), 'utf8')).toMatch(/^demod:x:990:/m);
    expect(await readFile(join(tree, 'var/lib/demo-daemon/post-ran'), 'utf8')).toBe('proc-self: yes\ndev-null: yes\n');
    expect(await readFile(join(tree, 'var/lib/demo-daemon/posttrans-ran'), 'utf8')).toBe('posttrans ran\n');
    expect(await readFile(join(tree, 'usr/lib/demo-modules/index'), 'utf8')).toBe('a.mod\n');
  });

  it("keeps a scriptlet away from the host: no network, the host's /tmp untouched", async () => {
    const tree = await layerTree('scriptlets-base');
    expect(await readFile(join(tree, 'var/lib/demo-hostile/result'), 'utf8')).toBe('network: unreachable\n');
    expect(connections).toBe(0);
    expect(await stat('/tmp/strata-canary').then((s) => s.mtimeMs, () => null)).toBe(await canaryBefore);
    // The image's /tmp was a tmpfs during the install: nothing written there stays.
    expect(await stat(join(tree, 'tmp/strata-canary')).then(() => true, () => false)).toBe(false);
    // The mount points keep the modes the filesystem package gives them.
    expect((await stat(join(tree, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(tree, 'proc'))).mode & 0o7777).toBe(0o555);
  });

  it("fires the base's file trigger when a child layer adds a file under its path", async () => {
    const run = await ws.nx(['run', 'scriptlets-child:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(await readFile(join(await layerTree('scriptlets-child'), 'usr/lib/demo-modules/index'), 'utf8')).toBe('a.mod\nb.mod\n');
  });

  it('fails the build on a failing %post, naming the package, the scriptlet and its output', async () => {
    const run = await ws.nx(['run', 'scriptlets-broken:image', ...STATIC]);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain('scriptlets-broken: the %post scriptlet of demo-broken failed');
    expect(run.all).toContain('demo-broken: cannot configure the frobnicator');
    expect(run.all).toContain('allowScriptletFailures');
    expect(await stat(join(ws.root, 'dist/layers/scriptlets-broken')).then(() => true, () => false)).toBe(false);
  });

  it('lets a recipe tolerate a named failure, with a warning', async () => {
    const run = await ws.nx(['run', 'scriptlets-allowed:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('scriptlets-allowed: warning: Error in POSTIN scriptlet in rpm package demo-broken (allowed by allowScriptletFailures)');
  });
});
