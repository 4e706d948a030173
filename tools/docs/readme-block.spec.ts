import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architecture } from './architecture';
import { recipeReference } from './recipe-reference';

describe("README's generated sections", () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  it.each([
    ['the recipe reference (from the schema)', recipeReference],
    ['the architecture (from the libraries and the plan)', architecture],
  ])('hold %s as generated now: run `npm run docs` after changing its source', (_name, block) => {
    expect(readme).toContain(block.render());
  });
});
