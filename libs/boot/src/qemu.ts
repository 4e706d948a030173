import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A raw disk image; with snapshot, the guest's writes go to a temporary overlay and the file is left as it was. */
export interface BootDisk {
  file: string;
  snapshot?: boolean;
}

/** What the harness types on the serial console when the console shows a prompt, as a person would. */
export interface ConsoleResponse {
  /** Tested against the console text that arrived since the previous response. */
  prompt: RegExp;
  send: string;
  /** Wait this long after the prompt before typing (a program may flush its input first). */
  delayMs?: number;
}

/** UEFI firmware (OVMF): its code, and a private copy of its variable store, which the guest may change. */
export interface UefiFirmware {
  code: string;
  vars: string;
  /** The Secure Boot build: needs SMM, and the flash locked to it. */
  secureBoot: boolean;
}

export interface BootOptions {
  /** Direct kernel boot (the extracted vmlinux and the initrd); without them, the firmware boots from the disks. */
  kernel?: string;
  initrd?: string;
  firmware?: UefiFirmware;
  disks: (string | BootDisk)[];
  append: string[];
  /** Text that means the boot got where it should (the root's marker). */
  marker: string;
  /** After the marker, wait for the guest to power off by itself (a hibernating guest writes its image first). */
  untilPowerOff?: boolean;
  /** Console lines that mean the boot has failed for good. */
  failurePatterns?: RegExp[];
  responses?: ConsoleResponse[];
  timeoutMs: number;
  /** Give up when the console has printed nothing for this long (a guest waiting forever). */
  quietTimeoutMs?: number;
  consoleLog: string;
  memoryMiB?: number;
  /** More QEMU arguments (a TPM device, say). */
  qemuArgs?: string[];
}

export interface BootResult {
  ok: boolean;
  reason: string;
  seconds: number;
  console: string;
}

export const DEFAULT_FAILURE_PATTERNS = [/Kernel panic - not syncing/, /strata-initrd: FAILED.*/, /Failed to switch root/, /You are in emergency mode/, /Cannot open access to console, the root account is locked/];

/**
 * The first failure line in the console text. Only complete lines count: a serial chunk can end in
 * the middle of a line, and the reason must be the whole line, not the part that arrived first.
 */
export function findFailureLine(consoleText: string, patterns: RegExp[], finished = false): string | undefined {
  const complete = finished ? consoleText : consoleText.slice(0, consoleText.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    if (patterns.some((pattern) => pattern.test(line))) return line.trim();
  }
  return undefined;
}

/**
 * Boot a kernel + initrd in QEMU (TCG: KVM does not boot Linux on these hosts) and watch the serial
 * console for the root's marker. QEMU always stops: on the marker, on a failure line, when the
 * guest powers off, or at the time limit. The console is saved either way.
 */
export async function bootAndWatch(options: BootOptions): Promise<BootResult> {
  const firmware = options.firmware;
  const args = [
    '-accel', 'tcg',
    '-machine', firmware?.secureBoot ? 'q35,smm=on' : 'q35',
    ...(firmware?.secureBoot ? ['-global', 'driver=cfi.pflash01,property=secure,value=on'] : []),
    '-cpu', 'max',
    '-m', String(options.memoryMiB ?? 1024),
    '-smp', '1',
    '-nodefaults', '-no-user-config', '-nographic', '-no-reboot',
    '-serial', 'stdio',
    ...(firmware
      ? ['-drive', `if=pflash,format=raw,unit=0,file=${firmware.code},readonly=on`, '-drive', `if=pflash,format=raw,unit=1,file=${firmware.vars}`]
      : []),
    ...(options.kernel ? ['-kernel', options.kernel, '-append', ['console=ttyS0', 'panic=-1', ...options.append].join(' ')] : []),
    ...(options.initrd ? ['-initrd', options.initrd] : []),
    ...options.disks.flatMap((disk, i) => {
      const { file, snapshot } = typeof disk === 'string' ? { file: disk, snapshot: false } : disk;
      return ['-drive', `file=${file},format=raw,if=virtio,index=${i}${snapshot ? ',snapshot=on' : ''}`];
    }),
    ...(options.qemuArgs ?? []),
  ];
  const failures = options.failurePatterns ?? DEFAULT_FAILURE_PATTERNS;
  const started = performance.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined); // QEMU may exit before a response is written
  let consoleText = '';
  const pending = [...(options.responses ?? [])];
  let answeredUpTo = 0;
  let markerSeen = false;
  const result = await new Promise<Omit<BootResult, 'console' | 'seconds'>>((resolve) => {
    let settled = false;
    let quietTimer: NodeJS.Timeout | undefined;
    const finish = (ok: boolean, reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(quietTimer);
      // SIGTERM lets QEMU release its disk locks; SIGKILL would orphan them.
      child.kill('SIGTERM');
      resolve({ ok, reason });
    };
    const timer = setTimeout(() => finish(false, `no marker "${options.marker}" within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    const quietMs = options.quietTimeoutMs;
    const restartQuietTimer = (): void => {
      if (quietMs === undefined) return;
      clearTimeout(quietTimer);
      quietTimer = setTimeout(() => finish(false, `the console has been quiet for ${quietMs / 1000} s`), quietMs);
    };
    restartQuietTimer();
    const watch = (chunk: Buffer): void => {
      consoleText += chunk.toString('utf8');
      restartQuietTimer();
      if (!markerSeen && consoleText.includes(options.marker)) {
        markerSeen = true;
        if (!options.untilPowerOff) return finish(true, 'marker seen');
      }
      const failure = findFailureLine(consoleText, failures);
      if (failure) return finish(false, `console says: ${failure}`);
      const next = pending[0];
      if (next && next.prompt.test(consoleText.slice(answeredUpTo))) {
        pending.shift();
        answeredUpTo = consoleText.length;
        const type = (): void => void (settled || child.stdin.write(next.send));
        if (next.delayMs) setTimeout(type, next.delayMs);
        else type();
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.on('error', (err) => finish(false, `cannot start QEMU: ${err.message}`));
    child.on('close', (code) => {
      if (markerSeen) return finish(true, 'marker seen, then the guest powered off');
      const failure = findFailureLine(consoleText, failures, true);
      finish(false, failure ? `console says: ${failure}` : `QEMU exited (status ${code}) before the marker appeared`);
    });
  });
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('close', resolve)));
  const seconds = (performance.now() - started) / 1000;
  await mkdir(dirname(options.consoleLog), { recursive: true });
  await writeFile(options.consoleLog, consoleText);
  return { ...result, seconds, console: consoleText };
}
