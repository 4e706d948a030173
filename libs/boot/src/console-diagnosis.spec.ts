import { describe, expect, it } from 'vitest';
import { diagnoseConsole, plainConsole, unfinishedJobs } from './console-diagnosis';

// Excerpts of real consoles of systemd 252 in the initrd.
const timedOut = [
  '[\x1b[0;1;31m TIME \x1b[0m] Timed out waiting for device \x1b[0;1;…/dev/disk/by-label/strata-missing.',
  '[   20.16] systemd[1]: Timed out waiting for device dev-disk-by\\x2dlabel-strata\\x2dmissing.device - /dev/disk/by-label/strata-missing.',
  '[   20.17] systemd[1]: Dependency failed for sysroot.mount - /sysroot.',
  '[   20.18] systemd[1]: Dependency failed for initrd-root-fs.target - Initrd Root File System.',
  '[   20.19] systemd[1]: dev-disk-by\\x2dlabel-strata\\x2dmissing.device: Job dev-disk-by\\x2dlabel-strata\\x2dmissing.device/start failed with result \'timeout\'.',
].join('\r\n');

describe('diagnoseConsole', () => {
  it('names the device the boot waited for and what failed because of it, from the untruncated lines', () => {
    expect(diagnoseConsole(timedOut)).toEqual([
      'timed out waiting for device dev-disk-by\\x2dlabel-strata\\x2dmissing.device - /dev/disk/by-label/strata-missing',
      'dependency failed for sysroot.mount - /sysroot',
      'dependency failed for initrd-root-fs.target - Initrd Root File System',
    ]);
  });

  it('keeps at most the first few reasons, each once', () => {
    expect(diagnoseConsole(`${timedOut}\n${timedOut}`, 2)).toHaveLength(2);
  });

  it('says which unit a boot that went quiet is still waiting for', () => {
    const quiet = [
      '[    9.17] systemd[1]: Starting systemd-cryptsetup@strata\\x2dcrypt.service - Cryptography Setup for strata-crypt...',
      '[    9.18] systemd[1]: Starting systemd-udev-trigger.service - Coldplug All udev Devices...',
      '[    9.40] systemd[1]: Finished systemd-udev-trigger.service - Coldplug All udev Devices.',
    ].join('\n');
    expect(unfinishedJobs(quiet)).toEqual(['systemd-cryptsetup@strata\\x2dcrypt.service (Cryptography Setup for strata-crypt)']);
    expect(diagnoseConsole(quiet)).toEqual(['still waiting for systemd-cryptsetup@strata\\x2dcrypt.service (Cryptography Setup for strata-crypt)']);
  });

  it('reads systemd-cryptsetup\'s own reason', () => {
    expect(diagnoseConsole("[ 9.6] systemd-cryptsetup[139]: Failed to activate, key file '/etc/k.key' missing.")).toEqual(["systemd-cryptsetup: Failed to activate, key file '/etc/k.key' missing"]);
  });

  it('reads nbd-client\'s answer from the server and the netroot generator\'s complaint', () => {
    const text = [
      '[   15.58] nbd-client[266]: Negotiation: ..Error: Unknown error returned by server. Server said: Export unknown',
      '[   15.59] systemd[1]: Failed to start nbd@nbd0.service - NBD client connection for nbd0.',
      '[    3.10] strata-netroot-generator: root=nfs4:fileserver:/srv: the NFS server \'fileserver\' must be an IPv4 address',
    ].join('\n');
    expect(diagnoseConsole(text)).toEqual([
      'nbd-client: Unknown error returned by server. Server said: Export unknown',
      'failed to start nbd@nbd0.service - NBD client connection for nbd0',
      "strata-netroot-generator: root=nfs4:fileserver:/srv: the NFS server 'fileserver' must be an IPv4 address",
    ]);
  });

  it('finds nothing in a healthy boot', () => {
    expect(diagnoseConsole('[ 1.0] systemd[1]: Starting a.service - A...\n[ 1.2] systemd[1]: Started a.service - A.\nSTRATA-ROOT-REACHED 3.1\n')).toEqual([]);
  });
});

describe('plainConsole', () => {
  it('drops colour sequences and turns carriage returns into line ends', () => {
    expect(plainConsole('[\x1b[0;32m  OK  \x1b[0m] Reached\rnext')).toBe('[  OK  ] Reached\nnext');
  });
});
