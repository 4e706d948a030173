import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareEvr, compareNevra, formatEvr, formatNevra, parseEvr, parseNevra, rpmvercmp, sortPackages, type Nevra } from './nevra';

describe('parseNevra / formatNevra', () => {
  it('splits name, version, release and arch; the name may contain dashes', () => {
    expect(parseNevra('python3-libs-3.12.4-1.fc40.x86_64')).toEqual({ name: 'python3-libs', epoch: 0, version: '3.12.4', release: '1.fc40', arch: 'x86_64' });
    expect(parseNevra('kernel-core-6.9.7-200.fc40.x86_64').name).toBe('kernel-core');
  });

  it('reads an epoch before the version', () => {
    expect(parseNevra('openssl-libs-1:3.2.2-3.fc40.x86_64')).toEqual({ name: 'openssl-libs', epoch: 1, version: '3.2.2', release: '3.fc40', arch: 'x86_64' });
    expect(parseNevra('foo-0:1.0-1.noarch').epoch).toBe(0);
  });

  it('prints the epoch only when it is not 0, as rpm does', () => {
    expect(formatNevra({ name: 'name', epoch: 1, version: '2.0', release: '3', arch: 'x86_64' })).toBe('name-1:2.0-3.x86_64');
    expect(formatNevra({ name: 'name', epoch: 0, version: '2.0', release: '3', arch: 'x86_64' })).toBe('name-2.0-3.x86_64');
    expect(formatNevra(parseNevra('foo-0:1.0-1.noarch'))).toBe('foo-1.0-1.noarch');
  });

  it('round-trips', () => {
    for (const s of ['a-1-1.noarch', 'glibc-all-langpacks-2.39-15.fc40.x86_64', 'x-3:1.0~rc1^git2-0.1.el9_4.aarch64', 'c++-x-1.0-1.i686']) {
      expect(formatNevra(parseNevra(s))).toBe(s);
    }
  });

  it('rejects what is not a NEVRA, saying why', () => {
    expect(() => parseNevra('bash')).toThrow('invalid NEVRA "bash": no "-" before the release (expected name-[epoch:]version-release.arch, e.g. "bash-5.2.26-3.fc40.x86_64")');
    expect(() => parseNevra('bash-5.2-1')).toThrow('invalid NEVRA "bash-5.2-1": no ".arch" after the release');
    expect(() => parseNevra('bash-1')).toThrow('no "-" between name and version');
    expect(() => parseNevra('-1.0-1.x86_64')).toThrow('the name is empty');
    expect(() => parseNevra('bash-x:1.0-1.x86_64')).toThrow('the epoch must be a number');
    expect(() => parseNevra('bash-1:-1.x86_64')).toThrow('the version is empty');
    expect(() => parseNevra('bash-1.0-.x86_64')).toThrow('the release is empty');
    expect(() => parseNevra('bash-1.0-1.')).toThrow('the architecture is empty');
    expect(() => parseNevra('1:bash-1.0-1.x86_64')).toThrow('the epoch belongs before the version');
    expect(() => parseNevra('bash-1.0-1 .x86_64')).toThrow('white space');
  });

  it('parses and formats EVRs', () => {
    expect(parseEvr('2:1.0-3')).toEqual({ epoch: 2, version: '1.0', release: '3' });
    expect(formatEvr(parseEvr('0:1.0-3'))).toBe('1.0-3');
    expect(() => parseEvr('1.0')).toThrow('invalid EVR "1.0"');
  });
});

// [a, b, expected], in the style of rpm's own test suite (tests/rpmvercmp.at).
const cases: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p2', 1],
  ['10xyz', '10.1xyz', -1],
  ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['8', 'xyz.4', 1],
  ['xyz.4', '2', -1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '6.5p1', -1],
  ['6.0.rc1', '6.0', 1],
  ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.1', '10.0001', 0],
  ['10.0001', '10.0039', -1],
  ['4.999.9', '5.0', -1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['+_', '_+', 0],
  ['+', '_', 0],
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0^', '1.0^', 0],
  ['1.0^', '1.0', 1],
  ['1.0', '1.0^', -1],
  ['1.0^git1', '1.0^git1', 0],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git1', '1.01', -1],
  ['1.0^git1', '1.0.1', -1],
  ['1.0^20160101', '1.0^20160101', 0],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0~rc1^git1', '1.0~rc1^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1~pre', 0],
  ['1.0^git1', '1.0^git1~pre', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1.0^', '1.0~', 1],
  ['1.0^', '1.0.', 1],
  ['001', '1', 0],
  ['1.001', '1.1', 0],
  ['a', '1', -1],
  ['1.0.', '1.0', 0],
];

describe('rpmvercmp', () => {
  it.each(cases)('rpmvercmp(%j, %j) = %i', (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
    expect(rpmvercmp(b, a)).toBe(-expected || 0);
  });

  it('compares numbers of any length without overflow', () => {
    expect(rpmvercmp('99999999999999999999999', '99999999999999999999998')).toBe(1);
    expect(rpmvercmp('000000000000000000000001', '1')).toBe(0);
  });
});

describe('compareEvr / compareNevra / sortPackages', () => {
  const p = (s: string): Nevra => parseNevra(s);

  it('an epoch outweighs any version', () => {
    expect(compareEvr({ epoch: 1, version: '1.0', release: '1' }, { epoch: 0, version: '9.9', release: '9' })).toBe(1);
    expect(compareEvr({ epoch: 0, version: '1.0', release: '1' }, { epoch: 0, version: '1.0', release: '2' })).toBe(-1);
    expect(compareEvr({ epoch: 2, version: '1.0', release: '10' }, { epoch: 2, version: '1.0', release: '9' })).toBe(1);
    expect(compareEvr({ epoch: 0, version: '1.01', release: '1' }, { epoch: 0, version: '1.1', release: '1' })).toBe(0);
  });

  it('compares the name bytewise, then the EVR, then the arch', () => {
    expect(compareNevra(p('B-1-1.x86_64'), p('a-1-1.x86_64'))).toBe(-1);
    expect(compareNevra(p('a-1-1.x86_64'), p('a-lib-1-1.x86_64'))).toBe(-1);
    expect(compareNevra(p('a-10-1.x86_64'), p('a-9-1.x86_64'))).toBe(1);
    expect(compareNevra(p('a-1:1-1.i686'), p('a-2-1.x86_64'))).toBe(1);
    expect(compareNevra(p('a-1-1.i686'), p('a-1-1.x86_64'))).toBe(-1);
    expect(compareNevra(p('a-1-1.x86_64'), p('a-1-1.x86_64'))).toBe(0);
  });

  it('sorts by name, arch, then EVR, in a total order', () => {
    const input = ['zlib-1.3-1.x86_64', 'glibc-2.39-2.x86_64', 'glibc-2.39-10.i686', 'glibc-2.39-10.x86_64', 'glibc-1:2.0-1.x86_64', 'Zed-1-1.noarch', 'glibc-2.039-2.x86_64'];
    const expected = ['Zed-1-1.noarch', 'glibc-2.39-10.i686', 'glibc-2.039-2.x86_64', 'glibc-2.39-2.x86_64', 'glibc-2.39-10.x86_64', 'glibc-1:2.0-1.x86_64', 'zlib-1.3-1.x86_64'];
    expect(sortPackages(input.map(p)).map(formatNevra)).toEqual(expected);
    expect(sortPackages([...input].reverse().map(p)).map(formatNevra)).toEqual(expected);
  });

  it('keeps the extra fields of what it sorts and does not touch its input', () => {
    const input = [{ ...p('b-1-1.noarch'), sha256: 'x' }, { ...p('a-1-1.noarch'), sha256: 'y' }];
    const sorted = sortPackages(input);
    expect(sorted.map((x) => x.sha256)).toEqual(['y', 'x']);
    expect(input[0].name).toBe('b');
  });
});

// The host's rpm is the reference: every generated pair is compared by rpm itself, in one process.
const hasRpm = spawnSync('rpm', ['--version']).status === 0;

/** Deterministic pseudo-random numbers (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = ['0', '00', '01', '1', '2', '9', '10', '010', '123', '20240101', 'a', 'b', 'rc', 'git', 'p', 'Z', 'xyz', 'beta', '.', '.', '.', '_', '+', '~', '^'];

function generateVersions(count: number, seed: number): [string, string][] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const version = (): string => {
    let s = '';
    const n = 1 + Math.floor(next() * 6);
    for (let i = 0; i < n; i++) s += pick(TOKENS);
    return /[A-Za-z0-9]/.test(s) ? s : `${s}1`;
  };
  // Most pairs are a version and a small edit of it: that is where orderings are subtle.
  const mutate = (s: string): string => {
    const at = Math.floor(next() * (s.length + 1));
    const edit = next();
    if (edit < 0.4) return s.slice(0, at) + pick(TOKENS) + s.slice(at);
    if (edit < 0.7 && s.length > 1) return s.slice(0, at) + s.slice(at + 1) || s;
    if (edit < 0.85) return s + pick(TOKENS);
    return s.replace(/\d+/, (d) => String(Number(d) + 1));
  };
  const pairs: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const a = version();
    pairs.push([a, next() < 0.8 ? mutate(a) : version()]);
  }
  return pairs;
}

function rpmOracle(pairs: readonly [string, string][]): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'strata-rpmvercmp-'));
  try {
    const input = join(dir, 'pairs.txt');
    const script = join(dir, 'compare.lua');
    writeFileSync(input, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    writeFileSync(
      script,
      [
        'local out = {}',
        `for line in io.lines(${JSON.stringify(input)}) do`,
        '  local a, b = line:match("^(.-)\\t(.*)$")',
        '  out[#out + 1] = tostring(rpm.vercmp(a, b))',
        'end',
        'print(table.concat(out, " "))',
      ].join('\n'),
    );
    const run = spawnSync('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(script)})}`], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`rpm failed: ${run.stderr}`);
    return run.stdout.trim().split(/\s+/).map(Number);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasRpm)('agreement with the host rpm', () => {
  it('the table above is what rpm says', () => {
    expect(rpmOracle(cases.map(([a, b]) => [a, b]))).toEqual(cases.map(([, , expected]) => expected));
  });

  it('rpmvercmp orders 300 generated version pairs as rpm does', () => {
    const pairs = generateVersions(300, 20240607);
    const expected = rpmOracle(pairs);
    expect(expected).toHaveLength(pairs.length);
    const disagreements = pairs.map(([a, b], i) => ({ a, b, rpm: expected[i], ours: rpmvercmp(a, b) })).filter((r) => r.rpm !== r.ours);
    expect(disagreements).toEqual([]);
    // The generator must exercise every outcome and both special separators.
    expect(new Set(expected)).toEqual(new Set([-1, 0, 1]));
    expect(pairs.some(([a]) => a.includes('~')) && pairs.some(([a]) => a.includes('^'))).toBe(true);
  });

  it('compareEvr orders 100 generated epoch:version-release pairs as rpm does', () => {
    const versions = generateVersions(200, 7).flat();
    const next = random(99);
    const evr = (i: number): string => `${Math.floor(next() * 3)}:${versions[i]}-${versions[i + 100]}`;
    const pairs: [string, string][] = Array.from({ length: 100 }, (_, i) => [evr(i), next() < 0.5 ? evr(i) : evr(i + 1)]);
    const expected = rpmOracle(pairs);
    const ours = pairs.map(([a, b]) => compareEvr(parseEvr(a), parseEvr(b)));
    expect(ours).toEqual(expected);
  });
});
