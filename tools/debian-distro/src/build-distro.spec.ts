/**
 * Integration: builds the repository from what the Debian mirror serves today, installs from it
 * with dnf (isolated from the host) into empty roots and checks the trees. Skipped, with the
 * reason, only when the mirror cannot be reached.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { HOST_RPM_STATE, hostPackageState } from '../../../libs/dnf/src/testing/host-package-state';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { aptUpdate, resolveClosure, type AptState, type ResolvedPackage } from './apt';
import { aptStateFor, buildDistro, CLOSURE_FILE, DEFAULT_CACHE_DIR, type DebianDistro } from './build-distro';
import { runPool } from '@strata/rpmbuild';
import { readRoots } from './roots';

const SYSTEMD_SET = ['systemd', 'udev', 'kmod', 'util-linux', 'e2fsprogs'];
const GENERATED = ['filesystem', 'setup', 'setup-shadow'];
const RPMDB = '/usr/lib/sysimage/rpm';

let mirror: { reachable: boolean; reason: string } = { reachable: false, reason: 'not checked' };
let state: AptState;
let scratch: string;
let first: DebianDistro;
let second: DebianDistro;
let systemdRoot: string;
let fullRoot: string;
let hostBefore: string;
let hostLogsBefore: string;

function needsMirror(ctx: TestContext): void {
  ctx.skip(!mirror.reachable, `the Debian mirror cannot be reached: ${mirror.reason}`);
}

/** Size and mtime of the logs the host's own apt and dpkg append to. */
async function hostPackageLogs(): Promise<string> {
  const logs = ['/var/log/dpkg.log', '/var/log/apt/history.log', '/var/log/apt/term.log'];
  return (await Promise.all(logs.map(async (log) => `${log} ${(await stat(log).catch(() => undefined))?.mtimeMs ?? 'absent'}`))).join('\n');
}

/** The host's package-manager state: apt's and dpkg's too, since the build runs apt. */
function hostState(): Promise<string> {
  return hostPackageState(['/var/lib/apt', '/var/lib/dpkg', '/var/cache/apt', ...HOST_RPM_STATE]);
}

async function treeHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const entry of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    hashes.set(relative(dir, path), createHash('sha256').update(await readFile(path)).digest('hex'));
  }
  return new Map([...hashes].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** dnf on this repository only: own config, no host repos/vars/plugins, cache/logs/history in a temp folder. */
async function dnfInstall(distro: DebianDistro, root: string, packages: readonly string[]): Promise<void> {
  const dir = await mkdtemp(join(scratch, 'dnf-'));
  for (const sub of ['home', 'cache', 'log', 'persist', 'empty']) await mkdir(join(dir, sub));
  // Debian's rpm keeps its database under $HOME unless told otherwise.
  await writeFile(join(dir, 'home/.rpmmacros'), `%_dbpath ${RPMDB}\n`);
  await writeFile(join(dir, 'dnf.conf'), '[main]\ngpgcheck=0\nplugins=0\n');
  const result = await execa(
    '/usr/bin/dnf',
    [
      '-y',
      '-q',
      `--config=${join(dir, 'dnf.conf')}`,
      `--setopt=reposdir=${join(dir, 'empty')}`,
      `--setopt=varsdir=${join(dir, 'empty')}`,
      `--repofrompath=debian,${distro.baseurl}`,
      '--repo=debian',
      '--setopt=debian.gpgcheck=0',
      `--installroot=${root}`,
      `--setopt=cachedir=${join(dir, 'cache')}`,
      `--setopt=logdir=${join(dir, 'log')}`,
      `--setopt=persistdir=${join(dir, 'persist')}`,
      '--setopt=install_weak_deps=False',
      '--setopt=best=True',
      '--setopt=tsflags=nocontexts',
      '--noplugins',
      '--releasever=12',
      'install',
      ...packages,
    ],
    { extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), LC_ALL: 'C.UTF-8' }, all: true, reject: false },
  );
  if (result.exitCode !== 0) throw new Error(`dnf install ${packages.join(' ')} failed:\n${result.all}`);
  const warnings = (result.all ?? '').split('\n').filter((l) => /warning|does not exist/i.test(l));
  expect(warnings, 'rpm/dnf warnings').toEqual([]);
}

async function installedNames(root: string): Promise<string[]> {
  const { stdout } = await execa('rpm', ['--root', root, '--dbpath', RPMDB, '-qa', '--qf', '%{NAME}\\n'], { extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch } });
  return stdout.split('\n').filter(Boolean).sort();
}

const names = (closure: readonly ResolvedPackage[]): string[] => closure.map((p) => p.name).sort();

async function chroot(root: string, args: string[]) {
  return execa('chroot', [root, ...args], { extendEnv: false, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, reject: false, all: true });
}

/** Executables and shared objects (ET_EXEC, ET_DYN) of a tree. */
async function elfFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(root, 'usr'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const handle = await open(path, 'r');
    const header = Buffer.alloc(18);
    await handle.read(header, 0, 18, 0);
    await handle.close();
    if (header.subarray(0, 4).toString('latin1') === '\x7fELF' && [2, 3].includes(header.readUInt16LE(16))) files.push(`/${relative(root, path)}`);
  }
  return files.sort();
}

beforeAll(async () => {
  hostBefore = await hostState();
  hostLogsBefore = await hostPackageLogs();
  state = await aptStateFor(DEFAULT_CACHE_DIR);
  const update = await aptUpdate(state);
  if (!update.ok) {
    if (!update.unreachable) throw new Error(`apt-get update failed, and not for want of a network:\n${update.output}`);
    mirror = { reachable: false, reason: update.output.trim().split('\n').slice(-3).join(' / ') };
    console.warn(`debian-distro integration tests skipped: the Debian mirror cannot be reached (${mirror.reason})`);
    return;
  }
  mirror = { reachable: true, reason: '' };
  scratch = await mkdtemp(join(tmpdir(), 'strata-debian-distro-'));
  first = await buildDistro({ outDir: join(scratch, 'a/debian-distro'), cacheDir: DEFAULT_CACHE_DIR, offline: true });
  second = await buildDistro({ outDir: join(scratch, 'b/elsewhere'), cacheDir: DEFAULT_CACHE_DIR, offline: true });
  systemdRoot = join(scratch, 'systemd-root');
  await dnfInstall(first, systemdRoot, SYSTEMD_SET);
  fullRoot = join(scratch, 'full-root');
  await dnfInstall(first, fullRoot, await readRoots());
}, 600_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('debian-distro repository', () => {
  it('holds one RPM per package of the apt closure, plus filesystem, setup and setup-shadow', async (ctx) => {
    needsMirror(ctx);
    expect(first.packages).toHaveLength(first.closure.length + GENERATED.length);
    const rpmNames = first.packages.map((p) => p.replace(/^Packages\//, '').replace(/-[^-]+-[^-]+\.(x86_64|noarch)\.rpm$/, '')).sort();
    expect(rpmNames).toEqual([...names(first.closure), ...GENERATED].sort());
    expect(await readFile(join(first.outDir, CLOSURE_FILE), 'utf8')).toContain(`systemd=${first.closure.find((p) => p.name === 'systemd')!.version} amd64\n`);
    console.log(
      `debian-distro: ${first.packages.length} RPMs; download ${first.timings.downloadSeconds} s, conversion ${first.timings.conversionSeconds} s, total ${first.timings.totalSeconds} s`,
    );
  });

  it('is byte-identical when built twice, wherever it is written', async (ctx) => {
    needsMirror(ctx);
    const a = await treeHashes(first.outDir);
    expect(a.has('repodata/repomd.xml')).toBe(true);
    expect(await treeHashes(second.outDir)).toEqual(a);
    expect(second.revision).toBe(first.revision);
  });
});

describe('systemd set installed with dnf (systemd udev kmod util-linux e2fsprogs)', () => {
  it('is the closure apt picks, plus filesystem, setup and setup-shadow', async (ctx) => {
    needsMirror(ctx);
    const apt = await resolveClosure(state, SYSTEMD_SET);
    expect(await installedNames(systemdRoot)).toEqual([...names(apt), ...GENERATED].sort());
  });

  it('runs systemd and systemctl in a chroot', async (ctx) => {
    needsMirror(ctx);
    const version = first.closure.find((p) => p.name === 'systemd')!.version;
    const systemd = await chroot(systemdRoot, ['/usr/lib/systemd/systemd', '--version']);
    expect(systemd.exitCode, systemd.all).toBe(0);
    expect(systemd.stdout).toContain(`(${version})`);
    const systemctl = await chroot(systemdRoot, ['systemctl', '--version']);
    expect(systemctl.exitCode, systemctl.all).toBe(0);
    expect(systemctl.stdout).toMatch(/^systemd \d+/);
  });

  it('has every ELF file find its libraries (no ld.so.cache)', async (ctx) => {
    needsMirror(ctx);
    const elves = await elfFiles(systemdRoot);
    expect(elves.length).toBeGreaterThan(100);
    expect(elves).toContain('/usr/bin/systemctl');
    const missing = await runPool(elves, 2, async (file) => {
      // A private library (systemd's libsystemd-core) finds its siblings through the RUNPATH of
      // the programs that load it: look next to it too.
      const privateDir = /\.so(\.|$)/.test(file) ? ['--library-path', dirname(file)] : [];
      const { all } = await chroot(systemdRoot, ['/usr/lib64/ld-linux-x86-64.so.2', ...privateDir, '--list', file]);
      return /not found|cannot open/.test(all ?? '') ? `${file}: ${all}` : undefined;
    });
    expect(missing.filter(Boolean)).toEqual([]);
  });

  it('keeps setgid bits and owners: the groups exist before the files are installed', async (ctx) => {
    needsMirror(ctx);
    const group = await readFile(join(systemdRoot, 'etc/group'), 'utf8');
    expect(group).toMatch(/^shadow:x:42:$/m);
    expect(group).toMatch(/^systemd-journal:x:\d+:$/m);
    expect(group).toMatch(/^kvm:x:\d+:$/m);
    expect(await readFile(join(systemdRoot, 'etc/passwd'), 'utf8')).toMatch(/^systemd-network:x:\d+:\d+:/m);
    const chkpwd = await stat(join(systemdRoot, 'usr/sbin/unix_chkpwd'));
    expect([chkpwd.mode & 0o7777, chkpwd.gid]).toEqual([0o2755, 42]);
    const shadow = await stat(join(systemdRoot, 'etc/shadow'));
    expect([shadow.mode & 0o7777, shadow.gid]).toEqual([0o640, 42]);
    const mount = await stat(join(systemdRoot, 'usr/bin/mount'));
    expect(mount.mode & 0o7777).toBe(0o4755);
  });

  it('has merged /usr', async (ctx) => {
    needsMirror(ctx);
    for (const [link, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']]) {
      const { stdout } = await execa('readlink', [join(systemdRoot, link!)]);
      expect(stdout).toBe(target);
    }
    expect((await lstat(join(systemdRoot, 'usr/lib64/ld-linux-x86-64.so.2'))).isSymbolicLink()).toBe(true);
    expect((await stat(join(systemdRoot, 'lib/systemd/systemd'))).isFile()).toBe(true);
  });
});

describe('all roots of packages.txt installed with dnf', () => {
  it('installs every root; what apt adds beyond that is provided by an installed package', async (ctx) => {
    needsMirror(ctx);
    const installed = await installedNames(fullRoot);
    for (const root of await readRoots()) expect(installed).toContain(root);
    for (const extra of installed) expect([...names(first.closure), ...GENERATED]).toContain(extra);
    // apt prefers a real package (lsb-base) where libsolv keeps a provider already in the transaction (sysvinit-utils).
    for (const name of names(first.closure).filter((n) => !installed.includes(n))) {
      const { stdout } = await execa('rpm', ['--root', fullRoot, '--dbpath', RPMDB, '-q', '--whatprovides', name, '--qf', '%{NAME}\\n'], {
        extendEnv: false,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch },
      });
      expect(installed, `${name} is provided by ${stdout}`).toContain(stdout.trim());
    }
  });

  it('has what maintainer scripts would have made: /bin/sh, awk, os-release, nsswitch.conf', async (ctx) => {
    needsMirror(ctx);
    const sh = await chroot(fullRoot, ['/bin/sh', '-c', 'echo "a b" | awk "{ print \\$2 }"; readlink /bin/sh /usr/bin/awk /etc/alternatives/awk']);
    expect(sh.stdout.split('\n')).toEqual(['b', 'dash', '/etc/alternatives/awk', '/usr/bin/mawk']);
    expect(await readFile(join(fullRoot, 'etc/os-release'), 'utf8')).toMatch(/^ID=debian$/m);
    expect(await readFile(join(fullRoot, 'etc/nsswitch.conf'), 'utf8')).toMatch(/^passwd:/m);
    const getent = await chroot(fullRoot, ['getent', 'group', 'kvm']);
    expect(getent.stdout).toMatch(/^kvm:x:\d+:$/);
  });
});

describe('host', () => {
  it('keeps its package state: apt, dpkg, rpm databases and dnf logs untouched', async (ctx) => {
    needsMirror(ctx);
    // The host's own apt or dpkg runs log here (the build's apt logs into its private state):
    // when someone else used them meanwhile, a change cannot be attributed to the build.
    ctx.skip((await hostPackageLogs()) !== hostLogsBefore, 'the host ran apt or dpkg during the test (see /var/log/dpkg.log)');
    expect(await hostState()).toBe(hostBefore);
  });
});
