import { describe, expect, it } from 'vitest';
import { InodeRenumbering, orderHardlinks } from './hardlinks';
import type { CpioEntry } from './newc';

function file(name: string, ino: number, nlink: number): CpioEntry {
  return { name, mode: 0o100644, uid: 0, gid: 0, nlink, mtime: 0, ino, rdevMajor: 0, rdevMinor: 0, size: 3, data: Buffer.from('abc') };
}

async function order(entries: CpioEntry[]): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const entry of orderHardlinks((async function* () {
    yield* entries;
  })())) out.push([String(entry.name), entry.size]);
  return out;
}

describe('orderHardlinks', () => {
  it('holds links back until the last one, which carries the data', async () => {
    expect(await order([file('a', 0, 3), file('m', 1, 1), file('b', 0, 3), file('n', 2, 1), file('c', 0, 3)])).toEqual([
      ['m', 3],
      ['n', 3],
      ['b', 0],
      ['a', 0],
      ['c', 3],
    ]);
  });

  it('flushes incomplete groups at the end, newest first, data on the oldest', async () => {
    expect(await order([file('x', 5, 2), file('p', 6, 3), file('q', 6, 3), file('z', 7, 1)])).toEqual([
      ['z', 3],
      ['q', 0],
      ['p', 3],
      ['x', 3],
    ]);
  });

  it('leaves symlinks and directories with several links alone', async () => {
    const symlink = { ...file('s', 1, 2), mode: 0o120777 };
    const dir = { ...file('d', 2, 3), mode: 0o040755, size: 0, data: undefined };
    expect(await order([symlink, dir])).toEqual([
      ['s', 3],
      ['d', 0],
    ]);
  });
});

describe('InodeRenumbering', () => {
  it('numbers from 0 in order of appearance and shares numbers within a link group', () => {
    const inodes = new InodeRenumbering();
    const seen = [
      { dev: 1n, ino: 50n, nlink: 2, isDirectory: false },
      { dev: 1n, ino: 7n, nlink: 4, isDirectory: true },
      { dev: 1n, ino: 9n, nlink: 1, isDirectory: false },
      { dev: 1n, ino: 50n, nlink: 2, isDirectory: false },
      { dev: 2n, ino: 50n, nlink: 2, isDirectory: false },
    ].map((file) => inodes.assign(file));
    expect(seen).toEqual([0, 1, 2, 0, 3]);
  });
});
