/**
 * Maintainer scripts are not run. What their postinst would have left on a fresh install, and
 * what a booting system reads, is made here as plain payload of the same package. (Users and
 * groups go to the `setup` package, update-alternatives links are in alternatives.ts, the
 * directories and symlinks base-files' postinst makes are in the `filesystem` package.)
 */
import { regularFile, type PayloadEntry } from './payload';

export interface FixupContext {
  /** Content of a regular file of the package (merged path), if it ships one. */
  file(path: string): Buffer | undefined;
  /** Modification time for everything made here (the package's SOURCE_DATE_EPOCH). */
  mtime: number;
}

export interface StaticFixup {
  /** What the maintainer script does, for the README and the build log. */
  replaces: string;
  entries(context: FixupContext): PayloadEntry[];
}

/** postinst's `cp /usr/share/...default /etc/...` on first install, as a %config(noreplace) file. */
function copyDefault(context: FixupContext, from: string, to: string, mode = 0o644): PayloadEntry[] {
  const data = context.file(from);
  if (data === undefined) throw new Error(`expected ${from} in the package to create ${to}`);
  return [regularFile(to, data, context.mtime, { mode, config: true })];
}

export const STATIC_FIXUPS: Readonly<Record<string, StaticFixup>> = {
  'base-files': {
    replaces: 'postinst copies /etc/profile, /etc/motd, /root/.profile and /root/.bashrc from /usr/share/base-files and creates /var/log/{wtmp,btmp,lastlog} (root:utmp)',
    entries: (c) => [
      ...copyDefault(c, '/usr/share/base-files/profile', '/etc/profile'),
      ...copyDefault(c, '/usr/share/base-files/motd', '/etc/motd'),
      ...copyDefault(c, '/usr/share/base-files/dot.profile', '/root/.profile'),
      ...copyDefault(c, '/usr/share/base-files/dot.bashrc', '/root/.bashrc'),
      regularFile('/var/log/wtmp', '', c.mtime, { mode: 0o664, group: 'utmp', config: true }),
      regularFile('/var/log/btmp', '', c.mtime, { mode: 0o660, group: 'utmp', config: true }),
      regularFile('/var/log/lastlog', '', c.mtime, { mode: 0o664, group: 'utmp', config: true }),
    ],
  },
  'libc-bin': {
    replaces: 'postinst copies /etc/nsswitch.conf from /usr/share/libc-bin (its ldconfig run is not needed: ld.so searches the multiarch folders by default)',
    entries: (c) => copyDefault(c, '/usr/share/libc-bin/nsswitch.conf', '/etc/nsswitch.conf'),
  },
  debianutils: {
    replaces: 'postinst copies /etc/shells from /usr/share/debianutils/shells (update-shells, which adds the shells.d entries of other packages, is not run)',
    entries: (c) => copyDefault(c, '/usr/share/debianutils/shells', '/etc/shells'),
  },
  kmod: {
    replaces: 'postinst creates an empty /etc/modules (the target of /etc/modules-load.d/modules.conf)',
    entries: (c) => [
      regularFile(
        '/etc/modules',
        '# /etc/modules: kernel modules to load at boot time.\n#\n# This file contains the names of kernel modules that should be loaded\n# at boot time, one per line. Lines beginning with "#" are ignored.\n',
        c.mtime,
        { config: true },
      ),
    ],
  },
  'libpam-modules': {
    replaces: 'postinst creates empty /etc/security/opasswd (0600) and /etc/environment',
    entries: (c) => [
      regularFile('/etc/security/opasswd', '', c.mtime, { mode: 0o600, config: true }),
      regularFile('/etc/environment', '', c.mtime, { config: true }),
    ],
  },
};
