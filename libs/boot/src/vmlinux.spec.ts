import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractVmlinux, isCompleteElf64 } from './vmlinux';

/** The newest kernel image of the host (setup installs linux-image-amd64). */
async function hostKernel(): Promise<string> {
  const images = (await readdir('/boot')).filter((n) => n.startsWith('vmlinuz-')).sort();
  if (images.length === 0) throw new Error('no /boot/vmlinuz-*: run bash tools/host/setup.sh (it installs linux-image-amd64)');
  return join('/boot', images[images.length - 1]);
}

describe('vmlinux extraction', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-vmlinux-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes the whole ELF kernel out of a bzImage', async () => {
    await extractVmlinux(await hostKernel(), join(dir, 'vmlinux'));
    expect(isCompleteElf64(await readFile(join(dir, 'vmlinux')))).toBe(true);
  });

  it('refuses a bzImage cut short instead of writing half a kernel', async () => {
    const image = await readFile(await hostKernel());
    await writeFile(join(dir, 'cut'), image.subarray(0, Math.floor(image.length * 0.6)));
    await expect(extractVmlinux(join(dir, 'cut'), join(dir, 'cut-vmlinux'))).rejects.toThrow(/stopped \(exit \d+\) before the end of the kernel|found no compressed ELF kernel/);
    await expect(readFile(join(dir, 'cut-vmlinux'))).rejects.toThrow(/ENOENT/);
  });

  it('tells a complete ELF from a truncated one', async () => {
    const elf = await readFile(join(dir, 'vmlinux'));
    expect(isCompleteElf64(elf)).toBe(true);
    // The section header table comes last in the ELF (the payload may carry relocations after it).
    const tableEnd = Number(elf.readBigUInt64LE(0x28)) + elf.readUInt16LE(0x3a) * elf.readUInt16LE(0x3c);
    expect(isCompleteElf64(elf.subarray(0, tableEnd))).toBe(true);
    expect(isCompleteElf64(elf.subarray(0, tableEnd - 1))).toBe(false);
    expect(isCompleteElf64(Buffer.from('not an elf at all, but long enough to have a header of sixty-four'))).toBe(false);
  });
});
