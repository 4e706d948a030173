import { describe, expect, it } from 'vitest';
import { parseRoots, readRoots } from './roots';

describe('packages.txt', () => {
  it('lists names only, with comments', () => {
    expect(parseRoots('# c\nsystemd\n\n udev # why\n')).toEqual(['systemd', 'udev']);
    expect(() => parseRoots('systemd=252.39-1\n')).toThrow(/not a Debian package name/);
    expect(() => parseRoots('a1\na1\n')).toThrow(/twice/);
  });

  it('has the roots an initrd needs, including the Essential packages Debian never depends on', async () => {
    const roots = await readRoots();
    for (const name of ['systemd', 'udev', 'kmod', 'util-linux', 'e2fsprogs', 'base-files', 'base-passwd', 'dash', 'coreutils', 'libc-bin', 'bash', 'usr-is-merged']) {
      expect(roots).toContain(name);
    }
  });
});
