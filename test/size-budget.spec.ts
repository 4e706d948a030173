import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

// output.maxSize, as a team uses it: a budget in the recipe, a package added later, and a build
// that fails saying by how much and what grew, while the last good image stays in place.
describe('output.maxSize', () => {
  let ws: ScratchWorkspace;
  const recipeFile = () => join(ws.root, 'recipes/initrd-busybox/recipe.yaml');
  const manifest = async () => JSON.parse(await readFile(join(ws.root, 'dist/images/initrd-busybox/manifest.json'), 'utf8')) as { compressedSize: number; sha256: string };
  const build = () => ws.nx(['build', 'initrd-busybox', '--output-style=static']);

  beforeAll(async () => {
    ws = await createScratchWorkspace();
  });
  afterAll(() => ws?.dispose());

  it('an image within its budget builds; one package more fails the build, naming it, and keeps the last image', async () => {
    const first = await build();
    expect(first.exitCode, first.all).toBe(0);
    const before = await manifest();
    // The budget is exactly today's image.
    const original = await readFile(recipeFile(), 'utf8');
    await writeFile(recipeFile(), `${original}output:\n  maxSize: ${before.compressedSize}\n`);
    const same = await build();
    expect(same.exitCode, same.all).toBe(0);

    await writeFile(recipeFile(), (await readFile(recipeFile(), 'utf8')).replace('  - initrd-init\n', '  - initrd-init\n  - debug-tools\n'));
    const lock = await ws.nx(['run', 'initrd-busybox:lock', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const over = await build();
    expect(over.exitCode).not.toBe(0);
    const line = (await readFile(recipeFile(), 'utf8')).split('\n').findIndex((text) => text.startsWith('  maxSize:')) + 1;
    expect(over.all).toMatch(new RegExp(
      `recipes/initrd-busybox/recipe\\.yaml:${line}:12: error: the image is \\d+ bytes \\([\\d.]+ [kM]?B\\), over output\\.maxSize ${before.compressedSize} by [\\d.]+ (bytes|kB|MB); ` +
        `grew most since the last build \\(dist/images/initrd-busybox/manifest\\.json, [\\d.]+ MB\\), installed: .*debug-tools \\+[\\d.]+ (bytes|kB|MB) \\(new\\)`,
    ));
    expect(over.all).toMatch(/hint: raise output\.maxSize, or take out what grew \(removePackages, removeFiles\); the last image and its size report stay in dist\/images\/initrd-busybox/);
    // Nothing half-written: the last good image and its checksums are still there.
    expect((await manifest()).sha256).toBe(before.sha256);
    const check = await ws.run('sh', ['-c', 'cd dist/images/initrd-busybox && sha256sum -c SHA256SUMS']);
    expect(check.exitCode, check.all).toBe(0);

    await writeFile(recipeFile(), (await readFile(recipeFile(), 'utf8')).replace(`maxSize: ${before.compressedSize}`, 'maxSize: 64 MiB'));
    const raised = await build();
    expect(raised.exitCode, raised.all).toBe(0);
    expect((await manifest()).compressedSize).toBeGreaterThan(before.compressedSize);
  }, 300_000);

  it('a budget that is not a size is refused at the recipe, with the fix', async () => {
    await writeFile(recipeFile(), (await readFile(recipeFile(), 'utf8')).replace('maxSize: 64 MiB', 'maxSize: huge'));
    const run = await build();
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/recipes\/initrd-busybox\/recipe\.yaml:\d+:\d+: error: .*maxSize.*a size: a number of bytes, or a number and a unit such as "28 MiB" or "30 MB"/);
  }, 120_000);
});
