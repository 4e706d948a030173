import { readFileSync } from 'node:fs';

/**
 * A process, named so that a later process with the same pid does not pass for it: its pid, its
 * start time (clock ticks since boot, from /proc) and the boot it ran in.
 */
export interface ProcessOwner {
  pid: number;
  startTime: number;
  /** The first 8 hex digits of the kernel's boot id. */
  boot: string;
}

export interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  startTime: number;
}

/** Fields of /proc/<pid>/stat. The command name sits in parentheses and may hold spaces and ')'. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, pgrp 5, session 6, starttime 22.
  return { pid: Number(text.slice(0, text.indexOf(' '))), ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]), startTime: Number(rest[19]) };
}

/** The process's /proc/<pid>/stat, or null when there is no such process. */
export function readProcStat(pid: number | 'self'): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

let cachedBoot: string | undefined;
export function currentBoot(): string {
  cachedBoot ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').slice(0, 8);
  return cachedBoot;
}

/** When the machine booted, in ms since the epoch (btime of /proc/stat). */
export function bootTimeMs(): number {
  const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  return match ? Number(match[1]) * 1000 : 0;
}

let cachedSelf: ProcessOwner | undefined;
export function currentProcess(): ProcessOwner {
  cachedSelf ??= { pid: process.pid, startTime: readProcStat('self')!.startTime, boot: currentBoot() };
  return cachedSelf;
}

/** True while the very process `owner` names runs: same boot, pid present, same start time. */
export function isRunning(owner: ProcessOwner): boolean {
  if (owner.boot !== currentBoot()) return false;
  return readProcStat(owner.pid)?.startTime === owner.startTime;
}

const TAG = /p(\d+)-s(\d+)-b([0-9a-f]{8})-/;

/** The owner as a piece of a file name: p<pid>-s<start time>-b<boot>-. */
export function ownerTag(owner: ProcessOwner): string {
  return `p${owner.pid}-s${owner.startTime}-b${owner.boot}-`;
}

/** The owner recorded in a file name, or null when the name records none. */
export function parseOwnerTag(name: string): ProcessOwner | null {
  const match = TAG.exec(name);
  return match ? { pid: Number(match[1]), startTime: Number(match[2]), boot: match[3]! } : null;
}
