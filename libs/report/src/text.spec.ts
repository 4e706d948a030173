import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesDelta, formatTable, makeColors, percent, wantsColor } from './text';

describe('colours', () => {
  it('are on for a terminal only, and off with NO_COLOR, FORCE_COLOR=0 or TERM=dumb', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({}, { FORCE_COLOR: 'true' })).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(wantsColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  it('make ANSI sequences only when enabled', () => {
    expect(makeColors(false).red('x')).toBe('x');
    expect(makeColors(true).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('formatTable', () => {
  it('aligns columns by their text, right-aligns numbers, colours after padding', () => {
    const c = makeColors(true);
    const lines = formatTable([
      ['a', { text: '1', align: 'right' }, 'end'],
      ['longer', { text: '1000', align: 'right', style: c.bold }, 'x'],
    ], '  ');
    expect(lines[0]).toBe('  a          1  end');
    expect(lines[1]).toBe(`  longer  ${c.bold('1000')}  x`);
  });
});

describe('sizes', () => {
  it('are decimal, as the build prints them', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(6_381_909)).toBe('6.4 MB');
    expect(formatBytes(132_000_000)).toBe('132 MB');
    expect(formatBytesDelta(1500)).toBe('+1.5 kB');
    expect(formatBytesDelta(-1500)).toBe('-1.5 kB');
    expect(percent(1, 3)).toBe('33.3%');
    expect(percent(1, 0)).toBe('0.0%');
  });
});
