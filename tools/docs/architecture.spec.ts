import { describe, expect, it } from 'vitest';
import { renderArchitecture } from './architecture';

describe('README architecture section', () => {
  it('lists every library with its concern, and the boot harness in no image key', () => {
    const section = renderArchitecture();
    expect(section).toContain('| `libs/boot` | `@strata/boot` | Boot tests:');
    const lines = section.split('\n');
    const imageCode = lines.find((line) => line.startsWith('| `image` | `dist/layers/<recipe>` |')) as string;
    expect(imageCode).toContain('`cpio`');
    expect(imageCode).not.toContain('`boot`');
    // Tool versions: rpm's in every layer's key, mkfs.erofs only in the erofs extension's.
    expect(lines.find((line) => line.startsWith('| the versions of rpm, dnf and createrepo_c |'))).toBe('| the versions of rpm, dnf and createrepo_c | ✓ |  | ✓ | ✓ | ✓ | ✓ | ✓ |');
    expect(lines.find((line) => line.startsWith('| the version of mkfs.erofs |'))).toBe('| the version of mkfs.erofs |  |  |  |  |  | ✓ |  |');
  });
});
