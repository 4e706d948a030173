import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendUncompressedArchive } from './append-archive';

describe('appendUncompressedArchive', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-append-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts the archive on a 4-byte boundary, with zeros before it', async () => {
    const initrd = join(dir, 'initrd');
    await writeFile(initrd, Buffer.from('12345'));
    await appendUncompressedArchive(initrd, Buffer.from('070701'));
    expect(await readFile(initrd)).toEqual(Buffer.concat([Buffer.from('12345'), Buffer.alloc(3), Buffer.from('070701')]));
  });

  it('adds nothing when the initrd is aligned already, and takes the archive from a file too', async () => {
    const initrd = join(dir, 'aligned');
    await writeFile(initrd, Buffer.from('1234'));
    await writeFile(join(dir, 'archive.cpio'), '070701');
    await appendUncompressedArchive(initrd, join(dir, 'archive.cpio'));
    expect((await readFile(initrd)).toString()).toBe('1234070701');
  });
});
