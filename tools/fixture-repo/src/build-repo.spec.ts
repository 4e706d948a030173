import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { hostPackageState } from '../../../libs/dnf/src/testing/host-package-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureRepo, type FixtureRepo } from './build-repo';
import { probeHostBusybox } from './host-busybox';
import { parseSnapshot } from './specs';

/** Snapshot 1 without busybox, whose version is the host binary's. */
const SNAPSHOT_1_NOARCH = [
  'console-devices-0:1.0-1.noarch',
  'debug-tools-0:2.0-1.noarch',
  'demo-broken-0:1.0-1.noarch',
  'demo-daemon-0:1.0-1.noarch',
  'demo-hostile-0:1.0-1.noarch',
  'demo-module-a-0:1.0-1.noarch',
  'demo-module-b-0:1.0-1.noarch',
  'demo-modules-index-0:1.0-1.noarch',
  'editor-full-0:3.0~rc1-1.noarch',
  'editor-tiny-0:1.2^20231110git5d1e2f0-1.noarch',
  'filesystem-0:1.0-1.noarch',
  'initrd-init-0:1.0-1.noarch',
  'libdemo-0:1.0-1.noarch',
  'libdemo-0:1.1-1.noarch',
  'storage-tools-0:1.0-1.noarch',
  'storage-tools-doc-0:1.0-1.noarch',
  'tzdata-lite-2:2023c-1.noarch',
];
const REPLACED_IN_2 = [
  'debug-tools-0:2.0-1.noarch',
  'editor-full-0:3.0~rc1-1.noarch',
  'storage-tools-0:1.0-1.noarch',
  'storage-tools-doc-0:1.0-1.noarch',
];
const ADDED_IN_2 = [
  'debug-tools-0:2.1-1.noarch',
  'editor-full-0:3.0-1.noarch',
  'storage-tools-0:1.0-2.noarch',
  'storage-tools-doc-0:1.0-2.noarch',
];

interface Header {
  file: string;
  name: string;
  nevra: string;
  arch: string;
  epoch: number;
  provides: string[];
  requires: string[];
  recommends: string[];
}

let SNAPSHOT_1: string[];
let BUSYBOX: string;
let scratch: string;
let first: FixtureRepo;
let second: FixtureRepo;
let update: FixtureRepo;
let hostBefore: string;

/** sha256 of every file under dir, keyed by relative path. */
async function treeHashes(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const hashes = new Map<string, string>();
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    hashes.set(relative(dir, path), createHash('sha256').update(await readFile(path)).digest('hex'));
  }
  return new Map([...hashes].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function queryHeaders(repo: FixtureRepo): Promise<Header[]> {
  const dir = join(scratch, 'rpmq');
  await mkdir(join(dir, 'db'), { recursive: true });
  const qf = '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\t%{ARCH}\\t[%{PROVIDENEVRS},]\\t[%{REQUIRENEVRS},]\\t[%{RECOMMENDNEVRS},]\\n';
  const files = repo.packages.map((p) => join(repo.outDir, p));
  const { stdout } = await execa('rpm', ['--dbpath', join(dir, 'db'), '-qp', '--qf', qf, ...files], {
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LC_ALL: 'C' },
  });
  return stdout.split('\n').map((line, i) => {
    const [name, evra, arch, provides, requires, recommends] = line.split('\t') as [string, string, string, string, string, string];
    const list = (s: string): string[] => s.split(',').filter(Boolean);
    return {
      file: repo.packages[i]!,
      name,
      nevra: `${name}-${evra}`,
      arch,
      epoch: Number(evra.split(':')[0]),
      provides: list(provides),
      requires: list(requires),
      recommends: list(recommends),
    };
  });
}

/** dnf on the repository alone: no host configuration, repositories, cache, logs or rpmdb. */
async function dnf(repo: FixtureRepo, args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(scratch, 'dnf-'));
  for (const sub of ['root', 'cache', 'log', 'persist', 'home']) await mkdir(join(dir, sub));
  await writeFile(join(dir, 'dnf.conf'), '[main]\ngpgcheck=0\nplugins=0\nreposdir=/nonexistent\nvarsdir=/nonexistent\n');
  const { stdout } = await execa(
    '/usr/bin/dnf',
    [
      '-q',
      `--config=${join(dir, 'dnf.conf')}`,
      '--setopt=reposdir=/nonexistent',
      `--repofrompath=fixture,${repo.baseurl}`,
      '--repo=fixture',
      '--setopt=fixture.gpgcheck=0',
      `--installroot=${join(dir, 'root')}`,
      `--setopt=cachedir=${join(dir, 'cache')}`,
      `--setopt=logdir=${join(dir, 'log')}`,
      `--setopt=persistdir=${join(dir, 'persist')}`,
      '--noplugins',
      '--releasever=1',
      ...args,
    ],
    { extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), LC_ALL: 'C.UTF-8' } },
  );
  return stdout.split('\n').filter(Boolean).sort();
}

const NEVRA_QF = '%{name}-%{epoch}:%{version}-%{release}.%{arch}';

beforeAll(async () => {
  hostBefore = await hostPackageState();
  BUSYBOX = `busybox-0:${(await probeHostBusybox()).version}-1.x86_64`;
  SNAPSHOT_1 = [BUSYBOX, ...SNAPSHOT_1_NOARCH].sort();
  scratch = await mkdtemp(join(tmpdir(), 'strata-fixture-repo-'));
  first = await buildFixtureRepo({ outDir: join(scratch, 'a/fixture-repo'), snapshot: 1 });
  second = await buildFixtureRepo({ outDir: join(scratch, 'b/elsewhere'), snapshot: 1 });
  update = await buildFixtureRepo({ outDir: join(scratch, 'c/fixture-repo'), snapshot: 2 });
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('fixture repository', () => {
  it('is byte-identical when built twice, wherever it is written', async () => {
    const a = await treeHashes(first.outDir);
    const b = await treeHashes(second.outDir);
    expect([...a.keys()]).toContain('repodata/repomd.xml');
    expect(a.size).toBe(SNAPSHOT_1.length + 4); // repomd.xml + primary, filelists, other
    expect(b).toEqual(a);
  });

  it('holds the snapshot 1 packages, with epoch, weak dependency, two providers and two libdemo versions', async () => {
    const headers = await queryHeaders(first);
    const by = (nevra: string): Header => headers.find((h) => h.nevra === nevra)!;
    expect(headers.map((h) => h.nevra).sort()).toEqual(SNAPSHOT_1);

    expect(by('tzdata-lite-2:2023c-1.noarch').epoch).toBe(2);
    expect(by('tzdata-lite-2:2023c-1.noarch').provides).toContain('tzdata-lite = 2:2023c-1');

    expect(by('storage-tools-0:1.0-1.noarch').recommends).toEqual(['storage-tools-doc']);

    const providers = headers.filter((h) => h.provides.includes('text-editor')).map((h) => h.name);
    expect(providers.sort()).toEqual(['editor-full', 'editor-tiny']);
    expect(by('debug-tools-0:2.0-1.noarch').requires).toContain('text-editor');

    expect(headers.filter((h) => h.name === 'libdemo').map((h) => h.nevra)).toEqual(['libdemo-0:1.0-1.noarch', 'libdemo-0:1.1-1.noarch']);

    const busybox = by(BUSYBOX);
    expect(busybox.provides).toEqual(expect.arrayContaining(['/bin/sh', 'sh']));
    expect(busybox.requires).toContain('filesystem');
    expect(by('initrd-init-0:1.0-1.noarch').requires).toContain('busybox');
    expect(headers.filter((h) => h.arch !== 'noarch').map((h) => h.name)).toEqual(['busybox']);
    // rpmbuild's automatic dependencies are off: only rpmlib() features beyond the declared ones.
    expect(by('filesystem-0:1.0-1.noarch').requires.filter((r) => !r.startsWith('rpmlib('))).toEqual([]);
  });

  it('orders the tilde and caret versions as rpm does', async () => {
    const script = [
      'import rpm, sys',
      'pairs = [("3.0~rc1", "3.0"), ("1.2", "1.2^20231110git5d1e2f0"), ("2.0", "2.1"), ("2023c", "2024a")]',
      'print(" ".join(str(rpm.labelCompare(("0", a, "1"), ("0", b, "1"))) for a, b in pairs))',
    ].join('\n');
    const { stdout } = await execa('/usr/bin/python3', ['-c', script], { extendEnv: false, env: { HOME: scratch, LC_ALL: 'C' } });
    expect(stdout.trim()).toBe('-1 -1 -1 -1');
  });

  it('snapshot 2 replaces exactly the updated packages and keeps every other file byte-identical', async () => {
    const before = await treeHashes(join(first.outDir, 'Packages'));
    const after = await treeHashes(join(update.outDir, 'Packages'));
    const headers1 = await queryHeaders(first);
    const headers2 = await queryHeaders(update);
    const nevraOf = (headers: Header[], file: string): string => headers.find((h) => h.file === `Packages/${file}`)!.nevra;

    const gone = [...before.keys()].filter((f) => !after.has(f)).map((f) => nevraOf(headers1, f));
    const added = [...after.keys()].filter((f) => !before.has(f)).map((f) => nevraOf(headers2, f));
    expect(gone.sort()).toEqual(REPLACED_IN_2);
    expect(added.sort()).toEqual(ADDED_IN_2);
    for (const [file, hash] of before) {
      if (after.has(file)) expect(after.get(file), file).toBe(hash);
    }
    for (const base of ['filesystem', 'busybox', 'initrd-init']) {
      expect([...after.keys()].filter((f) => f.startsWith(`${base}-`))).toEqual([...before.keys()].filter((f) => f.startsWith(`${base}-`)));
    }
    expect(update.revision).toBeGreaterThan(first.revision);
    expect(await readFile(join(update.outDir, 'repodata/repomd.xml'), 'utf8')).toContain(`<revision>${update.revision}</revision>`);
  });

  it('is readable by dnf: the metadata lists every package, both providers and the newest libdemo', async () => {
    expect(await dnf(first, ['repoquery', `--qf=${NEVRA_QF}`])).toEqual(SNAPSHOT_1);
    expect(await dnf(update, ['repoquery', `--qf=${NEVRA_QF}`])).toEqual(
      [...SNAPSHOT_1.filter((n) => !REPLACED_IN_2.includes(n)), ...ADDED_IN_2].sort(),
    );
    expect(await dnf(first, ['repoquery', '--qf=%{name}', '--whatprovides', 'text-editor'])).toEqual(['editor-full', 'editor-tiny']);
    expect(await dnf(first, ['repoquery', '--qf=%{name}', '--whatprovides', '/bin/sh'])).toEqual(['busybox']);
    expect(await dnf(first, ['repoquery', `--qf=${NEVRA_QF}`, '--latest-limit=1', 'libdemo'])).toEqual(['libdemo-0:1.1-1.noarch']);
    expect(await dnf(first, ['repoquery', '--qf=%{name}', '--whatrecommends', 'storage-tools-doc'])).toEqual(['storage-tools']);
  });

  it('building and querying the repository leaves the host rpm databases and dnf logs alone', async () => {
    expect(await hostPackageState()).toBe(hostBefore);
  });

  it('reads the snapshot from STRATA_FIXTURE_SNAPSHOT', () => {
    expect(parseSnapshot(undefined)).toBe(1);
    expect(parseSnapshot('')).toBe(1);
    expect(parseSnapshot('2')).toBe(2);
    expect(() => parseSnapshot('3')).toThrow(/STRATA_FIXTURE_SNAPSHOT/);
  });
});
