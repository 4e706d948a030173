import { describe, expect, it } from 'vitest';
import { archivePath, usrMergePath, usrMergeSymlinkTarget } from './usrmerge';

describe('merged /usr', () => {
  it('normalizes archive member names', () => {
    expect(archivePath('./')).toBe('/');
    expect(archivePath('.')).toBe('/');
    expect(archivePath('./usr/bin/')).toBe('/usr/bin');
    expect(archivePath('./usr/bin/ls')).toBe('/usr/bin/ls');
    expect(archivePath('usr//lib/./x')).toBe('/usr/lib/x');
  });

  it('moves /bin, /sbin, /lib and /lib64 under /usr and leaves everything else', () => {
    expect(usrMergePath('/bin')).toBe('/usr/bin');
    expect(usrMergePath('/bin/sh')).toBe('/usr/bin/sh');
    expect(usrMergePath('/sbin/mke2fs')).toBe('/usr/sbin/mke2fs');
    expect(usrMergePath('/lib/systemd/systemd')).toBe('/usr/lib/systemd/systemd');
    expect(usrMergePath('/lib64/ld-linux-x86-64.so.2')).toBe('/usr/lib64/ld-linux-x86-64.so.2');
    expect(usrMergePath('/lib/x86_64-linux-gnu/libc.so.6')).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
    for (const same of ['/usr/bin/ls', '/binary', '/libexec/x', '/etc/lib/x', '/lib32x']) expect(usrMergePath(same)).toBe(same);
  });

  it('writes absolute symlink targets in their merged form', () => {
    expect(usrMergeSymlinkTarget('/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')).toBe(
      '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    );
    expect(usrMergeSymlinkTarget('/lib/systemd/system/x.service', '/dev/null')).toBe('/dev/null');
  });

  it('keeps relative targets that still point at the same file, recomputes the others', () => {
    expect(usrMergeSymlinkTarget('/bin/sh', 'dash')).toBe('dash');
    expect(usrMergeSymlinkTarget('/sbin/mkfs.ext4', 'mke2fs')).toBe('mke2fs');
    expect(usrMergeSymlinkTarget('/usr/lib/os-release', '../../etc/x')).toBe('../../etc/x');
    // The link stays, the target moves: from /usr/sbin, ../../sbin/x is now next door.
    expect(usrMergeSymlinkTarget('/usr/sbin/a', '../../sbin/b')).toBe('b');
    // The link moves, the target does not: /bin/x -> ../usr/share/y must still reach /usr/share/y.
    expect(usrMergeSymlinkTarget('/bin/x', '../usr/share/y')).toBe('../share/y');
    expect(usrMergeSymlinkTarget('/etc/os-release', '../usr/lib/os-release')).toBe('../usr/lib/os-release');
  });
});
