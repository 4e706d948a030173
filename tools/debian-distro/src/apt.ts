/**
 * apt in its own state, for downloading a dependency closure without touching the host's
 * package state: its own configuration (APT_CONFIG; the host's apt.conf.d is not read), its own
 * lists, caches and logs, an empty dpkg status file (so the whole closure is "missing" and gets
 * fetched), amd64 only, no Recommends. The mirror lines are the host's Debian entries, copied
 * into the state folder; so are the few host Acquire settings that decide whether the mirror
 * can be reached at all (proxy, Check-Valid-Until for a snapshot mirror).
 * Every apt call holds an flock on the state folder, so concurrent builds take turns.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { requireFreeSpace } from '@strata/output';
import { parseControlParagraphs } from './control';

export interface AptState {
  /** Root of apt's private state (config, lists, caches, logs, lock). */
  dir: string;
  /** Where the .debs are kept between builds. */
  archives: string;
  config: string;
}

export interface ResolvedPackage {
  name: string;
  version: string;
  /** Debian architecture: amd64 or all. */
  arch: string;
}

export interface MirrorEntry {
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
}

const HOST_SOURCES = ['/etc/apt/sources.list', '/etc/apt/sources.list.d'];
/** Host Acquire settings worth copying: how to reach the mirror, and whether its Release may be old. */
const HOST_ACQUIRE = /^Acquire::(Check-Valid-Until|Check-Date|Max-ValidTime|Min-ValidTime|Retries|ForceIPv4|ForceIPv6|https?::(Proxy|proxy|Timeout|Proxy-Auto-Detect)(::[^ ]+)?|ftp::Proxy) "/;
const PROXY_ENV = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

function isDebianEntry(entry: MirrorEntry): boolean {
  if (entry.signedBy?.includes('debian-archive-keyring')) return true;
  return entry.uris.some((uri) => /\/debian(-security)?\/?$/.test(uri));
}

/** deb822 .sources text -> entries of Types: deb that are enabled. */
export function parseSourcesFile(text: string): MirrorEntry[] {
  return parseControlParagraphs(text).flatMap((p) => {
    const types = (p.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || (p.get('enabled') ?? 'yes').toLowerCase() === 'no') return [];
    const list = (key: string): string[] => (p.get(key) ?? '').split(/\s+/).filter(Boolean);
    const signedBy = p.get('signed-by');
    return [{ uris: list('uris'), suites: list('suites'), components: list('components'), ...(signedBy && !signedBy.includes('\n') ? { signedBy: signedBy.trim() } : {}) }];
  });
}

/** One-line-style .list text -> entries of type deb. */
export function parseSourcesList(text: string): MirrorEntry[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) return [];
    const options = new Map((match[1] ?? '').split(/\s+/).filter(Boolean).map((o) => o.split('=') as [string, string]));
    const signedBy = options.get('signed-by');
    return [{ uris: [match[2]!], suites: [match[3]!], components: match[4]!.split(/\s+/).filter(Boolean), ...(signedBy ? { signedBy } : {}) }];
  });
}

export function renderSources(entries: readonly MirrorEntry[]): string {
  return entries
    .map((e) =>
      [
        'Types: deb',
        `URIs: ${e.uris.join(' ')}`,
        `Suites: ${e.suites.join(' ')}`,
        `Components: ${e.components.join(' ')}`,
        ...(e.signedBy ? [`Signed-By: ${e.signedBy}`] : []),
      ].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}

/** The host's enabled Debian mirror entries (sources.list and sources.list.d/*.list|*.sources). */
export async function hostDebianMirrors(paths: readonly string[] = HOST_SOURCES): Promise<MirrorEntry[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (path.endsWith('.d')) {
      const names = existsSync(path) ? (await readdir(path)).filter((n) => n.endsWith('.list') || n.endsWith('.sources')).sort() : [];
      files.push(...names.map((n) => join(path, n)));
    } else if (existsSync(path)) files.push(path);
  }
  const entries: MirrorEntry[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    entries.push(...(file.endsWith('.sources') ? parseSourcesFile(text) : parseSourcesList(text)));
  }
  const debian = entries.filter(isDebianEntry);
  if (debian.length === 0) throw new Error(`no Debian mirror configured in ${paths.join(', ')}`);
  return debian;
}

async function hostAcquireSettings(): Promise<string[]> {
  const result = await execa('apt-config', ['dump'], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
  if (result.exitCode !== 0) return [];
  return result.stdout.split('\n').filter((line) => HOST_ACQUIRE.test(line));
}

function aptConfig(state: AptState, acquire: readonly string[]): string {
  const d = state.dir;
  return [
    '// Generated: apt state of the debian-distro build, isolated from the host.',
    `Dir::Etc "${d}/etc/";`,
    'Dir::Etc::main "/dev/null";',
    `Dir::Etc::parts "${d}/etc/apt.conf.d";`,
    'Dir::Etc::sourcelist "/dev/null";',
    `Dir::Etc::sourceparts "${d}/etc/sources.list.d";`,
    'Dir::Etc::preferences "/dev/null";',
    `Dir::Etc::preferencesparts "${d}/etc/preferences.d";`,
    'Dir::Etc::trusted "/dev/null";',
    'Dir::Etc::trustedparts "/etc/apt/trusted.gpg.d";',
    `Dir::State "${d}/state/";`,
    `Dir::State::status "${d}/state/status";`,
    `Dir::Cache "${d}/cache/";`,
    `Dir::Cache::archives "${state.archives}/";`,
    `Dir::Log "${d}/log/";`,
    'APT::Architecture "amd64";',
    'APT::Architectures { "amd64"; };',
    'APT::Install-Recommends "false";',
    'APT::Install-Suggests "false";',
    'APT::Get::Assume-Yes "true";',
    // The state lives in the workspace, which the _apt sandbox user usually cannot write to.
    'APT::Sandbox::User "root";',
    'Acquire::Languages "none";',
    'Acquire::IndexTargets::deb::Translations::DefaultEnabled "false";',
    'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";',
    ...acquire,
    '',
  ].join('\n');
}

/** Replaces a file only when its content changes, by rename: a concurrent apt never reads half a file. */
async function writeIfChanged(path: string, content: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => undefined)) === content) return;
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** Creates (or refreshes) the private apt configuration under `dir`; .debs go to `archives`. */
export async function prepareAptState(dir: string, archives: string): Promise<AptState> {
  const state: AptState = { dir, archives, config: join(dir, 'etc/apt.conf') };
  for (const sub of ['etc/apt.conf.d', 'etc/preferences.d', 'etc/sources.list.d', 'state/lists/partial', 'cache', 'log']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  await mkdir(join(archives, 'partial'), { recursive: true });
  await writeIfChanged(join(dir, 'state/status'), '');
  await writeIfChanged(join(dir, 'etc/sources.list.d/debian.sources'), renderSources(await hostDebianMirrors()));
  await writeIfChanged(state.config, aptConfig(state, await hostAcquireSettings()));
  return state;
}

/** Room apt needs for its lists (bookworm main alone unpacks to ~45 MB, with its caches) and a download. */
export const APT_MIN_FREE_BYTES = 128e6;

async function apt(state: AptState, command: string, args: string[], cwd?: string) {
  // On a full file system apt-get does not fail: it waits for its download method forever.
  for (const dir of [state.dir, state.archives]) requireFreeSpace(dir, APT_MIN_FREE_BYTES, "apt's package lists and .debs");
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', APT_CONFIG: state.config, DEBIAN_FRONTEND: 'noninteractive' };
  for (const name of PROXY_ENV) if (process.env[name]) env[name] = process.env[name]!;
  return execa('flock', ['-w', '900', join(state.dir, 'lock'), command, ...args], { cwd: cwd ?? state.dir, extendEnv: false, env, all: true, reject: false });
}

const NETWORK_FAILURE = /Could not resolve|Temporary failure resolving|Could not connect|Connection timed out|Connection refused|Network is unreachable|No route to host|Unable to connect|Failed to fetch/i;

export interface UpdateResult {
  ok: boolean;
  /** True when the failure looks like the mirror cannot be reached (rather than a broken setup). */
  unreachable: boolean;
  output: string;
}

/** `apt-get update` of the private lists; a failed index is an error (--error-on=any). */
export async function aptUpdate(state: AptState): Promise<UpdateResult> {
  const result = await apt(state, 'apt-get', ['update', '-q', '--error-on=any']);
  const output = result.all ?? '';
  return { ok: result.exitCode === 0, unreachable: result.exitCode !== 0 && NETWORK_FAILURE.test(output), output };
}

/** True when a previous update left package lists to work from. */
export async function hasLists(state: AptState): Promise<boolean> {
  const lists = join(state.dir, 'state/lists');
  return existsSync(lists) && (await readdir(lists)).some((n) => n.endsWith('_Packages'));
}

/** The packages apt would install on an empty system for `roots` (Depends and Pre-Depends only). */
export async function resolveClosure(state: AptState, roots: readonly string[]): Promise<ResolvedPackage[]> {
  const result = await apt(state, 'apt-get', ['install', '--simulate', '--no-install-recommends', ...roots]);
  if (result.exitCode !== 0) throw new Error(`apt-get cannot resolve ${roots.join(' ')}:\n${result.all ?? ''}`);
  const packages: ResolvedPackage[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) .*\[([^\]]+)\]\)/.exec(line);
    if (match) packages.push({ name: match[1]!, version: match[2]!, arch: match[3]! });
  }
  if (packages.length === 0) throw new Error(`apt-get resolved nothing for ${roots.join(' ')}:\n${result.stdout}`);
  return packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** apt's file name for a package: name_version_arch.deb with the epoch colon quoted. */
export function debFileName(p: ResolvedPackage): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`;
}

/**
 * Fetches exactly these versions into the archives folder (apt skips files it already has and
 * checks every hash against the signed index) and deletes .debs no longer wanted.
 */
export async function downloadPackages(state: AptState, packages: readonly ResolvedPackage[]): Promise<string[]> {
  const wanted = packages.map((p) => `${p.name}=${p.version}`);
  const result = await apt(state, 'apt-get', ['download', '-q', ...wanted], state.archives);
  if (result.exitCode !== 0) throw new Error(`apt-get download failed:\n${result.all ?? ''}`);
  const files = packages.map(debFileName);
  const missing = files.filter((f) => !existsSync(join(state.archives, f)));
  if (missing.length > 0) throw new Error(`apt-get download did not leave ${missing.join(', ')} in ${state.archives}`);
  const keep = new Set(files);
  for (const name of await readdir(state.archives)) {
    if (name.endsWith('.deb') && !keep.has(name)) await rm(join(state.archives, name), { force: true });
  }
  return files.map((f) => join(state.archives, f));
}
