import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { debianToRpmEvr, formatDependencyEvr, formatEvr, parseDebianVersion } from './deb-version';

describe('Debian version -> Epoch/Version/Release', () => {
  it.each([
    ['252.39-1~deb12u2', 0, '252.39', '1~deb12u2'],
    ['1:2.38.1-5+deb12u3', 1, '2.38.1', '5+deb12u3'],
    ['2:1.02.185-2', 2, '1.02.185', '2'],
    ['11.6', 0, '11.6', '0'],
    ['3.6.1', 0, '3.6.1', '0'],
    ['30+20221128-1', 0, '30+20221128', '1'],
    ['0~20171227-0.3+deb12u1', 0, '0~20171227', '0.3+deb12u1'],
    // The revision is what follows the LAST '-'; '-' in the upstream part becomes '.'.
    ['1.3.4-20200120-3.1', 0, '1.3.4.20200120', '3.1'],
    // ':' inside the upstream part (allowed with an epoch) becomes '.'.
    ['1:2.0:rc1-4', 1, '2.0.rc1', '4'],
    ['5.4.1~alpha+dfsg-1', 0, '5.4.1~alpha+dfsg', '1'],
  ])('%s -> %s:%s-%s', (debian, epoch, version, release) => {
    expect(debianToRpmEvr(debian)).toEqual({ epoch, version, release });
  });

  it('splits epoch at the first colon and revision at the last dash', () => {
    expect(parseDebianVersion('1:2:3-4-5')).toEqual({ epoch: 1, upstream: '2:3-4', revision: '5' });
    expect(parseDebianVersion('1.0')).toEqual({ epoch: 0, upstream: '1.0', revision: undefined });
  });

  it('rejects what is not a Debian version', () => {
    for (const bad of ['', 'a1.0', 'x:1.0', '1.0-', '1.0-a b', '1.0:2']) {
      expect(() => parseDebianVersion(bad), bad).toThrow(/invalid Debian version/);
    }
    expect(() => parseDebianVersion('2:3')).not.toThrow();
    expect(() => parseDebianVersion('a:3')).toThrow(/bad epoch/);
  });

  it('writes dependency EVRs with explicit epoch and release', () => {
    expect(formatDependencyEvr(debianToRpmEvr('1.0'))).toBe('0:1.0-0');
    expect(formatDependencyEvr(debianToRpmEvr('1:2.66-4'))).toBe('1:2.66-4');
    expect(formatEvr(debianToRpmEvr('1:2.66-4'))).toBe('1:2.66-4');
    expect(formatEvr(debianToRpmEvr('2.66'))).toBe('2.66-0');
  });
});

/** dpkg and rpm must order the mapped versions the same way (host tools, no network). */
function hostHasRpmPython(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import rpm'], { stdio: 'ignore' });
    execFileSync('dpkg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hostHasRpmPython())('ordering agrees with dpkg', () => {
  const PAIRS: [string, string][] = [
    ['1.0', '1.0-1'],
    ['1.0-1', '1.0-2'],
    ['1.0~rc1-1', '1.0-1'],
    ['1.0-1~deb12u1', '1.0-1'],
    ['1.0-1', '1.0-1+b1'],
    ['1.0+dfsg-1', '1.0-1'],
    ['1:0.5-1', '2.0-1'],
    ['2.38.1-5+deb12u2', '2.38.1-5+deb12u3'],
    ['252.38-1~deb12u1', '252.39-1~deb12u2'],
    ['1.02.185-2', '1.02.185-2'],
    ['0~20171227-0.3', '0~20171227-0.3+deb12u1'],
    ['3.0~alpha-1', '3.0~beta-1'],
    ['1.2.3a-1', '1.2.3-1'],
  ];

  it('for versions seen in bookworm', () => {
    const dpkg = PAIRS.map(([a, b]) => {
      const lt = (x: string, y: string): boolean => {
        try {
          execFileSync('dpkg', ['--compare-versions', x, 'lt', y]);
          return true;
        } catch {
          return false;
        }
      };
      return lt(a, b) ? -1 : lt(b, a) ? 1 : 0;
    });
    const evrs = PAIRS.map(([a, b]) => [debianToRpmEvr(a), debianToRpmEvr(b)]);
    const script = [
      'import json, rpm, sys',
      'pairs = json.load(sys.stdin)',
      'print(json.dumps([rpm.labelCompare((str(a["epoch"]), a["version"], a["release"]), (str(b["epoch"]), b["version"], b["release"])) for a, b in pairs]))',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(evrs), env: { HOME: '/nonexistent', LC_ALL: 'C' } });
    expect(JSON.parse(out.toString())).toEqual(dpkg);
  });
});
