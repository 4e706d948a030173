import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerTag } from '@strata/owner';
import { stagingDirFor } from './atomic-output';
import { collectWorkspaceLeftovers, workspaceLeftoverPlaces } from './leftovers';

// pid 0 is never a process of ours: a folder it "owns" is a leftover.
const GONE = ownerTag({ pid: 0, startTime: 1, boot: '00000000' });

describe('workspace leftovers', () => {
  let ws: string;
  const temp = process.env.TMPDIR;
  beforeEach(async () => {
    ws = await mkdtemp(join(tmpdir(), 'strata-ws-leftovers-'));
    // The collector also looks in the temporary folder: this test's own, not the host's.
    process.env.TMPDIR = join(ws, 'tmp');
  });
  afterEach(async () => {
    if (temp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = temp;
    await rm(ws, { recursive: true, force: true });
  });

  it('names the scratch folders of every build, and never an output or a lasting folder', async () => {
    const places = workspaceLeftoverPlaces(ws, '/tmp');
    const matched = (dir: string, name: string): boolean => places.some((p) => p.dir === join(ws, dir) && p.names.test(name));
    expect(matched('dist/layers', `.initrd-base.tmp-${GONE}Ab12Cd`)).toBe(true);
    expect(matched('dist/images', `.initrd-server.tmp-${GONE}Ab12Cd.old`)).toBe(true);
    expect(matched('dist/repos', '.debian-distro.tmp-Ab12Cd')).toBe(true);
    expect(matched('dist/.work', `initrd-server-modules-${GONE}Ab12Cd`)).toBe(true);
    expect(matched('dist/layers', 'initrd-base')).toBe(false);
    expect(matched('dist/.work', 'store')).toBe(false);
    expect(places.find((p) => p.dir === '/tmp')!.names.test(`strata-dnf-${GONE}Ab12Cd`)).toBe(true);
    expect(places.find((p) => p.dir === '/tmp')!.names.test('strata-ws-Ab12Cd')).toBe(false);
  });

  it('removes what a killed build left, keeps what a running one holds, and says what it freed', async () => {
    const running = await stagingDirFor(join(ws, 'dist/layers/initrd-base'));
    for (const dir of [`dist/layers/.initrd-base.tmp-${GONE}Ab12Cd`, `dist/.work/initrd-base-${GONE}Ab12Cd/root/usr`]) await mkdir(join(ws, dir), { recursive: true });
    await mkdir(join(ws, 'dist/layers/initrd-base'));
    const lines: string[] = [];
    await collectWorkspaceLeftovers(ws, (line) => lines.push(line));
    expect(lines).toEqual([
      `removed 2 folders left by interrupted runs, freeing ${lines[0]!.match(/freeing (\S+ MB)/)![1]}: dist/layers/.initrd-base.tmp-${GONE}Ab12Cd, dist/.work/initrd-base-${GONE}Ab12Cd`,
    ]);
    expect((await readdir(join(ws, 'dist/layers'))).sort()).toEqual([running.slice(running.lastIndexOf('/') + 1), 'initrd-base'].sort());
    expect(await readdir(join(ws, 'dist/.work'))).toEqual([]);
  });
});
