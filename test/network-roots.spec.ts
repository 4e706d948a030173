import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspaceOnSharedCache, type CommandOutput, type ScratchWorkspace } from './support/scratch-workspace';

// initrd-network booted from roots on the network: NFS-Ganesha, nbd-server and tgt run on this
// machine, bound to 127.0.0.1, and the guest reaches them only through QEMU's user network with
// restrict=on and one guestfwd each. The initrd brings the network up from the command line
// (systemd-network-generator, systemd-networkd) and mounts the root by itself.
describe('nx run initrd-network:boot-test:<nfs|nbd|iscsi>', () => {
  let ws: ScratchWorkspace;
  const runs = new Map<string, CommandOutput>();
  // The ext4 boot keeps its work in dist/boot/<name> itself, every other variant in a folder of its own.
  const consoleOf = (variant: string) => readFile(join(ws.root, 'dist/boot/initrd-network', variant === 'ext4' ? '' : variant, 'console.log'), 'utf8');
  const bootTest = (configuration: string, ...args: string[]) => ws.nx(['run', `initrd-network:boot-test:${configuration}`, '--excludeTaskDependencies', '--output-style=static', ...args]);

  beforeAll(async () => {
    ws = await createScratchWorkspaceOnSharedCache();
    // The Debian-derived distribution follows the mirror: relock to what it serves today.
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=initrd-base,initrd-network', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const build = await ws.nx(['run', 'initrd-network:build', '--output-style=static']);
    expect(build.exitCode, build.all).toBe(0);
    // Two boots at a time, one per core.
    const queue = ['nfs', 'nbd', 'iscsi'];
    const worker = async () => {
      for (let variant = queue.shift(); variant; variant = queue.shift()) runs.set(variant, await bootTest(variant));
    };
    await Promise.all([worker(), worker()]);
  }, 900_000);
  afterAll(() => ws?.dispose());

  const passed = (variant: string) => {
    const run = runs.get(variant) as CommandOutput;
    expect(run.exitCode, run.all).toBe(0);
    return run.all;
  };

  it('offers the network roots to initrd-network only', async () => {
    const configurations = async (project: string) => {
      const show = await ws.nx(['show', 'project', project, '--json']);
      return Object.keys(JSON.parse(show.all.slice(show.all.indexOf('{'))).targets['boot-test'].configurations ?? {});
    };
    expect(await configurations('initrd-network')).toEqual(expect.arrayContaining(['nfs', 'nbd', 'iscsi']));
    expect(await configurations('initrd-base')).not.toContain('nfs');
    expect(await configurations('initrd-server')).not.toContain('nbd');
  });

  it('nfs: DHCP from ip=dhcp, then the root mounted over NFSv4.2 from NFS-Ganesha on 127.0.0.1', async () => {
    const output = passed('nfs');
    expect(output).toMatch(/initrd-network: the root is served by NFS-Ganesha on 127\.0\.0\.1:\d+, forwarded to the guest's 10\.0\.2\.100:2049 \(QEMU user network, restrict=on\)/);
    expect(output).toMatch(/initrd-network: booted to the root's marker in [\d.]+ s \(root: the root exported by NFS-Ganesha/);
    const console = await consoleOf('nfs');
    expect(console).toMatch(/systemd-networkd\[\d+\]: \w+: DHCPv4 address 10\.0\.2\.15\/24 acquired from 10\.0\.2\.2/);
    expect(console).toMatch(/Mounted sysroot\.mount - Root file system from NFS 10\.0\.2\.100:\/strata-root/);
    expect(console).toMatch(/^STRATA-ROOT-MOUNT 10\.0\.2\.100:\/strata-root \/ nfs4 ro,\S*vers=4\.2,\S*addr=10\.0\.2\.100/m);
    expect(console).toMatch(/^STRATA-NETWORK-CONFIG DHCP=ipv4/m);
    const config = await readFile(join(ws.root, 'dist/boot/initrd-network/nfs/nfs-server/ganesha.conf'), 'utf8');
    expect(config).toContain('Bind_addr = 127.0.0.1;');
  });

  it('nbd: ifname= names the interface, the static ip= has no route to the server but rd.route= adds one, nameserver= reaches networkd', async () => {
    const output = passed('nbd');
    expect(output).toMatch(/initrd-network: the root is served by nbd-server on 127\.0\.0\.1:\d+, forwarded to the guest's 10\.0\.2\.100:10809/);
    const console = await consoleOf('nbd');
    expect(console).toMatch(/virtio_net virtio0 strata0: renamed from eth0/);
    expect(console).toMatch(/nbd-client\[\d+\]: Connected \/dev\/nbd0/);
    expect(console).toMatch(/EXT4-fs \(nbd0\): mounted filesystem/);
    expect(console).toMatch(/^STRATA-ROOT-MOUNT \/dev\/nbd0 \/ ext4 ro/m);
    expect(console).toMatch(/^STRATA-NETWORK-CONFIG Address=10\.0\.2\.15\/28/m);
    expect(console).toMatch(/^STRATA-NETWORK-CONFIG DNS=10\.0\.2\.3/m);
    // The server (10.0.2.100) is outside the /28 and there is no default route: only rd.route= reaches it.
    expect(console).toMatch(/^STRATA-NETWORK-ROUTE 10\.0\.2\.96\/28 via 10\.0\.2\.2 dev strata0/m);
    expect(console).not.toMatch(/^STRATA-NETWORK-ROUTE default/m);
  });

  it('iscsi: after DHCP, iscsistart logs in to the tgt target as rd.iscsi.initiator= and the root is on its LUN', async () => {
    const output = passed('iscsi');
    expect(output).toMatch(/initrd-network: the root is served by tgt \(iSCSI target iqn\.2026-12\.org\.strata:root\) on 127\.0\.0\.1:\d+, forwarded to the guest's 10\.0\.2\.100:3260/);
    const console = await consoleOf('iscsi');
    expect(console).toMatch(/Finished strata-iscsi-root\.service - iSCSI login to iqn\.2026-12\.org\.strata:root at 10\.0\.2\.100:3260/);
    expect(console).toMatch(/scsi \d+:0:0:1: Direct-Access +IET +VIRTUAL-DISK/);
    expect(console).toMatch(/EXT4-fs \(sd[a-z]\): mounted filesystem/);
    expect(console).toMatch(/^STRATA-ROOT-MOUNT \/dev\/sd[a-z] \/ ext4 ro/m);
    // udev starts iscsid for the iSCSI disk; it finds the initiator name the login used.
    expect(console).toMatch(/Started iscsid\.service/);
    expect(console).not.toMatch(/Failed to start iscsid\.service/);
  });

  it('a wrong export fails the boot at once, with the server\'s answer', async () => {
    const started = Date.now();
    const run = await bootTest('nbd', '--append=netroot=nbd:10.0.2.100:10809/no-such-export');
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/initrd-network: boot FAILED after [\d.]+ s: .*nbd-client: Unknown error returned by server\. Server said: Export unknown/);
    // Failed as soon as nbd-client did: no device timeout, no quiet timeout.
    expect((Date.now() - started) / 1000).toBeLessThan(90);
  }, 180_000);

  it('a disk boot of the same initrd never starts the network', async () => {
    const run = await bootTest('ext4');
    expect(run.exitCode, run.all).toBe(0);
    const console = await consoleOf('ext4');
    expect(console).toMatch(/STRATA-ROOT-REACHED/);
    expect(console).not.toMatch(/Starting systemd-networkd\.service/);
  }, 180_000);
});
