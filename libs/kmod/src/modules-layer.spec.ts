import { mkdir, mkdtemp, readFile, rm, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleModulesLayer, installedKernels, readModuleIndex } from './modules-layer';

// Runs against the host's real kernel modules (tools/host/setup.sh installs linux-image-amd64).
describe('assembleModulesLayer on the host kernel', async () => {
  const kernels = await installedKernels();
  const root = await mkdtemp(join(tmpdir(), 'strata-kmod-'));
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.runIf(kernels.length > 0)('copies the closure and lets depmod index exactly that set', async () => {
    const version = kernels[kernels.length - 1];
    const layer = await assembleModulesLayer({ root, kernelVersion: version, rules: ['virtio_blk', 'kernel/fs/ext4/**'] });
    expect(layer.modules).toEqual(expect.arrayContaining(['kernel/drivers/block/virtio_blk.ko', 'kernel/fs/ext4/ext4.ko', 'kernel/fs/jbd2/jbd2.ko']));
    expect(layer.modules.some((m) => /crc32c/.test(m))).toBe(true);
    const dep = await readFile(join(root, 'usr/lib/modules', version, 'modules.dep'), 'utf8');
    expect(dep.trim().split('\n')).toHaveLength(layer.modules.length);
    expect(dep).toMatch(/^kernel\/fs\/ext4\/ext4.ko: /m);
    await expect(lstat(join(root, 'lib'))).rejects.toThrow();
  });
});

describe('module indexes that cannot be read', () => {
  it('fail instead of passing for an empty index (only a missing file counts as none)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-kmod-index-'));
    try {
      await mkdir(join(dir, 'modules.dep'));
      await expect(readModuleIndex(dir)).rejects.toThrow(/EISDIR/);
      await rm(join(dir, 'modules.dep'), { recursive: true });
      expect((await readModuleIndex(dir)).deps.size).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
