import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAtomicOutput } from './atomic-output';
// The archive writer is the main writer an output folder sees: a full disk must stop it cleanly.
import { writeArchive } from '@strata/layer';
import { mountPointOf } from './no-space';

describe('mountPointOf', () => {
  const mountinfo = [
    '22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
    '30 22 0:40 / /work/main/dist rw - tmpfs tmpfs rw,size=30720k',
    '31 22 0:41 / /srv/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  it('finds the longest mount point above a path, decoding escapes', () => {
    expect(mountPointOf('/work/main/dist/layers/x/tree.cpio.zst', mountinfo)).toBe('/work/main/dist');
    expect(mountPointOf('/work/main/distro/x', mountinfo)).toBe('/');
    expect(mountPointOf('/srv/with space/a', mountinfo)).toBe('/srv/with space');
  });
});

describe('a full file system while packing', () => {
  let dir: string;
  let small: string;
  let tree: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-nospace-'));
    small = join(dir, 'small');
    tree = join(dir, 'tree');
    await mkdir(small);
    await mkdir(join(tree, 'usr/bin'), { recursive: true });
    // Incompressible, and four times what the file system holds.
    await writeFile(join(tree, 'usr/bin/big'), randomBytes(1 << 20));
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
  });
  afterAll(async () => {
    await execa('umount', [small], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file and the file system, and keeps the previous output', async () => {
    const out = join(small, 'layers/x');
    await withAtomicOutput(out, (staging) => writeFile(join(staging, 'x.cpio.zst'), 'previous'));
    const failing = withAtomicOutput(out, (staging) => writeArchive(tree, join(staging, 'x.cpio.zst'), { kind: 'zstd', level: 3 }, 0));
    await expect(failing).rejects.toThrow(
      new RegExp(`^no space left on the file system mounted at ${small} \\(0\\.\\d MB free of 0\\.3 MB\\) while writing ${small}/layers/\\.x\\.tmp-[^/]+/x\\.cpio\\.zst; free space there`),
    );
    expect(await readFile(join(out, 'x.cpio.zst'), 'utf8')).toBe('previous');
    expect(await readdir(join(small, 'layers'))).toEqual(['x']);
  });
});
