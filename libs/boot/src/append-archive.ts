import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

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
