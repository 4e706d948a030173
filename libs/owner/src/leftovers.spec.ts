import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectLeftovers, describeCollected, isLeftover, UNOWNED_STALE_MS } from './leftovers';
import { makeOwnedDir } from './owned-dir';
import { currentBoot, currentProcess, isRunning, ownerTag, parseOwnerTag, parseProcStat, readProcStat, type ProcessOwner } from './process-owner';

/** A process that has run and exited: its pid and start time name no running process. */
async function finishedProcess(): Promise<ProcessOwner> {
  const child = spawn('sleep', ['30']);
  await new Promise((resolve) => child.once('spawn', resolve));
  const owner = { pid: child.pid!, startTime: readProcStat(child.pid!)!.startTime, boot: currentBoot() };
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return owner;
}

describe('process owners', () => {
  it('reads pid, parent, group, session and start time from /proc, whatever the command name holds', () => {
    const stat = parseProcStat('4242 (a b) c) S 1 4242 4242 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0');
    expect(stat).toEqual({ pid: 4242, ppid: 1, pgrp: 4242, session: 4242, startTime: 987654 });
    expect(readProcStat('self')!.pid).toBe(process.pid);
  });

  it('round-trips through a folder name, and tells a running process from a finished one', async () => {
    const self = currentProcess();
    expect(parseOwnerTag(`.x.tmp-${ownerTag(self)}Ab12Cd`)).toEqual(self);
    expect(parseOwnerTag('.x.tmp-Ab12Cd')).toBeNull();
    expect(isRunning(self)).toBe(true);
    const gone = await finishedProcess();
    expect(isRunning(gone)).toBe(false);
    // A pid reused by a later process does not pass for the one that made the folder.
    expect(isRunning({ ...self, startTime: self.startTime - 1 })).toBe(false);
    expect(isRunning({ ...self, boot: self.boot === '00000000' ? '11111111' : '00000000' })).toBe(false);
  });
});

describe('isLeftover', () => {
  const facts = { running: (o: ProcessOwner) => o.pid === 1, nowMs: 10 * UNOWNED_STALE_MS, bootMs: UNOWNED_STALE_MS };
  it('goes by the owner when the name records one, else by age', () => {
    expect(isLeftover('a-p1-s5-b0123abcd-Ab12Cd', 0, facts)).toBe(false);
    expect(isLeftover('a-p2-s5-b0123abcd-Ab12Cd', facts.nowMs, facts)).toBe(true);
    expect(isLeftover('a-Ab12Cd', facts.nowMs - 1000, facts)).toBe(false);
    expect(isLeftover('a-Ab12Cd', facts.nowMs - UNOWNED_STALE_MS - 1, facts)).toBe(true);
    expect(isLeftover('a-Ab12Cd', facts.bootMs - 1, { ...facts, nowMs: facts.bootMs + 1000 })).toBe(true);
  });
});

describe('collectLeftovers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-leftovers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('removes the folders of finished processes and stale unowned ones, keeps running and fresh ones, and says what it freed', async () => {
    const mine = await makeOwnedDir(dir, '.img.tmp-');
    const gone = await finishedProcess();
    const dead = join(dir, `.img.tmp-${ownerTag(gone)}Zz99Yy`);
    await mkdir(join(dead, 'root'), { recursive: true });
    await writeFile(join(dead, 'root/big'), Buffer.alloc(1 << 20, 1));
    const freshUnowned = join(dir, '.img.tmp-Qq11Ww');
    const staleUnowned = join(dir, '.img.tmp-Rr22Ee');
    await mkdir(freshUnowned);
    await mkdir(staleUnowned);
    const old = (Date.now() - UNOWNED_STALE_MS - 60_000) / 1000;
    await utimes(staleUnowned, old, old);
    const other = join(dir, 'img');
    await mkdir(other);

    const collected = await collectLeftovers([{ dir, names: /^\..+\.tmp-/ }]);
    expect(collected.map((c) => c.path).sort()).toEqual([dead, staleUnowned].sort());
    expect(collected.find((c) => c.path === dead)!.bytes).toBeGreaterThanOrEqual(1 << 20);
    expect((await readdir(dir)).sort()).toEqual([mine, freshUnowned, other].map((p) => p.slice(dir.length + 1)).sort());
    expect(describeCollected(collected, (p) => p.slice(dir.length + 1))).toMatch(/^removed 2 folders left by interrupted runs, freeing 1\.\d MB: \.img\.tmp-/);
    expect(describeCollected([])).toBe('');
  });
});
