import { describe, expect, it } from 'vitest';
import { filesystemPlan, filesystemSkeleton, setupPlans } from './base-packages';
import { parseConffiles, parseControl } from './control';
import { type DebArchive } from './deb-archive';
import { planPackage } from './package-plan';
import { parseSysusers } from './accounts';
import { type TarEntry } from './tar';

const T = 1700000000;

function entry(name: string, type: TarEntry['type'], extra: Partial<TarEntry> = {}): TarEntry {
  return { name, type, mode: type === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: T, linkname: '', data: Buffer.alloc(0), ...extra };
}

function deb(control: string, data: TarEntry[], options: { conffiles?: string; postinst?: string } = {}): DebArchive {
  const members = new Map([['control', control]]);
  if (options.postinst) members.set('postinst', options.postinst);
  return { control: parseControl(control), conffiles: parseConffiles(options.conffiles ?? ''), members, data };
}

const CONTROL = `Package: demo
Version: 1:2.0-3
Architecture: amd64
Depends: libc6 (>= 2.34), a | b
Pre-Depends: dpkg (>= 1.19)
Recommends: extra
Breaks: old (<< 1.0)
Provides: demo-virtual (= 2.0)
Homepage: https://example.org
Section: admin
Description: A demo package
 With a 100% long description.
`;

const skeleton = filesystemSkeleton();

describe('planPackage', () => {
  const data = [
    entry('./', 'directory'),
    entry('./bin/', 'directory'),
    entry('./bin/demo', 'file', { mode: 0o4755, data: Buffer.from('elf'), mtime: T + 10 }),
    entry('./bin/demo-hard', 'hardlink', { linkname: './bin/demo' }),
    entry('./sbin/', 'directory'),
    entry('./sbin/demo-link', 'symlink', { linkname: '/bin/demo' }),
    entry('./lib/', 'directory'),
    entry('./lib/demo/', 'directory', { mode: 0o750, gname: 'shadow' }),
    entry('./lib/demo/plugin.so', 'file'),
    entry('./etc/', 'directory'),
    entry('./etc/demo.conf', 'file', { data: Buffer.from('x=1\n') }),
    entry('./var/', 'directory'),
    entry('./var/lock/', 'directory', { mode: 0o1777 }),
  ];
  const plan = planPackage(deb(CONTROL, data, { conffiles: '/etc/demo.conf\n' }), { skeleton });

  it('maps the header: EVR, arch, relations, provides, metadata', () => {
    expect(plan).toMatchObject({
      name: 'demo',
      evr: { epoch: 1, version: '2.0', release: '3' },
      arch: 'x86_64',
      summary: 'A demo package',
      description: 'With a 100% long description.',
      url: 'https://example.org',
      group: 'admin',
      sourceDateEpoch: T + 10,
      requires: ['deb(libc6) >= 0:2.34-0', '(a or b)'],
      requiresPre: ['filesystem', 'deb(dpkg) >= 0:1.19-0'],
      recommends: ['extra'],
      conflicts: ['deb(old) < 0:1.0-0'],
      provides: ['deb(demo) = 1:2.0-3', 'demo-virtual = 0:2.0-0', 'deb(demo-virtual) = 0:2.0-0'],
    });
  });

  it('moves /bin, /sbin, /lib under /usr and leaves the skeleton to the filesystem package', () => {
    expect(plan.payload.map((e) => `${e.type} ${e.path}${e.target ? ` -> ${e.target}` : ''}`)).toEqual([
      'file /etc/demo.conf',
      'file /usr/bin/demo',
      'hardlink /usr/bin/demo-hard -> /usr/bin/demo',
      'directory /usr/lib/demo',
      'file /usr/lib/demo/plugin.so',
      'symlink /usr/sbin/demo-link -> /usr/bin/demo',
    ]);
  });

  it('keeps modes and owners, gives hard links their file attributes, marks conffiles', () => {
    const by = (path: string) => plan.payload.find((e) => e.path === path)!;
    expect(by('/usr/bin/demo').mode).toBe(0o4755);
    expect(by('/usr/bin/demo-hard').mode).toBe(0o4755);
    expect(by('/usr/lib/demo')).toMatchObject({ mode: 0o750, user: 'root', group: 'shadow' });
    expect(by('/etc/demo.conf').config).toBe(true);
    expect(by('/usr/bin/demo').config).toBeUndefined();
  });

  it('is a function of the .deb', () => {
    expect(planPackage(deb(CONTROL, data, { conffiles: '/etc/demo.conf\n' }), { skeleton })).toEqual(plan);
  });

  it('adds the links of the alternatives the package wins, when their targets exist', () => {
    const mawk = deb('Package: mawk\nVersion: 1.3.4-1\nArchitecture: amd64\nDescription: awk\n', [
      entry('./usr/bin/mawk', 'file'),
      entry('./usr/share/man/man1/mawk.1.gz', 'file'),
    ]);
    const alternative = {
      name: 'awk',
      link: '/usr/bin/awk',
      path: '/usr/bin/mawk',
      priority: 5,
      slaves: [
        { name: 'awk.1.gz', link: '/usr/share/man/man1/awk.1.gz', path: '/usr/share/man/man1/mawk.1.gz' },
        { name: 'nawk.de.1.gz', link: '/usr/share/man/de/man1/nawk.1.gz', path: '/usr/share/man/de/man1/mawk.1.gz' },
      ],
    };
    const links = planPackage(mawk, { skeleton, alternatives: [alternative] })
      .payload.filter((e) => e.type === 'symlink')
      .map((e) => `${e.path} -> ${e.target}`);
    expect(links).toEqual([
      '/etc/alternatives/awk -> /usr/bin/mawk',
      '/etc/alternatives/awk.1.gz -> /usr/share/man/man1/mawk.1.gz',
      '/usr/bin/awk -> /etc/alternatives/awk',
      '/usr/share/man/man1/awk.1.gz -> /etc/alternatives/awk.1.gz',
    ]);
  });

  it('creates what a known postinst would (static fixups)', () => {
    const libcBin = deb('Package: libc-bin\nVersion: 2.36-9\nArchitecture: amd64\nDescription: libc\n', [
      entry('./usr/share/libc-bin/nsswitch.conf', 'file', { data: Buffer.from('passwd: files\n') }),
    ]);
    const conf = planPackage(libcBin, { skeleton }).payload.find((e) => e.path === '/etc/nsswitch.conf')!;
    expect(conf).toMatchObject({ type: 'file', config: true, mode: 0o644, mtime: T });
    expect(conf.data!.toString()).toBe('passwd: files\n');
  });

  it('refuses a path shipped twice once /usr is merged, files under skeleton links, and unsupported architectures', () => {
    const twice = deb('Package: x\nVersion: 1\nArchitecture: amd64\n', [entry('./bin/a', 'file'), entry('./usr/bin/a', 'file')]);
    expect(() => planPackage(twice, { skeleton })).toThrow(/appears twice/);
    const underLink = deb('Package: x\nVersion: 1\nArchitecture: amd64\n', [entry('./var/run/x.pid', 'file')]);
    expect(() => planPackage(underLink, { skeleton })).toThrow(/lies under \/var\/run/);
    const arm = deb('Package: x\nVersion: 1\nArchitecture: arm64\n', []);
    expect(() => planPackage(arm, { skeleton })).toThrow(/arm64 is not supported/);
    const missingConf = deb('Package: x\nVersion: 1\nArchitecture: all\n', [], { conffiles: '/etc/x\n' });
    expect(() => planPackage(missingConf, { skeleton })).toThrow(/conffile \/etc\/x/);
  });
});

describe('generated packages', () => {
  it('filesystem owns the merged-/usr links and the base folders, after setup and setup-shadow', () => {
    const fs = filesystemPlan();
    const by = (path: string) => fs.payload.find((e) => e.path === path)!;
    expect(by('/bin')).toMatchObject({ type: 'symlink', target: 'usr/bin' });
    expect(by('/lib64')).toMatchObject({ type: 'symlink', target: 'usr/lib64' });
    expect(by('/var/run')).toMatchObject({ type: 'symlink', target: '/run' });
    expect(by('/tmp')).toMatchObject({ type: 'directory', mode: 0o1777 });
    expect(by('/root').mode).toBe(0o700);
    expect(by('/var/local')).toMatchObject({ mode: 0o2775, group: 'staff' });
    expect(fs.requiresPre).toEqual(['setup', 'setup-shadow']);
    expect(filesystemPlan()).toEqual(fs);
  });

  it('setup holds passwd and group, setup-shadow the locked shadow files, root:shadow 0640', () => {
    const [setup, shadow] = setupPlans({
      basePasswdVersion: '3.6.1',
      passwdMaster: 'root:*:0:0:root:/root:/bin/bash\n',
      groupMaster: 'root:*:0:\nshadow:*:42:\n',
      sysusers: parseSysusers('g systemd-journal - -\n'),
      systemGroups: ['kvm'],
      sourceDateEpoch: T,
    });
    expect(setup.payload.map((e) => e.path)).toEqual(['/etc/group', '/etc/passwd']);
    expect(setup.payload[0]!.data!.toString()).toBe('root:x:0:\nshadow:x:42:\nsystemd-journal:x:999:\nkvm:x:100:\n');
    expect(shadow.payload.map((e) => [e.path, e.mode, e.group])).toEqual([
      ['/etc/gshadow', 0o640, 'shadow'],
      ['/etc/shadow', 0o640, 'shadow'],
    ]);
    expect(shadow.requiresPre).toEqual(['setup']);
    expect(setup.evr.version).toBe('3.6.1');
    expect(setup.evr.release).toMatch(/^1\.[0-9a-f]{10}$/);
  });
});
