import { RecipeError, throwRecipeErrors } from './errors';
import { loadRecipeFile, type LoadedRecipe } from './load-recipe';
import { didYouMean } from './suggest';
import { isExtensionKind, type RecipeKind } from './types';

/** Every recipe of the workspace by name, in the order their files were given. */
export type RecipeGraph = Map<string, LoadedRecipe>;

/** The kinds a recipe of each kind can build on. */
export const BASE_KINDS: Readonly<Record<RecipeKind, readonly RecipeKind[]>> = {
  initrd: ['initrd'],
  sysext: ['initrd', 'sysext'],
  confext: ['initrd', 'confext'],
};

/** The nearest of a recipe's bases (root-first chain names) that is of the kind, if any. */
export function nearestBaseOfKind(baseChain: readonly string[], graph: RecipeGraph, kind: RecipeKind): string | undefined {
  return [...baseChain].reverse().find((name) => graph.get(name)?.recipe.kind === kind);
}

function article(kind: RecipeKind): string {
  return kind === 'initrd' ? 'an' : 'a';
}

function duplicateNames(recipes: readonly LoadedRecipe[]): RecipeError[] {
  const byName = new Map<string, LoadedRecipe[]>();
  for (const recipe of recipes) byName.set(recipe.name, [...(byName.get(recipe.name) ?? []), recipe]);
  const errors: RecipeError[] = [];
  for (const [name, same] of byName) {
    if (same.length < 2) continue;
    const sorted = [...same].sort((a, b) => (a.displayFile < b.displayFile ? -1 : a.displayFile > b.displayFile ? 1 : 0));
    const files = sorted.map((r) => r.displayFile);
    errors.push(
      new RecipeError(
        sorted[1].displayFile,
        1,
        1,
        `${same.length} recipes are named "${name}": ${files.join(', ')}`,
        'a recipe is named after its folder, and the names must be unique; rename all but one of the folders',
      ),
    );
  }
  return errors;
}

function baseErrors(recipe: LoadedRecipe, graph: RecipeGraph): RecipeError[] {
  const baseName = recipe.recipe.base;
  if (baseName === undefined) return [];
  const base = graph.get(baseName);
  if (!base) {
    const names = [...graph.keys()].filter((n) => n !== recipe.name).sort();
    return [
      recipe.errorAt(
        ['base'],
        `unknown base "${baseName}": no recipe has that name`,
        didYouMean(baseName, names) ?? (names.length > 0 ? `the recipes are: ${names.join(', ')}` : 'a base is the folder name of another recipe, and there is no other recipe'),
        'value',
      ),
    ];
  }
  const kind = recipe.recipe.kind;
  const allowed = BASE_KINDS[kind];
  if (base === recipe || allowed.includes(base.recipe.kind)) return [];
  const rule =
    kind === 'initrd'
      ? 'an initrd can only be based on another initrd'
      : `${article(kind)} ${kind} can only be based on an initrd or on another ${kind}`;
  return [
    recipe.errorAt(
      ['base'],
      `${article(kind)} ${kind} cannot be based on "${baseName}", which is ${article(base.recipe.kind)} ${base.recipe.kind}`,
      isExtensionKind(kind) && isExtensionKind(base.recipe.kind) ? `${rule}: a sysext holds /usr and /opt, a confext /etc` : rule,
      'value',
    ),
  ];
}

/** Each cycle of bases once, starting at its alphabetically first recipe. */
function baseCycles(graph: RecipeGraph): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  for (const start of graph.keys()) {
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let current: string | undefined = start;
    while (current !== undefined && !done.has(current) && !onPath.has(current)) {
      onPath.set(current, path.length);
      path.push(current);
      current = graph.get(current)?.recipe.base;
    }
    if (current !== undefined && onPath.has(current)) {
      const cycle = path.slice(onPath.get(current));
      const first = cycle.indexOf([...cycle].sort()[0]);
      cycles.push([...cycle.slice(first), ...cycle.slice(0, first)]);
    }
    for (const name of path) done.add(name);
  }
  return cycles;
}

/**
 * Check recipes against each other: unique names, existing bases of a fitting kind, no cycle
 * of bases. Returns the graph, or throws every problem found (a RecipeErrors when several).
 */
export function buildRecipeGraph(recipes: readonly LoadedRecipe[]): RecipeGraph {
  const duplicates = duplicateNames(recipes);
  throwRecipeErrors(duplicates);
  const graph: RecipeGraph = new Map(recipes.map((r) => [r.name, r]));
  const errors = recipes.flatMap((recipe) => baseErrors(recipe, graph));
  for (const cycle of baseCycles(graph)) {
    const first = graph.get(cycle[0]) as LoadedRecipe;
    errors.push(
      first.errorAt(
        ['base'],
        `the bases form a cycle: ${[...cycle, cycle[0]].join(' -> ')}`,
        cycle.length === 1 ? 'a recipe cannot be its own base; remove "base"' : 'a recipe cannot build on itself; remove "base" from one of these recipes',
      ),
    );
  }
  throwRecipeErrors(errors);
  return graph;
}

/**
 * Load every recipe file (paths relative to the workspace root, or absolute) and check them
 * against each other. All files are read before anything is thrown, so one run reports the
 * mistakes of every file; the checks across recipes run once each file is valid on its own.
 */
export function loadRecipeGraph(workspaceRoot: string, recipeFiles: readonly string[]): RecipeGraph {
  const recipes: LoadedRecipe[] = [];
  const errors: RecipeError[] = [];
  for (const file of recipeFiles) {
    try {
      recipes.push(loadRecipeFile(file, { workspaceRoot }));
    } catch (err) {
      if (!(err instanceof RecipeError)) throw err;
      errors.push(err);
    }
  }
  throwRecipeErrors(errors);
  return buildRecipeGraph(recipes);
}
