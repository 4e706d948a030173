import { chmod, chown, lchown, link, lstat, lutimes, mkdir, open, rmdir, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ArchiveEntry } from './archive-parser';
import type { DeviceNode } from './newc';

/** The disk side of extraction: archive entries in, files, links, nodes and metadata out. */

export interface ExtractOptions {
  /** Apply the archive's uid/gid (lchown). Default: when running as root. */
  preserveOwner?: boolean;
  /**
   * Character and block devices: made with mknod (as root; skipped otherwise), or only recorded
   * in the summary, so that a later archive can carry them from their metadata.
   */
  deviceNodes?: 'create' | 'record';
}

export interface ExtractSummary {
  entries: number;
  /** Device nodes and sockets that could not be created (device nodes need root; sockets have no mknod). */
  skipped: string[];
  /** With deviceNodes 'record': the device nodes, as the archive describes them. */
  devices: DeviceNode[];
}

/** Files, symlinks and nodes being created at once; each waits only for what it depends on. */
const CONCURRENCY = 16;

/**
 * Split an entry name into path components, refusing anything that could land outside the
 * destination: absolute names and ".." components. "./" prefixes and empty components are dropped;
 * the archive root "." itself yields no components.
 */
export function safeComponents(name: string): string[] {
  if (name.startsWith('/')) throw new Error(`refusing absolute path in archive: ${JSON.stringify(name)}`);
  const components = name.split('/').filter((part) => part !== '' && part !== '.');
  if (components.includes('..')) throw new Error(`refusing path with ".." in archive: ${JSON.stringify(name)}`);
  return components;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function entryName(entry: ArchiveEntry): string {
  try {
    return UTF8.decode(entry.nameBytes);
  } catch {
    throw new Error(`cannot extract ${JSON.stringify(entry.name)}: its name is not valid UTF-8`);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException)?.code === code;
}

async function lstatOrNull(path: string) {
  return lstat(path).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  });
}

const MKNOD_TYPE: Partial<Record<ArchiveEntry['type'], string>> = { char: 'c', block: 'b', fifo: 'p' };

/**
 * Recreates archive entries on disk, in archive order, the way the kernel populates an initramfs:
 * later entries replace earlier ones of the same name, and hard links are recognised by inode
 * number within each archive (the data travels with the last link of a group).
 */
export class TreeWriter {
  /** Directories known to be real directories (not symlinks) under the destination. */
  private readonly verifiedDirs = new Set<string>();
  /** Directory metadata is applied last, deepest first, so writing their contents cannot disturb it. */
  private readonly directories = new Map<string, ArchiveEntry>();
  /** Hard link groups of the current archive: inode key -> first extracted path. */
  private links = new Map<string, string>();
  private currentArchive = -1;
  /** Creations in progress, by path, and in start order. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly queue: Promise<void>[] = [];
  readonly summary: ExtractSummary = { entries: 0, skipped: [], devices: [] };
  private readonly isRoot = process.getuid?.() === 0;

  constructor(
    private readonly destination: string,
    private readonly preserveOwner: boolean,
    private readonly deviceNodes: 'create' | 'record' = 'create',
  ) {
    this.verifiedDirs.add(destination);
  }

  async add(entry: ArchiveEntry): Promise<void> {
    const components = safeComponents(entryName(entry));
    if (components.length === 0) return; // the archive root: the destination keeps its own metadata
    if (entry.archive !== this.currentArchive) {
      this.currentArchive = entry.archive;
      this.links = new Map();
    }
    const parent = await this.ensureDirectory(components.slice(0, -1));
    const path = join(parent, components[components.length - 1]);
    await this.settled(path);
    this.summary.entries++;
    if (entry.type === 'directory') return this.createDirectory(path, entry);
    if (this.deviceNodes === 'record' && (entry.type === 'char' || entry.type === 'block')) {
      this.summary.devices.push({ name: components.join('/'), mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime, rdevMajor: entry.rdevMajor, rdevMinor: entry.rdevMinor });
      return;
    }
    if (!this.canCreate(entry)) {
      this.summary.skipped.push(entry.name);
      return;
    }
    const first = this.hardlinkTarget(path, entry);
    if (first === undefined) return this.schedule(path, () => this.createLeaf(path, entry));
    // Later links of a group are rare: create them in order, once the first name exists.
    await this.settled(first);
    await this.retryAfterClearing(path, entry, () => link(first, path));
    if (entry.type === 'file' && entry.size > 0) await writeFile(path, entry.data ?? Buffer.alloc(0));
    await this.applyMetadata(path, entry);
  }

  /** Wait for creations in progress, whatever their outcome. */
  async drain(): Promise<void> {
    await Promise.allSettled(this.queue);
  }

  /** Wait for every creation (reporting a failure), then apply directory metadata. */
  async finish(): Promise<ExtractSummary> {
    await Promise.all(this.queue);
    const paths = [...this.directories.keys()].sort().reverse();
    for (const path of paths) {
      const entry = this.directories.get(path) as ArchiveEntry;
      if (this.preserveOwner) await chown(path, entry.uid, entry.gid);
      await chmod(path, entry.mode & 0o7777);
      await utimes(path, entry.mtime, entry.mtime);
    }
    return this.summary;
  }

  private async settled(path: string): Promise<void> {
    await this.inFlight.get(path);
  }

  /** Start a creation; when too many are running, wait for the oldest. */
  private async schedule(path: string, create: () => Promise<void>): Promise<void> {
    const running = create().finally(() => this.inFlight.delete(path));
    running.catch(() => undefined); // its failure is reported when it is awaited below or in finish()
    this.inFlight.set(path, running);
    this.queue.push(running);
    while (this.queue.length >= CONCURRENCY) await this.queue.shift();
  }

  /** Create missing parents; refuse to go through anything but a real directory (a symlink could point outside). */
  private async ensureDirectory(components: string[]): Promise<string> {
    let path = this.destination;
    for (const component of components) {
      path = join(path, component);
      if (this.verifiedDirs.has(path)) continue;
      await this.settled(path);
      const stats = await lstatOrNull(path);
      if (!stats) await mkdir(path, { mode: 0o755 });
      else if (!stats.isDirectory()) throw new Error(`refusing to extract below ${path}: it is ${stats.isSymbolicLink() ? 'a symlink' : 'not a directory'}`);
      this.verifiedDirs.add(path);
    }
    return path;
  }

  private async createDirectory(path: string, entry: ArchiveEntry): Promise<void> {
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      const existing = await lstat(path);
      if (!existing.isDirectory()) {
        await unlink(path);
        await mkdir(path, { mode: 0o700 });
      }
    }
    this.verifiedDirs.add(path);
    this.directories.set(path, entry);
  }

  /** Device nodes need root; sockets cannot be made with mknod(1). */
  private canCreate(entry: ArchiveEntry): boolean {
    if (entry.type === 'char' || entry.type === 'block') return this.isRoot;
    return entry.type !== 'socket';
  }

  /** The first path of the entry's hard link group, or undefined if this is the first (or no group). */
  private hardlinkTarget(path: string, entry: ArchiveEntry): string | undefined {
    if (entry.nlink < 2 || entry.type === 'symlink') return undefined;
    const key = `${entry.mode & 0o170000}:${entry.devMajor}:${entry.devMinor}:${entry.ino}`;
    const first = this.links.get(key);
    if (first === undefined) this.links.set(key, path);
    return first;
  }

  /** Create optimistically; if the name is taken (an earlier archive had it), clear it and retry once. */
  private async retryAfterClearing(path: string, entry: ArchiveEntry, create: () => Promise<void>): Promise<void> {
    try {
      await create();
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      await this.clearFor(path, entry);
      await create();
    }
  }

  /** An existing name in the way of a non-directory entry: remove it (a directory only if empty, as the kernel does). */
  private async clearFor(path: string, entry: ArchiveEntry): Promise<void> {
    const existing = await lstatOrNull(path);
    if (!existing) return;
    if (!existing.isDirectory()) return unlink(path);
    await rmdir(path).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot replace directory ${path} with a ${entry.type}: ${error.code}`);
    });
    this.verifiedDirs.delete(path);
    this.directories.delete(path);
  }

  private async createLeaf(path: string, entry: ArchiveEntry): Promise<void> {
    switch (entry.type) {
      case 'file':
        return this.retryAfterClearing(path, entry, () => this.writeNewFile(path, entry));
      case 'symlink':
        await this.retryAfterClearing(path, entry, () => symlink(entry.data ?? Buffer.alloc(0), path));
        return this.applyMetadata(path, entry);
      default: {
        const type = MKNOD_TYPE[entry.type] as string;
        await this.clearFor(path, entry);
        const numbers = type === 'p' ? [] : [String(entry.rdevMajor), String(entry.rdevMinor)];
        await execa('mknod', ['-m', (entry.mode & 0o7777).toString(8), path, type, ...numbers]);
        return this.applyMetadata(path, entry);
      }
    }
  }

  /** Contents and metadata through one open file handle: fewer path lookups per file. */
  private async writeNewFile(path: string, entry: ArchiveEntry): Promise<void> {
    const handle = await open(path, 'wx', 0o600);
    try {
      if (entry.data && entry.data.length > 0) await handle.writeFile(entry.data);
      if (this.preserveOwner) await handle.chown(entry.uid, entry.gid);
      // chmod after chown: chown clears the set-user-ID and set-group-ID bits.
      await handle.chmod(entry.mode & 0o7777);
      await handle.utimes(entry.mtime, entry.mtime);
    } finally {
      await handle.close();
    }
  }

  private async applyMetadata(path: string, entry: ArchiveEntry): Promise<void> {
    if (this.preserveOwner) await lchown(path, entry.uid, entry.gid);
    if (entry.type !== 'symlink') await chmod(path, entry.mode & 0o7777);
    await lutimes(path, entry.mtime, entry.mtime);
  }
}
