import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withAtomicOutput } from './atomic-output';

describe('withAtomicOutput', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-atomic-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replaces the output folder as a whole, readable by everyone', async () => {
    const out = join(dir, 'images/x');
    await withAtomicOutput(out, (staging) => writeFile(join(staging, 'old.img'), 'old'));
    await withAtomicOutput(out, (staging) => writeFile(join(staging, 'new.img'), 'new'));
    expect(await readdir(out)).toEqual(['new.img']);
    expect((await stat(out)).mode & 0o777).toBe(0o755);
    expect(await readdir(join(dir, 'images'))).toEqual(['x']);
  });

  it('keeps the previous output and no staging folder when the build fails', async () => {
    const out = join(dir, 'x');
    await withAtomicOutput(out, (staging) => writeFile(join(staging, 'good.img'), 'good'));
    const failing = withAtomicOutput(out, async (staging) => {
      await writeFile(join(staging, 'half.img'), 'half');
      throw new Error('interrupted');
    });
    await expect(failing).rejects.toThrow('interrupted');
    expect(await readdir(dir)).toEqual(['x']);
    expect(await readFile(join(out, 'good.img'), 'utf8')).toBe('good');
  });
});
