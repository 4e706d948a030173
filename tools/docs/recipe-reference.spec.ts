import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRecipeReference } from './recipe-reference';

describe('README recipe reference', () => {
  it('is the one generated from the schema (run `npm run docs` after changing the schema)', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(renderRecipeReference());
  });

  it('documents every key, nested keys included', () => {
    const reference = renderRecipeReference();
    for (const key of ['kind', 'base', 'release.releasever', 'repositories[].baseurl', 'repositories[].project', 'removeFiles', 'kernel.modules', 'output.level']) {
      expect(reference).toContain(`| \`${key}\` |`);
    }
  });
});
