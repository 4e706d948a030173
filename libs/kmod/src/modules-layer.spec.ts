import { mkdir, mkdtemp, readFile, rm, lstat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleModulesLayer, installedKernels, parseModinfoFirmware, readModuleIndex } from './modules-layer';
import { selectModules } from './select-modules';

// Runs against the host's real kernel modules (tools/host/setup.sh installs linux-image-amd64).
describe('assembleModulesLayer on the host kernel', async () => {
  const kernels = await installedKernels();
  const root = await mkdtemp(join(tmpdir(), 'strata-kmod-'));
  afterAll(() => rm(root, { recursive: true, force: true }));
  const hostKernel = (): string => {
    if (kernels.length === 0) throw new Error('no kernel modules in /usr/lib/modules: install linux-image-amd64 (bash tools/host/setup.sh does)');
    return kernels[kernels.length - 1];
  };

  it('copies the closure and lets depmod index exactly that set', async () => {
    const version = hostKernel();
    const layer = await assembleModulesLayer({ root, kernelVersion: version, rules: ['virtio_blk', 'kernel/fs/ext4/**'] });
    expect(layer.modules).toEqual(expect.arrayContaining(['kernel/drivers/block/virtio_blk.ko', 'kernel/fs/ext4/ext4.ko', 'kernel/fs/jbd2/jbd2.ko']));
    expect(layer.modules.some((m) => /crc32c/.test(m))).toBe(true);
    const dep = await readFile(join(root, 'usr/lib/modules', version, 'modules.dep'), 'utf8');
    expect(dep.trim().split('\n')).toHaveLength(layer.modules.length);
    expect(dep).toMatch(/^kernel\/fs\/ext4\/ext4.ko: /m);
    await expect(lstat(join(root, 'lib'))).rejects.toThrow();
  });

  it('says which chosen modules undo an exclude: nvme-rdma pulls InfiniBand back into the default set', async () => {
    const version = hostKernel();
    const index = await readModuleIndex(join('/usr/lib/modules', version));
    const { undoneExcludes } = selectModules(index, ['default', '-kernel/drivers/infiniband/**']);
    expect(undoneExcludes).toHaveLength(1);
    expect(undoneExcludes[0].rule).toBe('-kernel/drivers/infiniband/**');
    expect(undoneExcludes[0].modules).toEqual(expect.arrayContaining(['ib_core', 'rdma_cm']));
    expect(undoneExcludes[0].pulledBackBy).toContain('nvme_rdma');
  });

  it('reads the firmware each module declares from one modinfo run', () => {
    const output = ['filename:       /lib/modules/6.1/kernel/a/r8169.ko', 'firmware:       rtl_nic/x.fw', 'firmware:       rtl_nic/y.fw', 'license:        GPL', 'filename:       /lib/modules/6.1/kernel/fs/ext4/ext4.ko.xz', 'alias:          fs-ext4'].join('\n');
    expect(parseModinfoFirmware(output)).toEqual(new Map([['r8169', ['rtl_nic/x.fw', 'rtl_nic/y.fw']], ['ext4', []]]));
  });

  it('takes firmware as the kernel loads it: as named, else compressed with zstd, else with xz', async () => {
    const version = hostKernel();
    const firmwareRoot = join(root, 'host-firmware');
    await mkdir(join(firmwareRoot, 'rtl_nic'), { recursive: true });
    await writeFile(join(firmwareRoot, 'rtl_nic/rtl8125b-2.fw'), 'plain');
    await writeFile(join(firmwareRoot, 'rtl_nic/rtl8125a-3.fw.zst'), 'zstd');
    await writeFile(join(firmwareRoot, 'rtl_nic/rtl8107e-2.fw.xz'), 'xz');
    // Both forms: the uncompressed one is what the kernel tries first.
    await writeFile(join(firmwareRoot, 'rtl_nic/rtl8168h-2.fw'), 'plain wins');
    await writeFile(join(firmwareRoot, 'rtl_nic/rtl8168h-2.fw.xz'), 'xz loses');
    const layerRoot = join(root, 'with-firmware');
    const layer = await assembleModulesLayer({ root: layerRoot, kernelVersion: version, rules: ['r8169'], firmwareRoot });
    expect(layer.firmware).toEqual(expect.arrayContaining(['rtl_nic/rtl8125b-2.fw', 'rtl_nic/rtl8125a-3.fw.zst', 'rtl_nic/rtl8107e-2.fw.xz', 'rtl_nic/rtl8168h-2.fw']));
    expect(layer.firmware).not.toContain('rtl_nic/rtl8168h-2.fw.xz');
    expect(layer.missingFirmware).toContain('rtl_nic/rtl8168g-2.fw');
    // And which module asked for it.
    expect(layer.missingFirmwareByModule.find((entry) => entry.module === 'r8169')?.files).toContain('rtl_nic/rtl8168g-2.fw');
    expect(await readFile(join(layerRoot, 'usr/lib/firmware/rtl_nic/rtl8125a-3.fw.zst'), 'utf8')).toBe('zstd');
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
