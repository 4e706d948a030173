import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { currentBoot, isRunning, readProcStat, type ProcessOwner } from './process-owner';

/**
 * The nx process that started this task, when it started it in a session of its own (Nx runs
 * every task command, and every executor on a terminal, detached: setsid, or a pseudo-terminal).
 * That is the node process whose child leads this process's session. Null when the task shares
 * nx's session and process group, where a kill of the group reaches it anyway.
 */
export function findLauncher(): ProcessOwner | null {
  const self = readProcStat('self');
  if (!self) return null;
  let stat = self;
  // Up to the session leader: pid == session id.
  while (stat.pid !== self.session) {
    const parent = readProcStat(stat.ppid);
    if (!parent || parent.session !== self.session) return null;
    stat = parent;
  }
  const launcher = readProcStat(stat.ppid);
  if (!launcher || launcher.pid <= 1) return null;
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${launcher.pid}/exe`);
  } catch {
    return null;
  }
  if (!basename(exe).startsWith('node')) return null;
  return { pid: launcher.pid, startTime: launcher.startTime, boot: currentBoot() };
}

/**
 * Ties this Nx task to the nx process that runs it: once that process is gone (killed with -9,
 * so it could not stop its tasks), the task's whole process group is killed, this process and
 * every child it started (rpmbuild, dpkg-deb, dnf, QEMU...), within `intervalMs`.
 * Outside an Nx task (no NX_TASK_TARGET_PROJECT), or when nx shares the group, it does nothing.
 * Returns a function that stops watching.
 */
export function dieWithLauncher(options: { intervalMs?: number } = {}): () => void {
  if (!process.env.NX_TASK_TARGET_PROJECT) return () => undefined;
  const launcher = findLauncher();
  const group = readProcStat('self')?.pgrp;
  if (!launcher || !group) return () => undefined;
  const timer = setInterval(() => {
    if (!isRunning(launcher)) process.kill(-group, 'SIGKILL');
  }, options.intervalMs ?? 500);
  // The watch never keeps the task alive by itself.
  timer.unref();
  return () => clearInterval(timer);
}
