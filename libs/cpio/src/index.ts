// Writing: a directory tree (or generated entries) as a newc archive, byte-identical to
// `find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | cpio -o -H newc --reproducible`,
// so images are reproducible and can be checked against GNU cpio.
export { packDirectory, directoryEntries, writeCpioEntries, type PackOptions } from './writer';
// glibc's dev_t split into major and minor, for every reader of st_rdev.
export { splitDeviceNumber } from './writer';
export type { CpioEntry, DataSource, DeviceNode, EntryType } from './newc';

// Compression in bounded, independent frames, so a large image never sits in memory whole.
export { compressStream, DEFAULT_FRAME_SIZE } from './zstd-stream';

// Reading: any concatenation of plain, zstd and gzip archives, as the kernel accepts for an
// initrd (a userspace archive followed by a per-kernel modules archive, for instance).
export { readArchive, readArchiveFile, listArchive, extractArchive, extractArchiveCompletely, type ArchiveEntry, type ArchiveSource, type ReadOptions, type SegmentCompression, type ExternalCompression, type ExternalDecompressor, type ListedEntry, type ExtractOptions, type ExtractSummary } from './reader';

// Initrd images: the tree as complete archives of bounded size, one zstd frame each.
export { packDirectorySegments, DEFAULT_SEGMENT_SIZE, type SegmentOptions } from './segments';
export { compressEachPiece } from './zstd-stream';

// Studying compression (tools/bench): an image's frames, each decompressed, in order.
export { decompressZstdFrames } from './zstd-frames';
export { ByteReader } from './byte-reader';
