import { describe, expect, it } from 'vitest';
import { anyGlobMatcher, globMatcher } from './index';

describe('globMatcher', () => {
  const cases: [string, string, boolean][] = [
    ['usr/share/doc/**', 'usr/share/doc/a/b.txt', true],
    ['usr/share/doc/**', 'usr/share/docs/a', false],
    // The folder itself stays; what is below it goes (removeFiles then keeps an empty folder).
    ['usr/share/doc/**', 'usr/share/doc', false],
    ['usr/share/doc', 'usr/share/doc', true],
    ['/usr/lib/*.a', 'usr/lib/libx.a', true],
    ['usr/lib/*.a', 'usr/lib/sub/libx.a', false],
    ['**/*.pyc', 'usr/lib/python/x.pyc', true],
    ['**/*.pyc', 'x.pyc', true],
    ['usr/**/x', 'usr/x', true],
    ['usr/**/x', 'usr/a/b/x', true],
    ['usr/share/locale/[a-d]*', 'usr/share/locale/de', true],
    ['usr/share/locale/[!a-d]*', 'usr/share/locale/de', false],
    ['usr/share/locale/[^a-d]*', 'usr/share/locale/fr', true],
    ['usr/share/locale/[[:digit:]]*', 'usr/share/locale/1x', true],
    ['etc/fil?', 'etc/file', true],
    ['etc/fil?', 'etc/fil/x', false],
    ['usr/lib/udev/hwdb.d/**', 'usr/lib/udev/hwdb.d/20-pci.hwdb', true],
    // Names that start with a dot are names like any other.
    ['etc/*', 'etc/.pwd.lock', true],
    ['**', 'root/.cache/x', true],
    // Only glob syntax is special; the rest, shell and regular-expression characters included, is literal.
    ['a+b(c)', 'a+b(c)', true],
    ['a+b(c)', 'a+bc', false],
    ['a(b|c)', 'ab', false],
    ['x{a,b}', 'xa', false],
    ['x{a,b}', 'x{a,b}', true],
    ['a{2}', 'aa', false],
    ['!x', '!x', true],
    ['@(x)', '@(x)', true],
    ['^^$', '^^$', true],
    ['"q"', '"q"', true],
    ['"q"', 'q', false],
    ['[a]+', 'a+', true],
    ['[a]+', 'aa', false],
    ['a[b', 'a[b', true],
    // Backslashes are ordinary characters of names (systemd escapes "-" as "\x2d").
    ['usr/lib/systemd/system/dev-disk-by\\x2dlabel*', 'usr/lib/systemd/system/dev-disk-by\\x2dlabel-root.swap', true],
    ['usr/lib/systemd/system/dev-disk-by\\x2dlabel*', 'usr/lib/systemd/system/dev-disk-byx2dlabel-root.swap', false],
    ['a\\\\\\', 'a\\\\\\', true],
    ['a\\*', 'a\\b', true],
    ['a\\*', 'a*', false],
    ['[\\]', '\\', true],
  ];
  it.each(cases)('%s on %s -> %s', (pattern, path, expected) => {
    expect(globMatcher(pattern)(path)).toBe(expected);
  });

  it('refuses a malformed class instead of matching nothing', () => {
    expect(() => globMatcher('[z-a]')).toThrow(/glob "\[z-a\]" is malformed/);
  });

  it('matches nothing for a pattern that names no path', () => {
    expect(globMatcher('/')('')).toBe(false);
  });
});

describe('anyGlobMatcher', () => {
  it('matches a path any of the globs match, and nothing without globs', () => {
    const matches = anyGlobMatcher(['usr/share/doc/**', 'etc/x']);
    expect(['usr/share/doc/a', 'etc/x', 'etc/y'].map(matches)).toEqual([true, true, false]);
    expect(anyGlobMatcher([])('etc/x')).toBe(false);
  });
});
