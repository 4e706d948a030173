import { bootAndWatch, bootTimeline, makeRootDisk, ROOT_MARKER, type BootTimeline } from '@strata/boot';

/**
 * One boot of an initrd to a fresh ext4 test root, as the benchmarks time it: the root's marker,
 * with journald's timestamped copy on the console so the timeline's milestones show on every side.
 */
export async function bootOnce(options: { kernel: string; initrd: string; disk: string; consoleLog: string }): Promise<BootTimeline> {
  await makeRootDisk(options.disk);
  const result = await bootAndWatch({
    kernel: options.kernel,
    initrd: options.initrd,
    disks: [options.disk],
    append: ['root=LABEL=strata-root', 'rootfstype=ext4', 'ro', 'systemd.journald.forward_to_console=1'],
    marker: ROOT_MARKER,
    timeoutMs: 300_000,
    consoleLog: options.consoleLog,
  });
  if (!result.ok) throw new Error(`${options.initrd} did not boot: ${result.reason} (see ${options.consoleLog})`);
  return bootTimeline(result.console, ROOT_MARKER, result.seconds);
}
