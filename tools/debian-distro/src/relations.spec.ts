import { describe, expect, it } from 'vitest';
import { conflictsToRpm, parseRelations, providesToRpm, relationsToRpm } from './relations';

describe('relation parsing', () => {
  it('reads groups, alternatives, versions, arch qualifiers and restrictions', () => {
    expect(parseRelations('libc6 (>= 2.34), default-dbus-system-bus | dbus-system-bus, perl:any, foo:amd64 (<< 1.0) [amd64] <!nocheck>')).toEqual([
      [{ name: 'libc6', version: { operator: '>=', version: '2.34' } }],
      [{ name: 'default-dbus-system-bus' }, { name: 'dbus-system-bus' }],
      [{ name: 'perl' }],
      [{ name: 'foo', version: { operator: '<<', version: '1.0' } }],
    ]);
  });

  it('folds whitespace and newlines, and treats the obsolete < and > as <= and >=', () => {
    expect(parseRelations('a\n (>=1.0),\n  b (<2)')).toEqual([
      [{ name: 'a', version: { operator: '>=', version: '1.0' } }],
      [{ name: 'b', version: { operator: '<=', version: '2' } }],
    ]);
    expect(parseRelations('b (> 2)')[0]![0]!.version!.operator).toBe('>=');
  });

  it('gives nothing for an empty field and refuses garbage', () => {
    expect(parseRelations(undefined)).toEqual([]);
    expect(parseRelations('  ')).toEqual([]);
    expect(() => parseRelations('a,,b')).toThrow(/empty item/);
    expect(() => parseRelations('Foo_Bar')).toThrow(/cannot parse/);
    expect(() => parseRelations('a (~= 1)')).toThrow(/cannot parse/);
  });
});

describe('relations as rpm dependencies', () => {
  it('maps operators into the deb() namespace with explicit epoch and release', () => {
    expect(relationsToRpm('a (<< 1.0), b (<= 1:2-3), c (= 4-1), d (>= 2.34), e (>> 0.5~rc1)')).toEqual([
      'deb(a) < 0:1.0-0',
      'deb(b) <= 1:2-3',
      'deb(c) = 0:4-1',
      'deb(d) >= 0:2.34-0',
      'deb(e) > 0:0.5~rc1-0',
    ]);
  });

  it('keeps unversioned relations as plain names', () => {
    expect(relationsToRpm('adduser, libpam-runtime')).toEqual(['adduser', 'libpam-runtime']);
  });

  it('turns alternatives into rich dependencies', () => {
    expect(relationsToRpm('usrmerge | usr-is-merged, debconf (>= 0.5) | debconf-2.0')).toEqual([
      '(usrmerge or usr-is-merged)',
      '(deb(debconf) >= 0:0.5-0 or debconf-2.0)',
    ]);
  });

  it('drops :any and removes duplicates', () => {
    expect(relationsToRpm('perl:any, perl, python3:any | python3')).toEqual(['perl', 'python3']);
  });

  it('maps Pre-Depends-like versions whose upstream has dashes and colons', () => {
    expect(relationsToRpm('mawk (>= 1.3.4-20200120-3)')).toEqual(['deb(mawk) >= 0:1.3.4.20200120-3']);
  });
});

describe('provides', () => {
  it('provides deb(NAME) for itself, plain names for every Provides, deb() only for versioned ones', () => {
    expect(providesToRpm('sysvinit-utils', '3.06-4', 'lsb-base (= 11.1.0), x-utils')).toEqual([
      'deb(sysvinit-utils) = 0:3.06-4',
      'lsb-base = 0:11.1.0-0',
      'deb(lsb-base) = 0:11.1.0-0',
      'x-utils',
    ]);
  });

  it('refuses alternatives and non-= operators', () => {
    expect(() => providesToRpm('a', '1', 'b | c')).toThrow(/alternative/);
    expect(() => providesToRpm('a', '1', 'b (>= 1)')).toThrow(/operator/);
  });
});

describe('conflicts', () => {
  it('maps Conflicts and Breaks: versioned in deb(), unversioned plain', () => {
    expect(conflictsToRpm('consolekit, lsb-base (<< 11.3~)', 'udev (<< 247~), consolekit')).toEqual([
      'consolekit',
      'deb(lsb-base) < 0:11.3~-0',
      'deb(udev) < 0:247~-0',
    ]);
    expect(conflictsToRpm(undefined, undefined)).toEqual([]);
  });
});
