/**
 * What one .deb becomes, as data: the RPM header fields and the payload. Pure: the same .deb
 * and the same alternatives always give the same plan.
 */
import { posix } from 'node:path';
import { type Alternative, type AlternativeLink } from './alternatives';
import { foldedField, parseDescription, requiredField, type ControlParagraph } from './control';
import { type DebArchive } from './deb-archive';
import { debianToRpmEvr, type RpmEvr } from './deb-version';
import { sortPayload, symlink, type PayloadEntry } from './payload';
import { conflictsToRpm, providesToRpm, relationsToRpm } from './relations';
import { STATIC_FIXUPS } from './static-fixups';
import { type TarEntry } from './tar';
import { archivePath, usrMergePath, usrMergeSymlinkTarget } from './usrmerge';

export type RpmArch = 'x86_64' | 'noarch';

export interface PackagePlan {
  name: string;
  evr: RpmEvr;
  arch: RpmArch;
  summary: string;
  description: string;
  url?: string;
  group?: string;
  license: string;
  /** Newest file time in the .deb: SOURCE_DATE_EPOCH and build time of the RPM. */
  sourceDateEpoch: number;
  provides: string[];
  requires: string[];
  requiresPre: string[];
  conflicts: string[];
  recommends: string[];
  suggests: string[];
  enhances: string[];
  payload: PayloadEntry[];
  /** What was done in place of maintainer scripts (for the log). */
  notes: string[];
}

export const DEB_ARCH: Readonly<Record<string, RpmArch>> = { amd64: 'x86_64', all: 'noarch' };

/** Every converted package needs the filesystem layout (and, through it, the users and groups) first. */
export const BASE_REQUIREMENT = 'filesystem';

export interface PlanOptions {
  /** Paths the `filesystem` package owns: a .deb's directories and symlinks there are left out. */
  skeleton: ReadonlyMap<string, PayloadEntry>;
  /** The alternatives this package provides (those it wins in the distribution). */
  alternatives?: readonly Alternative[];
}

function mapEntry(entry: TarEntry): PayloadEntry | undefined {
  const original = archivePath(entry.name);
  if (original === '/') return undefined;
  const path = usrMergePath(original);
  const base = { path, mode: entry.mode, user: entry.uname || String(entry.uid), group: entry.gname || String(entry.gid), mtime: entry.mtime };
  switch (entry.type) {
    case 'file':
      return { ...base, type: 'file', data: entry.data };
    case 'directory':
      return { ...base, type: 'directory' };
    case 'symlink':
      return { ...base, type: 'symlink', mode: 0o777, target: usrMergeSymlinkTarget(original, entry.linkname) };
    case 'hardlink':
      return { ...base, type: 'hardlink', target: usrMergePath(archivePath(entry.linkname)) };
    default:
      throw new Error(`${entry.name}: ${entry.type} nodes are not supported`);
  }
}

/** The first ancestor of `path` that the skeleton has as a symlink. */
function symlinkAncestor(path: string, skeleton: ReadonlyMap<string, PayloadEntry>): string | undefined {
  for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) {
    if (skeleton.get(dir)?.type === 'symlink') return dir;
  }
  return undefined;
}

function alternativeEntries(alternatives: readonly Alternative[], has: (path: string) => boolean, mtime: number, notes: string[]): PayloadEntry[] {
  const out: PayloadEntry[] = [];
  const add = (link: AlternativeLink): void => {
    const target = usrMergePath(link.path);
    if (!has(target)) return;
    out.push(symlink(usrMergePath(link.link), `/etc/alternatives/${link.name}`, mtime), symlink(`/etc/alternatives/${link.name}`, target, mtime));
  };
  for (const alternative of alternatives) {
    if (!has(usrMergePath(alternative.path))) {
      notes.push(`alternative ${alternative.name}: ${alternative.path} is not in the package, skipped`);
      continue;
    }
    add(alternative);
    alternative.slaves.forEach(add);
    notes.push(`alternative ${alternative.name}: ${alternative.link} -> ${alternative.path}`);
  }
  return out;
}

function relationFields(control: ControlParagraph): Pick<PackagePlan, 'requires' | 'requiresPre' | 'conflicts' | 'recommends' | 'suggests' | 'enhances'> {
  const field = (name: string): string => foldedField(control, name);
  return {
    requires: relationsToRpm(field('Depends'), 'Depends'),
    requiresPre: relationsToRpm(field('Pre-Depends'), 'Pre-Depends'),
    conflicts: conflictsToRpm(field('Conflicts'), field('Breaks')),
    recommends: relationsToRpm(field('Recommends'), 'Recommends'),
    suggests: relationsToRpm(field('Suggests'), 'Suggests'),
    enhances: relationsToRpm(field('Enhances'), 'Enhances'),
  };
}

export function planPackage(deb: DebArchive, options: PlanOptions): PackagePlan {
  const { control } = deb;
  const name = requiredField(control, 'Package');
  const version = requiredField(control, 'Version');
  const debArch = requiredField(control, 'Architecture');
  const arch = DEB_ARCH[debArch];
  if (!arch) throw new Error(`${name}: architecture ${debArch} is not supported`);
  const notes: string[] = [];

  const sourceDateEpoch = deb.data.reduce((max, e) => Math.max(max, e.mtime), 0);
  const byPath = new Map<string, PayloadEntry>();
  for (const tarEntry of deb.data) {
    const entry = mapEntry(tarEntry);
    if (!entry) continue;
    const skeleton = options.skeleton.get(entry.path);
    if (skeleton) {
      if (entry.type !== 'directory' && !(entry.type === 'symlink' && skeleton.type === 'symlink')) {
        throw new Error(`${name}: ${tarEntry.name} is a ${entry.type} where the filesystem package has a ${skeleton.type}`);
      }
      if (entry.type === 'directory' && skeleton.type === 'directory' && (entry.mode !== skeleton.mode || entry.group !== skeleton.group)) {
        notes.push(`${entry.path}: mode ${entry.mode.toString(8)} ${entry.user}:${entry.group} left to filesystem (${skeleton.mode.toString(8)} ${skeleton.user}:${skeleton.group})`);
      }
      continue;
    }
    const under = symlinkAncestor(entry.path, options.skeleton);
    if (under) throw new Error(`${name}: ${tarEntry.name} lies under ${under}, a symlink of the filesystem package`);
    const previous = byPath.get(entry.path);
    if (previous) {
      // /bin and /usr/bin both listed: fine for directories with the same attributes only.
      if (previous.type === 'directory' && entry.type === 'directory' && previous.mode === entry.mode && previous.user === entry.user && previous.group === entry.group) continue;
      throw new Error(`${name}: ${entry.path} appears twice once /usr is merged`);
    }
    byPath.set(entry.path, entry);
  }
  // A hard link carries the attributes of the file it links to.
  for (const entry of byPath.values()) {
    if (entry.type !== 'hardlink') continue;
    const file = byPath.get(entry.target!);
    if (!file || file.type !== 'file') throw new Error(`${name}: hard link ${entry.path} to missing ${entry.target}`);
    Object.assign(entry, { mode: file.mode, user: file.user, group: file.group });
  }

  const fileData = (path: string): Buffer | undefined => {
    const entry = byPath.get(path);
    if (entry?.type === 'file') return entry.data;
    if (entry?.type === 'hardlink') return byPath.get(entry.target!)?.data;
    return undefined;
  };
  const has = (path: string): boolean => byPath.has(path);
  const extra: PayloadEntry[] = alternativeEntries(options.alternatives ?? [], has, sourceDateEpoch, notes);
  const fixup = STATIC_FIXUPS[name];
  if (fixup) {
    extra.push(...fixup.entries({ file: fileData, mtime: sourceDateEpoch }));
    notes.push(`static: ${fixup.replaces}`);
  }
  for (const entry of extra) {
    if (byPath.has(entry.path) || options.skeleton.has(entry.path)) throw new Error(`${name}: ${entry.path} already exists, cannot add it`);
    byPath.set(entry.path, entry);
  }

  for (const conffile of deb.conffiles) {
    const entry = byPath.get(usrMergePath(posix.normalize(conffile)));
    if (!entry) throw new Error(`${name}: conffile ${conffile} is not in the package`);
    entry.config = true;
  }

  const description = parseDescription(control.get('description'));
  const homepage = control.get('homepage');
  const section = control.get('section');
  const provides = providesToRpm(name, version, foldedField(control, 'Provides'));
  const relations = relationFields(control);
  return {
    name,
    evr: debianToRpmEvr(version),
    arch,
    summary: description.summary || name,
    description: description.body || description.summary || name,
    ...(homepage ? { url: homepage } : {}),
    ...(section ? { group: section } : {}),
    license: `see /usr/share/doc/${name}/copyright`,
    sourceDateEpoch,
    provides,
    ...relations,
    requiresPre: [BASE_REQUIREMENT, ...relations.requiresPre.filter((r) => r !== BASE_REQUIREMENT)],
    payload: sortPayload([...byPath.values()]),
    notes,
  };
}

/** Content of a payload file, following a hard link to its data. */
export function payloadFile(plan: PackagePlan, path: string): Buffer | undefined {
  const entry = plan.payload.find((e) => e.path === path);
  if (entry?.type === 'file') return entry.data;
  if (entry?.type === 'hardlink') return plan.payload.find((e) => e.path === entry.target)?.data;
  return undefined;
}

