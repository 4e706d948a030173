import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RPM_MACROS, runSandboxed, sandboxArguments } from './sandbox';

describe('sandboxArguments', () => {
  it('gives the image root its API file systems and the tool only /usr of the host', () => {
    const args = sandboxArguments({ imageRoot: '/w/root', readOnly: ['/store'], writable: ['/state'], rpmMacrosFile: '/m', sourceDateEpoch: 7 }, ['rpm', '-qa']);
    const joined = args.join(' ');
    expect(joined).toContain('--unshare-net');
    expect(joined).toContain('--die-with-parent');
    expect(joined).toContain('--ro-bind /usr /usr');
    expect(joined).toContain('--bind /w/root /w/root --proc /w/root/proc --dev /w/root/dev --tmpfs /w/root/run --tmpfs /w/root/tmp');
    expect(joined).toContain('--ro-bind /store /store');
    expect(joined).toContain('--bind /state /state');
    expect(joined).toContain('--ro-bind /m /etc/rpm/macros.strata');
    expect(joined).toContain('--clearenv');
    expect(joined).toContain('--setenv SOURCE_DATE_EPOCH 7');
    expect(joined).toContain('--setenv SYSTEMD_OFFLINE 1');
    expect(joined).not.toMatch(/--(ro-)?bind \/etc /);
    expect(args.slice(-3)).toEqual(['--', 'rpm', '-qa']);
  });

  it('pins the rpm database inside the image and loads no rpm plugin', () => {
    expect(RPM_MACROS).toContain('%_dbpath /usr/lib/sysimage/rpm');
    expect(RPM_MACROS).toMatch(/%__plugindir \/\S+/);
    // The API folders are the sandbox's: rpm neither unpacks below them nor chowns their mounts.
    expect(RPM_MACROS).toContain('%_netsharedpath /proc:/dev:/run:/tmp');
  });
});

describe('runSandboxed', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-sandbox-test-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs a command with no network, an empty HOME, a fixed environment and no host /etc', async () => {
    const script = [
      // Network interfaces other than loopback: the host has some, a new network namespace none.
      'tail -n +3 /proc/net/dev | grep -cv "lo:"',
      'echo "home=$HOME files=$(ls -A $HOME | wc -l)"',
      'echo "lang=$LC_ALL sde=$SOURCE_DATE_EPOCH offline=$SYSTEMD_OFFLINE user-env=${USER:-unset}"',
      'ls /etc/rpm',
      'test -e /etc/passwd && echo has-passwd || echo no-passwd',
      'cat /proc/1/cmdline | tr "\\0" " "; echo',
    ].join('; ');
    const result = await runSandboxed({ sourceDateEpoch: 42 }, ['sh', '-c', script], { env: { USER: 'someone' } });
    const lines = String(result.stdout).split('\n');
    expect(lines[0]).toBe('0');
    expect(lines[1]).toBe('home=/home files=0');
    expect(lines[2]).toBe('lang=C.UTF-8 sde=42 offline=1 user-env=unset');
    expect(lines[3]).toBe('macros.strata');
    expect(lines[4]).toBe('no-passwd');
    // A pid namespace of its own: pid 1 is the sandbox's, not the host's init.
    expect(lines[5]).not.toMatch(/systemd|init/);
  });

  it('gives the image root /proc and /dev, and removes mount points no package owns', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    const result = await runSandboxed({ imageRoot: root, sourceDateEpoch: 0 }, ['sh', '-c', `test -r ${root}/proc/self/status && echo x > ${root}/dev/null && echo ok; touch ${root}/tmp/scratch ${root}/usr/bin/kept`]);
    expect(result.stdout).toBe('ok');
    expect(await stat(join(root, 'proc')).then(() => true, () => false)).toBe(false);
    expect(await stat(join(root, 'tmp')).then(() => true, () => false)).toBe(false);
    expect(await readFile(join(root, 'usr/bin/kept'), 'utf8')).toBe('');
  });

  it('cannot write outside what it was given', async () => {
    const outside = join(dir, 'outside');
    await writeFile(outside, 'host');
    const result = await runSandboxed({ sourceDateEpoch: 0 }, ['sh', '-c', `echo changed > ${outside}`], { reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(await readFile(outside, 'utf8')).toBe('host');
  });
});
