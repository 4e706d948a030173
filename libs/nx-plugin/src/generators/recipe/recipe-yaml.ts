import { stringify } from 'yaml';
import type { RecipeKind } from '@strata/recipe';

export interface RecipeTemplate {
  name: string;
  kind: RecipeKind;
  base?: string;
  description?: string;
  packages: string[];
}

const WHAT: Record<RecipeKind, string> = {
  initrd: 'An initrd',
  sysext: 'A system extension (merged over /usr and /opt)',
  confext: 'A configuration extension (merged over /etc)',
};

/** The text of a new recipe: a comment, then only the keys it needs (the rest is inherited or defaulted). */
export function recipeYaml(t: RecipeTemplate): string {
  const comment = [`# ${WHAT[t.kind]}${t.base ? ` built on ${t.base}` : ''}.`, '# Every key is described in the README (Recipes > Reference); lock after editing: npx nx run ' + `${t.name}:lock`];
  const body: Record<string, unknown> = { kind: t.kind };
  if (t.description) body.description = t.description;
  if (t.base) body.base = t.base;
  body.packages = t.packages;
  return `${comment.join('\n')}\n${stringify(body, { lineWidth: 0 })}`;
}
