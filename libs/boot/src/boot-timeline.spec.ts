import { describe, expect, it } from 'vitest';
import { bootTimeline, formatTimeline } from './boot-timeline';

const CONSOLE = [
  '[    0.000000] Linux version 6.1.0-57-amd64',
  '[    0.812000] Freeing initrd memory: 30000K',
  '[    1.204000] Run /init as init process',
  '[    5.500000] systemd[1]: Finished systemd-udev-trigger.service - Coldplug All udev Devices.',
  '[\x1b[0;32m  OK  \x1b[0m] Mounted \x1b[0;1;39msysroot.mount\x1b[0m - /sysroot.',
  '[    9.100000] systemd[1]: Reached target initrd-root-device.target - Initrd Root Device.',
  '[    9.900000] systemd[1]: Mounted sysroot.mount - /sysroot.',
  '[   11.000000] systemd[1]: Switching root.',
  'STRATA-ROOT-REACHED 11.60 0.40',
].join('\r\n');

describe('bootTimeline', () => {
  it('reads each milestone from its first timestamped line, and the time before the kernel from the host', () => {
    const timeline = bootTimeline(CONSOLE, 'STRATA-ROOT-REACHED', 12.6);
    expect(timeline.total).toBe(12.6);
    expect(timeline.phases).toEqual([
      { phase: 'kernel started', at: 0, took: 1 },
      { phase: 'initrd unpacked', at: 0.812, took: 0.812 },
      { phase: '/init started', at: 1.204, took: 0.392 },
      { phase: 'udev coldplug done', at: 5.5, took: 4.296 },
      { phase: 'root device found', at: 9.1, took: 3.6 },
      { phase: 'root mounted', at: 9.9, took: 0.8 },
      { phase: 'switch-root', at: 11, took: 1.1 },
      { phase: 'root marker', at: 11.6, took: 0.6 },
    ]);
    expect(formatTimeline(timeline)[6]).toBe('  switch-root         +1.10 s  (at 11.00 s)');
  });

  it('leaves out what the console never shows (a busybox initrd has no systemd lines)', () => {
    const timeline = bootTimeline('[    0.8] Freeing initrd memory: 1K\nSTRATA-ROOT-REACHED 2.5 0.1\n', 'STRATA-ROOT-REACHED', 3);
    expect(timeline.phases.map((p) => p.phase)).toEqual(['kernel started', 'initrd unpacked', 'root marker']);
  });
});
