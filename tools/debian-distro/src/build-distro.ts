/**
 * Builds the debian-distro repository: real Debian binaries repackaged as RPMs, so that dnf
 * resolves and installs a real dependency graph (systemd, udev, kmod, util-linux, e2fsprogs,
 * lvm2, mdadm, cryptsetup, ...).
 *
 *   1. apt, isolated (apt.ts), resolves the roots of packages.txt over Depends/Pre-Depends on an
 *      empty system and downloads that closure into the cache folder (kept between builds).
 *   2. every .deb becomes an RPM (package-plan.ts, rpmbuild.ts), two at a time;
 *      `filesystem` and `setup` are generated (base-packages.ts);
 *   3. createrepo_c indexes them; the finished folder is renamed into place.
 *
 * Same .debs -> byte-identical repository. What the mirror serves decides the versions; nothing
 * here pins one.
 *
 * CLI: node -r @swc-node/register tools/debian-distro/src/build-distro.ts [--out DIR] [--cache DIR] [--offline] [--jobs N]
 *   --out      default <workspace>/dist/repos/debian-distro
 *   --cache    default <workspace>/dist/cache/debian-distro (apt state and the .debs)
 *   --offline  no `apt-get update`: use the lists and .debs already in the cache
 *   --jobs     concurrent conversions, default 2
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSysusers, parseSystemGroups, type SysusersEntry } from './accounts';
import { chooseAlternatives, parseAlternatives, type Alternative, type AlternativeCandidate } from './alternatives';
import { aptUpdate, downloadPackages, hasLists, prepareAptState, resolveClosure, type AptState, type ResolvedPackage } from './apt';
import { filesystemPlan, filesystemSkeleton, setupPlans } from './base-packages';
import { findCollisions } from './collisions';
import { requiredField } from './control';
import { buildPlan, convertDeb, type BuiltPackage } from './convert-deb';
import { readDebControl, type DebControl } from './deb-archive';
import { runPool } from '@strata/rpmbuild';
import { collectWorkspaceLeftovers, replaceDirectory, stagingDirFor } from '@strata/output';
import { dieWithLauncher } from '@strata/owner';
import { createrepo } from './createrepo';
import { PROJECT_ROOT, readRoots } from './roots';
import { DIST } from '@strata/plan';

export const WORKSPACE_ROOT = resolve(PROJECT_ROOT, '../..');
export const DEFAULT_OUT_DIR = join(WORKSPACE_ROOT, DIST.repos, 'debian-distro');
export const DEFAULT_CACHE_DIR = join(WORKSPACE_ROOT, DIST.cache, 'debian-distro');
export const PACKAGES_DIR = 'Packages';
/** Resolved Debian closure (name=version arch), written beside the metadata. */
export const CLOSURE_FILE = 'debian-closure.txt';
/** Conversion uses both cores of the build machines, no more. */
export const DEFAULT_JOBS = 2;

export interface FetchOptions {
  cacheDir: string;
  roots?: readonly string[];
  offline?: boolean;
  log?: (line: string) => void;
}

export interface FetchedDebs {
  state: AptState;
  closure: ResolvedPackage[];
  debs: string[];
}

export function aptStateFor(cacheDir: string): Promise<AptState> {
  return prepareAptState(join(cacheDir, 'apt'), join(cacheDir, 'archives'));
}

/** Refreshes the lists (falling back to the cached ones when the mirror cannot be reached). */
export async function refreshLists(state: AptState, log: (line: string) => void): Promise<void> {
  const update = await aptUpdate(state);
  if (update.ok) return;
  if (update.unreachable && (await hasLists(state))) {
    log(`warning: the Debian mirror cannot be reached, using the package lists of the last update\n${update.output.trim()}`);
    return;
  }
  throw new Error(`apt-get update failed:\n${update.output}`);
}

export async function fetchDebs(options: FetchOptions): Promise<FetchedDebs> {
  const log = options.log ?? (() => undefined);
  const state = await aptStateFor(options.cacheDir);
  if (!options.offline) await refreshLists(state, log);
  const closure = await resolveClosure(state, options.roots ?? (await readRoots()));
  const debs = await downloadPackages(state, closure);
  return { state, closure, debs };
}

export interface BuildDistroOptions extends FetchOptions {
  outDir: string;
  jobs?: number;
}

export interface Timings {
  downloadSeconds: number;
  conversionSeconds: number;
  totalSeconds: number;
}

export interface DebianDistro {
  outDir: string;
  baseurl: string;
  /** RPM paths relative to outDir, sorted. */
  packages: string[];
  closure: ResolvedPackage[];
  revision: number;
  timings: Timings;
}

interface ControlInfo {
  name: string;
  version: string;
  alternatives: Alternative[];
  skippedAlternatives: string[];
  systemGroups: string[];
}

function controlInfo(control: DebControl): ControlInfo {
  const postinst = control.members.get('postinst') ?? '';
  const { alternatives, skipped } = parseAlternatives(postinst);
  return { name: requiredField(control.control, 'Package'), version: requiredField(control.control, 'Version'), alternatives, skippedAlternatives: skipped, systemGroups: parseSystemGroups(postinst) };
}

function accountInputs(built: readonly BuiltPackage[], infos: readonly ControlInfo[]) {
  const basePasswd = built.find((p) => p.name === 'base-passwd');
  const passwdMaster = basePasswd?.files.get('/usr/share/base-passwd/passwd.master');
  const groupMaster = basePasswd?.files.get('/usr/share/base-passwd/group.master');
  if (!basePasswd || passwdMaster === undefined || groupMaster === undefined) {
    throw new Error('base-passwd (with passwd.master and group.master) must be in the distribution: list it in packages.txt');
  }
  // sysusers.d files in file-name order, as systemd-sysusers reads them; the first of a name wins.
  const byName = new Map<string, { text: string; from: BuiltPackage }>();
  for (const pkg of [...built].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const [path, text] of pkg.files) {
      const match = /^\/usr\/lib\/sysusers\.d\/([^/]+)$/.exec(path);
      if (match && !byName.has(match[1]!)) byName.set(match[1]!, { text, from: pkg });
    }
  }
  const sysusers: SysusersEntry[] = [];
  const contributors = new Set<BuiltPackage>([basePasswd]);
  for (const name of [...byName.keys()].sort()) {
    sysusers.push(...parseSysusers(byName.get(name)!.text));
    contributors.add(byName.get(name)!.from);
  }
  const systemGroups: string[] = [];
  for (const info of [...infos].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (info.systemGroups.length === 0) continue;
    systemGroups.push(...info.systemGroups);
    const pkg = built.find((p) => p.name === info.name);
    if (pkg) contributors.add(pkg);
  }
  return {
    basePasswdVersion: infos.find((i) => i.name === 'base-passwd')!.version,
    passwdMaster,
    groupMaster,
    sysusers,
    systemGroups,
    sourceDateEpoch: Math.max(...[...contributors].map((p) => p.sourceDateEpoch)),
  };
}

export async function buildDistro(options: BuildDistroOptions): Promise<DebianDistro> {
  const log = options.log ?? (() => undefined);
  const jobs = options.jobs ?? DEFAULT_JOBS;
  const outDir = resolve(options.outDir);
  const started = performance.now();
  const seconds = (from: number): number => Math.round((performance.now() - from) / 100) / 10;

  const { closure, debs } = await fetchDebs(options);
  const downloadSeconds = seconds(started);
  log(`resolved and downloaded ${debs.length} packages in ${downloadSeconds} s`);

  await mkdir(dirname(outDir), { recursive: true });
  const staging = await stagingDirFor(outDir);
  try {
    const repoDir = join(staging, 'repo');
    const packagesDir = join(repoDir, PACKAGES_DIR);
    const workDir = join(staging, 'work');
    await mkdir(packagesDir, { recursive: true });
    const convertStarted = performance.now();

    const infos = await runPool(debs, jobs, async (deb) => controlInfo(await readDebControl(deb)));
    const candidates: AlternativeCandidate[] = infos.flatMap((info) => info.alternatives.map((alternative) => ({ packageName: info.name, alternative })));
    const chosen = chooseAlternatives(candidates);
    const won = (name: string): Alternative[] => [...chosen.values()].filter((c) => c.packageName === name).map((c) => c.alternative);
    for (const info of infos) for (const line of info.skippedAlternatives) log(`${info.name}: update-alternatives call not resolvable statically, skipped: ${line}`);

    const skeleton = filesystemSkeleton();
    const built = await runPool(debs, jobs, async (deb, index) => {
      const pkg = await convertDeb({ deb, skeleton, alternatives: won(infos[index]!.name), packagesDir, workDir: join(workDir, String(index)) });
      for (const note of pkg.notes) log(`${pkg.name}: ${note}`);
      return pkg;
    });
    const generated = await runPool([filesystemPlan(), ...setupPlans(accountInputs(built, infos))], jobs, (plan, index) =>
      buildPlan(plan, packagesDir, join(workDir, `generated-${index}`)),
    );
    const all = [...built, ...generated];
    const collisions = findCollisions(all);
    if (collisions.length > 0) throw new Error(`packages ship the same path differently:\n  ${collisions.join('\n  ')}`);
    const conversionSeconds = seconds(convertStarted);
    log(`converted ${built.length} packages (+ ${generated.map((p) => p.name).join(', ')}) in ${conversionSeconds} s with ${jobs} jobs`);

    const revision = Math.max(...all.map((p) => p.sourceDateEpoch));
    await createrepo(repoDir, revision, workDir);
    await writeFile(join(repoDir, CLOSURE_FILE), closure.map((p) => `${p.name}=${p.version} ${p.arch}\n`).join(''));
    const packages = (await readdir(packagesDir)).filter((n) => n.endsWith('.rpm')).sort();
    await replaceDirectory(repoDir, outDir);
    const totalSeconds = seconds(started);
    log(`debian-distro: ${packages.length} packages, revision ${revision}, in ${outDir} (${totalSeconds} s)`);
    return {
      outDir,
      baseurl: `file://${outDir}`,
      packages: packages.map((n) => `${PACKAGES_DIR}/${n}`),
      closure,
      revision,
      timings: { downloadSeconds, conversionSeconds, totalSeconds },
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  // nx runs this command in a session of its own: tie it (and its rpmbuild children) to nx.
  dieWithLauncher();
  await collectWorkspaceLeftovers(WORKSPACE_ROOT, (line) => console.log(`debian-distro: ${line}`));
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, cache: { type: 'string' }, offline: { type: 'boolean' }, jobs: { type: 'string' } },
    strict: true,
  });
  const distro = await buildDistro({
    outDir: values.out ?? DEFAULT_OUT_DIR,
    cacheDir: resolve(values.cache ?? DEFAULT_CACHE_DIR),
    offline: values.offline ?? false,
    ...(values.jobs ? { jobs: Number(values.jobs) } : {}),
    log: (line) => console.log(line),
  });
  console.log(`baseurl: ${distro.baseurl}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
