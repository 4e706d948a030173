import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface BootOptions {
  kernel: string;
  initrd: string;
  disks: string[];
  append: string[];
  /** Text the real root prints when it has been reached. */
  marker: string;
  /** Console lines that mean the boot has failed for good. */
  failurePatterns?: RegExp[];
  timeoutMs: number;
  consoleLog: string;
  memoryMiB?: number;
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
  const args = [
    '-accel', 'tcg',
    '-machine', 'q35',
    '-cpu', 'max',
    '-m', String(options.memoryMiB ?? 1024),
    '-smp', '1',
    '-nodefaults', '-no-user-config', '-nographic', '-no-reboot',
    '-serial', 'stdio',
    '-kernel', options.kernel,
    '-initrd', options.initrd,
    '-append', ['console=ttyS0', 'panic=-1', ...options.append].join(' '),
    ...options.disks.flatMap((disk, i) => ['-drive', `file=${disk},format=raw,if=virtio,index=${i}`]),
  ];
  const failures = options.failurePatterns ?? DEFAULT_FAILURE_PATTERNS;
  const started = performance.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let consoleText = '';
  const result = await new Promise<Omit<BootResult, 'console' | 'seconds'>>((resolve) => {
    let settled = false;
    const finish = (ok: boolean, reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // SIGTERM lets QEMU release its disk locks; SIGKILL would orphan them.
      child.kill('SIGTERM');
      resolve({ ok, reason });
    };
    const timer = setTimeout(() => finish(false, `no marker "${options.marker}" within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    const watch = (chunk: Buffer): void => {
      consoleText += chunk.toString('utf8');
      if (consoleText.includes(options.marker)) return finish(true, 'marker seen');
      const failure = findFailureLine(consoleText, failures);
      if (failure) return finish(false, `console says: ${failure}`);
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.on('error', (err) => finish(false, `cannot start QEMU: ${err.message}`));
    child.on('close', (code) => {
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
