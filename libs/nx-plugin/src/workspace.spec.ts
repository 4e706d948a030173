import { afterEach, describe, expect, it, vi } from 'vitest';
import { isVerbose, phasePrinter } from './workspace';

describe('phasePrinter', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.NX_VERBOSE_LOGGING;
  });

  const run = (options: Parameters<typeof phasePrinter>[1]): string[] => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const onPhase = phasePrinter('initrd-x', options);
    onPhase('install');
    onPhase('pack');
    onPhase('done');
    return log.mock.calls.map((call) => String(call[0]));
  };

  it('prints each phase with its duration on a terminal', () => {
    expect(run({ interactive: true })).toEqual([expect.stringMatching(/^ {2}initrd-x: install \d+\.\d s$/), expect.stringMatching(/^ {2}initrd-x: pack \d+\.\d s$/)]);
  });

  it('is quiet when the output is not a terminal, unless verbose', () => {
    expect(run({ interactive: false })).toEqual([]);
    expect(run({ interactive: false, verbose: true })).toHaveLength(2);
  });

  it('takes verbose from the option or from nx --verbose', () => {
    expect(isVerbose(undefined)).toBe(false);
    expect(isVerbose(true)).toBe(true);
    process.env.NX_VERBOSE_LOGGING = 'true';
    expect(isVerbose(undefined)).toBe(true);
  });
});
