/**
 * Reading any initrd from disk: strata's own images, dracut's and Debian's (an uncompressed early
 * microcode archive followed by a compressed one). zstd and gzip are decoded by @strata/cpio;
 * xz, lzma, bzip2, lz4 and lzo through the usual command-line decompressor, streamed.
 */
import { stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { listArchive, type ExternalCompression, type ExternalDecompressor, type ListedEntry } from '@strata/cpio';
import { summarizeSegments, type ImageListing } from './inspect';

/** The command that decodes each compression to stdout, and the Debian package that has it. */
export const DECOMPRESSORS: Record<ExternalCompression, { command: string[]; debianPackage: string }> = {
  xz: { command: ['xz', '-dc'], debianPackage: 'xz-utils' },
  lzma: { command: ['xz', '--format=lzma', '-dc'], debianPackage: 'xz-utils' },
  bzip2: { command: ['bzip2', '-dc'], debianPackage: 'bzip2' },
  lz4: { command: ['lz4', '-dc'], debianPackage: 'lz4' },
  lzo: { command: ['lzop', '-dc'], debianPackage: 'lzop' },
};

/** Pipe the rest of the input through the decompressor's command; its stdout is the archive data. */
export const commandDecompressor: ExternalDecompressor = (compression, rest) => {
  const { command, debianPackage } = DECOMPRESSORS[compression];
  return (async function* () {
    const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const failure = new Promise<NodeJS.ErrnoException | null>((resolve) => {
      child.once('error', resolve);
      child.once('spawn', () => resolve(null));
    });
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // The decoder may stop reading before the end (trailing padding): a broken pipe is not an error.
    const feeding = pipeline(Readable.from(rest), child.stdin).catch(() => undefined);
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let produced = 0;
    try {
      for await (const chunk of child.stdout) {
        produced += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      const spawnError = await failure;
      if (spawnError?.code === 'ENOENT') throw new Error(`this initrd has a ${compression}-compressed part; reading it needs the \`${command[0]}\` command (Debian package ${debianPackage})`);
      if (spawnError) throw spawnError;
      const code = await exit;
      // Decoders complain about the zero padding initrd tools append after the stream; what they decoded counts.
      if (code !== 0 && produced === 0) throw new Error(`${command.join(' ')} could not decode the ${compression} part: ${Buffer.concat(stderr).toString().trim()}`);
      await feeding;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  })();
};

/** Every entry of an initrd file, with the segments it is made of. */
export async function listImage(file: string): Promise<ImageListing> {
  const entries: ListedEntry[] = await listArchive(file, { decompress: commandDecompressor });
  return { file, fileSize: (await stat(file)).size, segments: summarizeSegments(entries), entries };
}
