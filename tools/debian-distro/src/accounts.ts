/**
 * The system users and groups of the distribution, made statically (no maintainer script runs):
 *   - Debian's fixed ids from base-passwd's passwd.master and group.master (what update-passwd
 *     installs),
 *   - the sysusers.d entries the packages ship (what their postinst does with systemd-sysusers):
 *     dynamic ids counted down from 999, as systemd-sysusers allocates them,
 *   - the groups postinst scripts create with `addgroup --system NAME` (udev: input, kvm, ...):
 *     dynamic ids counted up from 100, as adduser allocates them.
 * Everything is processed in a fixed order, so the same packages always give the same ids.
 */
import { logicalLines } from './alternatives';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface Accounts {
  users: UserEntry[];
  groups: GroupEntry[];
}

export type SysusersEntry =
  | { type: 'u'; name: string; id: string; gecos: string; home: string; shell: string }
  | { type: 'g'; name: string; id: string }
  | { type: 'm'; name: string; group: string };

const SYSTEM_ID_MAX = 999;
const ADDUSER_FIRST_SYSTEM_ID = 100;
const NOLOGIN = '/usr/sbin/nologin';

/** passwd.master / group.master ("name:password:id:..." lines). */
export function parsePasswd(text: string): UserEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, , uid, gid, gecos, home, shell] = line.split(':');
      if (!name || uid === undefined || gid === undefined) throw new Error(`bad passwd line "${line}"`);
      return { name, uid: Number(uid), gid: Number(gid), gecos: gecos ?? '', home: home ?? '/', shell: shell ?? NOLOGIN };
    });
}

export function parseGroup(text: string): GroupEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, , gid, members] = line.split(':');
      if (!name || gid === undefined) throw new Error(`bad group line "${line}"`);
      return { name, gid: Number(gid), members: (members ?? '').split(',').filter(Boolean) };
    });
}

function sysusersFields(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** A sysusers.d file; "-" fields become "" and range lines (r) are ignored. */
export function parseSysusers(text: string): SysusersEntry[] {
  const entries: SysusersEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [type, name, id = '-', gecos = '-', home = '-', shell = '-'] = sysusersFields(line);
    const value = (field: string): string => (field === '-' ? '' : field);
    if (!name) throw new Error(`bad sysusers line "${line}"`);
    if (type === 'u') entries.push({ type, name, id: value(id), gecos: value(gecos), home: value(home), shell: value(shell) });
    else if (type === 'g') entries.push({ type, name, id: value(id) });
    else if (type === 'm') entries.push({ type, name, group: id });
    else if (type !== 'r') throw new Error(`unknown sysusers type "${type}" in "${line}"`);
  }
  return entries;
}

/** The group names of `addgroup [--quiet] --system NAME` calls with a literal NAME. */
export function parseSystemGroups(script: string): string[] {
  const groups: string[] = [];
  for (const line of logicalLines(script)) {
    const match = /(?:^|[\s;(&|])addgroup\s+((?:--?[a-z-]+\s+)*)([a-z_][a-z0-9_-]*)\s*(?:$|[;|&>)]|\s)/.exec(line);
    if (!match) continue;
    const flags = match[1]!.split(/\s+/).filter(Boolean);
    if (flags.includes('--system')) groups.push(match[2]!);
  }
  return groups;
}

class Allocator {
  readonly users: UserEntry[];
  readonly groups: GroupEntry[];

  constructor(base: Accounts) {
    this.users = base.users.map((u) => ({ ...u }));
    this.groups = base.groups.map((g) => ({ ...g, members: [...g.members] }));
  }

  user(name: string): UserEntry | undefined {
    return this.users.find((u) => u.name === name);
  }

  group(name: string): GroupEntry | undefined {
    return this.groups.find((g) => g.name === name);
  }

  uidFree(id: number): boolean {
    return !this.users.some((u) => u.uid === id);
  }

  gidFree(id: number): boolean {
    return !this.groups.some((g) => g.gid === id);
  }

  /** Highest id <= 999 free as uid and gid (sysusers keeps a user's uid and gid equal when it can). */
  downward(free: (id: number) => boolean): number {
    for (let id = SYSTEM_ID_MAX; id >= 1; id--) if (free(id)) return id;
    throw new Error('no free system id left');
  }

  upward(free: (id: number) => boolean): number {
    for (let id = ADDUSER_FIRST_SYSTEM_ID; id <= SYSTEM_ID_MAX; id++) if (free(id)) return id;
    throw new Error('no free system id left');
  }

  addGroup(name: string, gid: number): void {
    this.groups.push({ name, gid, members: [] });
  }
}

function numericId(text: string): number | undefined {
  return /^[0-9]+$/.test(text) ? Number(text) : undefined;
}

/**
 * Applies sysusers entries (already in processing order) and then addgroup'd system groups to
 * the base accounts. Existing names are never changed.
 */
export function allocateAccounts(base: Accounts, sysusers: readonly SysusersEntry[], systemGroups: readonly string[]): Accounts {
  const a = new Allocator(base);
  // Groups first, as systemd-sysusers does: explicit g lines and the primary groups of u lines.
  for (const entry of sysusers) {
    if (entry.type === 'm' || a.group(entry.name)) continue;
    if (entry.type === 'g') {
      const wanted = numericId(entry.id);
      a.addGroup(entry.name, wanted !== undefined && a.gidFree(wanted) ? wanted : a.downward((id) => a.gidFree(id) && a.uidFree(id)));
      continue;
    }
    const [uidText = '', gidText] = entry.id.split(':');
    if (gidText !== undefined && numericId(gidText) === undefined) continue; // "uid:groupname": the group exists elsewhere
    if (gidText !== undefined && !a.gidFree(Number(gidText))) continue;
    const wanted = numericId(gidText ?? uidText);
    const existingUser = a.user(entry.name);
    const gid =
      wanted !== undefined && a.gidFree(wanted)
        ? wanted
        : existingUser && a.gidFree(existingUser.uid)
          ? existingUser.uid
          : a.downward((id) => a.gidFree(id) && a.uidFree(id));
    a.addGroup(entry.name, gid);
  }
  for (const entry of sysusers) {
    if (entry.type !== 'u' || a.user(entry.name)) continue;
    const [uidText = '', gidText] = entry.id.split(':');
    const wantedUid = numericId(uidText);
    const group = gidText === undefined ? a.group(entry.name) : (numericId(gidText) !== undefined ? a.groups.find((g) => g.gid === Number(gidText)) : a.group(gidText));
    if (!group) throw new Error(`sysusers: no group for user ${entry.name}`);
    const uid =
      wantedUid !== undefined && a.uidFree(wantedUid)
        ? wantedUid
        : group.name === entry.name && a.uidFree(group.gid)
          ? group.gid
          : a.downward((id) => a.uidFree(id) && a.gidFree(id));
    a.users.push({
      name: entry.name,
      uid,
      gid: group.gid,
      gecos: entry.gecos,
      home: entry.home || '/',
      shell: entry.shell || (uid === 0 ? '/bin/sh' : NOLOGIN),
    });
  }
  for (const entry of sysusers) {
    if (entry.type !== 'm') continue;
    const group = a.group(entry.group);
    if (!group) throw new Error(`sysusers: m ${entry.name} ${entry.group}: no such group`);
    if (!group.members.includes(entry.name)) group.members.push(entry.name);
  }
  for (const name of systemGroups) {
    if (a.group(name)) continue;
    a.addGroup(name, a.upward((id) => a.gidFree(id)));
  }
  return { users: a.users, groups: a.groups };
}

export interface AccountFiles {
  passwd: string;
  group: string;
  shadow: string;
  gshadow: string;
}

/** /etc/passwd, group, shadow and gshadow; every password is locked ("*"), as update-passwd leaves them. */
export function renderAccounts(accounts: Accounts, lastChangeDay: number): AccountFiles {
  const lines = (items: string[]): string => items.map((line) => `${line}\n`).join('');
  return {
    passwd: lines(accounts.users.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}`)),
    group: lines(accounts.groups.map((g) => `${g.name}:x:${g.gid}:${g.members.join(',')}`)),
    shadow: lines(accounts.users.map((u) => `${u.name}:*:${lastChangeDay}:0:99999:7:::`)),
    gshadow: lines(accounts.groups.map((g) => `${g.name}:*::${g.members.join(',')}`)),
  };
}
