import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schemaJson from './recipe.schema.json';
import { didYouMean } from './suggest';
import type { Recipe, RecipePath } from './types';

/** A JSON Schema node, as far as this module reads it. */
export interface SchemaNode {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: string[];
  oneOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

/** The recipe format (recipe.schema.json). */
export const recipeSchema = schemaJson as SchemaNode;

let compiled: ValidateFunction<Recipe> | undefined;

function validator(): ValidateFunction<Recipe> {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile<Recipe>(schemaJson);
  return compiled;
}

/** Where a schema finding is, and what to say about it; the loader turns it into a RecipeError. */
export interface SchemaFinding {
  path: RecipePath;
  /** Point at the key of the last path element, at its value, or at a "$var" within it. */
  at: 'key' | 'value';
  detail: string;
  hint?: string;
  /** Missing keys come after everything else: a misspelt key usually explains them. */
  missing?: string;
}

/** The schema of the value at `path` (through properties and items). */
export function schemaAt(path: RecipePath): SchemaNode | undefined {
  let node: SchemaNode | undefined = recipeSchema;
  for (const segment of path) {
    if (!node) return undefined;
    node = typeof segment === 'number' ? node.items : node.properties?.[segment];
  }
  return node;
}

/** "repositories[0].baseurl" */
export function pathLabel(path: RecipePath): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment), '');
}

function valueAt(data: unknown, path: RecipePath): unknown {
  let value = data;
  for (const segment of path) value = (value as Record<string | number, unknown> | null | undefined)?.[segment];
  return value;
}

/** What a mapping is called in messages: "recipe", 'repository "fedora"', '"kernel"'. */
export function mappingName(data: unknown, path: RecipePath): string {
  if (path.length === 0) return 'recipe';
  if (path.length === 2 && path[0] === 'repositories') {
    const id = valueAt(data, [...path, 'id']);
    if (typeof id === 'string') return `repository "${id}"`;
  }
  return `"${pathLabel(path)}"`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'a mapping',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  null: 'empty',
};

function expectedType(types: string[], schema: SchemaNode | undefined): string {
  if (types.includes('string') && types.includes('array') && schema?.items?.type === 'string') return 'a string or a list of strings';
  if (types.length === 1 && types[0] === 'array' && schema?.items?.type === 'string') return 'a list of strings';
  return types.map((t) => TYPE_NAMES[t] ?? t).join(' or ');
}

/** How a value is described in "must be X, not Y". */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value}"`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

function typeHint(value: unknown, types: string[]): string | undefined {
  if (value === null || value === undefined) return 'give it a value, or remove the key';
  if (types.includes('boolean') && typeof value === 'string' && /^(yes|no|on|off|y|n|true|false)$/i.test(value)) {
    return `"${value}" is a string in YAML 1.2; write true or false`;
  }
  if (types.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `quote it ("${String(value)}") so that YAML keeps it a string`;
  }
  if (types.includes('array') && typeof value === 'string') return `write it as a list: "- ${value}" on the next line, indented`;
  return undefined;
}

/** The rule behind each pattern of the schema, in words. */
export const PATTERN_WORDS: Record<string, string> = {
  '^[A-Za-z0-9._-]+$': 'made of letters, digits, ".", "_" and "-" only',
  '^[a-z0-9._-]+$': 'made of lower-case letters, digits, ".", "_" and "-" only',
  '^[A-Za-z0-9_]+$': 'made of letters, digits and "_" only',
  '^/': 'an absolute path, starting with "/"',
  '^[^\\s]+$': 'a package name, without spaces',
  '^(host|[0-9][A-Za-z0-9._+~-]*)$': '"host" or a kernel version such as "6.1.0-26-amd64"',
  '^-?[^\\s-][^\\s]*$': '"default", a module glob or name, or one of those after "-", without spaces',
  '^([a-z0-9._-]+|_any)$': 'an os-release ID (lower-case letters, digits, ".", "_" and "-") or "_any"',
  '^[^\\s:]+(:%[a-z]+)?$': 'a package name, or a package name and a scriptlet such as "man-db:%post"',
  '^\\s*\\d+(\\.\\d+)?\\s*([KkMmGg][Ii]?[Bb]|[Bb])?\\s*$': 'a size: a number of bytes, or a number and a unit such as "28 MiB" or "30 MB"',
};

const REPOSITORY_SOURCES = ['baseurl', 'metalink', 'mirrorlist', 'project'];

function quotedList(values: readonly unknown[], conjunction = 'or'): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}

/** Keys of nested sections, to say where a key written at the wrong level belongs. */
function homeOf(key: string, under: RecipePath): string | undefined {
  const sections: [RecipePath, string][] = [
    [['release'], '"release"'],
    [['repositories', 0], 'a repository under "repositories"'],
    [['kernel'], '"kernel"'],
    [['output'], '"output"'],
    [['extension'], '"extension"'],
    [[], 'the top level of the recipe'],
  ];
  for (const [path, name] of sections) {
    if (pathLabel(path) === pathLabel(under)) continue;
    if (schemaAt(path)?.properties?.[key]) return `"${key}" belongs in ${name}`;
  }
  return undefined;
}

function decodePointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let value = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(value) ? Number(segment) : segment;
    path.push(key);
    value = (value as Record<string | number, unknown> | null | undefined)?.[key];
  }
  return path;
}

function translate(error: ErrorObject, data: unknown): SchemaFinding | undefined {
  const path = decodePointer(error.instancePath, data);
  const parent = error.parentSchema as SchemaNode | undefined;
  const label = `"${pathLabel(path)}"`;
  const value = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      return {
        path: [...path, key],
        at: 'key',
        detail: `unknown key "${key}" in ${mappingName(data, path)}`,
        hint: didYouMean(key, allowed) ?? homeOf(key, path) ?? `allowed keys: ${allowed.join(', ')}`,
      };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const property = parent?.properties?.[key];
      const hint = property?.enum ? `add "${key}:" with one of ${quotedList(property.enum)}` : `add "${key}:"${property?.description ? `. ${property.description}` : ''}`;
      return { path, at: 'value', detail: `missing required key "${key}" in ${mappingName(data, path)}`, hint, missing: key };
    }
    case 'type': {
      const types = ([] as string[]).concat((error.params as { type: string | string[] }).type);
      if (path.length === 0) {
        return { path, at: 'value', detail: `a recipe must be a mapping of keys to values, not ${describeValue(value)}`, hint: 'start with "kind: initrd" (or sysext, confext)' };
      }
      return { path, at: 'value', detail: `${label} must be ${expectedType(types, parent)}, not ${describeValue(value)}`, hint: typeHint(value, types) };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return {
        path,
        at: 'value',
        detail: `${label} must be ${quotedList(allowed)}, not ${typeof value === 'string' ? `"${value}"` : describeValue(value)}`,
        hint: typeof value === 'string' ? didYouMean(value, allowed.map(String)) : undefined,
      };
    }
    case 'pattern': {
      const pattern = (error.params as { pattern: string }).pattern;
      const words = PATTERN_WORDS[pattern] ?? `text matching /${pattern}/`;
      const hint = pattern === '^/' && typeof value === 'string' ? `did you mean "/${value}"?` : undefined;
      return { path, at: 'value', detail: `${label} must be ${words}, not "${String(value)}"`, hint };
    }
    case 'minimum':
    case 'maximum': {
      const range = parent?.minimum !== undefined && parent.maximum !== undefined ? `between ${parent.minimum} and ${parent.maximum}` : error.keyword === 'minimum' ? `at least ${parent?.minimum}` : `at most ${parent?.maximum}`;
      return { path, at: 'value', detail: `${label} must be ${range}, not ${String(value)}`, hint: parent?.default !== undefined ? `the default is ${JSON.stringify(parent.default)}` : undefined };
    }
    case 'minLength':
    case 'minItems':
      return { path, at: 'value', detail: `${label} must not be empty`, hint: 'give it a value, or remove it' };
    case 'uniqueItems': {
      const list = value as unknown[];
      const later = list.findIndex((item, index) => list.findIndex((other) => JSON.stringify(other) === JSON.stringify(item)) < index);
      const first = list.findIndex((other) => JSON.stringify(other) === JSON.stringify(list[later]));
      return { path: [...path, later], at: 'value', detail: `${label} lists ${JSON.stringify(list[later])} twice`, hint: `remove this one; the first is item ${first + 1} of the list` };
    }
    case 'oneOf': {
      if (path[0] !== 'repositories' || path.length !== 2) break;
      const present = REPOSITORY_SOURCES.filter((key) => (value as Record<string, unknown>)[key] !== undefined);
      const name = mappingName(data, path);
      if (present.length === 0) {
        return { path, at: 'value', detail: `${name} has no source`, hint: `give it exactly one of ${quotedList(REPOSITORY_SOURCES)}` };
      }
      return {
        path: [...path, present[1]],
        at: 'key',
        detail: `${name} has ${quotedList(present, 'and')}, but a repository is read from exactly one source`,
        hint: `keep only one of ${quotedList(present)}`,
      };
    }
    default:
      break;
  }
  return { path, at: 'value', detail: `${label} ${error.message ?? 'is invalid'}` };
}

/**
 * Validate parsed YAML against the recipe schema. Every problem is reported once, in a
 * user's words; ajv's bookkeeping errors (the branches of a oneOf, an enum complaint on a
 * value of the wrong type) are left out.
 */
export function validateRecipeData(data: unknown): { valid: true; recipe: Recipe } | { valid: false; findings: SchemaFinding[] } {
  const validate = validator();
  if (validate(data)) return { valid: true, recipe: data };
  const errors = (validate.errors ?? []).filter((e) => !/\/oneOf\/\d+\//.test(e.schemaPath));
  const typeErrors = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const findings: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== 'type' && typeErrors.has(error.instancePath)) continue;
    const finding = translate(error, data);
    if (!finding) continue;
    const key = `${pathLabel(finding.path)}|${finding.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  return { valid: false, findings };
}
