import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILURE_PATTERNS, findFailureLine } from './qemu';

describe('findFailureLine', () => {
  const failed = 'strata-initrd: FAILED: root device LABEL=strata-root did not appear within 5s';

  it('waits for the end of a line that has only partly arrived', () => {
    const partial = `strata-initrd: started\nstrata-initrd: FAILED`;
    expect(findFailureLine(partial, DEFAULT_FAILURE_PATTERNS)).toBeUndefined();
    expect(findFailureLine(`strata-initrd: started\n${failed}\r\n`, DEFAULT_FAILURE_PATTERNS)).toBe(failed);
  });

  it('reads the unterminated last line once the console has closed', () => {
    expect(findFailureLine(`boot\n${failed}`, DEFAULT_FAILURE_PATTERNS, true)).toBe(failed);
  });

  it('returns the first failure and ignores healthy lines', () => {
    const text = `[ 1.0] Run /init as init process\n[ 2.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n${failed}\n`;
    expect(findFailureLine(text, DEFAULT_FAILURE_PATTERNS)).toBe('[ 2.0] Kernel panic - not syncing: VFS: Unable to mount root fs');
    expect(findFailureLine('[ 1.0] Run /init as init process\nstrata-initrd: started\n', DEFAULT_FAILURE_PATTERNS)).toBeUndefined();
  });
});
