import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { splitDeviceNumber, type DeviceNode } from '@strata/cpio';
import { anyGlobMatcher, type PathMatcher } from '@strata/glob';
import { RPMDB_MACRO } from '@strata/rpm';

/**
 * Device nodes never exist in a build's tree: rpm leaves /dev to the sandbox (a netshared path),
 * and a tree archive's nodes are only recorded when a child extracts it. Each archive gets them
 * from metadata instead, so no build needs mknod and an unprivileged build gives the same bytes.
 */

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** A device node as a package's file list records it. */
export interface PackagedDeviceNode {
  name: string;
  mode: number;
  user: string;
  group: string;
  mtime: number;
  /** rpm's 16-bit device number: the low bits of dev_t (major in the high byte, minor in the low one). */
  rdev: number;
  nevra: string;
}

/** The device nodes rpm's database lists for the tree's packages, by name. */
export async function queryPackagedDeviceNodes(root: string): Promise<PackagedDeviceNode[]> {
  const format = '[%{FILENAMES}\\t%{FILEMODES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEMTIMES}\\t%{FILERDEVS}\\t%{=NEVRA}\\n]';
  const { stdout, stderr } = await execa('rpm', ['--root', root, ...RPMDB_MACRO, '-qa', '--qf', format]);
  // rpm reports a bad query format on stderr and still exits 0.
  if (stderr.trim() !== '') throw new Error(`rpm could not list the device nodes of ${root}: ${stderr.trim()}`);
  return parsePackagedDeviceNodes(stdout);
}

export function parsePackagedDeviceNodes(text: string): PackagedDeviceNode[] {
  const nodes: PackagedDeviceNode[] = [];
  for (const line of text.split('\n')) {
    const [name, mode, user, group, mtime, rdev, nevra] = line.split('\t');
    const type = Number(mode) & S_IFMT;
    if (nevra === undefined || (type !== S_IFCHR && type !== S_IFBLK)) continue;
    nodes.push({ name: name.replace(/^\/+/, ''), mode: Number(mode) & 0xffff, user, group, mtime: Number(mtime), rdev: Number(rdev) & 0xffff, nevra });
  }
  return nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** name -> id from an /etc/passwd or /etc/group text. */
export function parseIdTable(text: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && /^\d+$/.test(id ?? '') && !ids.has(name)) ids.set(name, Number(id));
  }
  return ids;
}

export interface OwnerIds {
  users: Map<string, number>;
  groups: Map<string, number>;
}

/** The image's own user and group names (never the host's). */
export async function readOwnerIds(root: string): Promise<OwnerIds> {
  const read = (file: string): Promise<string> => readFile(join(root, 'etc', file), 'utf8').catch(() => '');
  return { users: parseIdTable(await read('passwd')), groups: parseIdTable(await read('group')) };
}

function ownerId(table: Map<string, number>, name: string, what: string, node: PackagedDeviceNode): number {
  const id = table.get(name) ?? (name === 'root' ? 0 : undefined);
  if (id === undefined) throw new Error(`${node.nevra} ships the device node /${node.name} owned by ${what} "${name}", which the image's /etc/${what === 'user' ? 'passwd' : 'group'} does not name; install the package that creates it in the same layer or a base`);
  return id;
}

export interface DeviceSelection {
  /** Nodes the base's tree archive carried (recorded when it was extracted). */
  carried: readonly DeviceNode[];
  /** What the rpm database lists now, after installs and removePackages. */
  packaged: readonly PackagedDeviceNode[];
  /** Packages installed before this layer's transaction. */
  installedBefore: ReadonlySet<string>;
  removeFiles: readonly string[];
  owners: OwnerIds;
}

/**
 * The layer's device nodes: what the base carried, while a package still owns it, plus what
 * this layer's packages add, less what removeFiles matches (a node the base's removeFiles dropped
 * stays dropped, since only the base's archive speaks for the base).
 */
export function selectDeviceNodes(selection: DeviceSelection): DeviceNode[] {
  const owned = new Set(selection.packaged.map((node) => node.name));
  const removed = anyGlobMatcher(selection.removeFiles);
  const byName = new Map<string, DeviceNode>();
  for (const node of selection.carried) if (owned.has(node.name)) byName.set(node.name, node);
  for (const node of selection.packaged) {
    if (selection.installedBefore.has(node.nevra)) continue;
    const rdev = splitDeviceNumber(BigInt(node.rdev));
    byName.set(node.name, {
      name: node.name,
      mode: node.mode,
      uid: ownerId(selection.owners.users, node.user, 'user', node),
      gid: ownerId(selection.owners.groups, node.group, 'group', node),
      mtime: node.mtime,
      rdevMajor: rdev.major,
      rdevMinor: rdev.minor,
    });
  }
  return [...byName.values()].filter((node) => !removedByGlobs(node.name, removed)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** As removeMatchingFiles decides: the name, or a folder above it, matches. */
function removedByGlobs(name: string, removed: PathMatcher): boolean {
  const parts = name.split('/');
  return parts.some((_, i) => removed(parts.slice(0, i + 1).join('/')));
}
