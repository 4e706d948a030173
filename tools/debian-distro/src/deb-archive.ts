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

const MAX_BUFFER = 2 * 1024 ** 3;

async function dpkgDeb(args: string[]): Promise<Buffer> {
  const result = await execa('dpkg-deb', args, {
    encoding: 'buffer',
    maxBuffer: MAX_BUFFER,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new Error(`dpkg-deb ${args.join(' ')} failed (exit ${result.exitCode}): ${Buffer.from(result.stderr).toString('utf8')}`);
  }
  return Buffer.from(result.stdout);
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
  return controlFromMembers(parseTar(await dpkgDeb(['--ctrl-tarfile', path])));
}

export async function readDeb(path: string): Promise<DebArchive> {
  const [control, data] = await Promise.all([readDebControl(path), dpkgDeb(['--fsys-tarfile', path])]);
  return { ...control, data: parseTar(data) };
}
