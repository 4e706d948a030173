import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeChecksums } from './checksums';
import { rebuildCommand, verifyOutput } from './verify-output';

describe('verifyOutput', () => {
  let dir: string;
  let out: string;
  const rebuild = rebuildCommand('initrd-x', 'build');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-verify-'));
    out = join(dir, 'initrd-x');
    await mkdir(out);
    await writeFile(join(out, 'initrd-x.cpio.zst'), Buffer.alloc(200_000, 7));
    await writeFile(join(out, 'manifest.json'), '{}\n');
    await writeChecksums(out);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('accepts a folder that matches its SHA256SUMS', async () => {
    await expect(verifyOutput(out, rebuild)).resolves.toBeUndefined();
  });

  it('refuses a truncated file, naming the folder, the file and the command that rebuilds it', async () => {
    await truncate(join(out, 'initrd-x.cpio.zst'), 65_536);
    await expect(verifyOutput(out, rebuild)).rejects.toThrow(
      `${out} is incomplete: initrd-x.cpio.zst does not match SHA256SUMS (truncated or changed); refusing to read it. Rebuild it: npx nx run initrd-x:build --skip-nx-cache`,
    );
  });

  it('refuses a folder without SHA256SUMS, or with listed files missing, and says when nothing is built', async () => {
    await rm(join(out, 'manifest.json'));
    await expect(verifyOutput(out, rebuild)).rejects.toThrow(/is incomplete: manifest\.json is missing; refusing to read it/);
    await rm(join(out, 'SHA256SUMS'));
    await expect(verifyOutput(out, rebuild)).rejects.toThrow(/is incomplete: it has no SHA256SUMS; refusing to read it\. Rebuild it: npx nx run initrd-x:build --skip-nx-cache$/);
    await writeFile(join(out, 'SHA256SUMS'), '');
    await expect(verifyOutput(out, rebuild)).rejects.toThrow(/its SHA256SUMS is empty or malformed/);
    await expect(verifyOutput(join(dir, 'none'), rebuild)).rejects.toThrow(/none does not exist; build it: npx nx run initrd-x:build --skip-nx-cache$/);
  });
});
