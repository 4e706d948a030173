import { describe, expect, it } from 'vitest';
import { extensionMergeProblem, missingProof, resumeProblem } from './boot-test';

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

describe('missingProof', () => {
  const proofs = [{ pattern: /md\/raid1:md\d+: active with 1 out of 2 mirrors/, proves: 'the array runs degraded' }];

  it('passes a console that shows every proof, colour codes and all', () => {
    expect(missingProof('[ 40.3] md/raid1:md127: active with 1 out of 2 mirrors\n', proofs)).toBeUndefined();
  });

  it('names the proof the console lacks', () => {
    expect(missingProof('[ 9.3] md/raid1:md127: active with 2 out of 2 mirrors\n', proofs)).toMatch(/^the console does not show that the array runs degraded/);
  });
});

describe('resumeProblem', () => {
  const token = '0f6e3b9c-57a4-4d7e-8f13-6d2c1b0a9e88';
  const hibernated = `STRATA-HIBERNATING ${token}\n[ 25.4] PM: hibernation: Wrote 107828 kbytes\n`;

  it('accepts a second boot that carries on with the token the first one hibernated with', () => {
    expect(resumeProblem(hibernated, `[ 10.2] PM: Image loading done\nSTRATA-RESUMED ${token}\nSTRATA-ROOT-REACHED 35.5\n`)).toBeUndefined();
  });

  it('catches a fresh boot posing as a resume, a missing image and a guest that never hibernated', () => {
    expect(resumeProblem(hibernated, 'STRATA-RESUMED 11111111-2222-3333-4444-555555555555\n')).toMatch(/booted afresh/);
    expect(resumeProblem(hibernated, '[ 9.0] PM: Image not found (code -22)\nSTRATA-HIBERNATING 11111111-2222-3333-4444-555555555555\n')).toBe('the kernel found no hibernation image on the swap disk');
    expect(resumeProblem('no token here', '')).toMatch(/never hibernated/);
  });
});
