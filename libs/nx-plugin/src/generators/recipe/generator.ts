/**
 * `nx g @strata/nx-plugin:recipe NAME [--base B] [--kind K] [--packages a,b] [--description D]`:
 * writes recipes/NAME/recipe.yaml, checked like any recipe (schema, base of a fitting kind),
 * then locks it by running the recipe's own lock target (which builds the repositories it needs
 * first), unless --no-lock.
 */
import type { GeneratorCallback, Tree } from '@nx/devkit';
import { join } from 'node:path';
import { execa } from 'execa';
import { BASE_KINDS, buildRecipeGraph, parseRecipe, resolveRecipe, type RecipeKind } from '@strata/recipe';
import { loadWorkspaceRecipes } from '../../workspace';
import { recipeYaml, type RecipeTemplate } from './recipe-yaml';

export interface RecipeGeneratorOptions {
  name: string;
  base?: string;
  kind?: RecipeKind;
  packages?: string | string[];
  description?: string;
  lock?: boolean;
}

function packageList(value: RecipeGeneratorOptions['packages']): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((item) => item.split(/[\s,]+/)).filter(Boolean);
}

export default async function recipeGenerator(tree: Tree, options: RecipeGeneratorOptions): Promise<GeneratorCallback | void> {
  const { name } = options;
  const file = `recipes/${name}/recipe.yaml`;
  if (tree.exists(`recipes/${name}`)) throw new Error(`recipes/${name} already exists; choose another name`);
  const graph = loadWorkspaceRecipes(tree.root);
  const base = options.base ? graph.get(options.base) : undefined;
  if (options.base && !base) throw new Error(`unknown base "${options.base}": the recipes are ${[...graph.keys()].sort().join(', ')}`);
  // Without --kind: the base's kind when the recipe can build on it (always), else an initrd.
  const kind: RecipeKind = options.kind ?? base?.recipe.kind ?? 'initrd';
  if (base && !BASE_KINDS[kind].includes(base.recipe.kind)) {
    const a = (k: RecipeKind): string => `${k === 'initrd' ? 'an' : 'a'} ${k}`;
    const allowed = kind === 'initrd' ? 'another initrd' : `an initrd or another ${kind}`;
    throw new Error(`${a(kind)} cannot be based on "${base.name}", which is ${a(base.recipe.kind)}: ${a(kind)} builds on ${allowed}`);
  }
  const template: RecipeTemplate = { name, kind, base: base?.name, description: options.description, packages: packageList(options.packages) };
  const text = recipeYaml(template);
  // The same checks as any recipe file: the schema, and the recipe among the others.
  const loaded = parseRecipe(text, join(tree.root, file), { workspaceRoot: tree.root });
  const withNew = buildRecipeGraph([...graph.values(), loaded]);
  resolveRecipe(name, withNew);
  tree.write(file, text);

  if (options.lock === false) return;
  return async () => {
    const nx = require.resolve('nx/bin/nx', { paths: [tree.root] });
    const run = await execa(process.execPath, [nx, 'run', `${name}:lock`], { cwd: tree.root, stdio: 'inherit', reject: false, env: { NX_DAEMON: 'false' } });
    if (run.exitCode !== 0) throw new Error(`${file} is written, but locking it failed; fix the recipe and run: npx nx run ${name}:lock`);
  };
}
