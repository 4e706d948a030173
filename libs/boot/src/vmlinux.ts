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

/** Run a filter between two files; the descriptors go straight to the child, not through Node streams. */
async function decompressFile(command: string[], from: string, to: string): Promise<void> {
  const input = openSync(from, 'r');
  const output = openSync(to, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command[0], command.slice(1), { stdio: [input, output, 'ignore'] });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
  } finally {
    closeSync(input);
    closeSync(output);
  }
}

async function tryPayload(image: Buffer, offset: number, command: string[], outFile: string): Promise<boolean> {
  // Decompressors complain about the trailing bytes after the payload; what they wrote still counts.
  const slice = `${outFile}.in`;
  await writeFile(slice, image.subarray(offset));
  await decompressFile(command, slice, outFile);
  await rm(slice, { force: true });
  const head = await readFile(outFile).then((b) => b.subarray(0, 4), () => Buffer.alloc(0));
  return head.equals(ELF);
}

/** Write the ELF kernel inside a bzImage to outFile (the first payload that decompresses to ELF). */
export async function extractVmlinux(bzImage: string, outFile: string): Promise<void> {
  const image = await readFile(bzImage);
  await mkdir(dirname(outFile), { recursive: true });
  const temp = `${outFile}.tmp-${process.pid}`;
  for (const { magic, decompress } of PAYLOADS) {
    for (let offset = image.indexOf(magic); offset >= 0; offset = image.indexOf(magic, offset + 1)) {
      if (await tryPayload(image, offset, decompress, temp)) {
        await rename(temp, outFile);
        return;
      }
    }
  }
  await rm(temp, { force: true });
  throw new Error(`${bzImage}: found no compressed ELF kernel inside (looked for zstd, xz and gzip payloads)`);
}

/** Extract once per kernel image into cacheFile (kept while the bzImage is older). */
export async function cachedVmlinux(bzImage: string, cacheFile: string): Promise<string> {
  const fresh = await Promise.all([stat(bzImage), stat(cacheFile).catch(() => undefined)]).then(([src, out]) => out !== undefined && out.mtimeMs >= src.mtimeMs);
  if (!fresh) await extractVmlinux(bzImage, cacheFile);
  return cacheFile;
}
