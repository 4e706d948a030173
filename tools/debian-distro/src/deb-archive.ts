/**
 * Reads a .deb through dpkg-deb (which knows every compression a .deb may use): the control
 * members (control, conffiles, maintainer scripts) and the data members.
 */
import { execa } from 'execa';
import { parseConffiles, parseControl, type ControlParagraph } from './control';
import { parseTar, type TarEntry } from './tar';

export interface DebControl {
  control: ControlParagraph;
  conffiles: string[];
  /** Maintainer scripts and other control members by name (postinst, preinst, triggers, ...). */
  members: ReadonlyMap<string, string>;
}

export interface DebArchive extends DebControl {
  data: TarEntry[];
}

/**
 * The tar stream dpkg-deb writes, read as it comes: the data member of a large package never
 * sits in memory as one archive.
 */
async function dpkgDebTar(args: string[]): Promise<TarEntry[]> {
  const subprocess = execa('dpkg-deb', args, {
    encoding: 'buffer',
    buffer: { stdout: false },
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    reject: false,
  });
  const [entries, result] = await Promise.all([parseTar(subprocess.stdout).catch((err: Error) => err), subprocess]);
  // dpkg-deb's own complaint comes first: a tar cut short is what its failure looks like from here.
  if (result.exitCode !== 0) {
    const reading = entries instanceof Error ? `; reading its output: ${entries.message}` : '';
    throw new Error(`dpkg-deb ${args.join(' ')} failed (exit ${result.exitCode}): ${Buffer.from(result.stderr).toString('utf8')}${reading}`);
  }
  if (entries instanceof Error) throw new Error(`dpkg-deb ${args.join(' ')}: ${entries.message}`);
  return entries;
}

export function controlFromMembers(entries: TarEntry[]): DebControl {
  const members = new Map<string, string>();
  for (const entry of entries) {
    if (entry.type !== 'file') continue;
    members.set(entry.name.replace(/^\.?\//, ''), entry.data.toString('utf8'));
  }
  const controlText = members.get('control');
  if (controlText === undefined) throw new Error('no control member');
  return { control: parseControl(controlText), conffiles: parseConffiles(members.get('conffiles') ?? ''), members };
}

export async function readDebControl(path: string): Promise<DebControl> {
  return controlFromMembers(await dpkgDebTar(['--ctrl-tarfile', path]));
}

export async function readDeb(path: string): Promise<DebArchive> {
  const [control, data] = await Promise.all([readDebControl(path), dpkgDebTar(['--fsys-tarfile', path])]);
  return { ...control, data };
}
