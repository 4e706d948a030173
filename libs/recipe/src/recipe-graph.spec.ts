import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecipeError, RecipeErrors } from './errors';
import { loadRecipeGraph, nearestBaseOfKind } from './recipe-graph';

const root = mkdtempSync(join(tmpdir(), 'strata-graph-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A workspace holding the given files (paths relative to it); returns its root and the recipe files. */
function workspace(files: Record<string, string>): { ws: string; recipeFiles: string[] } {
  const ws = join(root, `ws${counter++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, path)), { recursive: true });
    writeFileSync(join(ws, path), text);
  }
  return { ws, recipeFiles: Object.keys(files) };
}

function graphError(files: Record<string, string>): RecipeError {
  const { ws, recipeFiles } = workspace(files);
  try {
    loadRecipeGraph(ws, recipeFiles);
  } catch (err) {
    if (err instanceof RecipeError) return err;
    throw err;
  }
  throw new Error('expected a RecipeError');
}

describe('loadRecipeGraph', () => {
  it('maps names to loaded recipes, in the order of the files', () => {
    const { ws, recipeFiles } = workspace({
      'recipes/initrd-base/recipe.yaml': 'kind: initrd\n',
      'recipes/servers/initrd-server/recipe.yaml': 'kind: initrd\nbase: initrd-base\n',
      'recipes/debug/recipe.yaml': 'kind: sysext\nbase: initrd-server\n',
    });
    const graph = loadRecipeGraph(ws, recipeFiles);
    expect([...graph.keys()]).toEqual(['initrd-base', 'initrd-server', 'debug']);
    expect(graph.get('initrd-server')?.displayFile).toBe('recipes/servers/initrd-server/recipe.yaml');
    expect(graph.get('debug')?.file).toBe(join(ws, 'recipes/debug/recipe.yaml'));
  });

  it('accepts absolute file paths', () => {
    const { ws, recipeFiles } = workspace({ 'recipes/a/recipe.yaml': 'kind: initrd\n' });
    expect(loadRecipeGraph(ws, recipeFiles.map((f) => join(ws, f))).get('a')?.displayFile).toBe('recipes/a/recipe.yaml');
  });

  it('two recipes with one name: both files are named', () => {
    const err = graphError({
      'recipes/a/recipe.yaml': 'kind: initrd\n',
      'recipes/x/a/recipe.yaml': 'kind: sysext\n',
    });
    expect(err.message).toBe(
      'recipes/x/a/recipe.yaml:1:1: error: 2 recipes are named "a": recipes/a/recipe.yaml, recipes/x/a/recipe.yaml\n' +
        '  hint: a recipe is named after its folder, and the names must be unique; rename all but one of the folders',
    );
  });

  it('unknown base: at the value, with the nearest recipe name', () => {
    const err = graphError({
      'recipes/initrd-base/recipe.yaml': 'kind: initrd\n',
      'recipes/initrd-server/recipe.yaml': 'kind: initrd\ndescription: x\nbase:   initrd-bsae\n',
    });
    expect([err.file, err.line, err.column, err.hint]).toEqual(['recipes/initrd-server/recipe.yaml', 3, 9, 'did you mean "initrd-base"?']);
    expect(err.message).toBe('recipes/initrd-server/recipe.yaml:3:9: error: unknown base "initrd-bsae": no recipe has that name\n  hint: did you mean "initrd-base"?');
  });

  it('unknown base without a near name lists the recipes', () => {
    const err = graphError({
      'recipes/b/recipe.yaml': 'kind: initrd\n',
      'recipes/a/recipe.yaml': 'kind: initrd\n',
      'recipes/c/recipe.yaml': 'kind: initrd\nbase: something-else\n',
    });
    expect(err.message).toBe('recipes/c/recipe.yaml:2:7: error: unknown base "something-else": no recipe has that name\n  hint: the recipes are: a, b');
  });

  it('a cycle of bases is printed whole, at the base key of its first recipe', () => {
    const err = graphError({
      'recipes/c/recipe.yaml': 'kind: initrd\nbase: a\n',
      'recipes/a/recipe.yaml': 'kind: initrd\ndescription: first\nbase: b\n',
      'recipes/b/recipe.yaml': 'kind: initrd\nbase: c\n',
      'recipes/root/recipe.yaml': 'kind: initrd\n',
      'recipes/leaf/recipe.yaml': 'kind: initrd\nbase: root\n',
    });
    expect(err).not.toBeInstanceOf(RecipeErrors);
    expect(err.message).toBe(
      'recipes/a/recipe.yaml:3:1: error: the bases form a cycle: a -> b -> c -> a\n  hint: a recipe cannot build on itself; remove "base" from one of these recipes',
    );
  });

  it('a recipe that is its own base', () => {
    expect(graphError({ 'recipes/a/recipe.yaml': 'kind: initrd\nbase: a\n' }).message).toBe(
      'recipes/a/recipe.yaml:2:1: error: the bases form a cycle: a -> a\n  hint: a recipe cannot be its own base; remove "base"',
    );
  });

  it('a recipe leading into a cycle is not a second cycle', () => {
    const err = graphError({
      'recipes/a/recipe.yaml': 'kind: initrd\nbase: b\n',
      'recipes/b/recipe.yaml': 'kind: initrd\nbase: a\n',
      'recipes/c/recipe.yaml': 'kind: initrd\nbase: a\n',
    });
    expect(err.detail).toBe('the bases form a cycle: a -> b -> a');
    expect(err).not.toBeInstanceOf(RecipeErrors);
  });

  it("an initrd's base must be an initrd", () => {
    expect(
      graphError({
        'recipes/tools/recipe.yaml': 'kind: sysext\n',
        'recipes/initrd/recipe.yaml': 'kind: initrd\nbase: tools\n',
      }).message,
    ).toBe('recipes/initrd/recipe.yaml:2:7: error: an initrd cannot be based on "tools", which is a sysext\n  hint: an initrd can only be based on another initrd');
  });

  it("an extension's base must be an initrd or an extension of its kind", () => {
    const { ws, recipeFiles } = workspace({
      'recipes/initrd/recipe.yaml': 'kind: initrd\n',
      'recipes/tools/recipe.yaml': 'kind: sysext\nbase: initrd\n',
      'recipes/more-tools/recipe.yaml': 'kind: sysext\nbase: tools\n',
      'recipes/config/recipe.yaml': 'kind: confext\nbase: initrd\n',
    });
    expect(loadRecipeGraph(ws, recipeFiles).size).toBe(4);
    expect(
      graphError({
        'recipes/tools/recipe.yaml': 'kind: sysext\n',
        'recipes/config/recipe.yaml': 'kind: confext\nbase: tools\n',
      }).message,
    ).toBe(
      'recipes/config/recipe.yaml:2:7: error: a confext cannot be based on "tools", which is a sysext\n' +
        '  hint: a confext can only be based on an initrd or on another confext: a sysext holds /usr and /opt, a confext /etc',
    );
  });

  it('reports the mistakes of every file at once, before checking across recipes', () => {
    const err = graphError({
      'recipes/a/recipe.yaml': 'kind: initrd\npakages: []\n',
      'recipes/b/recipe.yaml': 'kind: initrd\nbase: nowhere\n',
      'recipes/c/recipe.yaml': 'kind: sysex\n',
    });
    expect(err).toBeInstanceOf(RecipeErrors);
    expect((err as RecipeErrors).errors.map((e) => `${e.file}:${e.line}:${e.column}`)).toEqual(['recipes/a/recipe.yaml:2:1', 'recipes/c/recipe.yaml:1:7']);
  });

  it('reports every problem across recipes together', () => {
    const err = graphError({
      'recipes/a/recipe.yaml': 'kind: initrd\nbase: nowhere\n',
      'recipes/b/recipe.yaml': 'kind: sysext\n',
      'recipes/c/recipe.yaml': 'kind: initrd\nbase: b\n',
      'recipes/d/recipe.yaml': 'kind: initrd\nbase: d\n',
    });
    expect((err as RecipeErrors).errors.map((e) => e.detail)).toEqual([
      'unknown base "nowhere": no recipe has that name',
      'an initrd cannot be based on "b", which is a sysext',
      'the bases form a cycle: d -> d',
    ]);
  });
});

describe('nearestBaseOfKind', () => {
  it('finds the nearest base of a kind, never the recipe itself', () => {
    const { ws, recipeFiles } = workspace({
      'recipes/initrd-base/recipe.yaml': 'kind: initrd\n',
      'recipes/initrd-server/recipe.yaml': 'kind: initrd\nbase: initrd-base\n',
      'recipes/sysext-a/recipe.yaml': 'kind: sysext\nbase: initrd-server\n',
    });
    const graph = loadRecipeGraph(ws, recipeFiles);
    expect(nearestBaseOfKind(['initrd-base', 'initrd-server', 'sysext-a'], graph, 'initrd')).toBe('initrd-server');
    expect(nearestBaseOfKind(['initrd-base', 'initrd-server'], graph, 'sysext')).toBeUndefined();
    expect(nearestBaseOfKind([], graph, 'initrd')).toBeUndefined();
  });
});
