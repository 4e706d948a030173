import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipe } from './load-recipe';
import { PATTERN_WORDS, recipeSchema, validateRecipeData, type SchemaNode } from './schema';
import type { Recipe, RecipeExtension, RecipeKernel, RecipeOutput, RecipeRelease, RecipeRepository } from './types';

const examples = join(__dirname, 'examples');
const example = (name: string): string => readFileSync(join(examples, name), 'utf8');

/** Every schema node that describes a property, with its dotted path. */
function properties(node: SchemaNode, path = ''): [string, SchemaNode][] {
  const own = Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    return [[childPath, child] as [string, SchemaNode], ...properties(child, childPath)];
  });
  return node.items ? [...own, ...properties(node.items, `${path}[]`)] : own;
}

/** Every object node of the schema. */
function objects(node: SchemaNode): (SchemaNode & { additionalProperties?: unknown })[] {
  const children = [...Object.values(node.properties ?? {}), ...(node.items ? [node.items] : [])];
  return [...(node.type === 'object' ? [node] : []), ...children.flatMap(objects)];
}

/** Dotted paths of every key used in a parsed recipe ("repositories[].id"). */
function usedKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => usedKeys(item, `${path}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    return [childPath, ...usedKeys(child, childPath)];
  });
}

describe('recipe.schema.json', () => {
  it('describes every property (the README is generated from these)', () => {
    const missing = properties(recipeSchema).filter(([, node]) => !node.description?.trim()).map(([path]) => path);
    expect(missing).toEqual([]);
    expect(properties(recipeSchema).length).toBeGreaterThan(35);
  });

  it('allows no unknown keys anywhere', () => {
    for (const node of objects(recipeSchema)) expect(node.additionalProperties).toBe(false);
    expect(objects(recipeSchema)).toHaveLength(7);
  });

  it('has words for each of its patterns', () => {
    const patterns = properties(recipeSchema).flatMap(([, node]) => [node.pattern, node.items?.pattern]).filter((p): p is string => p !== undefined);
    for (const pattern of patterns) expect(PATTERN_WORDS[pattern], pattern).toBeDefined();
  });

  it('lists the same keys as the TypeScript types', () => {
    const keys = <T>(record: Record<keyof T, true>): string[] => Object.keys(record).sort();
    const names = (node: SchemaNode | undefined): string[] => Object.keys(node?.properties ?? {}).sort();
    const p = recipeSchema.properties ?? {};
    expect(names(recipeSchema)).toEqual(
      keys<Recipe>({
        kind: true, description: true, base: true, release: true, repositories: true, packages: true, weakDependencies: true,
        removePackages: true, allowScriptletFailures: true, removeFiles: true, files: true, init: true, kernel: true, uki: true, output: true, extension: true,
      }),
    );
    expect(names(p.release)).toEqual(keys<RecipeRelease>({ id: true, versionId: true, name: true, releasever: true, basearch: true, sysextLevel: true }));
    expect(names(p.repositories?.items)).toEqual(
      keys<RecipeRepository>({ id: true, baseurl: true, metalink: true, mirrorlist: true, project: true, archive: true, gpgcheck: true, gpgkey: true, priority: true, enabled: true }),
    );
    expect(names(p.kernel)).toEqual(keys<RecipeKernel>({ version: true, package: true, modules: true, firmware: true }));
    expect(names(p.output)).toEqual(keys<RecipeOutput>({ format: true, compression: true, level: true, verity: true, maxSize: true, sign: true }));
    expect(names(p.extension)).toEqual(keys<RecipeExtension>({ scope: true, id: true }));
  });
});

describe('the documented examples', () => {
  it('full-recipe.yaml (an initrd) and sysext-recipe.yaml are valid recipes', () => {
    const initrd = parseRecipe(example('full-recipe.yaml'), '/ws/recipes/initrd-server/recipe.yaml', { workspaceRoot: '/ws' });
    expect(initrd.recipe.kind).toBe('initrd');
    expect(initrd.recipe.repositories?.map((r) => r.id)).toEqual(['fedora', 'updates', 'snapshot', 'local-tools']);
    expect(initrd.recipe.kernel?.modules).toEqual(['default', 'kernel/drivers/md/**', 'dm-crypt', '-kernel/drivers/md/dm-zoned']);
    const sysext = parseRecipe(example('sysext-recipe.yaml'), '/ws/recipes/debug-tools/recipe.yaml', { workspaceRoot: '/ws' });
    expect(sysext.recipe.extension).toEqual({ scope: ['initrd'], id: 'fedora' });
  });

  it('together use every key of the format', () => {
    const used = new Set([...usedKeys(parseRecipe(example('full-recipe.yaml'), '/ws/recipes/a/recipe.yaml').recipe), ...usedKeys(parseRecipe(example('sysext-recipe.yaml'), '/ws/recipes/b/recipe.yaml').recipe)]);
    const unused = properties(recipeSchema).map(([path]) => path).filter((path) => !used.has(path));
    expect(unused).toEqual([]);
  });
});

describe('validateRecipeData', () => {
  it('accepts the smallest recipe', () => {
    expect(validateRecipeData({ kind: 'confext' })).toEqual({ valid: true, recipe: { kind: 'confext' } });
  });

  it.each([
    ['no kind', {}, 'missing required key "kind" in recipe'],
    ['an unknown kind', { kind: 'image' }, '"kind" must be "initrd", "sysext" or "confext", not "image"'],
    ['an unknown key', { kind: 'initrd', package: ['a'] }, 'unknown key "package" in recipe'],
    ['a repository without a source', { kind: 'initrd', repositories: [{ id: 'a' }] }, 'repository "a" has no source'],
    ['two sources', { kind: 'initrd', repositories: [{ id: 'a', metalink: 'm', mirrorlist: 'l' }] }, 'repository "a" has "metalink" and "mirrorlist", but a repository is read from exactly one source'],
    ['an empty baseurl list', { kind: 'initrd', repositories: [{ id: 'a', baseurl: [] }] }, '"repositories[0].baseurl" must not be empty'],
    ['a priority of 0', { kind: 'initrd', repositories: [{ id: 'a', project: 'p', priority: 0 }] }, '"repositories[0].priority" must be between 1 and 99, not 0'],
    ['a fractional level', { kind: 'initrd', output: { level: 3.5 } }, '"output.level" must be a whole number, not the number 3.5'],
    ['an empty scope', { kind: 'sysext', extension: { scope: [] } }, '"extension.scope" must not be empty'],
    ['a kernel version with spaces', { kind: 'initrd', kernel: { version: '6.1 generic' } }, '"kernel.version" must be "host" or a kernel version such as "6.1.0-26-amd64", not "6.1 generic"'],
    ['a module rule of "-" alone', { kind: 'initrd', kernel: { modules: ['-'] } }, '"kernel.modules[0]" must be "default", a module glob or name, or one of those after "-", without spaces, not "-"'],
    ['an upper-case release id', { kind: 'initrd', release: { id: 'Fedora' } }, '"release.id" must be made of lower-case letters, digits, ".", "_" and "-" only, not "Fedora"'],
    ['a string for a list of strings', { kind: 'initrd', removeFiles: 'usr/share/doc/**' }, '"removeFiles" must be a list of strings, not the string "usr/share/doc/**"'],
  ])('rejects %s', (_what, data, detail) => {
    const result = validateRecipeData(data);
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.findings.map((f) => f.detail)).toEqual([detail]);
  });
});
