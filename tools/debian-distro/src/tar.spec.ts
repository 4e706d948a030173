import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTar, readTar } from './tar';

let dir: string;
const LONG = `${'d'.repeat(120)}/${'f'.repeat(120)}`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-tar-'));
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'usr/bin'), { recursive: true });
  mkdirSync(join(tree, 'd'.repeat(120)));
  writeFileSync(join(tree, 'usr/bin/tool'), 'hello\n');
  chmodSync(join(tree, 'usr/bin/tool'), 0o2755);
  linkSync(join(tree, 'usr/bin/tool'), join(tree, 'usr/bin/tool2'));
  symlinkSync('tool', join(tree, 'usr/bin/link'));
  writeFileSync(join(tree, LONG), 'long');
  writeFileSync(join(tree, 'usr/bin/[x\\x2d'), '');
  for (const p of ['usr/bin/tool', LONG, 'usr/bin/[x\\x2d']) utimesSync(join(tree, p), 1700000000, 1700000000);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function archive(format: string): Buffer {
  return execFileSync('tar', ['-C', join(dir, 'tree'), `--format=${format}`, '--owner=root:0', '--group=shadow:42', '--sort=name', '-cf', '-', '.']);
}

describe.each(['gnu', 'pax', 'ustar'])('tar reader (%s)', (format) => {
  it('reads types, modes, owners, times, link targets, long names and content', async () => {
    if (format === 'ustar') {
      // ustar cannot hold a 241-character name without a usable prefix split: skip that file.
      rmSync(join(dir, 'tree', 'd'.repeat(120)), { recursive: true });
    }
    const entries = await parseTar(archive(format));
    const by = (name: string) => entries.find((e) => e.name.replace(/^\.\//, '').replace(/\/$/, '') === name)!;
    expect(by('usr/bin').type).toBe('directory');
    const tool = by('usr/bin/tool');
    expect(tool).toMatchObject({ type: 'file', mode: 0o2755, mtime: 1700000000, uid: 0, gid: 42, uname: 'root', gname: 'shadow' });
    expect(tool.data.toString()).toBe('hello\n');
    expect(by('usr/bin/tool2')).toMatchObject({ type: 'hardlink', linkname: './usr/bin/tool' });
    expect(by('usr/bin/link')).toMatchObject({ type: 'symlink', linkname: 'tool' });
    expect(by('usr/bin/[x\\x2d').type).toBe('file');
    if (format !== 'ustar') expect(by(LONG).data.toString()).toBe('long');
  });
});

describe('tar reader errors', () => {
  it('refuses a corrupt header', async () => {
    const bytes = Buffer.from(archive('gnu'));
    bytes[0] = bytes[0]! ^ 0xff;
    await expect(parseTar(bytes)).rejects.toThrow(/unreadable tar archive: Invalid tar header/);
  });

  it('refuses an archive cut short inside a member', async () => {
    const bytes = archive('gnu');
    const tool = bytes.indexOf('hello\n');
    await expect(parseTar(bytes.subarray(0, tool + 3))).rejects.toThrow(/unreadable tar archive/);
  });
});

/** A ustar header block for one regular file (what GNU tar writes for it, less the optional fields). */
function fileHeader(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('14524770400\0', 136);
  block.write('0', 156);
  block.write('ustar\0' + '00', 257);
  block.write('        ', 148);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

describe('tar reader streaming', () => {
  const SIZE = 64 * 1024 ** 2;
  const CHUNK = 64 * 1024;

  /** An archive of a 64 MiB member and an empty one, made as it is read; counts the bytes pulled. */
  async function* bigArchive(pulled: { bytes: number }): AsyncGenerator<Buffer> {
    yield fileHeader('big', SIZE);
    const chunk = Buffer.alloc(CHUNK, 0x5a);
    for (let sent = 0; sent < SIZE; sent += CHUNK) {
      pulled.bytes += CHUNK;
      yield chunk;
    }
    yield fileHeader('after', 0);
    yield Buffer.alloc(1024);
  }

  it('hands a 64 MiB member over chunk by chunk, never far ahead of the reader', async () => {
    const pulled = { bytes: 0 };
    const names: string[] = [];
    let consumed = 0;
    let chunks = 0;
    let largestLead = 0;
    for await (const member of readTar(bigArchive(pulled))) {
      names.push(member.name);
      if (member.name !== 'big') continue;
      expect(member).toMatchObject({ type: 'file', size: SIZE, mode: 0o644, mtime: 1700000000 });
      for await (const chunk of member.body) {
        consumed += chunk.length;
        chunks += 1;
        largestLead = Math.max(largestLead, pulled.bytes - consumed);
        expect(chunk.every((byte) => byte === 0x5a)).toBe(true);
      }
    }
    expect(names).toEqual(['big', 'after']);
    expect(consumed).toBe(SIZE);
    expect(chunks).toBeGreaterThan(SIZE / (1024 * 1024));
    // Buffered, the whole member would be ahead of the reader; streamed, a few chunks at most.
    expect(largestLead).toBeLessThanOrEqual(4 * CHUNK);
  });

  it('skips what the reader leaves unread, and stops pulling the source when the reader stops', async () => {
    const names: string[] = [];
    for await (const member of readTar(bigArchive({ bytes: 0 }))) names.push(member.name);
    expect(names).toEqual(['big', 'after']);
    const pulled = { bytes: 0 };
    for await (const member of readTar(bigArchive(pulled))) if (member.name === 'big') break;
    expect(pulled.bytes).toBeLessThanOrEqual(4 * CHUNK);
  });
});
