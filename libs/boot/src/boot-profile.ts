import { filesArchive } from './append-archive';
import { plainConsole } from './console-diagnosis';

/**
 * The boot profile: which files of the initrd a boot read before it switched to the root.
 *
 * The kernel unpacks every file with its access time equal to its modification time (the image's
 * SOURCE_DATE_EPOCH, in the past), and the initrd's root file system updates the access time on
 * the first read, mmap or exec. So just before switch-root every file whose access time is later
 * than the moment the kernel started was used by this boot. A unit appended to the initrd for the
 * profiled boot only lists them on the console, where the harness collects them.
 */
export const BOOT_PROFILE_PREFIX = 'strata-boot-profile:';
export const BOOT_PROFILE_UNIT = 'strata-boot-profile.service';
/** Written beside the boot's console.log. */
export const BOOT_PROFILE_FILE = 'boot-profile.json';

/** The profiler's own programs: listed by every profile, so the report can say they are its own. */
export const PROFILER_PROGRAMS = ['usr/bin/bash', 'usr/bin/stat'];

const SCRIPT_PATH = 'usr/lib/strata/boot-profile';

/** bash and coreutils' stat only: what every systemd initrd of strata carries. */
const SCRIPT = `#!/usr/bin/bash
# The kernel started at (now - uptime); a file read since then has a later access time.
shopt -s globstar nullglob dotglob
read -r up _ < /proc/uptime
since=$(( $(printf '%(%s)T' -1) - \${up%.*} - 1 ))
echo "${BOOT_PROFILE_PREFIX} begin since=$since"
/usr/bin/stat --printf '%X %n\\n' -- /usr/** /etc/** /root/** /var/** 2>/dev/null |
  while read -r atime path; do
    [[ -f $path && ! -L $path ]] && (( atime > since )) && echo "${BOOT_PROFILE_PREFIX} $path"
  done
echo "${BOOT_PROFILE_PREFIX} end"
`;

const UNIT = `[Unit]
Description=strata boot profile: list the initrd's files this boot read
DefaultDependencies=no
ConditionPathExists=/etc/initrd-release
Before=initrd-switch-root.target initrd-switch-root.service

[Service]
Type=oneshot
StandardOutput=tty
TTYPath=/dev/console
ExecStart=/usr/bin/bash /${SCRIPT_PATH}
`;

/** Pulls the unit into the isolate to initrd-switch-root.target, so it runs last, before the switch. */
const DROP_IN = `[Unit]
Wants=${BOOT_PROFILE_UNIT}
`;

/** An uncompressed archive to append to the initrd for a profiled boot: the unit and its drop-in. */
export async function bootProfileArchive(): Promise<Buffer> {
  return filesArchive([
    { path: SCRIPT_PATH, content: SCRIPT },
    { path: `etc/systemd/system/${BOOT_PROFILE_UNIT}`, content: UNIT },
    { path: 'etc/systemd/system/initrd-switch-root.target.d/strata-boot-profile.conf', content: DROP_IN },
  ]);
}

export interface BootProfile {
  /** The image the profile is of (its sha256): a profile of another build says nothing of this one. */
  image: string;
  sha256: string;
  /** The boot variant that was profiled (ext4, lvm, ...). */
  variant: string;
  /** Paths in the image (no leading "/"), sorted: regular files the boot read before switch-root. */
  used: string[];
  /** The profiler's own programs, in `used` because it ran them. */
  profilerOwn: string[];
}

/** The paths the profile unit listed, or undefined when its list is missing or cut short. */
export function parseBootProfile(console: string): string[] | undefined {
  const lines = plainConsole(console).split('\n');
  const at = (text: string): number => lines.findIndex((line) => line.includes(`${BOOT_PROFILE_PREFIX} ${text}`));
  const begin = lines.findIndex((line) => line.includes(`${BOOT_PROFILE_PREFIX} begin`));
  const end = at('end');
  if (begin < 0 || end < begin) return undefined;
  const used = new Set<string>();
  for (const line of lines.slice(begin + 1, end)) {
    const found = line.slice(line.indexOf(BOOT_PROFILE_PREFIX) + BOOT_PROFILE_PREFIX.length).trim();
    if (line.includes(BOOT_PROFILE_PREFIX) && found.startsWith('/')) used.add(found.slice(1));
  }
  return [...used].sort();
}
