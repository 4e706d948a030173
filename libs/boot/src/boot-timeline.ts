import { plainConsole } from './console-diagnosis';

/**
 * A boot split into phases, from the console: the kernel's printk timestamps (seconds since the
 * kernel started) on its own lines and on systemd's, which the kernel log carries, and the
 * uptime the root prints with its marker. What came before the kernel (QEMU, the firmware,
 * loading the kernel and the initrd) is the host's time to the marker less that uptime.
 */
export interface BootPhase {
  /** The milestone that ends the phase ("kernel started" ends QEMU, the firmware and loading). */
  phase: string;
  /** When it was reached, in seconds since the kernel started. */
  at: number;
  /** Seconds since the milestone before. */
  took: number;
}

export interface BootTimeline {
  /** Seconds from QEMU's start to the marker, as the host measured it. */
  total: number;
  phases: BootPhase[];
}

/** Each phase and the first console line that ends it; a phase the console never shows is left out. */
const MILESTONES: { phase: string; pattern: RegExp }[] = [
  { phase: 'initrd unpacked', pattern: /Freeing initrd memory/ },
  { phase: '/init started', pattern: /Run \/init as init process|Run \S+ as init process/ },
  { phase: 'udev coldplug done', pattern: /Finished systemd-udev-trigger\.service/ },
  { phase: 'root device found', pattern: /Reached target initrd-root-device\.target/ },
  { phase: 'root mounted', pattern: /Mounted sysroot\.mount/ },
  { phase: 'switch-root', pattern: /Switching root\./ },
];

const STAMPED = /^\[\s*(\d+\.\d+)\] (.*)$/;

/** The timeline of one boot; marker is the root's line, "<marker> <uptime> ...". */
export function bootTimeline(console: string, marker: string, hostSeconds: number): BootTimeline {
  const lines = plainConsole(console).split('\n');
  const stamps = lines.flatMap((line) => {
    const match = line.match(STAMPED);
    return match ? [{ at: Number(match[1]), text: match[2] }] : [];
  });
  const found: { phase: string; at: number }[] = [];
  for (const { phase, pattern } of MILESTONES) {
    const hit = stamps.find((stamp) => pattern.test(stamp.text));
    if (hit) found.push({ phase, at: hit.at });
  }
  const markerLine = lines.find((line) => line.startsWith(`${marker} `));
  const uptime = markerLine ? Number(markerLine.slice(marker.length + 1).split(/\s+/)[0]) : Number.NaN;
  if (Number.isFinite(uptime)) found.push({ phase: 'root marker', at: uptime });
  // Before the kernel: the host's time to the marker, less the kernel's own time to it.
  const beforeKernel = Number.isFinite(uptime) ? Math.max(0, hostSeconds - uptime) : 0;
  const points = [{ phase: 'kernel started', at: 0 }, ...found];
  const phases = points.map((point, i) => ({ phase: point.phase, at: round(point.at), took: round(i === 0 ? beforeKernel : point.at - points[i - 1].at) }));
  return { total: round(hostSeconds), phases };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** One line per phase, for a terminal: "  root mounted  +0.42 s  (11.90 s)". */
export function formatTimeline(timeline: BootTimeline): string[] {
  const width = Math.max(...timeline.phases.map((p) => p.phase.length));
  return timeline.phases.map((p) => `  ${p.phase.padEnd(width)}  +${p.took.toFixed(2)} s  (at ${p.at.toFixed(2)} s)`);
}
