/**
 * The two packages that do not come from a .deb, as on Fedora:
 *   filesystem  the merged-/usr layout (/bin, /sbin, /lib, /lib64 -> usr/...), the base folders
 *               with their modes, and the folders and links base-files' postinst would make;
 *               every converted package has Requires(pre): filesystem.
 *   setup       /etc/passwd and /etc/group with Debian's fixed ids and the system users and
 *               groups of the packages (accounts.ts); filesystem has Requires(pre): setup, so
 *               the names exist before any file owned by them is installed (without them rpm
 *               falls back to root and drops setgid bits).
 *   setup-shadow /etc/shadow and /etc/gshadow, root:shadow 0640 as on Debian. A package of its
 *               own because rpm looks owners up before it writes the package's files: in
 *               `setup` itself the shadow group would not exist yet.
 * Their release carries a digest of their content, so a changed package never keeps its NEVRA.
 */
import { createHash } from 'node:crypto';
import { allocateAccounts, parseGroup, parsePasswd, renderAccounts, type SysusersEntry } from './accounts';
import { debianToRpmEvr } from './deb-version';
import { type PackagePlan } from './package-plan';
import { directory, regularFile, sortPayload, symlink, type PayloadEntry } from './payload';

/** Fixed time of the filesystem package's entries (it depends on nothing downloaded). */
export const FILESYSTEM_EPOCH = 1672531200; // 2023-01-01
export const SETUP_PACKAGE = 'setup';
export const SHADOW_PACKAGE = 'setup-shadow';

/** [path, mode, group] of every folder; owner root. */
const FOLDERS: ReadonlyArray<readonly [string, number, string?]> = [
  ['/boot', 0o755], ['/dev', 0o755], ['/etc', 0o755], ['/etc/alternatives', 0o755], ['/etc/opt', 0o755],
  ['/home', 0o755], ['/media', 0o755], ['/mnt', 0o755], ['/opt', 0o755], ['/proc', 0o755],
  ['/root', 0o700], ['/run', 0o755], ['/run/lock', 0o1777], ['/srv', 0o755], ['/sys', 0o755], ['/tmp', 0o1777],
  ['/usr', 0o755], ['/usr/bin', 0o755], ['/usr/games', 0o755], ['/usr/include', 0o755], ['/usr/lib', 0o755],
  ['/usr/lib/x86_64-linux-gnu', 0o755], ['/usr/lib64', 0o755], ['/usr/libexec', 0o755], ['/usr/sbin', 0o755],
  ['/usr/share', 0o755], ['/usr/share/doc', 0o755], ['/usr/share/info', 0o755], ['/usr/share/man', 0o755],
  ['/usr/share/misc', 0o755], ['/usr/src', 0o755],
  ['/usr/local', 0o755], ['/usr/local/bin', 0o755], ['/usr/local/etc', 0o755], ['/usr/local/games', 0o755],
  ['/usr/local/include', 0o755], ['/usr/local/lib', 0o755], ['/usr/local/sbin', 0o755], ['/usr/local/share', 0o755],
  ['/usr/local/share/man', 0o755], ['/usr/local/src', 0o755],
  ['/var', 0o755], ['/var/backups', 0o755], ['/var/cache', 0o755], ['/var/lib', 0o755], ['/var/lib/misc', 0o755],
  ['/var/local', 0o2775, 'staff'], ['/var/log', 0o755], ['/var/mail', 0o2775, 'mail'], ['/var/opt', 0o755],
  ['/var/spool', 0o755], ['/var/tmp', 0o1777],
];

const LINKS: ReadonlyArray<readonly [string, string]> = [
  ['/bin', 'usr/bin'], ['/sbin', 'usr/sbin'], ['/lib', 'usr/lib'], ['/lib64', 'usr/lib64'],
  ['/var/run', '/run'], ['/var/lock', '/run/lock'], ['/var/spool/mail', '../mail'], ['/usr/local/man', 'share/man'],
];

export function filesystemPayload(): PayloadEntry[] {
  return sortPayload([
    ...FOLDERS.map(([path, mode, group]) => directory(path, mode, FILESYSTEM_EPOCH, 'root', group ?? 'root')),
    ...LINKS.map(([path, target]) => symlink(path, target, FILESYSTEM_EPOCH)),
  ]);
}

/** The paths the filesystem package owns, for leaving them out of the converted packages. */
export function filesystemSkeleton(): Map<string, PayloadEntry> {
  return new Map(filesystemPayload().map((e) => [e.path, e]));
}

function contentDigest(payload: readonly PayloadEntry[]): string {
  const hash = createHash('sha256');
  for (const e of payload) {
    hash.update(`${e.path}\0${e.type}\0${e.mode}\0${e.user}\0${e.group}\0${e.target ?? ''}\0${e.config ? 1 : 0}\0`);
    if (e.data) hash.update(e.data);
    hash.update('\n');
  }
  return hash.digest('hex').slice(0, 10);
}

const EMPTY_RELATIONS = { requires: [], conflicts: [], recommends: [], suggests: [], enhances: [] };

export function filesystemPlan(): PackagePlan {
  const payload = filesystemPayload();
  return {
    name: 'filesystem',
    evr: { epoch: 0, version: '1', release: `1.${contentDigest(payload)}` },
    arch: 'noarch',
    summary: 'The basic directory layout of a merged-/usr Debian system',
    description:
      'Owns the top-level symlinks /bin, /sbin, /lib and /lib64 into /usr, the base folders with their modes, and the folders and links base-files creates in its postinst (/var/run, /var/lock, /var/mail, /usr/local).',
    license: 'Public Domain',
    sourceDateEpoch: FILESYSTEM_EPOCH,
    provides: [],
    ...EMPTY_RELATIONS,
    requiresPre: [SETUP_PACKAGE, SHADOW_PACKAGE],
    payload,
    notes: [],
  };
}

export interface SetupInputs {
  /** base-passwd's version, and its /usr/share/base-passwd/{passwd,group}.master. */
  basePasswdVersion: string;
  passwdMaster: string;
  groupMaster: string;
  /** sysusers.d entries of all packages, in processing order. */
  sysusers: readonly SysusersEntry[];
  /** Groups created by `addgroup --system` in postinst scripts, in order. */
  systemGroups: readonly string[];
  sourceDateEpoch: number;
}

/** The setup and setup-shadow packages. */
export function setupPlans(inputs: SetupInputs): [PackagePlan, PackagePlan] {
  const accounts = allocateAccounts(
    { users: parsePasswd(inputs.passwdMaster), groups: parseGroup(inputs.groupMaster) },
    inputs.sysusers,
    inputs.systemGroups,
  );
  const files = renderAccounts(accounts, Math.floor(inputs.sourceDateEpoch / 86400));
  const mtime = inputs.sourceDateEpoch;
  const version = debianToRpmEvr(inputs.basePasswdVersion).version;
  const common = {
    arch: 'noarch' as const,
    license: 'Public Domain',
    sourceDateEpoch: mtime,
    provides: [],
    ...EMPTY_RELATIONS,
  };
  const setupPayload = sortPayload([
    regularFile('/etc/passwd', files.passwd, mtime, { config: true }),
    regularFile('/etc/group', files.group, mtime, { config: true }),
  ]);
  const shadowPayload = sortPayload([
    regularFile('/etc/shadow', files.shadow, mtime, { mode: 0o640, group: 'shadow', config: true }),
    regularFile('/etc/gshadow', files.gshadow, mtime, { mode: 0o640, group: 'shadow', config: true }),
  ]);
  return [
    {
      ...common,
      name: SETUP_PACKAGE,
      evr: { epoch: 0, version, release: `1.${contentDigest(setupPayload)}` },
      summary: 'System users and groups: /etc/passwd and /etc/group',
      description:
        "Debian's fixed users and groups (base-passwd), plus the system users and groups the packages of this distribution create in their maintainer scripts (sysusers.d files, addgroup --system), with ids allocated the way systemd-sysusers and adduser would.",
      requiresPre: [],
      payload: setupPayload,
      notes: [`${accounts.users.length} users, ${accounts.groups.length} groups`],
    },
    {
      ...common,
      name: SHADOW_PACKAGE,
      evr: { epoch: 0, version, release: `1.${contentDigest(shadowPayload)}` },
      summary: 'Locked shadow entries of the system users and groups: /etc/shadow and /etc/gshadow',
      description: 'What `shadowconfig on` in the postinst of passwd creates: a locked entry for every user and group of the setup package.',
      requiresPre: [SETUP_PACKAGE],
      payload: shadowPayload,
      notes: [],
    },
  ];
}
