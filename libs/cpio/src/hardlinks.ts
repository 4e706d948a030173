import { S_IFMT, S_IFREG, type CpioEntry } from './newc';

/**
 * Inode numbers as GNU cpio's --renumber-inodes assigns them: a counter from 0 in order of
 * appearance, shared by all links of a file. Directories cannot be hard links, so they never
 * need remembering even though their link count is above 1.
 */
export class InodeRenumbering {
  private next = 0;
  private readonly groups = new Map<string, number>();

  assign(file: { dev: bigint; ino: bigint; nlink: number; isDirectory: boolean }): number {
    if (file.nlink <= 1 || file.isDirectory) return this.next++;
    const key = `${file.dev}:${file.ino}`;
    let number = this.groups.get(key);
    if (number === undefined) {
      number = this.next++;
      this.groups.set(key, number);
    }
    return number;
  }
}

function isHardlinkedFile(entry: CpioEntry): boolean {
  return (entry.mode & S_IFMT) === S_IFREG && entry.nlink > 1;
}

function withoutData(entry: CpioEntry): CpioEntry {
  return { ...entry, size: 0, data: undefined };
}

/**
 * Reorder hard-linked regular files the way GNU cpio writes newc: each link is held back until
 * the last link of its group shows up; then the held links go out with size 0 (most recently
 * held first) and the last one carries the data, so an unpacker can link the earlier names and
 * fill the inode once. Groups with links outside the archive are flushed at the end, newest
 * first, with the data on the one held longest. Expects renumbered inodes (one number per group).
 */
export async function* orderHardlinks(entries: AsyncIterable<CpioEntry>): AsyncIterable<CpioEntry> {
  let held: CpioEntry[] = []; // most recently held first, as GNU cpio keeps them
  for await (const entry of entries) {
    if (!isHardlinkedFile(entry)) {
      yield entry;
      continue;
    }
    const sameGroup = held.filter((other) => other.ino === entry.ino);
    if (sameGroup.length + 1 !== entry.nlink) {
      held.unshift(entry);
      continue;
    }
    for (const other of sameGroup) yield withoutData(other);
    held = held.filter((other) => other.ino !== entry.ino);
    yield entry;
  }
  while (held.length > 0) {
    const [entry, ...rest] = held;
    held = rest;
    yield rest.some((other) => other.ino === entry.ino) ? withoutData(entry) : entry;
  }
}
