/**
 * The recipe reference in README.md is generated from recipe.schema.json, so the schema stays the
 * single source of truth. `npm run docs` (tools/docs/update-readme.ts) rewrites the block between
 * the markers; a test fails when the README is out of date.
 */
import { recipeSchema, type SchemaNode } from '@strata/recipe';
import type { ReadmeBlock } from './readme-block';

export const START = '<!-- recipe-reference:start (generated from libs/recipe/src/recipe.schema.json by `npm run docs`) -->';
export const END = '<!-- recipe-reference:end -->';

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.oneOf) return node.oneOf.map(typeOf).join(' or ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  if (Array.isArray(node.type)) return node.type.join(' or ');
  return String(node.type ?? 'value');
}

function rows(properties: Record<string, SchemaNode>, prefix: string): string[] {
  const out: string[] = [];
  for (const [key, node] of Object.entries(properties)) {
    const name = `${prefix}${key}`;
    const itemProps = node.type === 'array' ? node.items?.properties : undefined;
    const shownType = node.type === 'object' ? 'mapping' : itemProps ? 'list of mappings' : typeOf(node);
    const description = String(node.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const fallback = node.default === undefined ? '' : ` Default: \`${JSON.stringify(node.default)}\`.`;
    out.push(`| \`${name}\` | ${shownType} | ${description}${fallback} |`);
    if (node.type === 'object' && node.properties) out.push(...rows(node.properties, `${name}.`));
    if (itemProps) out.push(...rows(itemProps, `${name}[].`));
  }
  return out;
}

export function renderRecipeReference(): string {
  const required = new Set(recipeSchema.required ?? []);
  const table = rows(recipeSchema.properties ?? {}, '').map((row) =>
    required.has(row.slice(3, row.indexOf('`', 3))) ? row.replace(/\| ([^|]*) \|$/, '| **Required.** $1 |') : row,
  );
  return [START, '', '| key | type | meaning |', '| --- | --- | --- |', ...table, '', END].join('\n');
}

export const recipeReference: ReadmeBlock = { start: START, end: END, render: renderRecipeReference };
