/**
 * Extension image formats: a bare erofs or squashfs file system (<name>.raw, what systemd-sysext
 * and systemd-dissect open directly), a plain directory, or a cpio archive that can be appended to
 * the base initrd. The option lists are built by pure functions; writeImage runs the tools.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { compressEachPiece, packDirectorySegments } from '@strata/cpio';

export type ExtensionFormat = 'erofs' | 'squashfs' | 'directory' | 'cpio';

export interface ImageCompression {
  kind: 'zstd' | 'none';
  /** The zstd level, 1-22. */
  level: number;
}

export interface ImageOptions {
  compression: ImageCompression;
  /** Every timestamp in the image (SOURCE_DATE_EPOCH, or 0). */
  sourceDateEpoch: number;
  /** The file system UUID (erofs); derived, so that two builds of the same content agree. */
  uuid: string;
}

/** The output's name inside dist/images/<name>/: a file, or for "directory" a folder. */
export function imageFileName(name: string, format: ExtensionFormat, compression: ImageCompression): string {
  switch (format) {
    case 'erofs':
    case 'squashfs':
      return `${name}.raw`;
    case 'directory':
      return name;
    case 'cpio':
      return compression.kind === 'zstd' ? `${name}.cpio.zst` : `${name}.cpio`;
  }
}

/**
 * A name-based UUID: the first 128 bits of sha256 over the parts, marked as an RFC 9562 version 8
 * (custom) UUID. The same parts give the same UUID on every machine.
 */
export function deriveUuid(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\0')).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 256 bits of hex derived from the parts (a verity salt, for instance). */
export function deriveHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/**
 * The strongest lz4hc level for a zstd level. erofs-utils 1.5 and the kernels it targets (Debian
 * 12's 6.1 reads lz4 only; zstd came with 6.10) compress erofs with lz4, levels 1-12.
 */
export function lz4hcLevel(zstdLevel: number): number {
  return Math.max(1, Math.min(12, zstdLevel));
}

/**
 * mkfs.erofs: one fixed timestamp (-T) and UUID (-U), no extended attributes (-x-1: the build
 * host's security labels must not leak in), owners as in the tree. mkfs.erofs sorts directory
 * entries itself, so the image does not depend on the order the tree was written in.
 */
export function erofsArguments(source: string, output: string, options: ImageOptions): string[] {
  return [
    '--quiet',
    `-T${options.sourceDateEpoch}`,
    `-U${options.uuid}`,
    '-x-1',
    ...(options.compression.kind === 'none' ? [] : [`-zlz4hc,${lz4hcLevel(options.compression.level)}`]),
    output,
    source,
  ];
}

/**
 * mksquashfs: -reproducible with the file system and file times fixed, no extended attributes,
 * owners as in the tree, zstd at the recipe's level (or nothing compressed).
 */
export function squashfsArguments(source: string, output: string, options: Omit<ImageOptions, 'uuid'>): string[] {
  const compression =
    options.compression.kind === 'none' ? ['-noI', '-noD', '-noF', '-noX'] : ['-comp', 'zstd', '-Xcompression-level', String(options.compression.level)];
  return [
    source,
    output,
    '-noappend',
    '-reproducible',
    '-mkfs-time',
    String(options.sourceDateEpoch),
    '-all-time',
    String(options.sourceDateEpoch),
    '-no-xattrs',
    ...compression,
    '-quiet',
    '-no-progress',
  ];
}

/** cp -a of the tree: modes, owners and times as extracted. */
export function directoryArguments(source: string, output: string): string[] {
  return ['-a', '--no-preserve=xattr', '--', `${source}/.`, output];
}

/** The tree as bounded newc archives, each its own zstd frame, like an initrd layer. */
export async function writeCpioImage(source: string, output: string, options: Omit<ImageOptions, 'uuid'>): Promise<void> {
  const cpio = packDirectorySegments(source, { sourceDateEpoch: options.sourceDateEpoch });
  const body = options.compression.kind === 'zstd' ? compressEachPiece(cpio, options.compression.level) : cpio;
  await pipeline(Readable.from(body), createWriteStream(output));
}

/** Write the tree at `source` as `output` in the given format. */
export async function writeImage(format: ExtensionFormat, source: string, output: string, options: ImageOptions): Promise<void> {
  switch (format) {
    case 'erofs':
      await execa('mkfs.erofs', erofsArguments(source, output, options));
      return;
    case 'squashfs':
      await execa('mksquashfs', squashfsArguments(source, output, options));
      return;
    case 'directory':
      await execa('mkdir', ['-p', output]);
      await execa('cp', directoryArguments(source, output));
      return;
    case 'cpio':
      await writeCpioImage(source, output, options);
      return;
  }
}
