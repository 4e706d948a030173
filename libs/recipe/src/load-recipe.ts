import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { isAlias, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { displayPath, RecipeError, throwRecipeErrors } from './errors';
import { mappingName, validateRecipeData, type SchemaFinding } from './schema';
import { SourceMap, type PositionTarget } from './source-map';
import { didYouMean } from './suggest';
import { DEFAULT_FILES_DIR, FORMATS_BY_KIND, isExtensionKind, type Recipe, type RecipePath, type SourcePosition } from './types';
import { findVariables, KNOWN_VARIABLES, REPOSITORY_URL_FIELDS, unknownVariableMessage, VariableError } from './variables';

/** A recipe file, parsed and validated on its own (not yet against the other recipes). */
export interface LoadedRecipe {
  /** The recipe's name: the name of its folder. */
  name: string;
  /** Absolute path of the recipe's folder. */
  dir: string;
  /** Absolute path of recipe.yaml. */
  file: string;
  /** How errors name the file: relative to the workspace root (or the current directory). */
  displayFile: string;
  /** The recipe as written (no defaults filled in). */
  recipe: Recipe;
  /** Absolute path of the recipe's extra file tree, or null when it has none. */
  filesDir: string | null;
  /**
   * Line and column of a key or list item, e.g. ['packages', 2] or ['repositories', 0, 'baseurl'].
   * A path ending in a key gives the key's position, unless `at` is 'value'. A path that does not
   * exist gives the position of its deepest existing part.
   */
  position(path: RecipePath, at?: PositionTarget): SourcePosition;
  /** Whether the path exists in the file. */
  has(path: RecipePath): boolean;
  /** A RecipeError pointing at `path` in this file. */
  errorAt(path: RecipePath, detail: string, hint?: string, at?: PositionTarget): RecipeError;
}

export interface LoadRecipeOptions {
  /** Errors show the file relative to this folder (default: the current directory). */
  workspaceRoot?: string;
}

export const RECIPE_FILE_NAME = 'recipe.yaml';

/** Project names: what `nx run <name>:lock` and a recipe's `base` can spell. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'a key may appear only once in a mapping; merge the two entries',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation: the entries of one mapping or list start in the same column',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation: the entries of one mapping or list start in the same column',
  MULTILINE_IMPLICIT_KEY: 'check the indentation, and put a space after each ":"',
};

function yamlErrors(doc: Document, lines: LineCounter, file: string): RecipeError[] {
  // yaml's later errors are mostly consequences of the first one.
  const [first] = doc.errors;
  if (first) {
    const { line, col } = first.linePos?.[0] ?? lines.linePos(first.pos[0]);
    const text = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    return [new RecipeError(file, line, col, `invalid YAML: ${text.charAt(0).toLowerCase()}${text.slice(1)}`, YAML_HINTS[first.code])];
  }
  const unresolved: RecipeError[] = [];
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        const { line, col } = lines.linePos(node.range?.[0] ?? 0);
        unresolved.push(new RecipeError(file, line, col, `invalid YAML: alias "*${node.source}" has no anchor "&${node.source}" before it`));
      }
    },
  });
  return unresolved;
}

/** A recipe lists packages and globs: far below this. It bounds what parsing a hostile file costs. */
export const MAX_RECIPE_BYTES = 256 * 1024;
/** Globs per list (removeFiles, kernel.modules): each is matched against every path of the image. */
export const MAX_GLOBS = 1000;
/** Alias uses yaml expands before it stops a document as an "alias bomb" (yaml's default). */
const MAX_ALIAS_COUNT = 100;

/**
 * Why a removeFiles glob can never match a path of the image (paths are relative to the image
 * root, normalized, without a trailing "/"), or null when it can.
 */
export function unmatchableGlobReason(glob: string): { detail: string; hint: string } | null {
  const relativeForm = glob.replace(/^\/+/, '').split('/').filter((part) => part !== '' && part !== '.').join('/');
  if (glob.split('/').includes('..')) {
    return { detail: `"${glob}" leaves the image root through "..", so it can never match`, hint: 'globs are relative to the image root, as in "usr/share/doc/**"' };
  }
  if (glob.startsWith('/')) return { detail: `"${glob}" is an absolute path; globs are relative to the image root`, hint: `write "${relativeForm}"` };
  if (relativeForm === '') return { detail: `"${glob}" names no path of the image`, hint: 'write a glob relative to the image root, as in "usr/share/doc/**"' };
  if (relativeForm !== glob) {
    return { detail: `"${glob}" can never match: paths in the image have no empty, "." or trailing "/" parts`, hint: `write "${relativeForm}" (a matching folder goes with its content)` };
  }
  return null;
}

/** The document as data; aliases that expand without bound (an "alias bomb") are an error in the file. */
function toData(doc: Document, lines: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (!(err instanceof ReferenceError) || !/alias/i.test(err.message)) throw err;
    let first: { line: number; col: number } = { line: 1, col: 1 };
    visit(doc, {
      Alias(_key, node) {
        first = lines.linePos(node.range?.[0] ?? 0);
        return visit.BREAK;
      },
    });
    throw new RecipeError(file, first.line, first.col, 'invalid YAML: its aliases (*name) expand the document far beyond what a recipe needs (an "alias bomb"); refusing to load it', 'write the values out instead of repeating aliases (*name)');
  }
}

interface Check {
  path: RecipePath;
  at: PositionTarget | { within: string };
  detail: string;
  hint?: string;
}

/** Rules the schema cannot say: kind-specific sections, variables, duplicate repository ids. */
function semanticChecks(recipe: Recipe): Check[] {
  const checks: Check[] = [];
  const kind = recipe.kind;
  if (kind !== 'initrd') {
    if (recipe.kernel !== undefined) {
      checks.push({ path: ['kernel'], at: 'key', detail: `"kernel" is only for initrd recipes, and this one is a ${kind}`, hint: 'kernel modules go into the initrd the extension is merged into' });
    }
    if (recipe.uki !== undefined) {
      checks.push({ path: ['uki'], at: 'key', detail: `"uki" is only for initrd recipes, and this one is a ${kind}`, hint: 'a UKI holds a kernel and an initrd; an extension is verified by dm-verity instead' });
    }
    if (recipe.init !== undefined) checks.push({ path: ['init'], at: 'key', detail: `"init" is only for initrd recipes, and this one is a ${kind}`, hint: 'an extension is not booted; remove "init"' });
  }
  if (!isExtensionKind(kind) && recipe.extension !== undefined) {
    checks.push({ path: ['extension'], at: 'key', detail: `"extension" is only for sysext and confext recipes, and this one is an ${kind}`, hint: 'remove it, or change "kind"' });
  }
  const output = recipe.output;
  if (output?.format !== undefined && !FORMATS_BY_KIND[kind].includes(output.format)) {
    checks.push({
      path: ['output', 'format'],
      at: 'value',
      detail: `a${kind === 'initrd' ? 'n' : ''} ${kind} cannot be written as "${output.format}"`,
      hint: `use ${FORMATS_BY_KIND[kind].map((f) => `"${f}"`).join(' or ')}`,
    });
  }
  for (const field of ['verity', 'sign'] as const) {
    if (output?.[field] === true && !isExtensionKind(kind)) {
      checks.push({ path: ['output', field], at: 'key', detail: `"output.${field}" is only for extension images, and this recipe is an ${kind}`, hint: `remove "${field}"` });
    } else if (output?.[field] === true && (output.format === 'directory' || output.format === 'cpio')) {
      checks.push({ path: ['output', field], at: 'key', detail: `"output.${field}" needs a file system image, but the format is "${output.format}"`, hint: 'use "erofs" or "squashfs", or remove it' });
    }
  }
  if (output?.sign === true && output.verity === false) {
    checks.push({ path: ['output', 'sign'], at: 'key', detail: 'signing signs the verity root hash, but "verity" is false', hint: 'set "verity: true"' });
  }
  if (output?.level !== undefined && output.compression === 'none') {
    checks.push({ path: ['output', 'level'], at: 'key', detail: '"output.level" has no effect without compression', hint: 'remove "level", or set "compression" to "zstd"' });
  }
  if (recipe.files !== undefined) {
    const normalized = normalize(recipe.files);
    if (isAbsolute(recipe.files) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
      checks.push({ path: ['files'], at: 'value', detail: `"files" must be a folder inside the recipe's folder, not "${recipe.files}"`, hint: 'write a path relative to the folder of recipe.yaml' });
    }
  }

  (recipe.removeFiles ?? []).forEach((glob, index) => {
    const reason = unmatchableGlobReason(glob);
    if (reason) checks.push({ path: ['removeFiles', index], at: 'value', detail: `removeFiles entry ${reason.detail}`, hint: reason.hint });
  });
  for (const path of [['removeFiles'], ['kernel', 'modules']] as const) {
    const list = path.length === 1 ? recipe.removeFiles : recipe.kernel?.modules;
    if (list && list.length > MAX_GLOBS) {
      checks.push({ path: [...path], at: 'key', detail: `"${path.join('.')}" holds ${list.length} entries; at most ${MAX_GLOBS} are accepted`, hint: 'match whole folders with "**" instead of listing their files' });
    }
  }

  const ids = new Map<string, number>();
  (recipe.repositories ?? []).forEach((repo, index) => {
    const where = `repository "${repo.id}"`;
    const first = ids.get(repo.id);
    if (first !== undefined) {
      checks.push({ path: ['repositories', index, 'id'], at: 'value', detail: `repository "${repo.id}" is listed twice`, hint: `merge it with repositories[${first}]` });
    } else {
      ids.set(repo.id, index);
    }
    const keys = repo.gpgkey === undefined ? [] : Array.isArray(repo.gpgkey) ? repo.gpgkey : [repo.gpgkey];
    if (repo.gpgcheck === true && keys.length === 0) {
      checks.push({ path: ['repositories', index, 'gpgcheck'], at: 'key', detail: `${where} has gpgcheck but no gpgkey; strata never uses the build host's rpm keyring`, hint: 'add "gpgkey: file:///path/to/KEY" (or an https:// URL) with the key that signs its packages' });
    }
    for (const field of REPOSITORY_URL_FIELDS) {
      const value = repo[field];
      const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
      values.forEach((text, item) => {
        const path: RecipePath = Array.isArray(value) ? ['repositories', index, field, item] : ['repositories', index, field];
        let refs;
        try {
          refs = findVariables(text);
        } catch (err) {
          if (!(err instanceof VariableError)) throw err;
          checks.push({ path, at: { within: text.slice(err.index, err.index + 2) }, detail: `${err.message.replace(/ in ".*"$/, '')} in ${where}`, hint: 'write ${releasever} or ${basearch}' });
          return;
        }
        for (const ref of refs) {
          const unknown = unknownVariableMessage(ref.name, where);
          if (!unknown) continue;
          const known = KNOWN_VARIABLES.map((v) => `$${v}`);
          checks.push({ path, at: { within: text.slice(ref.index, ref.index + ref.length) }, detail: unknown, hint: didYouMean(`$${ref.name}`, known) ?? `known variables: ${known.join(', ')}` });
        }
      });
    }
  });
  return checks;
}

export interface ParseRecipeOptions extends LoadRecipeOptions {
  /** Whether the recipe folder has the default files/ folder (loadRecipeFile looks). */
  hasDefaultFilesDir?: boolean;
}

/**
 * Parse and validate the text of a recipe whose file is `file` (absolute, or relative to the
 * current directory). Pure: the file system is not read. Throws a RecipeError, or a RecipeErrors
 * listing several, the most relevant first.
 */
export function parseRecipe(text: string, file: string, options: ParseRecipeOptions = {}): LoadedRecipe {
  const absolute = resolve(file);
  const shown = options.workspaceRoot ? relative(resolve(options.workspaceRoot), absolute).split(sep).join('/') : displayPath(absolute);
  const displayFile = shown === '' || shown === '..' || shown.startsWith('../') || isAbsolute(shown) ? absolute : shown;
  const dir = dirname(absolute);
  const name = basename(dir);

  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RECIPE_BYTES) {
    throw new RecipeError(displayFile, 1, 1, `the recipe is ${bytes} bytes; at most ${MAX_RECIPE_BYTES} are accepted`, 'a recipe names packages and globs; match whole folders with "**" instead of listing files');
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  throwRecipeErrors(yamlErrors(doc, lines, displayFile));
  const map = new SourceMap(doc, lines, text);
  const errorAt = (path: RecipePath, detail: string, hint?: string, at: PositionTarget = 'key'): RecipeError => {
    const { line, column } = map.position(path, at);
    return new RecipeError(displayFile, line, column, detail, hint);
  };

  if (!NAME_PATTERN.test(name)) {
    throw new RecipeError(displayFile, 1, 1, `the recipe folder name "${name}" cannot be a project name`, 'use letters, digits, ".", "_" and "-", starting with a letter or digit');
  }

  const data: unknown = toData(doc, lines, displayFile);
  if (data === null || data === undefined) {
    throw new RecipeError(displayFile, 1, 1, 'the recipe is empty', 'start with "kind: initrd" (or sysext, confext)');
  }
  const validation = validateRecipeData(data);
  if (!validation.valid) {
    const found = withoutExplained(validation.findings, data).map((f) => ({ missing: f.missing !== undefined, error: errorAt(f.path, f.detail, f.hint, f.at) }));
    found.sort((a, b) => Number(a.missing) - Number(b.missing) || a.error.line - b.error.line || a.error.column - b.error.column);
    throwRecipeErrors(found.map((f) => f.error));
  }
  const recipe = (validation as { recipe: Recipe }).recipe;

  throwRecipeErrors(
    semanticChecks(recipe).map((check) => {
      if (typeof check.at === 'string') return errorAt(check.path, check.detail, check.hint, check.at);
      const { line, column } = map.positionWithin(check.path, check.at.within);
      return new RecipeError(displayFile, line, column, check.detail, check.hint);
    }),
  );

  const filesDir = recipe.files !== undefined ? join(dir, recipe.files) : options.hasDefaultFilesDir ? join(dir, DEFAULT_FILES_DIR) : null;
  return {
    name,
    dir,
    file: absolute,
    displayFile,
    recipe,
    filesDir,
    position: (path, at) => map.position(path, at),
    has: (path) => map.has(path),
    errorAt,
  };
}

/**
 * A missing key that a misspelt key in the same mapping already explains ("knd" for "kind") is
 * not reported twice. The rest are reported most relevant first: in file order, missing keys last.
 */
function withoutExplained(findings: SchemaFinding[], data: unknown): SchemaFinding[] {
  const explained = new Set(
    findings
      .filter((f) => f.detail.startsWith('unknown key') && f.hint?.startsWith('did you mean'))
      .map((f) => `${mappingName(data, f.path.slice(0, -1))}|${/did you mean "(.*)"\?/.exec(f.hint ?? '')?.[1]}`),
  );
  return findings.filter((f) => !(f.missing && explained.has(`${mappingName(data, f.path)}|${f.missing}`)));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Read, parse and validate recipes/<name>/recipe.yaml. Besides what parseRecipe checks, an
 * explicit "files" folder must exist; without "files", the recipe's files/ folder is used when
 * there is one.
 */
export function loadRecipeFile(path: string, options: LoadRecipeOptions = {}): LoadedRecipe {
  const absolute = resolve(options.workspaceRoot ?? '.', path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new Error(`${displayPath(absolute)}: cannot read the recipe: ${(err as Error).message}`);
  }
  const dir = dirname(absolute);
  const loaded = parseRecipe(text, absolute, { ...options, hasDefaultFilesDir: isDirectory(join(dir, DEFAULT_FILES_DIR)) });
  const files = loaded.recipe.files;
  if (files !== undefined && !isDirectory(join(dir, files))) {
    const wanted = loaded.displayFile.includes('/') ? `${dirname(loaded.displayFile)}/${files}` : files;
    throw loaded.errorAt(['files'], `the files folder "${files}" does not exist`, `create ${wanted}, or remove "files"`, 'value');
  }
  return loaded;
}
