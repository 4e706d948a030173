import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { compareChecksums, parseChecksums, sha256File, writeChecksums } from './checksums';

/** A folder of the test's own, gone when it ends. */
async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-sums-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('writeChecksums', () => {
  it('lists every regular file below the folder in bytewise order, as sha256sum -c reads it', async () => {
    const dir = await scratch();
    await mkdir(join(dir, 'image/usr'), { recursive: true });
    await writeFile(join(dir, 'b.img'), 'b');
    await writeFile(join(dir, 'B.json'), 'B');
    await writeFile(join(dir, 'image/usr/x'), 'x');
    await symlink('b.img', join(dir, 'link'));
    await writeChecksums(dir);
    const text = await readFile(join(dir, 'SHA256SUMS'), 'utf8');
    expect([...(parseChecksums(text) ?? new Map()).keys()]).toEqual(['B.json', 'b.img', 'image/usr/x']);
    expect(text.split('\n')[0]).toBe(`${await sha256File(join(dir, 'B.json'))}  B.json`);
    expect(execFileSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toContain('image/usr/x: OK');
    // Written again, it does not list itself.
    await writeChecksums(dir);
    expect(await readFile(join(dir, 'SHA256SUMS'), 'utf8')).toBe(text);
  });

  it('tells missing files from changed ones', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'a'), 'a');
    await writeFile(join(dir, 'b'), 'b');
    await writeChecksums(dir);
    const sums = parseChecksums(await readFile(join(dir, 'SHA256SUMS'), 'utf8'))!;
    await rm(join(dir, 'a'));
    await writeFile(join(dir, 'b'), 'changed');
    expect(await compareChecksums(dir, sums)).toEqual({ missing: ['a'], changed: ['b'] });
  });
});

describe('parseChecksums', () => {
  it('reads what sha256sum writes and refuses paths that leave the folder', () => {
    const hex = 'a'.repeat(64);
    expect(parseChecksums(`${hex}  x.img\n${hex} *sub/y\n`)).toEqual(new Map([['x.img', hex], ['sub/y', hex]]));
    expect(parseChecksums(`${hex}  ../x\n`)).toBeNull();
    expect(parseChecksums(`${hex}  /etc/passwd\n`)).toBeNull();
    expect(parseChecksums('garbage\n')).toBeNull();
  });
});
