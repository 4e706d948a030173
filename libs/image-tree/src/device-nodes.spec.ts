import { describe, expect, it } from 'vitest';
import { parseIdTable, parsePackagedDeviceNodes, selectDeviceNodes, type PackagedDeviceNode } from './device-nodes';

const owners = { users: parseIdTable('root:x:0:0::/root:/bin/sh\n'), groups: parseIdTable('root:x:0:\ntty:x:5:\ndisk:x:6:\n') };
const node = (name: string, nevra: string, extra: Partial<PackagedDeviceNode> = {}): PackagedDeviceNode => ({ name, mode: 0o020600, user: 'root', group: 'root', mtime: 1_700_000_000, rdev: (5 << 8) | 1, nevra, ...extra });

describe('parsePackagedDeviceNodes', () => {
  it("keeps only character and block devices of rpm's file list, without the leading slash", () => {
    const text = ['/dev/console\t8576\troot\troot\t1700000000\t1281\tcd-1.0-1.noarch', '/dev\t16877\troot\troot\t1700000000\t0\tfs-1.0-1.noarch', '/dev/sda\t25008\troot\tdisk\t1700000000\t2048\tcd-1.0-1.noarch', ''].join('\n');
    expect(parsePackagedDeviceNodes(text)).toEqual([
      { name: 'dev/console', mode: 0o020600, user: 'root', group: 'root', mtime: 1_700_000_000, rdev: 1281, nevra: 'cd-1.0-1.noarch' },
      { name: 'dev/sda', mode: 0o060660, user: 'root', group: 'disk', mtime: 1_700_000_000, rdev: 2048, nevra: 'cd-1.0-1.noarch' },
    ]);
  });
});

describe('selectDeviceNodes', () => {
  const carried = [{ name: 'dev/console', mode: 0o020600, uid: 0, gid: 0, mtime: 1, rdevMajor: 5, rdevMinor: 1 }];

  it("adds this layer's nodes with the image's owner ids and rpm's device numbers", () => {
    const selected = selectDeviceNodes({ carried: [], packaged: [node('dev/sda', 'new-1', { mode: 0o060660, group: 'disk', rdev: 8 << 8 })], installedBefore: new Set(), removeFiles: [], owners });
    expect(selected).toEqual([{ name: 'dev/sda', mode: 0o060660, uid: 0, gid: 6, mtime: 1_700_000_000, rdevMajor: 8, rdevMinor: 0 }]);
  });

  it('keeps what the base carried while a package owns it, as the base recorded it', () => {
    const packaged = [node('dev/console', 'base-1')];
    expect(selectDeviceNodes({ carried, packaged, installedBefore: new Set(['base-1']), removeFiles: [], owners })).toEqual(carried);
    // removePackages took its package away.
    expect(selectDeviceNodes({ carried, packaged: [], installedBefore: new Set(['base-1']), removeFiles: [], owners })).toEqual([]);
  });

  it("does not bring back a base's package node that the base's removeFiles dropped", () => {
    expect(selectDeviceNodes({ carried: [], packaged: [node('dev/console', 'base-1')], installedBefore: new Set(['base-1']), removeFiles: [], owners })).toEqual([]);
  });

  it('drops what removeFiles matches, by name or by a folder above it', () => {
    const packaged = [node('dev/console', 'new-1'), node('dev/kmsg', 'new-1'), node('dev/input/event0', 'new-1')];
    const names = (removeFiles: string[]) => selectDeviceNodes({ carried: [], packaged, installedBefore: new Set(), removeFiles, owners }).map((n) => n.name);
    expect(names(['dev/kmsg'])).toEqual(['dev/console', 'dev/input/event0']);
    expect(names(['dev/input'])).toEqual(['dev/console', 'dev/kmsg']);
    expect(names(['dev/**'])).toEqual([]);
  });

  it("names the package and the missing name when the image's passwd or group lacks an owner", () => {
    expect(() => selectDeviceNodes({ carried: [], packaged: [node('dev/ttyS0', 'serial-1.0-1.noarch', { group: 'dialout' })], installedBefore: new Set(), removeFiles: [], owners })).toThrow(
      'serial-1.0-1.noarch ships the device node /dev/ttyS0 owned by group "dialout", which the image\'s /etc/group does not name; install the package that creates it in the same layer or a base',
    );
  });
});
