import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { writeCpioEntries, type CpioEntry } from '@strata/cpio';

/**
 * Append an uncompressed cpio archive (a file, or bytes) to an initrd. It must start on a 4-byte
 * boundary, or the kernel reads its magic as that of an unknown compression ("invalid magic at
 * start of compressed archive") and stops unpacking; the zeros in between it skips.
 */
export async function appendUncompressedArchive(initrd: string, archive: string | Buffer): Promise<void> {
  const { size } = await stat(initrd);
  if (size % 4 !== 0) await appendFile(initrd, Buffer.alloc(4 - (size % 4)));
  if (typeof archive === 'string') await pipeline(createReadStream(archive), createWriteStream(initrd, { flags: 'a' }));
  else await appendFile(initrd, archive);
}

/**
 * A small uncompressed newc archive of the given files (paths relative to the root), with every
 * folder above them, owned by root and dated 0: what a test appends to an initrd.
 */
export async function filesArchive(files: readonly { path: string; content: string | Buffer; mode?: number }[]): Promise<Buffer> {
  const base = { uid: 0, gid: 0, mtime: 0, rdevMajor: 0, rdevMinor: 0 };
  const paths = files.map((f) => f.path.replace(/^\//, ''));
  const dirs = [...new Set(paths.flatMap((path) => path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))].sort();
  let ino = 1;
  const entries: CpioEntry[] = [
    ...dirs.map((name) => ({ ...base, name, mode: 0o40755, nlink: 2, ino: ino++, size: 0, data: Buffer.alloc(0) })),
    ...files.map((file, i) => {
      const data = Buffer.from(file.content);
      return { ...base, name: paths[i], mode: file.mode ?? 0o100644, nlink: 1, ino: ino++, size: data.length, data };
    }),
  ];
  const chunks: Buffer[] = [];
  for await (const chunk of writeCpioEntries(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
