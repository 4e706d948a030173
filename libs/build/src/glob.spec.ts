import { describe, expect, it } from 'vitest';
import { globToRegExp } from './glob';

describe('globToRegExp', () => {
  const cases: [string, string, boolean][] = [
    ['usr/share/doc/**', 'usr/share/doc/a/b.txt', true],
    ['usr/share/doc/**', 'usr/share/docs/a', false],
    ['usr/share/doc', 'usr/share/doc', true],
    ['/usr/lib/*.a', 'usr/lib/libx.a', true],
    ['usr/lib/*.a', 'usr/lib/sub/libx.a', false],
    ['**/*.pyc', 'usr/lib/python/x.pyc', true],
    ['**/*.pyc', 'x.pyc', true],
    ['usr/share/locale/[a-d]*', 'usr/share/locale/de', true],
    ['usr/share/locale/[!a-d]*', 'usr/share/locale/de', false],
    ['etc/fil?', 'etc/file', true],
    ['etc/fil?', 'etc/fil/x', false],
    ['usr/lib/udev/hwdb.d/**', 'usr/lib/udev/hwdb.d/20-pci.hwdb', true],
    ['a+b(c)', 'a+b(c)', true],
  ];
  it.each(cases)('%s on %s -> %s', (pattern, path, expected) => {
    expect(globToRegExp(pattern).test(path)).toBe(expected);
  });
});
