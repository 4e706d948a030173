import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

// initrd-network's generator, run by bash as systemd runs it in the initrd, with the command line
// from $SYSTEMD_PROC_CMDLINE (as systemd's own generators read it in tests).
const GENERATOR = join(__dirname, '../recipes/initrd-network/files/usr/lib/systemd/system-generators/strata-netroot-generator');

describe('strata-netroot-generator', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const generate = async (cmdline: string) => {
    const out = await mkdtemp(join(tmpdir(), 'netroot-'));
    dirs.push(out);
    const run = await execa('bash', [GENERATOR, out], { env: { SYSTEMD_PROC_CMDLINE: cmdline }, reject: false, all: true });
    const files = (await readdir(out, { recursive: true })).map(String).sort();
    return { run, out, files };
  };

  it('mounts root=nfs4:<server>:<path>:<options> on /sysroot after the network, with the address the kernel needs', async () => {
    const { run, out, files } = await generate('console=ttyS0 ip=dhcp root=nfs4:10.0.2.100:/strata-root:vers=4.2 ro');
    expect(run.exitCode, run.all).toBe(0);
    const unit = await readFile(join(out, 'sysroot.mount'), 'utf8');
    expect(unit).toContain('What=10.0.2.100:/strata-root\n');
    expect(unit).toContain('Type=nfs4\n');
    expect(unit).toContain('Options=ro,vers=4.2,addr=10.0.2.100\n');
    expect(unit).toMatch(/Wants=network-online\.target\nAfter=network-online\.target/);
    expect(await readlink(join(out, 'initrd-root-fs.target.requires/sysroot.mount'))).toBe('../sysroot.mount');
    expect(files).toContain('initrd.target.wants/systemd-networkd.service');
    expect(files).toContain('network-online.target.wants/systemd-networkd-wait-online.service');
  });

  it('reads the kernel\'s root=/dev/nfs nfsroot= form, and rw and rootflags=', async () => {
    const { run, out } = await generate('root=/dev/nfs nfsroot=10.0.2.100:/exports/root,vers=3,tcp rw rootflags=noatime');
    expect(run.exitCode, run.all).toBe(0);
    const unit = await readFile(join(out, 'sysroot.mount'), 'utf8');
    expect(unit).toContain('What=10.0.2.100:/exports/root\n');
    expect(unit).toContain('Type=nfs\n');
    expect(unit).toContain('Options=rw,vers=3,tcp,noatime,addr=10.0.2.100\n');
  });

  it('attaches netroot=nbd:<server>:<port>/<export> through Debian\'s nbd@nbd0.service, kept at the switch to the root', async () => {
    const { run, out, files } = await generate('root=LABEL=strata-root netroot=nbd:10.0.2.100:10809/strata-root ip=10.0.2.15:::255.255.255.0::eth0:none');
    expect(run.exitCode, run.all).toBe(0);
    const dropIn = await readFile(join(out, 'nbd@nbd0.service.d/netroot.conf'), 'utf8');
    expect(dropIn).toContain('ExecStart=\nExecStart=/usr/sbin/nbd-client -N strata-root 10.0.2.100 10809 /dev/nbd0\n');
    expect(dropIn).toContain('IgnoreOnIsolate=yes');
    expect(await readlink(join(out, 'initrd-root-device.target.wants/nbd@nbd0.service'))).toBe('/usr/lib/systemd/system/nbd@.service');
    expect(files).not.toContain('sysroot.mount');
    expect(files).toContain('initrd.target.wants/systemd-networkd.service');
  });

  it('logs in to netroot=iscsi:<server>::<port>:<lun>:<target> with iscsistart as rd.iscsi.initiator=, kept at the switch', async () => {
    const { run, out, files } = await generate('ip=dhcp rd.iscsi.initiator=iqn.2026-12.org.strata:initrd netroot=iscsi:10.0.2.100::3260:1:iqn.2026-12.org.strata:root root=LABEL=strata-root');
    expect(run.exitCode, run.all).toBe(0);
    const unit = await readFile(join(out, 'strata-iscsi-root.service'), 'utf8');
    // The target's name holds colons of its own: it is everything after the fourth field.
    expect(unit).toContain('ExecStart=/usr/sbin/iscsistart -i iqn.2026-12.org.strata:initrd -t iqn.2026-12.org.strata:root -g 1 -a 10.0.2.100 -p 3260\n');
    expect(unit).toContain('IgnoreOnIsolate=yes');
    expect(await readlink(join(out, 'initrd-root-device.target.wants/strata-iscsi-root.service'))).toBe('../strata-iscsi-root.service');
    expect(files).toContain('initrd.target.wants/systemd-networkd.service');
    const noTarget = await generate('netroot=iscsi:10.0.2.100::3260:1:');
    expect(noTarget.run.all).toContain('expected netroot=iscsi:<server>:[<protocol>]:[<port>]:[<lun>]:<target>');
  });

  it('leaves a disk boot alone: no unit, no network', async () => {
    const { run, files } = await generate('console=ttyS0 root=LABEL=strata-root ro');
    expect(run.exitCode, run.all).toBe(0);
    expect(files).toEqual([]);
  });

  it('brings the network up for ip= alone', async () => {
    const { run, files } = await generate('root=LABEL=strata-root ip=dhcp');
    expect(run.exitCode, run.all).toBe(0);
    expect(files).toEqual(['initrd.target.wants', 'initrd.target.wants/systemd-networkd.service', 'network-online.target.wants', 'network-online.target.wants/systemd-networkd-wait-online.service']);
  });

  it('refuses what it cannot mount, saying why and what to write instead', async () => {
    const named = await generate('root=nfs4:fileserver:/srv/root');
    expect(named.run.exitCode).not.toBe(0);
    expect(named.run.all).toContain("root=nfs4:fileserver:/srv/root: the NFS server 'fileserver' must be an IPv4 address (this initrd has no mount.nfs to resolve names)");
    expect(named.files).toEqual([]);
    const nbd = await generate('root=/dev/nbd0 netroot=nbd:10.0.2.100/root');
    expect(nbd.run.all).toContain('netroot=nbd:10.0.2.100/root: expected netroot=nbd:<server>:<port>[/<export>]');
    const other = await generate('netroot=nfs:10.0.2.100:/srv');
    expect(other.run.all).toContain('this initrd knows netroot=nbd:<server>:<port>[/<export>] and netroot=iscsi:');
  });
});
