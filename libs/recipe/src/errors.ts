import { isAbsolute, relative, sep } from 'node:path';

/** Show a path relative to the current directory when it lies inside it. */
export function displayPath(file: string, from = process.cwd()): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(from, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return file;
  return rel.split(sep).join('/');
}

/**
 * A mistake in a recipe, at a line and column of its file. `message` (and `toString()`) is the
 * complete report, compiler style:
 *
 *     recipes/foo/recipe.yaml:3:5: error: unknown key "pakages" in recipe
 *       hint: did you mean "packages"?
 *
 * `detail` is the sentence after "error: ", `hint` the optional advice. `file` is kept as given;
 * an absolute path is shown relative to the current directory when it lies inside it.
 */
export class RecipeError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly detail: string;
  readonly hint: string | undefined;

  constructor(file: string, line: number, column: number, detail: string, hint?: string) {
    super(formatRecipeError(file, line, column, detail, hint));
    this.name = 'RecipeError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
    this.hint = hint;
  }

  /** The report as the user reads it (same as `message`). */
  override toString(): string {
    return this.message;
  }
}

export function formatRecipeError(file: string, line: number, column: number, detail: string, hint?: string): string {
  return `${displayPath(file)}:${line}:${column}: error: ${detail}${hint ? `\n  hint: ${hint}` : ''}`;
}

/**
 * Several mistakes found together. It is itself a RecipeError carrying the first (most relevant)
 * one's position and detail; `message` lists all of them, one report after the other.
 */
export class RecipeErrors extends RecipeError {
  readonly errors: readonly RecipeError[];

  constructor(errors: readonly RecipeError[]) {
    if (errors.length === 0) throw new Error('RecipeErrors needs at least one error');
    const [first] = errors;
    super(first.file, first.line, first.column, first.detail, first.hint);
    this.name = 'RecipeErrors';
    this.errors = errors;
    this.message = errors.map((e) => e.message).join('\n');
  }
}

/** Throw nothing, one RecipeError, or a RecipeErrors holding them all (in the given order). */
export function throwRecipeErrors(errors: readonly RecipeError[]): void {
  const flat = errors.flatMap((e) => (e instanceof RecipeErrors ? e.errors : [e]));
  if (flat.length === 1) throw flat[0];
  if (flat.length > 1) throw new RecipeErrors(flat);
}

/** The errors a thrown RecipeError stands for (several for a RecipeErrors). */
export function recipeErrorsOf(err: RecipeError): readonly RecipeError[] {
  return err instanceof RecipeErrors ? err.errors : [err];
}
