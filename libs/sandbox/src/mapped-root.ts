import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/**
 * Builds need root's view of an image's files: rpm gives them owners, the archive records them.
 * An ordinary user gets that view in a user namespace where it is root and ids 1..65535 are its
 * subordinate ids (from /etc/subuid and /etc/subgid, through newuidmap and newgidmap), so every
 * file keeps the owner its package gives it and the image is the one a root build makes.
 */

/**
 * Subordinate ids a build needs: with the caller as 0, unshare maps the range to 1..65535, every
 * owner a package can give a file.
 */
export const SUBORDINATE_IDS_NEEDED = 65536;

export interface SubordinateRange {
  start: number;
  count: number;
}

/** The first range of /etc/subuid (or subgid) text that belongs to `user` (by name or uid). */
export function subordinateRange(text: string, user: { name: string; id: number }): SubordinateRange | null {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== user.name && owner !== String(user.id)) continue;
    if (!/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    return { start: Number(start), count: Number(count) };
  }
  return null;
}

/** What the host says about user namespaces, read by `readMappedRootFacts`. */
export interface MappedRootFacts {
  user: { name: string; id: number; gid: number };
  subuid: string | null;
  subgid: string | null;
  newuidmap: boolean;
  newgidmap: boolean;
  /** /proc/sys/user/max_user_namespaces */
  maxUserNamespaces: number | null;
  /** /proc/sys/kernel/unprivileged_userns_clone (Debian's switch), when the kernel has it. */
  unprivilegedUsernsClone: number | null;
  /** /proc/sys/kernel/apparmor_restrict_unprivileged_userns (Ubuntu's switch), when present. */
  apparmorRestrictsUserns: number | null;
}

function readNumber(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function readMappedRootFacts(): MappedRootFacts {
  const info = userInfo();
  return {
    user: { name: info.username, id: info.uid, gid: info.gid },
    subuid: readText('/etc/subuid'),
    subgid: readText('/etc/subgid'),
    newuidmap: existsSync('/usr/bin/newuidmap'),
    newgidmap: existsSync('/usr/bin/newgidmap'),
    maxUserNamespaces: readNumber('/proc/sys/user/max_user_namespaces'),
    unprivilegedUsernsClone: readNumber('/proc/sys/kernel/unprivileged_userns_clone'),
    apparmorRestrictsUserns: readNumber('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
  };
}

/**
 * Why this host cannot give `facts.user` a mapped root, each with what to configure; empty when
 * it can. Pure, so that every message is tested.
 */
export function mappedRootProblems(facts: MappedRootFacts): string[] {
  const problems: string[] = [];
  const { name, id } = facts.user;
  if (!facts.newuidmap || !facts.newgidmap) {
    problems.push('newuidmap and newgidmap are missing: install them with: apt-get install uidmap (or bash tools/host/setup.sh)');
  }
  for (const [file, text, flag] of [['/etc/subuid', facts.subuid, '--add-subuids'], ['/etc/subgid', facts.subgid, '--add-subgids']] as const) {
    const range = text === null ? null : subordinateRange(text, { name, id });
    const fix = `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${name}`;
    if (!range) problems.push(`${file} gives ${name} no subordinate ids; as root, run: ${fix}`);
    else if (range.count < SUBORDINATE_IDS_NEEDED) {
      problems.push(`${file} gives ${name} ${range.count} subordinate ids, and a build needs ${SUBORDINATE_IDS_NEEDED} (package owners 1..65535); as root, give it a full range with: usermod ${flag} <first>-<first+65535> ${name}`);
    }
  }
  if (facts.maxUserNamespaces === 0) {
    problems.push('user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0); as root, run: sysctl -w user.max_user_namespaces=15000');
  }
  if (facts.unprivilegedUsernsClone === 0) {
    problems.push('unprivileged user namespaces are disabled (/proc/sys/kernel/unprivileged_userns_clone is 0); as root, run: sysctl -w kernel.unprivileged_userns_clone=1');
  }
  if (facts.apparmorRestrictsUserns === 1) {
    problems.push('AppArmor restricts unprivileged user namespaces (/proc/sys/kernel/apparmor_restrict_unprivileged_userns is 1); as root, run: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give unshare and bwrap an AppArmor profile that allows userns');
  }
  return problems;
}

/** True when this process must enter a mapped-root user namespace to build. */
export function needsMappedRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() !== 0;
}

/** Fails, saying what to configure, when this host cannot give the caller a mapped root. */
export function requireMappedRoot(facts: MappedRootFacts = readMappedRootFacts()): void {
  const problems = mappedRootProblems(facts);
  if (problems.length === 0) return;
  throw new Error(
    `building as ${facts.user.name} (uid ${facts.user.id}) needs a user namespace where it is root and its subordinate ids own the image's files, and this host cannot give it one:\n` +
      problems.map((p) => `  - ${p}`).join('\n') +
      '\n(or build as root)',
  );
}

/**
 * The command that runs `command` as root of a new user namespace: the caller is 0, its
 * subordinate ids are 1..65535. unshare's --map-auto takes the first range of /etc/subuid and
 * /etc/subgid and applies it with newuidmap and newgidmap.
 */
export function mappedRootCommand(command: readonly string[]): string[] {
  return ['/usr/bin/unshare', '--user', '--map-root-user', '--map-auto', '--', ...command];
}
