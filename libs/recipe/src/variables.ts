/**
 * dnf-style variables in repository URLs: $releasever and $basearch, also written ${releasever}.
 */

export const KNOWN_VARIABLES = ['releasever', 'basearch'] as const;

/** The repository fields in which variables are substituted. */
export const REPOSITORY_URL_FIELDS = ['baseurl', 'metalink', 'mirrorlist', 'gpgkey', 'archive'] as const;
export type VariableName = (typeof KNOWN_VARIABLES)[number];

/** One variable reference in a string: its name and where it is ("$name" or "${name}"). */
export interface VariableReference {
  name: string;
  index: number;
  length: number;
}

export class VariableError extends Error {
  constructor(
    message: string,
    readonly variable: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'VariableError';
  }
}

const REFERENCE = /\$(?:\{([^}]*)\}?|([A-Za-z0-9_]+))/g;

/**
 * The variable references in `text`. A "$" not followed by a name or "{" is kept as it is.
 * Throws a VariableError for "${" without its "}" or with an invalid name.
 */
export function findVariables(text: string): VariableReference[] {
  const found: VariableReference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const index = match.index ?? 0;
    if (match[2] !== undefined) {
      found.push({ name: match[2], index, length: match[0].length });
      continue;
    }
    const braced = match[1] ?? '';
    if (!match[0].endsWith('}')) throw new VariableError(`"\${" without its closing "}" in "${text}"`, braced, index);
    if (!/^[A-Za-z0-9_]+$/.test(braced)) throw new VariableError(`invalid variable name "\${${braced}}" in "${text}"`, braced, index);
    found.push({ name: braced, index, length: match[0].length });
  }
  return found;
}

/** Why a variable is not accepted, or undefined when it is one of KNOWN_VARIABLES. */
export function unknownVariableMessage(name: string, where?: string): string | undefined {
  if ((KNOWN_VARIABLES as readonly string[]).includes(name)) return undefined;
  return `unknown variable "$${name}"${where ? ` in ${where}` : ''}`;
}

/**
 * Replace $releasever/${releasever} and $basearch/${basearch} in `text` with `values`.
 * `where` names the text in errors (e.g. the repository id). Throws a VariableError naming the
 * variable when it is not one strata knows, or when no value is given for it.
 */
export function substituteVariables(text: string, values: Partial<Record<VariableName, string>>, where?: string): string {
  const context = where ? ` in repository "${where}"` : '';
  let out = '';
  let last = 0;
  for (const ref of findVariables(text)) {
    const unknown = unknownVariableMessage(ref.name);
    if (unknown) throw new VariableError(`${unknown}${context} ("${text}"); known variables: ${KNOWN_VARIABLES.map((v) => `$${v}`).join(', ')}`, ref.name, ref.index);
    const value = values[ref.name as VariableName];
    if (value === undefined) throw new VariableError(`no value for "$${ref.name}"${context} ("${text}")`, ref.name, ref.index);
    out += text.slice(last, ref.index) + value;
    last = ref.index + ref.length;
  }
  return out + text.slice(last);
}
