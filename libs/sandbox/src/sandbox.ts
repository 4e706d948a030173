import { access, chmod, chown, lstat, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { makeOwnedDir } from '@strata/owner';

/**
 * What a tool that works on an image root may see. Everything else of the host is absent: the
 * sandbox is a new mount, network, pid, IPC and UTS namespace whose / holds only the host's /usr
 * (read-only, for the tools themselves) and the paths named here, each at its own place.
 */
export interface SandboxSpec {
  /** The image root: writable, with /proc, a minimal /dev and tmpfs /run and /tmp inside it. */
  imageRoot?: string;
  /** Host paths visible read-only (a helper script, the package store, local repositories). */
  readOnly?: string[];
  /** Host paths visible writable (a state folder). */
  writable?: string[];
  /** strata's rpm macros (the database path, no plugins), at /etc/rpm/macros.strata. */
  rpmMacrosFile: string;
  sourceDateEpoch: number;
}

/** The API file systems mounted into an image root; rpm and scriptlets expect them. */
export const API_MOUNTS = ['proc', 'dev', 'run', 'tmp'] as const;

const HOST_TOOLS = ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64'];

/** The bubblewrap command line for `command` in the sandbox: pure, so it can be read and tested. */
export function sandboxArguments(spec: SandboxSpec, command: readonly string[]): string[] {
  const args = [
    '--die-with-parent',
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...HOST_TOOLS,
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--tmpfs', '/run',
    // HOME is an empty folder: no ~/.rpmmacros or other per-user configuration counts.
    '--tmpfs', '/home',
    // No /etc of the host: its rpm macros, rpm plugins' configuration and dnf's files do not count.
    '--dir', '/etc',
    '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache',
    '--ro-bind', spec.rpmMacrosFile, '/etc/rpm/macros.strata',
  ];
  for (const path of spec.readOnly ?? []) args.push('--ro-bind', path, path);
  for (const path of spec.writable ?? []) args.push('--bind', path, path);
  if (spec.imageRoot) {
    const root = spec.imageRoot;
    args.push('--bind', root, root, '--proc', `${root}/proc`, '--dev', `${root}/dev`, '--tmpfs', `${root}/run`, '--tmpfs', `${root}/tmp`);
  }
  args.push(
    '--clearenv',
    '--setenv', 'PATH', '/usr/bin:/usr/sbin',
    '--setenv', 'LC_ALL', 'C.UTF-8',
    '--setenv', 'HOME', '/home',
    '--setenv', 'TMPDIR', '/tmp',
    '--setenv', 'SOURCE_DATE_EPOCH', String(spec.sourceDateEpoch),
    '--setenv', 'SYSTEMD_OFFLINE', '1',
    '--chdir', '/',
    '--',
    ...command,
  );
  return args;
}

/** Where strata's trees keep their rpm database (Debian's rpm would otherwise look under $HOME). */
export const RPMDB_PATH = '/usr/lib/sysimage/rpm';

/**
 * strata's rpm configuration: the database inside the image, and no rpm plugins at all. rpm
 * leaves the API file systems' folders to the sandbox (they are netshared paths): what a package
 * ships below them is hidden at boot, where the initrd mounts them, and the folders themselves are
 * mount points here, which rpm could not chown as root of a user namespace (the proc mount
 * belongs to the host's root). They get their packaged mode and owner afterwards.
 */
export const RPM_MACROS = [
  `%_dbpath ${RPMDB_PATH}`,
  '%__plugindir /usr/lib/strata-has-no-rpm-plugins',
  `%_netsharedpath ${API_MOUNTS.map((dir) => `/${dir}`).join(':')}`,
  '',
].join('\n');

async function requireBubblewrap(): Promise<void> {
  const found = await access('/usr/bin/bwrap').then(() => true, () => false);
  if (!found) throw new Error('bubblewrap (/usr/bin/bwrap) is missing: strata runs every package manager call in a bubblewrap sandbox; install it with: bash tools/host/setup.sh (or apt-get install bubblewrap)');
}

/**
 * Run `command` in the sandbox. The API file systems are mounted over the image's own folders
 * while it runs; where the sandbox had to create such a folder, it gets the mode and owner the
 * image's rpm database gives it afterwards (the mount hid rpm's chmod from the folder itself).
 */
export async function runSandboxed(spec: Omit<SandboxSpec, 'rpmMacrosFile'>, command: readonly string[], options: Options = {}) {
  await requireBubblewrap();
  // Named after this process, so a later build collects it if this one is killed.
  const etc = await makeOwnedDir(tmpdir(), 'strata-sandbox-');
  const macros = join(etc, 'macros.strata');
  await writeFile(macros, RPM_MACROS);
  const root = spec.imageRoot;
  const existed = root ? await Promise.all(API_MOUNTS.map((dir) => lstat(join(root, dir)).then(() => true, () => false))) : [];
  try {
    return await execa('/usr/bin/bwrap', sandboxArguments({ ...spec, rpmMacrosFile: macros }, command), options);
  } finally {
    await rm(etc, { recursive: true, force: true });
    if (root) await restoreMountPoints(root, API_MOUNTS.filter((_, i) => !existed[i]));
  }
}

/** Give folders made as mount points the mode and owner their package records (root-owned only). */
async function restoreMountPoints(root: string, made: readonly string[]): Promise<void> {
  if (made.length === 0) return;
  const query = await execa('rpm', ['--root', root, '--define', `_dbpath ${RPMDB_PATH}`, '-qa', '--qf', '[%{FILENAMES}\t%{FILEMODES}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\n]'], { reject: false });
  const recorded = new Map(query.stdout.split('\n').filter(Boolean).map((line) => {
    const [name, mode, user, group] = line.split('\t');
    return [name, { mode: Number(mode), user, group }] as const;
  }));
  for (const dir of made) {
    const path = join(root, dir);
    const entry = recorded.get(`/${dir}`);
    if (!entry) {
      // No package owns it: it is only a mount point, so it goes again.
      await rmdir(path).catch(() => undefined);
      continue;
    }
    await chmod(path, entry.mode & 0o7777);
    if (entry.user === 'root' && entry.group === 'root') await chown(path, 0, 0);
  }
}
