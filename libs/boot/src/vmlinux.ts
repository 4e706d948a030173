import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * A bzImage carries the real kernel (an ELF "vmlinux") compressed inside it. Under QEMU's TCG the
 * bzImage's own decompressor takes seconds; booting the extracted ELF directly (PVH entry) does not.
 */
const PAYLOADS: { magic: Buffer; decompress: string[] }[] = [
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decompress: ['zstd', '-dcq'] },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), decompress: ['xz', '-dcq'] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), decompress: ['gzip', '-dcq'] },
];
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Run a filter between two files; the descriptors go straight to the child, not through Node streams. Resolves to its exit code. */
async function decompressFile(command: string[], from: string, to: string): Promise<number> {
  const input = openSync(from, 'r');
  const output = openSync(to, 'w');
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(command[0], command.slice(1), { stdio: [input, output, 'ignore'] });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(signal ? 128 : (code ?? 1)));
    });
  } finally {
    closeSync(input);
    closeSync(output);
  }
}

/**
 * A whole 64-bit ELF file: its section header table, which the linker puts last, ends within the
 * file. A decompressor that stopped early leaves it cut short.
 */
export function isCompleteElf64(file: Buffer): boolean {
  if (file.length < 64 || !file.subarray(0, 4).equals(ELF) || file[4] !== 2 || file[5] !== 1) return false;
  const shoff = Number(file.readBigUInt64LE(0x28));
  const shentsize = file.readUInt16LE(0x3a);
  const shnum = file.readUInt16LE(0x3c);
  return shoff > 0 && shoff + shentsize * shnum <= file.length;
}

async function tryPayload(image: Buffer, offset: number, command: string[], outFile: string): Promise<boolean> {
  const slice = `${outFile}.in`;
  await writeFile(slice, image.subarray(offset));
  const exitCode = await decompressFile(command, slice, outFile);
  await rm(slice, { force: true });
  const head = await readFile(outFile).then((b) => b.subarray(0, 4), () => Buffer.alloc(0));
  if (!head.equals(ELF)) return false;
  // Decompressors complain (exit non-zero) about the bytes that follow the payload in a bzImage;
  // that is only acceptable when what they wrote is the whole ELF kernel.
  if (exitCode !== 0 && !isCompleteElf64(await readFile(outFile))) {
    throw new Error(`${command[0]} stopped (exit ${exitCode}) before the end of the kernel at offset ${offset}: the kernel image is damaged or truncated`);
  }
  return true;
}

/** Write the ELF kernel inside a bzImage to outFile (the first payload that decompresses to ELF). */
export async function extractVmlinux(bzImage: string, outFile: string): Promise<void> {
  const image = await readFile(bzImage);
  await mkdir(dirname(outFile), { recursive: true });
  const temp = `${outFile}.tmp-${process.pid}`;
  try {
    for (const { magic, decompress } of PAYLOADS) {
      for (let offset = image.indexOf(magic); offset >= 0; offset = image.indexOf(magic, offset + 1)) {
        if (await tryPayload(image, offset, decompress, temp)) {
          await rename(temp, outFile);
          return;
        }
      }
    }
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.in`, { force: true });
  }
  throw new Error(`${bzImage}: found no compressed ELF kernel inside (looked for zstd, xz and gzip payloads)`);
}

/** Extract once per kernel image into cacheFile (kept while the bzImage is older). */
export async function cachedVmlinux(bzImage: string, cacheFile: string): Promise<string> {
  const fresh = await Promise.all([stat(bzImage), stat(cacheFile).catch(() => undefined)]).then(([src, out]) => out !== undefined && out.mtimeMs >= src.mtimeMs);
  if (!fresh) await extractVmlinux(bzImage, cacheFile);
  return cacheFile;
}
