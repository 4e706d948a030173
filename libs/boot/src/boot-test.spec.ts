import { describe, expect, it } from 'vitest';
import { extensionMergeProblem } from './boot-test';

describe('extensionMergeProblem', () => {
  const merged = [
    '[    8.5] device-mapper: verity: sha256 using implementation "sha256-generic"',
    "[   10.6] (sd-sysext)[119]: Using extensions 'sysext-a', 'sysext-b'.",
    "[   11.4] (sd-sysext)[119]: Merged extensions into '/usr'.",
  ].join('\n');

  it('accepts a console where systemd-sysext used and merged the extension', () => {
    expect(extensionMergeProblem(merged, 'sysext-b', true)).toBeUndefined();
    expect(extensionMergeProblem(merged.split('\n').slice(1).join('\n'), 'sysext-a', false)).toBeUndefined();
  });

  it('names what is missing: the extension, the merge, or dm-verity', () => {
    expect(extensionMergeProblem(merged, 'sysext', true)).toBe("systemd-sysext in the initrd did not use 'sysext'");
    expect(extensionMergeProblem('(sd-sysext)[1]: No suitable extensions found (1 ignored due to incompatible version).', 'sysext-a', false)).toBe(
      "systemd-sysext in the initrd did not use 'sysext-a'",
    );
    expect(extensionMergeProblem(merged.split('\n').slice(0, 2).join('\n'), 'sysext-a', false)).toBe('systemd-sysext in the initrd did not merge into /usr');
    expect(extensionMergeProblem(merged.split('\n').slice(1).join('\n'), 'sysext-a', true)).toBe("'sysext-a' has a verity hash tree, but the initrd did not open it through dm-verity");
  });
});
