import { describe, expect, it } from 'vitest';
import { renderRecipeReference } from './recipe-reference';

describe('README recipe reference', () => {
  it('documents every key, nested keys included', () => {
    const reference = renderRecipeReference();
    for (const key of ['kind', 'base', 'release.releasever', 'repositories[].baseurl', 'repositories[].project', 'removeFiles', 'kernel.modules', 'output.level']) {
      expect(reference).toContain(`| \`${key}\` |`);
    }
  });
});
