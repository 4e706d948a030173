import { describe, expect, it } from 'vitest';
import { parseRecipe } from '@strata/recipe';
import { recipeYaml } from './recipe-yaml';

describe('recipeYaml', () => {
  it('writes a recipe the schema accepts, with only the keys it needs', () => {
    const text = recipeYaml({ name: 'sysext-tools', kind: 'sysext', base: 'initrd-base', description: 'Debugging tools: strace, gdb', packages: ['strace', 'gdb'] });
    expect(text).toBe(
      [
        '# A system extension (merged over /usr and /opt) built on initrd-base.',
        '# Every key is described in the README (Recipes > Reference); lock after editing: npx nx run sysext-tools:lock',
        'kind: sysext',
        'description: "Debugging tools: strace, gdb"',
        'base: initrd-base',
        'packages:',
        '  - strace',
        '  - gdb',
        '',
      ].join('\n'),
    );
    const loaded = parseRecipe(text, '/ws/recipes/sysext-tools/recipe.yaml', { workspaceRoot: '/ws' });
    expect(loaded.recipe).toEqual({ kind: 'sysext', description: 'Debugging tools: strace, gdb', base: 'initrd-base', packages: ['strace', 'gdb'] });
  });

  it('writes an empty package list for a recipe that adds nothing yet', () => {
    const text = recipeYaml({ name: 'initrd-mine', kind: 'initrd', packages: [] });
    expect(text).toContain('packages: []\n');
    expect(parseRecipe(text, '/ws/recipes/initrd-mine/recipe.yaml').recipe).toEqual({ kind: 'initrd', packages: [] });
  });
});
