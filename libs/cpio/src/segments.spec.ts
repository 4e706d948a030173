import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from './archive-parser';
import { packDirectorySegments } from './segments';
import { collect, pseudoRandomBytes } from './testing/scratch-tree';
import { packDirectory } from './writer';

const TRAILER = Buffer.from('TRAILER!!!\0');

async function names(archive: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of readArchive(archive)) out.push(entry.name.toString());
  return out;
}

describe('packDirectorySegments', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-segments-'));
    await mkdir(join(root, 'a'));
    for (let i = 0; i < 8; i++) await writeFile(join(root, 'a', `f${i}`), pseudoRandomBytes(3000, i + 1));
    await writeFile(join(root, 'a/linked'), pseudoRandomBytes(3000, 99));
    await link(join(root, 'a/linked'), join(root, 'a/linked2'));
    await link(join(root, 'a/linked'), join(root, 'a/linked3'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('gives exactly the single archive of packDirectory when the tree fits one segment', async () => {
    const segments = [];
    for await (const s of packDirectorySegments(root, { sourceDateEpoch: 0 })) segments.push(s);
    expect(segments).toHaveLength(1);
    expect(segments[0].equals(await collect(packDirectory(root, { sourceDateEpoch: 0 })))).toBe(true);
  });

  it('cuts a large tree into complete archives that together hold every entry once', async () => {
    const segments: Buffer[] = [];
    for await (const s of packDirectorySegments(root, { sourceDateEpoch: 0, segmentSize: 7000 })) segments.push(s);
    expect(segments.length).toBeGreaterThan(2);
    for (const segment of segments) {
      expect(segment.includes(TRAILER)).toBe(true);
      expect(segment.length % 512).toBe(0);
    }
    expect(await names(Buffer.concat(segments))).toEqual(await names(await collect(packDirectory(root, { sourceDateEpoch: 0 }))));
    // The three names of one hard-linked file travel in the same archive.
    const holding = segments.map((s, i) => ((s.includes(Buffer.from('a/linked\0')) || s.includes(Buffer.from('a/linked2\0')) || s.includes(Buffer.from('a/linked3\0'))) ? i : -1)).filter((i) => i >= 0);
    expect(holding).toHaveLength(1);
  });
});
