import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProcStat } from './process-owner';

const REPO_ROOT = resolve(__dirname, '../../..');

/** True once none of the pids runs (zombies count as gone) within `ms`. */
async function allGoneWithin(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  const alive = (pid: number): boolean => {
    try {
      return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('dieWithLauncher', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-launcher-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /**
   * launcher (node, as nx) -> task (node, setsid, as Nx starts a task; it prints nothing, so no
   * broken pipe stops it) -> sleep. Returns the pids once the task has written them.
   */
  async function startTree(taskEnv: Record<string, string>): Promise<{ launcher: number; task: number; sleep: number }> {
    const pidsFile = join(dir, 'pids');
    await writeFile(
      join(dir, 'task.ts'),
      `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dieWithLauncher } from ${JSON.stringify(join(__dirname, 'launcher.ts'))};
dieWithLauncher({ intervalMs: 200 });
const sleep = spawn('sleep', ['60'], { stdio: 'ignore' });
writeFileSync(${JSON.stringify(pidsFile)}, JSON.stringify({ task: process.pid, sleep: sleep.pid }));
setInterval(() => undefined, 1000);
`,
    );
    const launcherScript = `
const { spawn } = require('node:child_process');
spawn(process.execPath, ['-r', '@swc-node/register', ${JSON.stringify(join(dir, 'task.ts'))}], { detached: true, stdio: 'ignore', cwd: ${JSON.stringify(REPO_ROOT)}, env: { ...process.env, ...${JSON.stringify(taskEnv)} } });
setInterval(() => undefined, 1000);
`;
    const launcher = spawn(process.execPath, ['-e', launcherScript], { stdio: 'ignore', cwd: REPO_ROOT });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = await readFile(pidsFile, 'utf8').catch(() => '');
      if (text) return { launcher: launcher.pid!, ...(JSON.parse(text) as { task: number; sleep: number }) };
      if (Date.now() > deadline) throw new Error('the task did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('kills the task and its children within seconds of a kill -9 of the nx process that started it', async () => {
    const { launcher, task, sleep } = await startTree({ NX_TASK_TARGET_PROJECT: 'p' });
    // The task is in a session of its own, so a kill of the launcher's group would not reach it.
    expect(readProcStat(task)!.session).toBe(task);
    process.kill(launcher, 'SIGKILL');
    expect(await allGoneWithin([task, sleep], 5000)).toBe(true);
  }, 60_000);

  it('leaves a process that is no Nx task alone', async () => {
    const { launcher, task, sleep } = await startTree({ NX_TASK_TARGET_PROJECT: '' });
    process.kill(launcher, 'SIGKILL');
    try {
      expect(await allGoneWithin([task, sleep], 1500)).toBe(false);
    } finally {
      process.kill(-task, 'SIGKILL');
    }
  }, 60_000);
});
