/**
 * The one glob dialect of recipes (removeFiles, kernel.modules), matched against paths relative to
 * a root ("usr/share/doc/x"):
 *   - `**` as a whole part of the path spans zero or more folders ("usr/share/doc/**"); inside a
 *     name it is `*`;
 *   - `*` and `?` stay within one name, and match names that start with a dot;
 *   - `[...]` is a character class, `[!...]` or `[^...]` its complement, POSIX classes included;
 *   - leading slashes are ignored; every other character, the backslash included, is itself.
 * picomatch does the matching; the options and the quoting below keep it to exactly this dialect.
 */
import picomatch from 'picomatch/posix';

const OPTIONS = {
  dot: true,
  // "usr/share/doc/**" matches what is below the folder, not the folder itself.
  strictSlashes: true,
  // [!a-z] is a complement, as in the shell.
  posix: true,
  // {a,b}, !x, @(x) and friends are not part of the dialect: their characters are literal.
  nobrace: true,
  noextglob: true,
  nonegate: true,
  // "+" is a plus sign, never a quantifier.
  regex: false,
  // [...] is always a class, never also its own literal text.
  literalBrackets: false,
  // picomatch's shortcut for plain patterns leaves some regular-expression characters unquoted ("^^").
  fastpaths: false,
  // A malformed class ("[z-a]") is an error, not a pattern that silently matches nothing.
  debug: true,
} as const;

/**
 * picomatch reads the backslash as an escape and collapses runs of them, but in image paths it is
 * an ordinary character (systemd's "\x2d" unit names). Pattern and path both trade it for a lone
 * surrogate, which no name decoded from UTF-8 can hold, so it matches itself and nothing else.
 */
const BACKSLASH = /\\/g;
const STAND_IN = '\udfff';

/** Characters picomatch would treat as syntax under these options; quoted, they are literal. */
const LITERAL = /[(){}|"]/g;

export type PathMatcher = (path: string) => boolean;

/** A matcher for one glob; compile once, test many paths. */
export function globMatcher(pattern: string): PathMatcher {
  const quoted = pattern.replace(/^\/+/, '').replace(BACKSLASH, STAND_IN).replace(LITERAL, '\\$&');
  if (quoted === '') return () => false;
  let re: RegExp;
  try {
    re = picomatch.makeRe(quoted, OPTIONS);
  } catch (err) {
    throw new Error(`glob ${JSON.stringify(pattern)} is malformed: ${(err as Error).message}`);
  }
  return (path) => re.test(path.replace(BACKSLASH, STAND_IN));
}

/** A matcher for a path any of the globs match. */
export function anyGlobMatcher(patterns: readonly string[]): PathMatcher {
  const matchers = patterns.map(globMatcher);
  return (path) => matchers.some((matches) => matches(path));
}
